//! Publishing a rendered directory to the site bucket behind CloudFront.
//!
//! Only files whose content changed are uploaded: a file's MD5 is compared
//! with the object's ETag from one bucket listing (for single-part uploads
//! without KMS, which is what this module makes, S3's ETag is the MD5), so an
//! unchanged site costs a listing and nothing else. Stale objects are deleted
//! (never under [`crate::render::KEPT_PREFIXES`]: product images are uploaded
//! by the admin area). One CloudFront invalidation covers the changed and
//! deleted pages; hashed assets never need one. The catalogue publisher
//! uploads record by record ([`upload_files`], [`sync`]) and makes one
//! invalidation per record batch ([`invalidate_keys`]): CloudFront charges
//! per path past the free thousand a month.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_cloudfront::types::{InvalidationBatch, Paths};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};
use futures::{StreamExt, TryStreamExt};
use md5::{Digest, Md5};

use crate::assets::is_hashed_asset;
use crate::error::SiteError;
use crate::files;
use crate::render::KEPT_PREFIXES;

/// Cache-Control of pages and data: short-lived, revalidated.
pub const CACHE_PAGE: &str = "public, max-age=60, must-revalidate";
/// Cache-Control of content-hashed assets: a year, immutable.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Cache-Control of product images (their keys are not content-hashed).
pub const CACHE_IMAGE: &str = "public, max-age=86400";
/// Beyond this many changed pages, one wildcard invalidation (`/*`) is sent
/// instead (CloudFront limits paths in flight, and charges per path).
pub const MAX_INVALIDATION_PATHS: usize = 1000;
/// Uploads in flight at once.
const CONCURRENCY: usize = 16;

/// What a publish did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishReport {
    /// Object keys uploaded (new or changed), sorted.
    pub uploaded: Vec<String>,
    /// Files whose object was already up to date.
    pub unchanged: usize,
    /// Stale object keys deleted, sorted.
    pub deleted: Vec<String>,
    /// Paths in the CloudFront invalidation, sorted (empty: none was made).
    pub invalidated: Vec<String>,
    /// The invalidation's id, when one was created.
    pub invalidation_id: Option<String>,
}

/// The `Content-Type` of an output file, by extension.
pub fn content_type(key: &str) -> &'static str {
    match key.rsplit_once('.').map(|(_, e)| e) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

/// The `Cache-Control` of an output file.
pub fn cache_control(key: &str) -> &'static str {
    if is_hashed_asset(key) {
        CACHE_IMMUTABLE
    } else if key.starts_with("images/") {
        CACHE_IMAGE
    } else {
        CACHE_PAGE
    }
}

/// The CloudFront paths to invalidate for a changed object key: none for
/// hashed assets, the object's own path otherwise. A page is cached only
/// under its `index.html` form: the viewer function (public pages) and the
/// edge (protected ones) rewrite `/x/` to `/x/index.html` before CloudFront
/// makes the cache key, so `/x/` is never a cache key and one path per page
/// is paid, not two.
pub fn invalidation_paths(key: &str) -> Vec<String> {
    if is_hashed_asset(key) {
        return Vec::new();
    }
    vec![format!("/{}", key.trim_start_matches('/'))]
}

fn md5_hex(body: &[u8]) -> String {
    hex::encode(Md5::digest(body))
}

fn err(what: &str, e: impl std::fmt::Display) -> SiteError {
    // The SDK's Display is terse; its Debug-free chain is enough to act on.
    SiteError::Publish(format!("{what}: {e}"))
}

/// Uploads what changed in `dir` to `bucket`, deletes stale objects, and
/// makes one CloudFront invalidation for the changed and deleted pages.
pub async fn publish(
    s3: &aws_sdk_s3::Client,
    cloudfront: &aws_sdk_cloudfront::Client,
    bucket: &str,
    distribution_id: &str,
    dir: &Path,
) -> Result<PublishReport, SiteError> {
    let mut report = sync(s3, bucket, dir).await?;
    let keys: Vec<String> = report
        .uploaded
        .iter()
        .chain(&report.deleted)
        .cloned()
        .collect();
    let (paths, id) = invalidate_keys(cloudfront, distribution_id, &keys).await?;
    (report.invalidated, report.invalidation_id) = (paths, id);
    Ok(report)
}

