//! `catalogue-publisher`: product changes reach the static site (ARCHITECTURE.md, path 6).
//!
//! For each `PRODUCT` stream record (in order) whose **content** changed
//! ([`content_changed`]: name, description, price, images, category, status,
//! featured) the handler re-renders exactly the pages that show the product
//! ([`static_site::render_product_change`], with the old image from the
//! record, so a moved or newly featured product touches the right listings)
//! into a working directory and uploads those whose bytes differ from the
//! bucket's objects (MD5 against the ETag). A stock-only change (every order
//! makes one) renders, uploads and invalidates nothing: pages carry no stock,
//! the live overlay shows it. After the batch, **one** CloudFront invalidation
//! covers every page the batch uploaded (invalidations are paid per path and
//! limited in flight), so a burst of edits costs one call.
//!
//! **The working directory must hold a full render** before the first
//! incremental one: a listing page is re-rendered from the whole catalogue,
//! and the assets and menus must be there. In Lambda it is `/tmp/site`,
//! empty on a cold start, so the first batch of a container renders the
//! whole catalogue from the table ([`State::prepare`]). That is the chosen
//! way over syncing the bucket down: one paginated query and a few seconds
//! of CPU for ten thousand products, against one GET per object, and the
//! render is what the bucket should hold anyway. Because that render
//! already contains the change being handled, the files to publish are not
//! "what changed in the directory" but every file the change can touch;
//! `publish_files` uploads only those that differ from the bucket.
//!
//! **Redelivery is harmless**: rendering the same catalogue gives the same
//! bytes, so a repeated record uploads nothing and invalidates nothing. A
//! failure (S3, the table) fails that record and every later one of the batch
//! (`ReportBatchItemFailures`), so they are retried in order; a failed
//! invalidation fails every record that uploaded something.
//! A deleted product (`REMOVE`) re-renders the whole site and publishes it
//! with stale objects deleted.
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the shop's table |
//! | `SITE_BUCKET` | the site bucket |
//! | `DISTRIBUTION_ID` | the CloudFront distribution in front of it |
//! | `SITE_CONFIG` | JSON of [`static_site::SiteConfig`] (camelCase; `baseUrl` and `stripePublishableKey` required, other keys default) |
//! | `BASE_URL`, `STRIPE_PUBLISHABLE_KEY` (required), `SITE_NAME`, `STRIPE_JS_URL`, `API_BASE`, `PAGE_SIZE` | or one by one, without `SITE_CONFIG` |
//! | `WORK_DIR` | where pages are rendered (default `/tmp/site`) |

use shop::config::LazyClient;
use std::path::PathBuf;
use std::sync::Arc;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use shop::store::keys;
use shop::store::table::PK;
use shop::{Product, Store};
use static_site::{PublishReport, SiteConfig, SiteError, routes};
use tokio::sync::Mutex;

use crate::filter::{KeyFilter, key_string};

/// Default working directory in Lambda.
pub const DEFAULT_WORK_DIR: &str = "/tmp/site";

/// What the publisher needs.
#[derive(Clone, Debug)]
pub struct State {
    /// The shop's table (the whole catalogue is read per batch).
    pub store: Store,
    /// S3, for the site bucket (made when a batch first changes a page).
    pub s3: LazyClient<aws_sdk_s3::Client>,
    /// CloudFront, for invalidations (likewise).
    pub cloudfront: LazyClient<aws_sdk_cloudfront::Client>,
    /// The site bucket.
    pub bucket: String,
    /// The distribution to invalidate.
    pub distribution_id: String,
    /// How pages are rendered.
    pub config: SiteConfig,
    /// Where pages are rendered.
    pub work_dir: PathBuf,
    /// Whether `work_dir` holds a full render; the lock also keeps one batch
    /// at a time in the directory.
    prepared: Arc<Mutex<bool>>,
}

/// Why publishing one record failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Rendering or uploading failed.
    #[error(transparent)]
    Site(#[from] SiteError),
    /// The table could not be read.
    #[error(transparent)]
    Store(#[from] shop::StoreError),
    /// The record's image is not a product.
    #[error("unreadable product image: {0}")]
    Image(String),
    /// A render thread failed.
    #[error("render task: {0}")]
    Task(String),
}

/// What one record (or, from [`publish_batch`], one batch) did, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Object keys uploaded (or deleted).
    pub uploaded: Vec<String>,
    /// Paths invalidated: by [`publish_batch`]'s one invalidation; empty for a single
    /// record, whose pages the batch invalidates.
    pub invalidated: Vec<String>,
}

