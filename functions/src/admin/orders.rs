//! `/api/admin/orders…`: the owner's order queue, shipping and refunds.
//!
//! Refunds are idempotent by the shop's own means (localstripe ignores
//! Stripe's `Idempotency-Key`): the refund of an order is claimed once in the
//! table (`REFUND#<order>` seen record, one hour) before Stripe is called,
//! Stripe gets the key `refund-<order>` too, and an order already
//! `refunded` is answered as it is. So a double click, a retry or two admins
//! at once make one refund.
//!
//! A refund can put the order's units back in stock (`{"restock": true}`; by default when the
//! order had not shipped: the goods are still on the shelf). The choice is written on the order
//! with its `refunded` status; order-events then puts the units back, once, in one transaction
//! with the order's `restock` effect.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shop::payments::PaymentError;
use shop::store::{Change, OrderFilter};
use shop::{Effect, Order, OrderEvent, OrderStatus, Page, StoreError};

use super::{AdminState, RETRIES, audit, conflict, modified};
use crate::error::ApiError;
use crate::extract::{OptionalJsonBody, QueryPairs};
use crate::identity::Identity;

/// Orders per page by default (`?limit=` up to 100).
pub(super) const PAGE_SIZE: i32 = 25;
/// How long a refund claim holds (after that, Stripe's own idempotency key
/// still covers a repeat for 24 h).
const REFUND_CLAIM_SECS: i64 = 3600;

/// A page of the queue, with the status it lists.
#[derive(Serialize)]
pub(super) struct OrderPage {
    status: OrderStatus,
    #[serde(flatten)]
    page: Page<Order>,
}

async fn find(state: &AdminState, id: &str) -> Result<Order, ApiError> {
    match state.store.find_order(id).await {
        Ok(o) => Ok(o),
        Err(StoreError::NotFound) => Err(ApiError::not_found("order")),
        Err(e) => Err(e.into()),
    }
}

/// The effects that put an order in the "needs attention" view ([`Effect::is_failure`]): a
/// capture Stripe refused, a refund's stock that could not go back, an email SES rejected for
/// good.
fn attention_effects() -> Vec<Effect> {
    Effect::ALL.into_iter().filter(|e| e.is_failure()).collect()
}

/// A `yyyy-mm-dd` query parameter, checked.
fn day(query: &QueryPairs, name: &str) -> Result<Option<String>, ApiError> {
    match query.first(name) {
        None | Some("") => Ok(None),
        Some(d) => time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .map(|_| Some(d.to_owned()))
            .map_err(|_| {
                ApiError::bad_request("invalid_day", format!("{name} must be a day, yyyy-mm-dd"))
            }),
    }
}

/// Reads order `id` and changes it with [`shop::Store::modify_order`] (re-read and changed
/// again when order-events recorded an effect meanwhile). Answers the order and whether it
/// was written (`false`: `change` found nothing to do; the order as read).
async fn modify_order(
    state: &AdminState,
    id: &str,
    tries: usize,
    change: impl FnMut(&mut Order) -> Result<Change, ApiError>,
) -> Result<(Order, bool), ApiError> {
    let order = find(state, id).await?;
    modified(
        state.store.modify_order(order, tries, change).await?,
        "order",
    )
}