/// Uploads what changed in `dir` to `bucket` and deletes stale objects;
/// invalidates nothing (the caller batches that: [`invalidate_keys`]).
pub async fn sync(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    dir: &Path,
) -> Result<PublishReport, SiteError> {
    let local = files::list(dir)?;
    let remote = list_etags(s3, bucket).await?;
    let mut report = upload_changed(s3, bucket, dir, &local, &remote).await?;

    let local_set: std::collections::HashSet<&str> = local.iter().map(String::as_str).collect();
    let stale: Vec<String> = remote
        .keys()
        .filter(|k| !local_set.contains(k.as_str()))
        .filter(|k| !KEPT_PREFIXES.iter().any(|p| k.starts_with(p)))
        .cloned()
        .collect();
    for batch in stale.chunks(1000) {
        let objects = batch
            .iter()
            .map(|k| ObjectIdentifier::builder().key(k).build())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| err("delete request", e))?;
        let delete = Delete::builder()
            .set_objects(Some(objects))
            .quiet(true)
            .build()
            .map_err(|e| err("delete request", e))?;
        s3.delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(|e| {
                err(
                    "deleting stale objects",
                    aws_sdk_s3::error::DisplayErrorContext(e),
                )
            })?;
    }
    report.deleted = stale;
    Ok(report)
}

/// Uploads the given output files of `dir` (relative paths, as
/// [`crate::render_product_change`] returns them) when their object differs,
/// and invalidates those pages. Deletes nothing: for incremental updates.
pub async fn publish_files(
    s3: &aws_sdk_s3::Client,
    cloudfront: &aws_sdk_cloudfront::Client,
    bucket: &str,
    distribution_id: &str,
    dir: &Path,
    files: &[String],
) -> Result<PublishReport, SiteError> {
    let mut report = upload_files(s3, bucket, dir, files).await?;
    let (paths, id) = invalidate_keys(cloudfront, distribution_id, &report.uploaded).await?;
    (report.invalidated, report.invalidation_id) = (paths, id);
    Ok(report)
}

/// Uploads the given output files of `dir` whose object differs; invalidates
/// nothing (the caller batches that: [`invalidate_keys`]).
pub async fn upload_files(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    dir: &Path,
    files: &[String],
) -> Result<PublishReport, SiteError> {
    let remote: BTreeMap<String, String> = futures::stream::iter(files)
        .map(|key| async move {
            match s3.head_object().bucket(bucket).key(key).send().await {
                Ok(head) => Ok(head
                    .e_tag()
                    .map(|t| (key.clone(), t.trim_matches('"').to_owned()))),
                Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
                Err(e) => Err(err(
                    "checking object",
                    aws_sdk_s3::error::DisplayErrorContext(e),
                )),
            }
        })
        .buffer_unordered(CONCURRENCY)
        .try_filter_map(|x| async move { Ok(x) })
        .try_collect()
        .await?;
    upload_changed(s3, bucket, dir, files, &remote).await
}

/// Every object key of the bucket with its ETag (quotes removed).
async fn list_etags(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
) -> Result<BTreeMap<String, String>, SiteError> {
    let mut out = BTreeMap::new();
    let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            err(
                "listing the bucket",
                aws_sdk_s3::error::DisplayErrorContext(e),
            )
        })?;
        for o in page.contents() {
            if let Some(key) = o.key() {
                let etag = o.e_tag().unwrap_or_default().trim_matches('"').to_owned();
                out.insert(key.to_owned(), etag);
            }
        }
    }
    Ok(out)
}