/// Whether a product change shows on the pages: anything but stock (and the
/// version and reservations that move with it). Pages never show stock.
pub fn content_changed(old: &Product, new: &Product) -> bool {
    old.sku != new.sku
        || old.name != new.name
        || old.description != new.description
        || old.price != new.price
        || old.images != new.images
        || old.category != new.category
        || old.status != new.status
        || old.featured != new.featured
}

impl State {
    /// A publisher whose `work_dir` is rendered from the table on first use.
    pub fn new(
        store: Store,
        s3: impl Into<LazyClient<aws_sdk_s3::Client>>,
        cloudfront: impl Into<LazyClient<aws_sdk_cloudfront::Client>>,
        bucket: impl Into<String>,
        distribution_id: impl Into<String>,
        config: SiteConfig,
        work_dir: impl Into<PathBuf>,
    ) -> State {
        State {
            store,
            s3: s3.into(),
            cloudfront: cloudfront.into(),
            bucket: bucket.into(),
            distribution_id: distribution_id.into(),
            config,
            work_dir: work_dir.into(),
            prepared: Arc::new(Mutex::new(false)),
        }
    }

    /// Says `work_dir` already holds a full render of the current catalogue
    /// (`shop-local` renders its site directory at start-up).
    pub fn already_rendered(self) -> State {
        State {
            prepared: Arc::new(Mutex::new(true)),
            ..self
        }
    }

    /// Uploads the whole working directory (only what differs), deletes
    /// stale objects and invalidates what changed ([`static_site::publish`]).
    ///
    /// Run on a blocking thread of the current runtime: the stream
    /// combinators inside `static_site::publish` make a future the compiler
    /// cannot prove `Send` (rust-lang/rust#102211), so it cannot be awaited
    /// inside a spawned task directly.
    pub async fn publish_all(&self) -> Result<PublishReport, SiteError> {
        let me = self.clone();
        on_own_thread(move || async move {
            static_site::publish(
                &me.s3,
                &me.cloudfront,
                &me.bucket,
                &me.distribution_id,
                &me.work_dir,
            )
            .await
        })
        .await
    }

    /// Uploads the whole working directory (only what differs) and deletes
    /// stale objects; invalidates nothing ([`static_site::publish::sync`]).
    pub async fn sync_all(&self) -> Result<PublishReport, SiteError> {
        let me = self.clone();
        on_own_thread(move || async move {
            static_site::publish::sync(&me.s3, &me.bucket, &me.work_dir).await
        })
        .await
    }

    /// Uploads `files` of the working directory that differ from the bucket;
    /// invalidates nothing ([`static_site::publish::upload_files`]).
    pub async fn upload_some(&self, files: &[String]) -> Result<PublishReport, SiteError> {
        let (me, files) = (self.clone(), files.to_vec());
        on_own_thread(move || async move {
            static_site::publish::upload_files(&me.s3, &me.bucket, &me.work_dir, &files).await
        })
        .await
    }

    /// One invalidation for the pages of `keys` ([`static_site::publish::invalidate_keys`]).
    pub async fn invalidate(&self, keys: &[String]) -> Result<Vec<String>, SiteError> {
        let (me, keys) = (self.clone(), keys.to_vec());
        on_own_thread(move || async move {
            static_site::publish::invalidate_keys(&me.cloudfront, &me.distribution_id, &keys)
                .await
                .map(|(paths, _)| paths)
        })
        .await
    }

    /// Renders the whole catalogue into `work_dir` unless done already.
    pub async fn prepare(&self) -> Result<(), PublishError> {
        let mut prepared = self.prepared.lock().await;
        if !*prepared {
            let products = self.store.all_products().await?;
            let (config, dir) = (self.config.clone(), self.work_dir.clone());
            let summary =
                blocking(move || static_site::render_site(&products, &config, &dir)).await??;
            tracing::info!(%summary, dir = %self.work_dir.display(), "full render for the publisher");
            *prepared = true;
        }
        Ok(())
    }
}

/// Builds the future `make` returns on a blocking thread of the current
/// runtime and drives it there (for futures not provably `Send`).
async fn on_own_thread<T, F, Fut>(make: F) -> Result<T, SiteError>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<T, SiteError>>,
{
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(make()))
        .await
        .map_err(|e| SiteError::Publish(format!("publish task: {e}")))?
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PublishError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| PublishError::Task(e.to_string()))
}

/// The site config from `SITE_CONFIG` (JSON), else from the single
/// variables over the defaults; see [`site_config_from`].
pub fn site_config_from_env() -> Result<SiteConfig, SiteError> {
    site_config_from(|k| std::env::var(k).ok())
}