/// `GET /api/admin/orders?status=confirmed&attention=true&from=&to=&cursor=&limit=`: newest
/// first; with `attention=true`, only the orders with a failure ([`attention_effects`]); `from` and
/// `to` (UTC days, inclusive) narrow by creation day.
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
    let attention = match query.first("attention") {
        None | Some("") | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::bad_request(
                "invalid_attention",
                "attention must be true or false",
            ));
        }
    };
    let filter = OrderFilter {
        any_effect: if attention {
            attention_effects()
        } else {
            Vec::new()
        },
        from_day: day(&query, "from")?,
        to_day: day(&query, "to")?,
    };
    // Days are yyyy-mm-dd: their text order is their date order. (DynamoDB refuses a
    // BETWEEN whose bounds are the wrong way round.)
    if let (Some(from), Some(to)) = (&filter.from_day, &filter.to_day)
        && from > to
    {
        return Err(ApiError::bad_request(
            "invalid_day",
            "the first day (from) must not be after the last day (to)",
        ));
    }
    let page = state
        .store
        .list_orders(status, &filter, limit, query.first("cursor"))
        .await?;
    Ok(Json(OrderPage { status, page }))
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
/// optional tracking reference, only once the payment is captured (409
/// `not_captured` before: nothing unpaid leaves the shop). Shipping a shipped
/// order changes nothing. order-events sends the "shipped" email.
pub(super) async fn ship(
    State(state): State<AdminState>,
    identity: Identity,
    Path(id): Path<String>,
    OptionalJsonBody(req): OptionalJsonBody<ShipRequest>,
) -> Result<Json<Order>, ApiError> {
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
    let (order, shipped) = modify_order(&state, &id, RETRIES, |order| {
        if order.status == OrderStatus::Shipped {
            return Ok(Change::Keep);
        }
        order.status = order
            .status
            .apply(OrderEvent::Ship)
            .map_err(|_| transition_error(order, OrderEvent::Ship))?;
        if !order.is_captured() {
            return Err(not_captured(order));
        }
        order.tracking = tracking.clone();
        Ok(Change::Write)
    })
    .await?;
    if shipped {
        audit(
            &state,
            &identity,
            "order.ship",
            &order.id,
            json!({"tracking": tracking}),
        )
        .await;
    }
    Ok(Json(order))
}

/// `POST …/refund` body (optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RefundRequest {
    /// Put the units back in stock; absent: only when the order had not shipped.
    #[serde(default)]
    restock: Option<bool>,
}

/// `POST /api/admin/orders/{id}/refund`: the whole amount back through
/// Stripe, for `confirmed` and `shipped` orders whose payment was captured;
/// the order becomes `refunded` (order-events sends the email) with the
/// owner's restock choice (`Order::restock`; by default, restock an order
/// that had not shipped). Idempotent: see the module docs; a repeat answers
/// the refunded order as it is, its restock choice unchanged.
pub(super) async fn refund(
    State(state): State<AdminState>,
    identity: Identity,
    Path(id): Path<String>,
    OptionalJsonBody(req): OptionalJsonBody<RefundRequest>,
) -> Result<Json<Order>, ApiError> {
    let order = find(&state, &id).await?;
    if order.status == OrderStatus::Refunded {
        return Ok(Json(order));
    }
    order
        .status
        .apply(OrderEvent::Refund)
        .map_err(|_| transition_error(&order, OrderEvent::Refund))?;
    if !order.is_captured() {
        return Err(not_captured(&order));
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
            return Err(refund_error(e));
        }
    };
    tracing::info!(order = %order.id, refund = %refund_id, "refunded");
    // The money is back: record it, re-reading after concurrent effect writes.
    let recorded = modify_order(&state, &id, RETRIES * 2, |now| {
        if now.status != OrderStatus::Refunded {
            // Decided on the status the refund leaves: goods not shipped are still on the shelf.
            now.restock = req.restock.unwrap_or(now.status == OrderStatus::Confirmed);
            // Through the state machine: a concurrent change that made the refund invalid
            // (none can today) would show here rather than be overwritten.
            now.status = now
                .status
                .apply(OrderEvent::Refund)
                .map_err(|_| transition_error(now, OrderEvent::Refund))?;
        }
        now.add_effect(Effect::Refund);
        Ok(Change::Write)
    })
    .await;
    let (saved, _) = recorded.inspect_err(|_| {
        tracing::error!(order = %order.id, refund = %refund_id, "refunded at Stripe but the order was not updated");
    })?;
    audit(
        &state,
        &identity,
        "order.refund",
        &saved.id,
        json!({"refund": refund_id, "amount": saved.total, "restock": saved.restock}),
    )
    .await;
    Ok(Json(saved))
}

