//! Product photos through the admin API against DynamoDB Local and moto's S3: a real JPEG
//! is uploaded with the presigned PUT, completed, resized into its variants and added to the
//! product; every kind of bad upload is refused with a 4xx JSON error and leaves nothing
//! stored, nothing published and the product unchanged.

mod common;

use std::io::Cursor;

use axum::Router;
use axum::http::StatusCode;
use common::{Answer, Shop, call};
use functions::admin::{self, ADMIN_GROUP, AdminState, ImageUpload};
use functions::users::UserDirectory;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use shop::Sku;

struct Office {
    shop: Shop,
    api: Router,
    owner: Vec<(String, String)>,
    bucket: String,
    s3: aws_sdk_s3::Client,
}

async fn office() -> Office {
    let shop = common::shop().await;
    let moto = tokio::task::spawn_blocking(standins::services::moto)
        .await
        .unwrap()
        .endpoint();
    let s3 = standins::aws::s3_client(&moto).await;
    let bucket = format!("photos-{}", ulid::Ulid::new().to_string().to_lowercase());
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    // The owner, an admin in a pool of this test's own (the API checks live membership).
    let cognito = tokio::task::spawn_blocking(standins::services::cognito)
        .await
        .unwrap()
        .endpoint();
    let client =
        aws_sdk_cognitoidentityprovider::Client::new(&standins::aws::sdk_config(&cognito).await);
    let email = format!(
        "owner-{}@example.com",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let people = vec![standins::cognito::DemoUser {
        email: email.clone(),
        password: "Owner-Passw0rd!".into(),
        admin: true,
    }];
    let pool = standins::cognito::create_user_pool(&client, "http://127.0.0.1:3000", &people)
        .await
        .unwrap();
    let users = UserDirectory::new(client, pool.pool_id);
    let me = users.get_user(&email).await.unwrap();
    let api = admin::router(AdminState {
        store: shop.store.clone(),
        payments: shop.payments.clone(),
        users,
        s3: s3.clone().into(),
        site_bucket: bucket.clone(),
        admin_group: ADMIN_GROUP.into(),
    });
    let owner = vec![
        ("sub".to_owned(), me.sub.clone().unwrap()),
        ("username".to_owned(), me.username.clone()),
        ("cognito:groups".to_owned(), "[admin]".to_owned()),
    ];
    Office {
        shop,
        api,
        owner,
        bucket,
        s3,
    }
}

impl Office {
    async fn post(&self, path: &str, body: Option<serde_json::Value>) -> Answer {
        call(
            &self.api,
            "POST",
            path,
            Some(&self.owner),
            &[("content-type", "application/json")],
            body.map(|b| serde_json::to_vec(&b).unwrap()),
        )
        .await
    }

    async fn presign(&self, content_type: &str, size: usize) -> Answer {
        self.post(
            "/api/admin/products/A-1/images",
            Some(serde_json::json!({"contentType": content_type, "size": size})),
        )
        .await
    }

    /// Presigns, PUTs `bytes` as the browser would, and returns the upload.
    async fn upload(&self, content_type: &str, bytes: &[u8]) -> ImageUpload {
        let a = self.presign(content_type, bytes.len()).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.json);
        let up: ImageUpload = serde_json::from_value(a.json).unwrap();
        // A checksum signed in at presign time would be that of an empty body, and real S3
        // refuses the file's bytes against it (moto does not check): none may be there.
        let signed = format!("{} {:?}", up.url, up.headers).to_ascii_lowercase();
        assert!(!signed.contains("x-amz-checksum"), "{signed}");
        assert!(!signed.contains("x-amz-sdk-checksum"), "{signed}");
        let mut put = reqwest::Client::new().put(&up.url).body(bytes.to_vec());
        for (k, v) in &up.headers {
            put = put.header(k, v);
        }
        let resp = put.send().await.unwrap();
        assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
        up
    }

    async fn complete(&self, up: &ImageUpload) -> Answer {
        self.post(&format!("/api{}", up.complete), None).await
    }

    async fn keys(&self, prefix: &str) -> Vec<String> {
        let out = self
            .s3
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .send()
            .await
            .unwrap();
        let mut keys: Vec<String> = out
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        keys.sort();
        keys
    }

    async fn object(&self, key: &str) -> (Option<String>, Option<String>, Vec<u8>) {
        let o = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        let ct = o.content_type().map(str::to_owned);
        let cc = o.cache_control().map(str::to_owned);
        (
            ct,
            cc,
            o.body.collect().await.unwrap().into_bytes().to_vec(),
        )
    }

    async fn images(&self) -> Vec<String> {
        self.shop
            .store
            .get_product(&Sku::parse("A-1").unwrap())
            .await
            .unwrap()
            .images
    }
}