/// The site config from a variable lookup. The defaults suit the local
/// shop, not a deployment: the site's address (`baseUrl` / `BASE_URL`) and
/// the Stripe publishable key (`stripePublishableKey` /
/// `STRIPE_PUBLISHABLE_KEY`) are required, so a publisher that was not told
/// them fails at init instead of publishing pages that point at
/// `127.0.0.1` and pay with a demo key.
pub fn site_config_from(lookup: impl Fn(&str) -> Option<String>) -> Result<SiteConfig, SiteError> {
    let var = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
    let config = match var("SITE_CONFIG") {
        Some(json) => {
            let value: serde_json::Value = serde_json::from_str(&json)
                .map_err(|e| SiteError::Config(format!("SITE_CONFIG: {e}")))?;
            for key in ["baseUrl", "stripePublishableKey"] {
                let set = value
                    .get(key)
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|v| !v.trim().is_empty());
                if !set {
                    return Err(SiteError::Config(format!("SITE_CONFIG has no {key}")));
                }
            }
            serde_json::from_value::<SiteConfig>(value)
                .map_err(|e| SiteError::Config(format!("SITE_CONFIG: {e}")))?
        }
        None => {
            let required = |k: &str| {
                var(k)
                    .ok_or_else(|| SiteError::Config(format!("neither SITE_CONFIG nor {k} is set")))
            };
            let mut c = SiteConfig {
                base_url: required("BASE_URL")?,
                stripe_publishable_key: required("STRIPE_PUBLISHABLE_KEY")?,
                ..SiteConfig::default()
            };
            if let Some(v) = var("SITE_NAME") {
                c.site_name = v;
            }
            if let Some(v) = var("STRIPE_JS_URL") {
                c.stripe_js_url = v;
            }
            if let Some(v) = var("API_BASE") {
                c.api_base = v;
            }
            if let Some(v) = var("PAGE_SIZE") {
                c.page_size = v
                    .parse()
                    .map_err(|_| SiteError::Config(format!("PAGE_SIZE {v:?}")))?;
            }
            c
        }
    };
    config.validated()
}

/// Every output file a change of `changed` (formerly `old`) can touch, as
/// relative paths: its page, its listings (old and new category), the home
/// page, the search index and the sitemap.
pub fn touched_files(changed: &Product, old: Option<&Product>) -> Vec<String> {
    let mut paths = vec![
        routes::product(&changed.sku),
        routes::category(&changed.category),
        routes::category_data(&changed.category),
        routes::HOME.to_owned(),
        routes::SEARCH_INDEX.to_owned(),
        routes::SITEMAP.to_owned(),
    ];
    if let Some(o) = old.filter(|o| o.category != changed.category) {
        paths.push(routes::category(&o.category));
        paths.push(routes::category_data(&o.category));
    }
    let mut files: Vec<String> = paths.iter().map(|p| routes::file_for(p)).collect();
    files.sort();
    files.dedup();
    files
}

fn product_image(image: &serde_dynamo::Item) -> Result<Option<Product>, PublishError> {
    if image.inner().is_empty() {
        return Ok(None);
    }
    serde_dynamo::from_item(image.clone())
        .map(Some)
        .map_err(|e| PublishError::Image(e.to_string()))
}

/// Renders and uploads what one product record (INSERT / MODIFY / REMOVE)
/// changes; nothing for a change that does not show ([`content_changed`]).
/// Invalidates nothing: [`publish_batch`] makes one invalidation per batch.
pub async fn publish_record(
    state: &State,
    record: &EventRecord,
) -> Result<Published, PublishError> {
    let old = product_image(&record.change.old_image)?;
    let new = product_image(&record.change.new_image)?;
    if record.event_name == "MODIFY"
        && let (Some(o), Some(n)) = (&old, &new)
        && !content_changed(o, n)
    {
        return Ok(Published::default());
    }
    state.prepare().await?;
    let _dir = state.prepared.lock().await;
    let products = state.store.all_products().await?;
    let sku = new.as_ref().or(old.as_ref()).map(|p| p.sku.clone());
    let current = sku
        .as_ref()
        .and_then(|sku| products.iter().find(|p| &p.sku == sku))
        .cloned();
    let (config, dir) = (state.config.clone(), state.work_dir.clone());
    let Some(current) = current else {
        // Gone from the table: the whole site, stale objects deleted.
        let all = products.clone();
        blocking(move || static_site::render_site(&all, &config, &dir)).await??;
        let report = state.sync_all().await?;
        return Ok(Published {
            uploaded: report.uploaded.into_iter().chain(report.deleted).collect(),
            invalidated: Vec::new(),
        });
    };
    let old_for_render = if record.event_name == "INSERT" {
        None
    } else {
        old.clone()
    };
    let changed_current = current.clone();
    let rendered = blocking(move || {
        static_site::render_product_change(
            &products,
            &changed_current,
            old_for_render.as_ref(),
            &config,
            &dir,
        )
    })
    .await??;
    let mut files = touched_files(&current, old.as_ref());
    files.extend(rendered);
    files.sort();
    files.dedup();
    files.retain(|f| state.work_dir.join(f).is_file());
    let report = state.upload_some(&files).await?;
    Ok(Published {
        uploaded: report.uploaded,
        invalidated: Vec::new(),
    })
}