/// What the owner reads when Stripe refuses a refund: Stripe's reason, as 409 `refund_refused`
/// (never the shopper's card sentence, which `ApiError::from` gives a declined card); Stripe
/// out of reach is 503 and anything else 500, as for every Stripe call.
fn refund_error(e: PaymentError) -> ApiError {
    match e {
        PaymentError::InvalidRequest(m) => {
            conflict("refund_refused", format!("Stripe refused the refund: {m}"))
        }
        e @ PaymentError::CardDeclined { .. } => {
            conflict("refund_refused", format!("Stripe refused the refund: {e}"))
        }
        e => e.into(),
    }
}

/// 409 `not_captured`: the order's payment was not captured (yet, or Stripe refused it).
fn not_captured(order: &Order) -> ApiError {
    if order.has_effect(Effect::CaptureFailed) {
        conflict(
            "not_captured",
            "Stripe refused to capture this order's payment: retry the capture before shipping or refunding",
        )
    } else {
        conflict(
            "not_captured",
            "the payment of this order is not captured yet; try again in a moment",
        )
    }
}

/// `POST /api/admin/orders/{id}/capture`: retries the capture of a confirmed order whose
/// capture Stripe refused (`capture:failed`). Idempotent: an intent already captured is taken
/// as done, and an order already captured is answered as it is. Audited.
pub(super) async fn capture(
    State(state): State<AdminState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<Order>, ApiError> {
    let order = find(&state, &id).await?;
    if order.is_captured() {
        return Ok(Json(order));
    }
    if order.status != OrderStatus::Confirmed {
        return Err(conflict(
            "invalid_transition",
            format!(
                "an order that is {} has no payment to capture",
                order.status
            ),
        ));
    }
    if !order.has_effect(Effect::CaptureFailed) {
        return Err(conflict(
            "capture_in_progress",
            "this order's payment is being captured; try again in a moment",
        ));
    }
    // A key of its own: Stripe replays a key's first answer, and order-events' key
    // (`capture-<order>`) answered the refusal this retries. Two retries at once are still one
    // capture (the intent is read first; a second capture of a captured intent is "done").
    let key = format!("capture-retry-{}-{}", order.id, ulid::Ulid::new());
    if let Err(e) = state.payments.capture(&order.payment_intent, &key).await {
        return Err(match e {
            e if e.is_retryable() => e.into(),
            e => conflict(
                "capture_refused",
                format!("Stripe refused the capture: {e}"),
            ),
        });
    }
    tracing::info!(order = %order.id, "capture retried by the owner");
    let recorded = modify_order(&state, &id, RETRIES * 2, |now| {
        if now.is_captured() {
            return Ok(Change::Keep);
        }
        now.effects.retain(|e| *e != Effect::CaptureFailed);
        now.add_effect(Effect::Capture);
        Ok(Change::Write)
    })
    .await;
    let (saved, captured) = recorded.inspect_err(|_| {
        tracing::error!(order = %order.id, "captured at Stripe but the order was not updated");
    })?;
    if captured {
        audit(
            &state,
            &identity,
            "order.capture",
            &saved.id,
            json!({"amount": saved.total}),
        )
        .await;
    }
    Ok(Json(saved))
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use shop::payments::PaymentError;

    use super::refund_error;

    #[test]
    fn a_refused_refund_tells_the_owner_stripes_reason() {
        let declined = refund_error(PaymentError::CardDeclined {
            code: Some("card_declined".into()),
            message: "Your card was declined.".into(),
        });
        assert_eq!(declined.status, StatusCode::CONFLICT);
        assert_eq!(declined.code, "refund_refused");
        assert!(
            declined.message.contains("card declined (card_declined)"),
            "{}",
            declined.message
        );
        let invalid = refund_error(PaymentError::InvalidRequest(
            "Charge ch_1 has already been refunded.".into(),
        ));
        assert_eq!(invalid.status, StatusCode::CONFLICT);
        assert!(
            invalid
                .message
                .ends_with("Charge ch_1 has already been refunded.")
        );
        let down = refund_error(PaymentError::Unavailable("timed out".into()));
        assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
