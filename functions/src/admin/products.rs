//! `/api/admin/products…`: the catalogue as the owner edits it.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shop::{Category, Money, Page, Product, ProductStatus, Sku, StoreError};

use super::numbers::{AdminJson, NumberField, Numbers, PRICE, STOCK};
use super::{AdminState, RETRIES, audit, conflict, modified};
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::identity::Identity;
use shop::store::Change;

/// Products per page of the owner's list by default (`?limit=` up to 100).
pub(super) const PAGE_SIZE: i32 = 25;
/// Table pages one listing call reads at most while a filter matches nothing, so a search
/// answers in bounded time; the cursor lets the next call go on.
const MAX_PAGES_PER_CALL: usize = 20;
/// Images per product.
pub(super) const MAX_IMAGES: usize = 10;

/// A product as the owner sends it (create, or update with `version`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProductInput {
    /// SKU (create: required; update: optional, must match the path).
    #[serde(default)]
    pub sku: Option<String>,
    /// Display name.
    pub name: String,
    /// Plain-text description.
    #[serde(default)]
    pub description: String,
    /// Category slug.
    pub category: String,
    /// Unit price.
    pub price: Money,
    /// Units on the shelf.
    #[serde(default)]
    pub stock: u32,
    /// `active` (default) or `retired`.
    #[serde(default)]
    pub status: Option<ProductStatus>,
    /// Image keys (relative to `/images/`).
    #[serde(default)]
    pub images: Vec<String>,
    /// On the home page.
    #[serde(default)]
    pub featured: bool,
    /// The version read (update: required).
    #[serde(default)]
    pub version: u64,
}

impl Numbers for ProductInput {
    const NUMBERS: &'static [NumberField] = &[
        NumberField::new(
            &["price", "amount"],
            "the price (in cents, or the currency's smallest unit)",
            PRICE,
        ),
        NumberField::new(&["stock"], "the stock", STOCK),
        NumberField::new(&["version"], "the version", (0, u64::MAX as i128)),
    ];
}

pub(super) fn parse_sku(s: &str) -> Result<Sku, ApiError> {
    Sku::parse(s).map_err(|e| ApiError::bad_request("invalid_sku", e.to_string()))
}

fn valid_image_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && !key.starts_with('/')
        && !key
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
}

impl ProductInput {
    /// The product this input describes, validated.
    pub fn into_product(self, sku: Sku) -> Result<Product, ApiError> {
        let category = Category::parse(&self.category)
            .map_err(|e| ApiError::bad_request("invalid_category", e.to_string()))?;
        if self.images.len() > MAX_IMAGES {
            return Err(ApiError::bad_request(
                "invalid_images",
                format!("at most {MAX_IMAGES} images per product"),
            ));
        }
        if let Some(bad) = self.images.iter().find(|k| !valid_image_key(k)) {
            return Err(ApiError::bad_request(
                "invalid_images",
                format!("{bad:?} is not an image key"),
            ));
        }
        let product = Product {
            sku,
            name: self.name.trim().to_owned(),
            description: self.description,
            category,
            price: self.price,
            stock: self.stock,
            status: self.status.unwrap_or(ProductStatus::Active),
            images: self.images,
            featured: self.featured,
            version: self.version,
        };
        product
            .validate()
            .map_err(|e| ApiError::bad_request("invalid_product", e.to_string()))?;
        Ok(product)
    }
}

pub(super) fn not_found_product(e: StoreError) -> ApiError {
    match e {
        StoreError::NotFound => ApiError::not_found("product"),
        e => e.into(),
    }
}

/// What the owner's product list is narrowed to.
#[derive(Debug, Default)]
struct ProductFilter {
    /// Words that must all appear in the name, SKU or category (any case, any accents:
    /// [`fold`]ed).
    words: Vec<String>,
    status: Option<ProductStatus>,
}

impl ProductFilter {
    fn matches(&self, p: &Product) -> bool {
        let text = fold(&format!("{} {} {}", p.name, p.sku, p.category));
        self.status.is_none_or(|s| p.status == s) && self.words.iter().all(|w| text.contains(w))
    }
}

/// Text as the owner's search compares it: lower case, accents dropped ("Crème" → "creme"),
/// as the shop's own search does in the browser (NFD, then no combining marks).
fn fold(text: &str) -> String {
    icu_normalizer::DecomposingNormalizerBorrowed::new_nfd()
        .normalize(text)
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .collect::<String>()
        .to_lowercase()
}