/// A photo-like gradient, `w`×`h`, as `format`.
fn picture(w: u32, h: u32, format: ImageFormat) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 90])
    });
    let mut out = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_jpeg_is_checked_resized_stored_and_then_added_to_the_product() {
    let o = office().await;
    let jpeg = picture(2000, 1500, ImageFormat::Jpeg);
    let up = o.upload("image/jpeg", &jpeg).await;
    assert!(up.key.starts_with("A-1/") && up.key.ends_with(".jpg"));
    assert_eq!(
        o.keys("uploads/").await,
        vec![format!("uploads/{}", up.key)]
    );
    assert!(
        o.images().await.is_empty(),
        "not on the product before complete"
    );

    let a = o.complete(&up).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.json);
    assert_eq!(a.json["images"], serde_json::json!([up.key]));
    assert_eq!(o.images().await, vec![up.key.clone()]);
    assert!(o.keys("uploads/").await.is_empty(), "the upload is gone");

    let (ct, cc, original) = o.object(&format!("images/{}", up.key)).await;
    assert_eq!(ct.as_deref(), Some("image/jpeg"));
    assert_eq!(cc.as_deref(), Some(admin::CACHE_PHOTO));
    assert_eq!(original, jpeg, "the original is kept as uploaded");
    for (width, height) in [(400, 300), (800, 600), (1600, 1200)] {
        let key = format!("images/{}", photos::variant_key(&up.key, width));
        let (ct, _, bytes) = o.object(&key).await;
        assert_eq!(ct.as_deref(), Some("image/jpeg"), "{key}");
        let img = image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).unwrap();
        assert_eq!((img.width(), img.height()), (width, height), "{key}");
    }

    // Completing again (a retried request) changes nothing.
    let again = o.complete(&up).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(o.images().await, vec![up.key.clone()]);
    let entries = o
        .shop
        .store
        .list_audit(
            &time::OffsetDateTime::now_utc().date().to_string(),
            100,
            None,
        )
        .await
        .unwrap()
        .items;
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.action == "product.image_add" && e.target == "A-1")
            .count(),
        1
    );
}

/// What a refused upload must leave: nothing under `uploads/` or `images/`, no image on the
/// product.
async fn nothing_kept(o: &Office, what: &str) {
    assert!(o.keys("uploads/").await.is_empty(), "{what}: upload kept");
    assert!(
        o.keys("images/").await.is_empty(),
        "{what}: something published"
    );
    assert!(o.images().await.is_empty(), "{what}: product changed");
}

#[tokio::test]
async fn bad_uploads_are_refused_with_json_errors_and_leave_nothing() {
    let o = office().await;

    // Refused before any URL is signed.
    for (content_type, size, status, code) in [
        ("image/gif", 100, 415, "unsupported_image_type"),
        ("text/plain", 100, 415, "unsupported_image_type"),
        ("image/svg+xml", 100, 415, "unsupported_image_type"),
        ("image/jpeg", 50 * 1024 * 1024, 413, "image_too_large"),
        ("image/jpeg", 0, 413, "image_too_large"),
    ] {
        let a = o.presign(content_type, size).await;
        assert_eq!(
            (a.status.as_u16(), a.code()),
            (status, code),
            "{content_type} {size}"
        );
    }
    nothing_kept(&o, "presign").await;

    // Uploaded, then refused by the check.
    let mut corrupt = b"\xFF\xD8\xFF\xE0".to_vec();
    corrupt.extend(std::iter::repeat_n(0x5A, 4000));
    let cases: [(&str, &str, Vec<u8>, u16, &str); 4] = [
        (
            "text called photo.jpg",
            "image/jpeg",
            b"just some text, not a photo\n".repeat(20),
            415,
            "not_an_image",
        ),
        (
            "SVG called a PNG",
            "image/png",
            br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.to_vec(),
            415,
            "not_an_image",
        ),
        (
            "JPEG declared as PNG",
            "image/png",
            picture(64, 64, ImageFormat::Jpeg),
            415,
            "image_type_mismatch",
        ),
        ("corrupt JPEG", "image/jpeg", corrupt, 422, "corrupt_image"),
    ];
    for (what, content_type, bytes, status, code) in cases {
        let up = o.upload(content_type, &bytes).await;
        let a = o.complete(&up).await;
        assert_eq!((a.status.as_u16(), a.code()), (status, code), "{what}");
        nothing_kept(&o, what).await;
    }

    // An object over the limit in uploads/ (written by something other than a signed PUT).
    let file = format!("{}.jpg", ulid::Ulid::new().to_string().to_lowercase());
    let mut big = picture(64, 64, ImageFormat::Jpeg);
    big.resize(photos::MAX_UPLOAD_BYTES as usize + 1, 0);
    o.s3.put_object()
        .bucket(&o.bucket)
        .key(format!("uploads/A-1/{file}"))
        .content_type("image/jpeg")
        .body(big.into())
        .send()
        .await
        .unwrap();
    let a = o
        .post(
            &format!("/api/admin/products/A-1/images/{file}/complete"),
            None,
        )
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (413, "image_too_large"));
    nothing_kept(&o, "11 MiB object").await;

    // Nothing uploaded under that name, or a name no upload ever has.
    let a = o
        .post(
            &format!("/api/admin/products/A-1/images/{file}/complete"),
            None,
        )
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (404, "upload_not_found"));
    let a = o
        .post("/api/admin/products/A-1/images/evil.svg/complete", None)
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (400, "invalid_image_key"));
    let a = o
        .post(
            &format!("/api/admin/products/NOPE-9/images/{file}/complete"),
            None,
        )
        .await;
    assert_eq!((a.status.as_u16(), a.code()), (404, "not_found"));
    nothing_kept(&o, "unknown names").await;

    // Nothing changed, so the audit trail records nothing (presigning is not a change).
    let entries = o
        .shop
        .store
        .list_audit(
            &time::OffsetDateTime::now_utc().date().to_string(),
            100,
            None,
        )
        .await
        .unwrap()
        .items;
    let photo_entries: Vec<_> = entries
        .iter()
        .filter(|e| e.action.starts_with("product.image"))
        .collect();
    assert!(photo_entries.is_empty(), "{photo_entries:?}");
}