async fn upload_changed(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    dir: &Path,
    local: &[String],
    remote: &BTreeMap<String, String>,
) -> Result<PublishReport, SiteError> {
    let results: Vec<Option<String>> = futures::stream::iter(local)
        .map(|key| async move {
            let file = dir.join(key);
            let body = tokio::fs::read(&file)
                .await
                .map_err(|e| SiteError::io(&file, e))?;
            if remote.get(key).is_some_and(|etag| *etag == md5_hex(&body)) {
                return Ok(None);
            }
            s3.put_object()
                .bucket(bucket)
                .key(key)
                .content_type(content_type(key))
                .cache_control(cache_control(key))
                .body(ByteStream::from(body))
                .send()
                .await
                .map_err(|e| {
                    err(
                        &format!("uploading {key}"),
                        aws_sdk_s3::error::DisplayErrorContext(e),
                    )
                })?;
            Ok::<_, SiteError>(Some(key.clone()))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let total = results.len();
    let mut uploaded: Vec<String> = results.into_iter().flatten().collect();
    uploaded.sort();
    Ok(PublishReport {
        unchanged: total - uploaded.len(),
        uploaded,
        ..PublishReport::default()
    })
}

/// One CloudFront invalidation for the pages of changed or deleted object
/// keys (none when no key needs one; `/*` past [`MAX_INVALIDATION_PATHS`]).
/// Answers the paths and the invalidation's id.
pub async fn invalidate_keys(
    cloudfront: &aws_sdk_cloudfront::Client,
    distribution_id: &str,
    keys: &[String],
) -> Result<(Vec<String>, Option<String>), SiteError> {
    let mut paths: Vec<String> = keys.iter().flat_map(|k| invalidation_paths(k)).collect();
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        return Ok((paths, None));
    }
    if paths.len() > MAX_INVALIDATION_PATHS {
        paths = vec!["/*".to_owned()];
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let reference = format!(
        "shop-site-{nanos}-{}",
        &md5_hex(paths.join("\n").as_bytes())[..8]
    );
    let batch = InvalidationBatch::builder()
        .caller_reference(reference)
        .paths(
            Paths::builder()
                .quantity(paths.len() as i32)
                .set_items(Some(paths.clone()))
                .build()
                .map_err(|e| err("invalidation request", e))?,
        )
        .build()
        .map_err(|e| err("invalidation request", e))?;
    let out = cloudfront
        .create_invalidation()
        .distribution_id(distribution_id)
        .invalidation_batch(batch)
        .send()
        .await
        .map_err(|e| {
            err(
                "creating the invalidation",
                aws_sdk_cloudfront::error::DisplayErrorContext(e),
            )
        })?;
    Ok((paths, out.invalidation().map(|i| i.id().to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_follow_the_kind_of_file() {
        let lib = crate::assets::Assets::get()
            .url("lib.js")
            .trim_start_matches('/')
            .to_owned();
        assert_eq!(cache_control(&lib), CACHE_IMMUTABLE);
        assert_eq!(content_type(&lib), "text/javascript; charset=utf-8");
        assert_eq!(cache_control("p/KIT-001/index.html"), CACHE_PAGE);
        assert_eq!(
            content_type("p/KIT-001/index.html"),
            "text/html; charset=utf-8"
        );
        assert_eq!(content_type("data/search.json"), "application/json");
        assert_eq!(content_type("images/KIT-001.svg"), "image/svg+xml");
        assert_eq!(cache_control("images/KIT-001.svg"), CACHE_IMAGE);
    }

    #[test]
    fn invalidates_pages_not_assets() {
        assert_eq!(invalidation_paths("index.html"), ["/index.html"]);
        assert_eq!(
            invalidation_paths("c/kitchen/index.html"),
            ["/c/kitchen/index.html"]
        );
        assert_eq!(
            invalidation_paths("data/search.json"),
            ["/data/search.json"]
        );
        let css = crate::assets::Assets::get()
            .url("site.css")
            .trim_start_matches('/')
            .to_owned();
        assert!(invalidation_paths(&css).is_empty());
    }
}