/// `GET /api/admin/products?q=&category=&status=&cursor=&limit=`: the catalogue, retired
/// products too, in category and SKU order; narrowed by words in the name, SKU or category
/// (`q`), one category, or one status. The filter runs on what the table returns: table pages
/// of `limit` are read until `limit` products match (so a page holds up to twice `limit` − 1),
/// the listing ends, or a bounded number of pages were read (fewer, with a next cursor).
pub(super) async fn list(
    State(state): State<AdminState>,
    query: QueryPairs,
) -> Result<Json<Page<Product>>, ApiError> {
    let limit = query.limit(PAGE_SIZE, 100)?;
    let category = match query.first("category") {
        None | Some("") => None,
        Some(c) => Some(
            Category::parse(c)
                .map_err(|e| ApiError::bad_request("invalid_category", e.to_string()))?,
        ),
    };
    let status = match query.first("status") {
        None | Some("") => None,
        Some("active") => Some(ProductStatus::Active),
        Some("retired") => Some(ProductStatus::Retired),
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_status",
                "status must be active or retired",
            ));
        }
    };
    let q = query.first("q").unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(ApiError::bad_request(
            "invalid_query",
            "the search is at most 100 characters",
        ));
    }
    let filter = ProductFilter {
        words: q.split_whitespace().map(fold).collect(),
        status,
    };
    let mut cursor = query.first("cursor").map(str::to_owned);
    let mut items = Vec::new();
    for _ in 0..MAX_PAGES_PER_CALL {
        let page = state
            .store
            .list_products(category.as_ref(), limit, cursor.as_deref())
            .await?;
        items.extend(page.items.into_iter().filter(|p| filter.matches(p)));
        cursor = page.next;
        if items.len() >= limit as usize || cursor.is_none() {
            break;
        }
    }
    Ok(Json(Page {
        items,
        next: cursor,
    }))
}

