//! `/api/admin/products/{sku}/images…`: product photos, uploaded in two steps.
//!
//! 1. `POST …/images` answers a presigned S3 `PUT` (type and exact size signed in) to the
//!    private staging prefix `uploads/` — the browser sends the file straight to S3, so no
//!    Lambda or API Gateway payload limit applies and the function never streams it.
//! 2. `POST …/images/{file}/complete` reads the upload back, checks it for real (size, magic
//!    numbers against the declared type, dimensions before decoding, that it decodes), makes
//!    the variants ([`photos::resize`]), stores them and the original under `images/`, deletes
//!    the upload, and only then adds the image to the product. A refused upload is deleted and
//!    answered with a 4xx JSON error: nothing is published, the product is unchanged.
//!
//! Names (prefixes, widths, variant keys, limits) come from the `photos` crate, which the
//! pages use too.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use photos::{Format, PhotoError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shop::{Product, Sku};

use super::products::{MAX_IMAGES, modify_product, not_found_product, parse_sku};
use super::{AdminState, audit, conflict};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::identity::Identity;
use shop::store::Change;

/// Largest product image accepted for upload ([`photos::MAX_UPLOAD_BYTES`], 10 MiB).
pub const MAX_IMAGE_BYTES: i64 = photos::MAX_UPLOAD_BYTES as i64;
/// How long a presigned upload URL is valid.
pub(super) const UPLOAD_URL_TTL: Duration = Duration::from_secs(15 * 60);
/// `Cache-Control` of a stored photo and its variants: their keys carry a fresh ULID, so
/// they never change.
pub const CACHE_PHOTO: &str = "public, max-age=31536000, immutable";

/// `POST …/images` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct ImageRequest {
    content_type: String,
    size: i64,
}

/// A presigned upload: `PUT` the file to `url` with exactly `headers`, then
/// `POST` to `complete` (relative to the API base) to have it checked, resized and added
/// to the product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageUpload {
    /// The presigned URL.
    pub url: String,
    /// Always `PUT`.
    pub method: String,
    /// Headers the upload must carry (they are part of the signature).
    pub headers: std::collections::BTreeMap<String, String>,
    /// The image key the product will list once completed (served at `/images/<key>`).
    pub key: String,
    /// Where to `POST` once the upload is done: `/admin/products/<sku>/images/<file>/complete`.
    pub complete: String,
    /// Seconds the URL stays valid.
    pub expires_in: u64,
}

fn unsupported(message: &str) -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_image_type",
        message,
    )
}

/// The API error for a refused photo.
fn refused(e: &PhotoError) -> ApiError {
    let status = match e {
        PhotoError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        PhotoError::NotAnImage | PhotoError::TypeMismatch { .. } => {
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        }
        PhotoError::TooManyPixels { .. } | PhotoError::Corrupt(_) => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    ApiError::new(status, e.code(), e.to_string())
}

fn s3_error<E: std::error::Error + Send + Sync + 'static>(
    e: aws_sdk_s3::error::SdkError<E>,
) -> ApiError {
    ApiError::internal(aws_sdk_s3::error::DisplayErrorContext(e))
}

