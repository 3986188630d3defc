//! `GET /api/orders`, `GET /api/orders/{id}`: the signed-in shopper's own
//! orders. Orders are keyed by the shopper's `sub`, so another customer's
//! id is simply not found (404).

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use shop::{Order, Page, StatusView, StoreError, status_view};

use super::ShopperState;
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::identity::Identity;

/// Orders per page.
pub(super) const PAGE_SIZE: i32 = 20;

pub(super) async fn list(
    State(state): State<ShopperState>,
    identity: Identity,
    query: QueryPairs,
) -> Result<Json<Page<Order>>, ApiError> {
    let page = state
        .store
        .list_orders_by_customer(&identity.sub, PAGE_SIZE, query.first("cursor"))
        .await?;
    Ok(Json(page))
}

/// One order with the words its status page shows ([`status_view`]).
#[derive(Serialize)]
pub(super) struct OrderView {
    #[serde(flatten)]
    order: Order,
    #[serde(rename = "statusView")]
    view: StatusView,
}

pub(super) async fn get(
    State(state): State<ShopperState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<OrderView>, ApiError> {
    match state.store.get_order(&identity.sub, &id).await {
        Ok(order) => Ok(Json(OrderView {
            view: status_view(&order),
            order,
        })),
        Err(StoreError::NotFound) => Err(ApiError::not_found("order")),
        Err(e) => Err(e.into()),
    }
}
