//! The demo catalogue shop-local loads.

#[test]
fn the_demo_catalogue_is_valid() {
    let products = shop_local::demo::load_catalogue().unwrap();
    assert!(products.len() >= 50, "about 60 products");
    let categories: std::collections::BTreeSet<_> =
        products.iter().map(|p| p.category.as_str()).collect();
    assert!(categories.len() >= 6);
    assert!(products.iter().any(|p| p.stock == 0) && products.iter().any(|p| p.stock == 1));
    for p in &products {
        for image in &p.images {
            assert!(
                shop_local::demo::images_dir().join(image).exists(),
                "missing image {image}"
            );
        }
    }
}

/// The demo's photos are in the site bucket, as every photo of a shop in AWS is: the back
/// office checks that a product's photo keys name photos there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_images_go_into_the_site_bucket() {
    let moto = tokio::task::spawn_blocking(standins::services::moto)
        .await
        .unwrap();
    let s3 = standins::aws::s3_client(&moto.endpoint()).await;
    s3.create_bucket().bucket("demo-site").send().await.unwrap();
    let uploaded = shop_local::demo::upload_images(&s3, "demo-site")
        .await
        .unwrap();
    let products = shop_local::demo::load_catalogue().unwrap();
    assert!(uploaded >= products.len(), "{uploaded} images");
    for p in &products {
        for image in &p.images {
            let head = s3
                .head_object()
                .bucket("demo-site")
                .key(format!("images/{image}"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("images/{image}: {e}"));
            assert_eq!(head.content_type(), Some("image/svg+xml"), "{image}");
        }
    }
}
