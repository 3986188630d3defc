//! Publishing against moto's S3 and CloudFront: only changed files travel,
//! only changed pages are invalidated, stale objects go.

mod common;

use common::{config, demo, product_mut};
use static_site::{files, publish, publish_files, render_product_change, render_site};

struct Moto {
    s3: aws_sdk_s3::Client,
    cloudfront: aws_sdk_cloudfront::Client,
    bucket: String,
    distribution: String,
}

async fn moto(bucket: &str) -> Moto {
    let service = tokio::task::spawn_blocking(standins::services::moto)
        .await
        .unwrap();
    let sdk = standins::aws::sdk_config(&service.endpoint()).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let cloudfront = aws_sdk_cloudfront::Client::new(&sdk);
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    let distribution =
        standins::fixtures::distribution(&cloudfront, bucket, &format!("test-{bucket}"))
            .await
            .unwrap();
    Moto {
        s3,
        cloudfront,
        bucket: bucket.to_owned(),
        distribution,
    }
}

impl Moto {
    async fn publish(&self, dir: &std::path::Path) -> static_site::PublishReport {
        publish(
            &self.s3,
            &self.cloudfront,
            &self.bucket,
            &self.distribution,
            dir,
        )
        .await
        .unwrap()
    }

    async fn head(&self, key: &str) -> aws_sdk_s3::operation::head_object::HeadObjectOutput {
        self.s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .unwrap()
    }

    async fn invalidation_paths(&self, id: &str) -> Vec<String> {
        let out = self
            .cloudfront
            .get_invalidation()
            .distribution_id(&self.distribution)
            .id(id)
            .send()
            .await
            .unwrap();
        let batch = out.invalidation().unwrap().invalidation_batch().unwrap();
        let mut paths = batch.paths().unwrap().items().to_vec();
        paths.sort();
        paths
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_only_what_changed() {
    let moto = moto("site-changes").await;
    let mut products = demo();
    let dir = tempfile::tempdir().unwrap();
    render_site(&products, &config(), dir.path()).unwrap();
    files::copy_tree(&common::demo_images(), &dir.path().join("images")).unwrap();
    let all = files::list(dir.path()).unwrap();

    // First publish: everything goes up with the right headers.
    let first = moto.publish(dir.path()).await;
    assert_eq!(first.uploaded, all);
    assert_eq!(first.unchanged, 0);
    let page = moto.head("p/KIT-001/index.html").await;
    assert_eq!(page.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(
        page.cache_control(),
        Some("public, max-age=60, must-revalidate")
    );
    let js = all.iter().find(|k| k.starts_with("assets/app.")).unwrap();
    let js = moto.head(js).await;
    assert_eq!(js.content_type(), Some("text/javascript; charset=utf-8"));
    assert_eq!(
        js.cache_control(),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(
        moto.head("images/KIT-001.svg").await.content_type(),
        Some("image/svg+xml")
    );
    assert!(first.invalidation_id.is_some());

    // Second publish, nothing changed: nothing uploaded, nothing invalidated.
    render_site(&products, &config(), dir.path()).unwrap();
    let second = moto.publish(dir.path()).await;
    assert!(second.uploaded.is_empty(), "{:?}", second.uploaded);
    assert_eq!(second.unchanged, all.len());
    assert!(second.deleted.is_empty());
    assert!(second.invalidated.is_empty());
    assert_eq!(second.invalidation_id, None);

    // One product changes: only its pages go up, only their paths are invalidated.
    let before = product_mut(&mut products, "KIT-002").clone();
    product_mut(&mut products, "KIT-002").price.amount += 50;
    let changed = product_mut(&mut products, "KIT-002").clone();
    let touched =
        render_product_change(&products, &changed, Some(&before), &config(), dir.path()).unwrap();
    let third = moto.publish(dir.path()).await;
    assert_eq!(
        third.uploaded,
        [
            "c/kitchen/index.html",
            "data/c/kitchen.json",
            "data/search.json",
            "p/KIT-002/index.html"
        ]
    );
    assert_eq!(third.uploaded, touched);
    // One path per page: its index.html form, the only one CloudFront caches it under.
    let expected = [
        "/c/kitchen/index.html",
        "/data/c/kitchen.json",
        "/data/search.json",
        "/p/KIT-002/index.html",
    ];
    assert_eq!(third.invalidated, expected);
    let id = third.invalidation_id.unwrap();
    assert_eq!(moto.invalidation_paths(&id).await, expected);

    // A photo upload waiting for the admin API's check (uploads/) is not the site's to prune.
    moto.s3
        .put_object()
        .bucket(&moto.bucket)
        .key("uploads/KIT-001/01kb0000000000000000000000.jpg")
        .body(b"\xFF\xD8\xFF".to_vec().into())
        .send()
        .await
        .unwrap();

    // A product removed from the catalogue: its page is deleted and invalidated.
    products.retain(|p| p.sku.as_str() != "KIT-005");
    render_site(&products, &config(), dir.path()).unwrap();
    let fourth = moto.publish(dir.path()).await;
    assert_eq!(fourth.deleted, ["p/KIT-005/index.html"]);
    assert!(
        fourth
            .invalidated
            .contains(&"/p/KIT-005/index.html".to_owned())
    );
    assert!(
        moto.s3
            .head_object()
            .bucket(&moto.bucket)
            .key("images/KIT-005.svg")
            .send()
            .await
            .is_ok(),
        "images are never deleted by a publish"
    );
    assert!(
        moto.s3
            .head_object()
            .bucket(&moto.bucket)
            .key("uploads/KIT-001/01kb0000000000000000000000.jpg")
            .send()
            .await
            .is_ok(),
        "an upload being checked is never deleted by a publish"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_an_incremental_render_from_a_fresh_directory() {
    let moto = moto("site-incremental").await;
    let mut products = demo();
    let full = tempfile::tempdir().unwrap();
    render_site(&products, &config(), full.path()).unwrap();
    moto.publish(full.path()).await;

    // The catalogue publisher renders into an empty directory and publishes the list.
    let before = product_mut(&mut products, "LIG-001").clone();
    product_mut(&mut products, "LIG-001").price.amount += 500;
    let changed = product_mut(&mut products, "LIG-001").clone();
    let scratch = tempfile::tempdir().unwrap();
    let touched = render_product_change(
        &products,
        &changed,
        Some(&before),
        &config(),
        scratch.path(),
    )
    .unwrap();
    let report = publish_files(
        &moto.s3,
        &moto.cloudfront,
        &moto.bucket,
        &moto.distribution,
        scratch.path(),
        &touched,
    )
    .await
    .unwrap();
    // Assets were written to the scratch directory too, but are already up.
    assert_eq!(
        report.uploaded,
        [
            "c/lighting/index.html",
            "data/c/lighting.json",
            "data/search.json",
            "index.html",
            "p/LIG-001/index.html"
        ]
    );
    assert!(report.invalidated.contains(&"/index.html".to_owned()));
    assert!(!report.invalidated.iter().any(|p| p.starts_with("/assets/")));
}
