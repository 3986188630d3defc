//! `POST /api/stripe/webhook`: Stripe's word that a payment was authorised,
//! succeeded or failed (ARCHITECTURE.md, path 4).
//!
//! The `Stripe-Signature` is verified and the event decoded by
//! `shop::payments::webhook` (async-stripe's webhook crate: 300 s tolerance,
//! any of several `v1`, Stripe's strict types; localstripe's events are
//! completed on its side). The payment events go through the same code as the
//! shopper's confirm call ([`crate::settle`]), which is safe to repeat and to
//! run concurrently (the order is a conditional put). Other event types are
//! answered 200 and ignored.
//!
//! An event id is recorded as seen (`STRIPE#<id>`, kept 7 days) only *after*
//! it was handled: a delivery of a seen event is acknowledged without work
//! (`duplicate`), and any other delivery is handled. A function that dies
//! between handling and recording (a timeout, a crash) has recorded nothing,
//! so Stripe's retry handles the event again (a repeat of the same settle),
//! instead of being answered `duplicate` for a week with the order never
//! created. Handling that fails answers 500 and records nothing.

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use shop::payments::webhook::{self, WebhookError};
use shop::payments::{PaymentIntent, Payments};
use shop::{Store, StoreError};

use crate::error::ApiError;
use crate::extract::read_body;
use crate::settle;

/// What the webhook handler needs.
#[derive(Clone)]
pub struct WebhookState {
    /// The table.
    pub store: Store,
    /// Stripe, to read the PaymentIntent an event names.
    pub payments: Payments,
    /// The endpoint's signing secret (`whsec_…`).
    pub secret: String,
}

impl std::fmt::Debug for WebhookState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookState")
            .field("store", &self.store)
            .field("payments", &self.payments)
            .finish_non_exhaustive()
    }
}

crate::routes::api_routes! { WebhookState;
    post "/api/stripe/webhook" => receive,
}

/// Seen-once record kind for Stripe events.
pub const SEEN_KIND: &str = "STRIPE";
/// How long an event id is remembered (Stripe retries for up to 3 days).
pub const SEEN_TTL_SECS: i64 = 7 * 24 * 3600;
/// Stripe's events can be larger than a shopper's request.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// The event types handled; any other is acknowledged and ignored.
pub const HANDLED: &[&str] = &[
    "payment_intent.amount_capturable_updated",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
];

/// The webhook as an axum router.
pub fn router(state: WebhookState) -> Router {
    crate::routes::api_layers(routes().fallback(crate::routes::no_route), MAX_EVENT_BYTES)
        .with_state(state)
}

/// The signed payload: the body as sent. A body that arrives base64-encoded
/// (an API Gateway event `lambda_http` did not decode) is decoded when the
/// raw bytes are not JSON.
fn payload_candidates(body: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![body.to_vec()];
    let trimmed = body.trim_ascii();
    if !trimmed.starts_with(b"{")
        && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(trimmed)
    {
        out.push(decoded);
    }
    out
}

fn refuse(e: WebhookError) -> ApiError {
    let code = match e {
        WebhookError::MalformedHeader => "invalid_signature_header",
        WebhookError::BadSignature => "invalid_signature",
        WebhookError::Expired => "signature_expired",
        WebhookError::MalformedEvent(_) => "malformed_event",
    };
    tracing::warn!(error = %e, "webhook refused");
    ApiError::bad_request(code, e.to_string())
}

async fn receive(
    State(state): State<WebhookState>,
    headers: HeaderMap,
    req: Request,
) -> Result<Json<serde_json::Value>, ApiError> {
    let body = read_body(req, &()).await?;
    let header = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| refuse(WebhookError::MalformedHeader))?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut last = WebhookError::BadSignature;
    let mut event = None;
    for payload in payload_candidates(&body) {
        match webhook::construct_event(&state.secret, &payload, header, now) {
            Ok(e) => {
                event = Some(e);
                break;
            }
            Err(e) => last = e,
        }
    }
    let event = event.ok_or_else(|| refuse(last))?;
    if !HANDLED.contains(&event.kind.as_str()) {
        return Ok(Json(serde_json::json!({"received": true, "ignored": true})));
    }
    let pi: PaymentIntent = event.payment_intent.clone().ok_or_else(|| {
        refuse(WebhookError::MalformedEvent(format!(
            "{} is not about a PaymentIntent",
            event.kind
        )))
    })?;
    if state.store.is_seen(SEEN_KIND, &event.id).await? {
        tracing::info!(event = %event.id, "event already handled");
        return Ok(Json(
            serde_json::json!({"received": true, "duplicate": true}),
        ));
    }
    match handle(&state, &pi).await {
        Ok(outcome) => {
            tracing::info!(event = %event.id, kind = %event.kind, pi = %pi.id, outcome, "event handled");
            // Recorded only now. Another delivery handled at the same time records it
            // first (false here): both did the same, idempotent work.
            let first = state
                .store
                .mark_seen(SEEN_KIND, &event.id, SEEN_TTL_SECS)
                .await?;
            Ok(Json(if first {
                serde_json::json!({"received": true})
            } else {
                serde_json::json!({"received": true, "duplicate": true})
            }))
        }
        Err(e) => Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "handling_failed",
            format!("event {} not handled: {}", event.id, e.message),
        )),
    }
}

/// Settles the checkout the PaymentIntent names in its metadata. An intent
/// that is not the shop's, or whose checkout has expired, is acknowledged.
async fn handle(state: &WebhookState, pi: &PaymentIntent) -> Result<&'static str, ApiError> {
    let Some(checkout_id) = pi.checkout_id.as_deref() else {
        return Ok("not a checkout payment");
    };
    let checkout = match state.store.get_checkout(checkout_id).await {
        Ok(c) => c,
        Err(StoreError::NotFound) => return Ok("checkout unknown or expired"),
        Err(e) => return Err(e.into()),
    };
    if checkout
        .payment_intent
        .as_deref()
        .is_some_and(|known| known != pi.id)
    {
        return Ok("another payment of this checkout");
    }
    let settled = settle::settle(&state.store, &state.payments, &checkout, Some(&pi.id)).await?;
    Ok(match settled {
        settle::Settled::Authorized { .. } => "authorized",
        settle::Settled::RequiresAction { .. } => "requires action",
        settle::Settled::Processing => "processing",
        settle::Settled::Failed { .. } => "failed",
    })
}