/// `POST /api/admin/products`: 201, or 409 `product_exists`.
pub(super) async fn create(
    State(state): State<AdminState>,
    identity: Identity,
    AdminJson(input): AdminJson<ProductInput>,
) -> Result<Response, ApiError> {
    let sku = parse_sku(input.sku.as_deref().unwrap_or_default())?;
    let mut product = input.into_product(sku)?;
    product.version = 0;
    uploaded_photos(&state, &product.images, &[]).await?;
    let saved = match state.store.put_product(&product).await {
        Ok(p) => p,
        Err(StoreError::ConditionFailed(_)) => {
            return Err(conflict(
                "product_exists",
                format!("a product with SKU {} already exists", product.sku),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    audit(
        &state,
        &identity,
        "product.create",
        saved.sku.as_str(),
        json!(saved),
    )
    .await;
    Ok((StatusCode::CREATED, Json(saved)).into_response())
}

/// 400 `unknown_image` naming the first of `keys` (not among `known`) that is not a photo in
/// the site bucket (`images/<key>`, where an upload's original is stored): a key typed in the
/// Images box that names nothing would show as a broken image on every page of the product.
async fn uploaded_photos(
    state: &AdminState,
    keys: &[String],
    known: &[String],
) -> Result<(), ApiError> {
    for key in keys.iter().filter(|k| !known.contains(k)) {
        let head = state
            .s3
            .head_object()
            .bucket(&state.site_bucket)
            .key(format!("{}{key}", photos::IMAGE_PREFIX))
            .send()
            .await;
        match head {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                return Err(ApiError::bad_request(
                    "unknown_image",
                    format!(
                        "there is no photo {key}: add photos with \"Add a photo\" on the product's page, or remove the key"
                    ),
                ));
            }
            Err(e) => {
                return Err(ApiError::internal(aws_sdk_s3::error::DisplayErrorContext(
                    e,
                )));
            }
        }
    }
    Ok(())
}

/// `GET /api/admin/products/{sku}`.
pub(super) async fn get(
    State(state): State<AdminState>,
    Path(sku): Path<String>,
) -> Result<Json<Product>, ApiError> {
    let sku = parse_sku(&sku)?;
    Ok(Json(
        state
            .store
            .get_product(&sku)
            .await
            .map_err(not_found_product)?,
    ))
}

/// `PUT /api/admin/products/{sku}`: the whole product with the version it
/// was read at; a stale version is 409 `version_conflict`.
pub(super) async fn update(
    State(state): State<AdminState>,
    identity: Identity,
    Path(sku): Path<String>,
    AdminJson(input): AdminJson<ProductInput>,
) -> Result<Json<Product>, ApiError> {
    let sku = parse_sku(&sku)?;
    if let Some(body_sku) = &input.sku
        && parse_sku(body_sku)? != sku
    {
        return Err(ApiError::bad_request(
            "sku_mismatch",
            "the SKU cannot be changed; create a new product instead",
        ));
    }
    if input.version == 0 {
        return Err(ApiError::bad_request(
            "version_required",
            "send the version of the product you edited",
        ));
    }
    let status_given = input.status.is_some();
    let mut product = input.into_product(sku)?;
    if !product.images.is_empty() || !status_given {
        let stored = state
            .store
            .get_product(&product.sku)
            .await
            .map_err(not_found_product)?;
        // Only the keys this save adds are looked up: the rest were checked when added.
        uploaded_photos(&state, &product.images, &stored.images).await?;
        // No status sent: the product keeps its own (a retired product is not put back on
        // sale by an edit that does not say so; retire and restore have their own routes).
        if !status_given {
            product.status = stored.status;
        }
    }
    let saved = match state.store.put_product(&product).await {
        Ok(p) => p,
        Err(StoreError::VersionConflict { .. }) => {
            // Unknown SKU or a newer version: tell which.
            state
                .store
                .get_product(&product.sku)
                .await
                .map_err(not_found_product)?;
            return Err(conflict(
                "version_conflict",
                "this product was changed by someone else since you opened it; reload and try again",
            ));
        }
        Err(e) => return Err(e.into()),
    };
    audit(
        &state,
        &identity,
        "product.update",
        saved.sku.as_str(),
        json!(saved),
    )
    .await;
    Ok(Json(saved))
}

async fn set_status(
    state: &AdminState,
    identity: &Identity,
    sku: &str,
    status: ProductStatus,
) -> Result<Json<Product>, ApiError> {
    let sku = parse_sku(sku)?;
    let (product, written) = modify_product(state, &sku, |product| {
        if product.status == status {
            return Ok(Change::Keep);
        }
        product.status = status;
        Ok(Change::Write)
    })
    .await?;
    if written {
        let action = match status {
            ProductStatus::Retired => "product.retire",
            ProductStatus::Active => "product.restore",
        };
        audit(state, identity, action, sku.as_str(), json!({})).await;
    }
    Ok(Json(product))
}

/// Reads product `sku` and changes it with [`shop::Store::modify_product`] (re-read and
/// changed again when a sale took stock meanwhile). Answers the product and whether it was
/// written.
pub(super) async fn modify_product(
    state: &AdminState,
    sku: &Sku,
    change: impl FnMut(&mut Product) -> Result<Change, ApiError>,
) -> Result<(Product, bool), ApiError> {
    let product = state
        .store
        .get_product(sku)
        .await
        .map_err(not_found_product)?;
    modified(
        state.store.modify_product(product, RETRIES, change).await?,
        "product",
    )
}

/// `POST /api/admin/products/{sku}/retire`: withdrawn from sale (idempotent).
pub(super) async fn retire(
    State(state): State<AdminState>,
    identity: Identity,
    Path(sku): Path<String>,
) -> Result<Json<Product>, ApiError> {
    set_status(&state, &identity, &sku, ProductStatus::Retired).await
}

/// `POST /api/admin/products/{sku}/restore`: back on sale (idempotent).
pub(super) async fn restore(
    State(state): State<AdminState>,
    identity: Identity,
    Path(sku): Path<String>,
) -> Result<Json<Product>, ApiError> {
    set_status(&state, &identity, &sku, ProductStatus::Active).await
}

fn reason(reason: &str) -> Result<String, ApiError> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(ApiError::bad_request(
            "reason_required",
            "say why the stock changes (1–200 characters)",
        ));
    }
    Ok(reason.to_owned())
}

/// `PUT …/stock` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SetStock {
    stock: u32,
    reason: String,
    /// The stock the owner saw when typing the new count (the back office's table sends it):
    /// the count is set only if the product's stock is still that (compare-and-set).
    #[serde(default)]
    expected: Option<u32>,
}

impl Numbers for SetStock {
    const NUMBERS: &'static [NumberField] = &[
        NumberField::new(&["stock"], "the stock", STOCK),
        NumberField::new(&["expected"], "the stock expected", STOCK),
    ];
}