/// `POST /api/admin/products/{sku}/images`: a presigned S3 `PUT` to `uploads/` for one
/// image, its type and exact size signed in (JPEG, PNG or WebP; at most [`MAX_IMAGE_BYTES`]).
pub(super) async fn image_upload(
    State(state): State<AdminState>,
    _identity: Identity,
    Path(sku): Path<String>,
    JsonBody(body): JsonBody<ImageRequest>,
) -> Result<Json<ImageUpload>, ApiError> {
    let sku = parse_sku(&sku)?;
    let Some(format) = Format::from_content_type(&body.content_type) else {
        return Err(unsupported("upload a JPEG, PNG or WebP image"));
    };
    if body.size < 1 {
        return Err(refused(&PhotoError::TooLarge { size: 0 }));
    }
    photos::check_size(body.size as u64).map_err(|e| refused(&e))?;
    let product = state
        .store
        .get_product(&sku)
        .await
        .map_err(not_found_product)?;
    full(&product)?;
    let file = format!(
        "{}.{}",
        ulid::Ulid::new().to_string().to_lowercase(),
        format.extension()
    );
    let key = format!("{sku}/{file}");
    let presigning = PresigningConfig::expires_in(UPLOAD_URL_TTL).map_err(ApiError::internal)?;
    let presigned = state
        .s3
        .put_object()
        .bucket(&state.site_bucket)
        .key(format!("{}{key}", photos::UPLOAD_PREFIX))
        .content_type(format.content_type())
        .content_length(body.size)
        .presigned(presigning)
        .await
        .map_err(s3_error)?;
    let headers = presigned
        .headers()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    // Not audited: nothing has changed yet. The audit entry is written when the photo is
    // added to the product (`product.image_add`), never for an upload that fails or is refused.
    tracing::info!(sku = %sku, key, size = body.size, "photo upload presigned");
    Ok(Json(ImageUpload {
        url: presigned.uri().to_owned(),
        method: "PUT".into(),
        headers,
        complete: format!("/admin/products/{sku}/images/{file}/complete"),
        key,
        expires_in: UPLOAD_URL_TTL.as_secs(),
    }))
}

/// 409 when the product has no room for another image.
fn full(product: &Product) -> Result<(), ApiError> {
    if product.images.len() >= MAX_IMAGES {
        return Err(conflict(
            "too_many_images",
            format!("a product has at most {MAX_IMAGES} images; remove one first"),
        ));
    }
    Ok(())
}

/// The format of an upload's file name (`<ulid>.<ext>`, as [`image_upload`] made it).
fn parse_file(file: &str) -> Result<Format, ApiError> {
    let invalid = || ApiError::bad_request("invalid_image_key", "not an upload's file name");
    let (stem, ext) = file.split_once('.').ok_or_else(invalid)?;
    if stem.len() != 26 || !stem.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(invalid());
    }
    Format::ALL
        .into_iter()
        .find(|f| f.extension() == ext)
        .ok_or_else(invalid)
}

/// `POST /api/admin/products/{sku}/images/{file}/complete`: checks the upload, stores the
/// original and its variants under `images/`, deletes the upload, then adds the image to the
/// product (idempotent: a repeat after success answers the product).
pub(super) async fn complete_upload(
    State(state): State<AdminState>,
    identity: Identity,
    Path((sku, file)): Path<(String, String)>,
) -> Result<Json<Product>, ApiError> {
    let sku = parse_sku(&sku)?;
    let declared = parse_file(&file)?;
    let key = format!("{sku}/{file}");
    let product = state
        .store
        .get_product(&sku)
        .await
        .map_err(not_found_product)?;
    if product.images.contains(&key) {
        return Ok(Json(product));
    }
    let upload = format!("{}{key}", photos::UPLOAD_PREFIX);
    let result = check_and_store(&state, &upload, &key, declared).await;
    // Whatever happened, the upload is not kept: refused, it must not linger; accepted, it
    // now lives under `images/`.
    if !matches!(result, Err(ref e) if e.code == "upload_not_found")
        && let Err(e) = state
            .s3
            .delete_object()
            .bucket(&state.site_bucket)
            .key(&upload)
            .send()
            .await
    {
        tracing::warn!(error = %aws_sdk_s3::error::DisplayErrorContext(e), key = upload, "upload not deleted");
    }
    let stored = match result {
        Ok(stored) => stored,
        Err(e) => {
            tracing::info!(sku = %sku, key, code = e.code, "photo refused");
            return Err(e);
        }
    };
    let saved = add_image(&state, &sku, &key).await?;
    audit(
        &state,
        &identity,
        "product.image_add",
        sku.as_str(),
        json!({
            "key": key,
            "contentType": declared.content_type(),
            "width": stored.width,
            "height": stored.height,
            "variants": stored.variants.iter().map(|v| v.width).collect::<Vec<_>>(),
        }),
    )
    .await;
    Ok(Json(saved))
}

