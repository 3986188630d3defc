//! `/api/admin/orders…`: the owner's order queue, shipping and refunds.
//!
//! Refunds are idempotent by the shop's own means (localstripe ignores
//! Stripe's `Idempotency-Key`): the refund of an order is claimed once in the
//! table (`REFUND#<order>` seen record, one hour) before Stripe is called,
//! Stripe gets the key `refund-<order>` too, and an order already
//! `refunded` is answered as it is. So a double click, a retry or two admins
//! at once make one refund.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shop::payments::PaymentError;
use shop::{Order, OrderEvent, OrderStatus, StoreError};

use super::{AdminState, RETRIES, audit, conflict, optional_json};
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::identity::Identity;
use crate::settle::now_rfc3339;

/// Orders per page by default (`?limit=` up to 100).
pub const PAGE_SIZE: i32 = 25;
/// Effect recorded on an order once its payment is refunded.
pub const REFUND: &str = "refund";
/// Effect order-events records once the payment is captured.
const CAPTURE: &str = "capture";
/// How long a refund claim holds (after that, Stripe's own idempotency key
/// still covers a repeat for 24 h).
const REFUND_CLAIM_SECS: i64 = 3600;

#[derive(Serialize)]
pub(super) struct OrderPage {
    status: OrderStatus,
    items: Vec<Order>,
    next: Option<String>,
}

async fn find(state: &AdminState, id: &str) -> Result<Order, ApiError> {
    match state.store.find_order(id).await {
        Ok(o) => Ok(o),
        Err(StoreError::NotFound) => Err(ApiError::not_found("order")),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/admin/orders?status=confirmed&cursor=&limit=`: newest first.
pub(super) async fn list(
    State(state): State<AdminState>,
    query: QueryPairs,
) -> Result<Json<OrderPage>, ApiError> {
    let status = match query.first("status") {
        None | Some("") => OrderStatus::Confirmed,
        Some(s) => OrderStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_status",
                "status must be one of authorized, confirmed, shipped, cancelled, refunded",
            )
        })?,
    };
    let limit = query.limit(PAGE_SIZE, 100)?;
    let page = state
        .store
        .list_orders_by_status(status, limit, query.first("cursor"))
        .await?;
    Ok(Json(OrderPage {
        status,
        items: page.items,
        next: page.next,
    }))
}

/// `GET /api/admin/orders/{id}`: any customer's order.
pub(super) async fn get(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    Ok(Json(find(&state, &id).await?))
}

/// `POST …/ship` body (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ShipRequest {
    #[serde(default)]
    tracking: Option<String>,
}

fn transition_error(order: &Order, event: OrderEvent) -> ApiError {
    conflict(
        "invalid_transition",
        format!(
            "an order that is {} cannot be {}",
            order.status,
            match event {
                OrderEvent::Ship => "shipped",
                OrderEvent::Refund => "refunded",
                OrderEvent::Confirm => "confirmed",
                OrderEvent::Cancel => "cancelled",
            }
        ),
    )
}

/// `POST /api/admin/orders/{id}/ship`: `confirmed` → `shipped`, with an
/// optional tracking reference. Shipping a shipped order changes nothing.
/// order-events sends the "shipped" email.
pub(super) async fn ship(
    State(state): State<AdminState>,
    identity: Identity,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Order>, ApiError> {
    let req: ShipRequest = optional_json(&body)?;
    let tracking = req
        .tracking
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if tracking
        .as_ref()
        .is_some_and(|t| t.chars().count() > 100 || t.chars().any(char::is_control))
    {
        return Err(ApiError::bad_request(
            "invalid_tracking",
            "the tracking reference must be at most 100 printable characters",
        ));
    }
    for _ in 0..RETRIES {
        let mut order = find(&state, &id).await?;
        if order.status == OrderStatus::Shipped {
            return Ok(Json(order));
        }
        order.status = order
            .status
            .apply(OrderEvent::Ship)
            .map_err(|_| transition_error(&order, OrderEvent::Ship))?;
        order.tracking = tracking.clone();
        order.updated_at = now_rfc3339();
        match state.store.update_order(&order).await {
            Ok(saved) => {
                audit(
                    &state,
                    &identity,
                    "order.ship",
                    &saved.id,
                    json!({"tracking": tracking}),
                )
                .await;
                return Ok(Json(saved));
            }
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(conflict(
        "busy",
        "the order keeps changing; please try again",
    ))
}

/// `POST /api/admin/orders/{id}/refund`: the whole amount back through
/// Stripe, for `confirmed` and `shipped` orders whose payment was captured;
/// the order becomes `refunded` (order-events sends the email). Idempotent:
/// see the module docs.
pub(super) async fn refund(
    State(state): State<AdminState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    let order = find(&state, &id).await?;
    if order.status == OrderStatus::Refunded {
        return Ok(Json(order));
    }
    order
        .status
        .apply(OrderEvent::Refund)
        .map_err(|_| transition_error(&order, OrderEvent::Refund))?;
    if !order.has_effect(CAPTURE) {
        return Err(conflict(
            "payment_not_captured",
            "the payment of this order is not captured yet; try again in a moment",
        ));
    }
    if !state
        .store
        .mark_seen("REFUND", &order.id, REFUND_CLAIM_SECS)
        .await?
    {
        let now = find(&state, &id).await?;
        if now.status == OrderStatus::Refunded {
            return Ok(Json(now));
        }
        return Err(conflict(
            "refund_in_progress",
            "this order is being refunded already",
        ));
    }
    let refund_id = match state
        .payments
        .refund(&order.payment_intent, &format!("refund-{}", order.id))
        .await
    {
        Ok(r) => r,
        Err(e) => {
            if let Err(u) = state.store.unmark_seen("REFUND", &order.id).await {
                tracing::error!(error = %u, order = %order.id, "refund claim not released");
            }
            return Err(match e {
                PaymentError::InvalidRequest(m) => {
                    conflict("refund_refused", format!("Stripe refused the refund: {m}"))
                }
                e => e.into(),
            });
        }
    };
    tracing::info!(order = %order.id, refund = %refund_id, "refunded");
    // The money is back: record it, re-reading after concurrent effect writes.
    let mut last = None;
    for _ in 0..RETRIES * 2 {
        let mut now = find(&state, &id).await?;
        now.status = OrderStatus::Refunded;
        if !now.has_effect(REFUND) {
            now.effects.push(REFUND.into());
        }
        now.updated_at = now_rfc3339();
        match state.store.update_order(&now).await {
            Ok(saved) => {
                audit(
                    &state,
                    &identity,
                    "order.refund",
                    &saved.id,
                    json!({"refund": refund_id, "amount": saved.total}),
                )
                .await;
                return Ok(Json(saved));
            }
            Err(StoreError::VersionConflict { .. }) => continue,
            Err(e) => {
                last = Some(e);
                break;
            }
        }
    }
    tracing::error!(order = %order.id, refund = %refund_id, "refunded at Stripe but the order was not updated");
    Err(last.map_or_else(
        || conflict("busy", "the order keeps changing; please try again"),
        ApiError::from,
    ))
}