/// `PUT /api/admin/products/{sku}/stock`: an absolute count (a stocktake). With `expected`,
/// a compare-and-set: a product whose stock is no longer `expected` (a sale or another edit
/// since the owner read it) is 409 `stock_changed`, naming the stock now, and nothing is
/// written: an absolute count typed over a stale one would undo those sales.
pub(super) async fn set_stock(
    State(state): State<AdminState>,
    identity: Identity,
    Path(sku): Path<String>,
    AdminJson(body): AdminJson<SetStock>,
) -> Result<Json<Product>, ApiError> {
    let sku = parse_sku(&sku)?;
    let reason = reason(&body.reason)?;
    let saved = match body.expected {
        None => state
            .store
            .set_stock(&sku, body.stock)
            .await
            .map_err(not_found_product)?,
        Some(expected) => {
            // The versioned write fails on any change since the read (sales bump the
            // version), and the re-read then compares again.
            let (product, _) = modify_product(&state, &sku, |product| {
                if product.stock != expected {
                    return Err(conflict(
                        "stock_changed",
                        format!(
                            "the stock of {sku} is {} now, not {expected} (sold or edited meanwhile); nothing was saved",
                            product.stock
                        ),
                    ));
                }
                product.stock = body.stock;
                Ok(Change::Write)
            })
            .await?;
            product
        }
    };
    audit(
        &state,
        &identity,
        "stock.set",
        sku.as_str(),
        json!({"stock": body.stock, "reason": reason}),
    )
    .await;
    Ok(Json(saved))
}

/// `POST …/stock/adjust` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AdjustStock {
    delta: i64,
    reason: String,
}

impl Numbers for AdjustStock {
    const NUMBERS: &'static [NumberField] = &[NumberField::new(
        &["delta"],
        "the change of stock",
        (i64::MIN as i128, i64::MAX as i128),
    )];
}

/// `POST /api/admin/products/{sku}/stock/adjust`: add or remove units in one
/// conditional write; below zero is 409 `insufficient_stock`, nothing changed.
pub(super) async fn adjust_stock(
    State(state): State<AdminState>,
    identity: Identity,
    Path(sku): Path<String>,
    AdminJson(body): AdminJson<AdjustStock>,
) -> Result<Json<Product>, ApiError> {
    let sku = parse_sku(&sku)?;
    let reason = reason(&body.reason)?;
    if body.delta == 0 || body.delta.unsigned_abs() > u64::from(u32::MAX) {
        return Err(ApiError::bad_request(
            "invalid_delta",
            "delta must be a non-zero number of units",
        ));
    }
    let saved = match state.store.adjust_stock(&sku, body.delta).await {
        Ok(p) => p,
        Err(StoreError::InsufficientStock(_)) => {
            return Err(conflict(
                "insufficient_stock",
                format!(
                    "{sku} has fewer than {} units; the stock was not changed",
                    body.delta.unsigned_abs()
                ),
            ));
        }
        Err(e) => return Err(not_found_product(e)),
    };
    audit(
        &state,
        &identity,
        "stock.adjust",
        sku.as_str(),
        json!({"delta": body.delta, "stock": saved.stock, "reason": reason}),
    )
    .await;
    Ok(Json(saved))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_owners_search_ignores_case_and_accents() {
        assert_eq!(fold("Crème Brûlée DISH"), "creme brulee dish");
        assert_eq!(fold("Ångström café"), "angstrom cafe");
        assert_eq!(fold("KIT-001"), "kit-001");
        let f = ProductFilter {
            words: "creme brulee".split_whitespace().map(fold).collect(),
            status: None,
        };
        let mut p = Product {
            sku: Sku::parse("KIT-9").unwrap(),
            name: "Crème Brûlée Ramekins".into(),
            description: String::new(),
            category: Category::parse("kitchen").unwrap(),
            price: shop::Money::new(900, shop::Currency::Eur),
            stock: 1,
            status: ProductStatus::Active,
            images: vec![],
            featured: false,
            version: 1,
        };
        assert!(f.matches(&p));
        p.name = "Ramekins".into();
        assert!(!f.matches(&p));
    }

    #[test]
    fn image_keys_stay_under_images() {
        assert!(valid_image_key("KIT-001/01abc.jpg"));
        assert!(valid_image_key("KIT-001.svg"));
        for bad in [
            "",
            "/etc/passwd",
            "../x.jpg",
            "a//b.jpg",
            "a/./b",
            "a b.jpg",
        ] {
            assert!(!valid_image_key(bad), "{bad}");
        }
    }
}
