//! `GET /api/catalogue/stock?sku=…&sku=…`: live price and available stock
//! (stock − units reserved by open checkouts) over the static pages
//! (public, cacheable for seconds).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shop::{Money, ProductStatus, Sku};

use super::ShopperState;
use crate::error::ApiError;
use crate::extract::QueryPairs;

/// Most SKUs one call may ask about (a listing page's worth).
pub(super) const MAX_SKUS: usize = 100;

#[derive(Serialize)]
struct StockItem {
    sku: Sku,
    name: String,
    price: Money,
    stock: u32,
    status: ProductStatus,
    available: bool,
}

#[derive(Serialize)]
struct StockAnswer {
    items: Vec<StockItem>,
    missing: Vec<Sku>,
}

pub(super) async fn stock(
    State(state): State<ShopperState>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let raw = query.all("sku");
    if raw.is_empty() {
        return Err(ApiError::bad_request(
            "sku_required",
            "ask for at least one product: ?sku=…",
        ));
    }
    if raw.len() > MAX_SKUS {
        return Err(ApiError::bad_request(
            "too_many_skus",
            format!("ask for at most {MAX_SKUS} products at once"),
        ));
    }
    let mut skus: Vec<Sku> = Vec::with_capacity(raw.len());
    for s in raw {
        let sku = Sku::parse(s).map_err(|e| ApiError::bad_request("invalid_sku", e.to_string()))?;
        if !skus.contains(&sku) {
            skus.push(sku);
        }
    }
    // What shoppers see is what can still be reserved: stock − reserved,
    // so "sold out" shows as soon as every unit is held by a checkout.
    let seen = state.store.availability(&skus).await?;
    let found = seen.as_available();
    let mut items = Vec::new();
    let mut missing = Vec::new();
    for sku in skus {
        match found.get(&sku) {
            Some(p) => items.push(StockItem {
                sku,
                name: p.name.clone(),
                price: p.price,
                stock: p.stock,
                status: p.status,
                available: p.is_available(),
            }),
            None => missing.push(sku),
        }
    }
    let mut resp = Json(StockAnswer { items, missing }).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=10"),
    );
    Ok(resp)
}