/// Handles one Lambda invocation: each `PRODUCT` record in order, then one
/// invalidation for the batch; when one fails, it and every later record are
/// reported (`ReportBatchItemFailures`).
pub async fn handle(state: &State, event: Event) -> DynamoDbEventResponse {
    publish_batch(state, event).await.1
}

/// [`handle`], also answering what the batch uploaded and invalidated.
pub async fn publish_batch(state: &State, event: Event) -> (Published, DynamoDbEventResponse) {
    let products = KeyFilter::products();
    let mut failed: Vec<String> = Vec::new();
    let mut done = Published::default();
    let mut uploaders: Vec<String> = Vec::new();
    for record in event.records {
        let is_product = products.matches(&record)
            && key_string(&record, PK).is_some_and(|pk| pk.starts_with(keys::PRODUCT_PREFIX));
        if !is_product {
            continue;
        }
        let id = record
            .change
            .sequence_number
            .clone()
            .unwrap_or_else(|| record.event_id.clone());
        if !failed.is_empty() {
            failed.push(id);
            continue;
        }
        match publish_record(state, &record).await {
            Ok(p) => {
                tracing::info!(
                    pk = key_string(&record, shop::store::table::PK).unwrap_or_default(),
                    uploaded = ?p.uploaded,
                    "published"
                );
                if !p.uploaded.is_empty() {
                    uploaders.push(id);
                    done.uploaded.extend(p.uploaded);
                }
            }
            Err(e) => {
                tracing::error!(item = %id, error = %e, "publishing failed");
                failed.push(id);
            }
        }
    }
    done.uploaded.sort();
    done.uploaded.dedup();
    if !done.uploaded.is_empty() {
        match state.invalidate(&done.uploaded).await {
            Ok(paths) => {
                tracing::info!(paths = paths.len(), "one invalidation for the batch");
                done.invalidated = paths;
            }
            Err(e) => {
                tracing::error!(error = %e, "invalidating the batch's pages failed");
                // Retried from the first record that uploaded (the order is kept).
                let mut all = uploaders;
                all.extend(failed);
                failed = all;
            }
        }
    }
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|id| {
            let mut f = DynamoDbBatchItemFailure::default();
            f.item_identifier = Some(id);
            f
        })
        .collect();
    (done, response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config_of(vars: &[(&str, &str)]) -> Result<SiteConfig, SiteError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        site_config_from(|k| vars.get(k).cloned())
    }

    #[test]
    fn site_config_json_sets_the_address_and_key() {
        let c = config_of(&[(
            "SITE_CONFIG",
            r#"{"baseUrl":"https://d1.cloudfront.net/","stripePublishableKey":"pk_live_x"}"#,
        )])
        .expect("config");
        assert_eq!(c.base_url, "https://d1.cloudfront.net");
        assert_eq!(c.stripe_publishable_key, "pk_live_x");
        assert_eq!(c.stripe_js_url, SiteConfig::default().stripe_js_url);
    }

    #[test]
    fn a_deployment_must_name_its_address_and_stripe_key() {
        for (vars, missing) in [
            (vec![], "BASE_URL"),
            (
                vec![("BASE_URL", "https://shop.example")],
                "STRIPE_PUBLISHABLE_KEY",
            ),
            (
                vec![("SITE_CONFIG", r#"{"stripePublishableKey":"pk_x"}"#)],
                "baseUrl",
            ),
            (
                vec![(
                    "SITE_CONFIG",
                    r#"{"baseUrl":"https://a.b","stripePublishableKey":""}"#,
                )],
                "stripePublishableKey",
            ),
        ] {
            let err = config_of(&vars).expect_err("incomplete config").to_string();
            assert!(err.contains(missing), "{err} should name {missing}");
        }
    }

    #[test]
    fn single_variables_work_without_site_config() {
        let c = config_of(&[
            ("BASE_URL", "https://shop.example"),
            ("STRIPE_PUBLISHABLE_KEY", "pk_test_1"),
            ("PAGE_SIZE", "12"),
        ])
        .expect("config");
        assert_eq!(
            (c.base_url.as_str(), c.page_size),
            ("https://shop.example", 12)
        );
        assert!(config_of(&[("SITE_CONFIG", "{not json")]).is_err());
    }
}