/// Reads the upload, checks and resizes it, and stores the original and its variants.
async fn check_and_store(
    state: &AdminState,
    upload: &str,
    key: &str,
    declared: Format,
) -> Result<photos::Resized, ApiError> {
    let head = state
        .s3
        .head_object()
        .bucket(&state.site_bucket)
        .key(upload)
        .send()
        .await;
    let head = match head {
        Ok(head) => head,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "upload_not_found",
                "no upload under this name: PUT the file to the presigned URL first",
            ));
        }
        Err(e) => return Err(s3_error(e)),
    };
    // The presigned URL fixed the size; this guards against anything else writing there.
    let size = head.content_length().unwrap_or(0).max(0) as u64;
    photos::check_size(size).map_err(|e| refused(&e))?;
    if head.content_type().and_then(Format::from_content_type) != Some(declared) {
        return Err(unsupported(
            "the upload's content type does not match its name",
        ));
    }
    let object = state
        .s3
        .get_object()
        .bucket(&state.site_bucket)
        .key(upload)
        .send()
        .await
        .map_err(s3_error)?;
    let bytes = object
        .body
        .collect()
        .await
        .map_err(ApiError::internal)?
        .into_bytes();
    let original = bytes.clone();
    let resized = tokio::task::spawn_blocking(move || photos::resize(&bytes, declared))
        .await
        .map_err(ApiError::internal)?
        .map_err(|e| refused(&e))?;

    let put = |object_key: String, content_type: &'static str, body: Vec<u8>| {
        state
            .s3
            .put_object()
            .bucket(&state.site_bucket)
            .key(object_key)
            .content_type(content_type)
            .cache_control(CACHE_PHOTO)
            .body(ByteStream::from(body))
            .send()
    };
    // Variants first: once the original is there the pages may name it.
    let puts = resized.variants.iter().map(|v| {
        put(
            format!(
                "{}{}",
                photos::IMAGE_PREFIX,
                photos::variant_key(key, v.width)
            ),
            photos::VARIANT_CONTENT_TYPE,
            v.bytes.clone(),
        )
    });
    for r in futures::future::join_all(puts).await {
        r.map_err(s3_error)?;
    }
    put(
        format!("{}{key}", photos::IMAGE_PREFIX),
        declared.content_type(),
        original.to_vec(),
    )
    .await
    .map_err(s3_error)?;
    Ok(resized)
}

/// Appends `key` to the product's images (optimistic locking, retried).
async fn add_image(state: &AdminState, sku: &Sku, key: &str) -> Result<Product, ApiError> {
    let (product, _) = modify_product(state, sku, |product| {
        if product.images.iter().any(|k| k == key) {
            return Ok(Change::Keep);
        }
        full(product)?;
        product.images.push(key.to_owned());
        Ok(Change::Write)
    })
    .await?;
    Ok(product)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_file_names() {
        assert_eq!(
            parse_file("01kb0000000000000000000000.jpg").ok(),
            Some(Format::Jpeg)
        );
        assert_eq!(
            parse_file("01kb0000000000000000000000.webp").ok(),
            Some(Format::Webp)
        );
        for bad in [
            "",
            "x.jpg",
            "01kb0000000000000000000000.svg",
            "01kb0000000000000000000000",
            "../../000000000000000000000.jpg",
            "01kb000000000000000000000/.jpg",
        ] {
            assert!(parse_file(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refusals_are_client_errors() {
        for e in [
            PhotoError::TooLarge { size: 50 << 20 },
            PhotoError::NotAnImage,
            PhotoError::TypeMismatch {
                declared: Format::Png,
                actual: Format::Jpeg,
            },
            PhotoError::TooManyPixels {
                width: 20_000,
                height: 20_000,
            },
            PhotoError::Corrupt("eof".into()),
        ] {
            let a = refused(&e);
            assert!(a.status.is_client_error(), "{e:?}");
            assert_eq!(a.code, e.code());
        }
    }
}
