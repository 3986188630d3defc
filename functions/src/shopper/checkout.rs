//! `POST /api/checkout` and `POST /api/checkout/{id}/confirm` (DESIGN.md,
//! paths 3–4).
//!
//! Checkout prices the cart from the table, stores the priced snapshot and
//! authorises the total on the shopper's card (manual capture). Its
//! `Idempotency-Key` is the shop's own guarantee, not Stripe's (localstripe
//! ignores Stripe's): the key is claimed in the table with a conditional put
//! *before* Stripe is called, so of concurrent identical requests exactly one
//! creates a PaymentIntent and the others wait for and return its answer.
//! The claim carries a short lease: a request that died holding it (a
//! crashed or timed-out Lambda) is taken over by the next repeat once the
//! lease has run out, instead of blocking the key for the claim's TTL.

use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shop::domain::checkout::{CHECKOUT_TTL_SECS, request_hash};
use shop::payments::PaymentError;
use shop::store::IdempotencyClaim;
use shop::{
    Address, Cart, CartLineInput, Checkout, Money, PricedCart, PricedLine, Quote, StoreError,
};

use super::ShopperState;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::identity::Identity;
use crate::settle::{self, FAILED, Settled};

/// A cart line as the page sends it. Only what and how many: any other
/// field (a price, say) is refused, never read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    /// SKU.
    pub sku: String,
    /// How many.
    pub quantity: i64,
}

/// The checkout request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckoutRequest {
    /// What to buy.
    pub lines: Vec<LineRequest>,
    /// Where to ship.
    pub address: Address,
    /// `tok_…` from Stripe.js `createToken`.
    pub card_token: String,
    /// The total the shopper was shown (the quote's `total`): the card is
    /// authorised for exactly this or not at all (409 `price_changed`).
    pub expected_total: Money,
}

/// The quote request body: what and how many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuoteRequest {
    /// What to buy.
    pub lines: Vec<LineRequest>,
}

/// The checkout answer (201), the same for every repeat of the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutAnswer {
    /// The checkout's id (also the order's, once authorised).
    pub checkout_id: String,
    /// The PaymentIntent's status (`requires_capture`, `requires_action`, …).
    pub status: String,
    /// For `confirmCardPayment` when the status is `requires_action`.
    pub client_secret: Option<String>,
    /// `pi_…`.
    pub payment_intent: Option<String>,
    /// Amount authorised.
    pub total: Money,
    /// Sum of the lines.
    pub subtotal: Money,
    /// Shipping.
    pub shipping: Money,
    /// The priced lines.
    pub lines: Vec<PricedLine>,
}

/// Checkout `payment_status` while Stripe could not be reached: a repeat of
/// the request resumes it (Stripe's own idempotency key, derived from the
/// checkout id, keeps that from authorising twice at Stripe).
const UNREACHED: &str = "error";

/// How long a duplicate request waits for the first to finish before
/// answering 409 `checkout_in_progress`: well inside the functions' 10 s
/// timeout. A first request that died is taken over by a repeat once its
/// claim's lease ([`shop::store::CLAIM_LEASE_SECS`]) has run out.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(6);

fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            ApiError::bad_request(
                "idempotency_key_required",
                "send an Idempotency-Key header (8–128 characters A–Z, a–z, 0–9, '_', '-')",
            )
        })?;
    let ok = (8..=128).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(ApiError::bad_request(
            "invalid_idempotency_key",
            "the Idempotency-Key must be 8–128 characters A–Z, a–z, 0–9, '_', '-'",
        ));
    }
    Ok(key.to_owned())
}

fn answer(checkout: &Checkout) -> Response {
    if checkout.payment_status.as_deref() == Some(FAILED) {
        return ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "card_declined",
            "your card was declined; please use another card",
        )
        .into_response();
    }
    let body = CheckoutAnswer {
        checkout_id: checkout.id.clone(),
        status: checkout.payment_status.clone().unwrap_or_default(),
        client_secret: checkout.client_secret.clone(),
        payment_intent: checkout.payment_intent.clone(),
        total: checkout.priced.total,
        subtotal: checkout.priced.subtotal,
        shipping: checkout.priced.shipping,
        lines: checkout.priced.lines.clone(),
    };
    (StatusCode::CREATED, Json(body)).into_response()
}

fn cart_of(lines: &[LineRequest]) -> Result<Cart, ApiError> {
    let input: Vec<CartLineInput> = lines
        .iter()
        .map(|l| CartLineInput {
            sku: l.sku.clone(),
            quantity: l.quantity,
        })
        .collect();
    Ok(Cart::from_input(&input)?)
}

/// Prices `cart` from the table (unknown, retired and short lines refused).
async fn price(state: &ShopperState, cart: &Cart) -> Result<PricedCart, ApiError> {
    let products = state.store.get_products(&cart.skus()).await?;
    Ok(cart.price(&products)?)
}

/// 409 `price_changed`: the error shape plus the new quote, so the page can
/// show the new total and ask again. Nothing was written or held.
fn price_changed(priced: &PricedCart, expected: Money) -> Response {
    let quote = Quote::of(priced);
    let message = format!(
        "the total is now {}, not {expected}; please check it and pay again",
        quote.total
    );
    let body = serde_json::json!({
        "error": {"code": "price_changed", "message": message},
        "quote": quote,
    });
    (StatusCode::CONFLICT, Json(body)).into_response()
}

/// `POST /api/checkout/quote`: the cart priced by the server (lines,
/// subtotal, shipping and its rule, total), before any card is asked for.
/// Writes nothing.
pub(super) async fn quote(
    State(state): State<ShopperState>,
    _identity: Identity,
    JsonBody(req): JsonBody<QuoteRequest>,
) -> Result<Json<Quote>, ApiError> {
    let cart = cart_of(&req.lines)?;
    let priced = price(&state, &cart).await?;
    Ok(Json(Quote::of(&priced)))
}

/// `POST /api/checkout`.
pub(super) async fn create(
    State(state): State<ShopperState>,
    identity: Identity,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CheckoutRequest>,
) -> Result<Response, ApiError> {
    let key = idempotency_key(&headers)?;
    let email = match &state.users {
        Some(users) => users.email_of(&identity).await?,
        None => identity.email.clone(),
    };
    let email = email.ok_or_else(|| {
        ApiError::bad_request(
            "email_required",
            "your account has no email address to send the confirmation to",
        )
    })?;
    let token = req.card_token.trim();
    if !token.starts_with("tok_") || token.len() > 255 {
        return Err(ApiError::bad_request(
            "invalid_card_token",
            "cardToken must be a card token (tok_…) from Stripe.js",
        ));
    }
    let cart = cart_of(&req.lines)?;
    req.address
        .validate()
        .map_err(|e| ApiError::bad_request("invalid_address", e.to_string()))?;

    // Same meaning, same hash: the validated cart (SKUs normalised, repeats
    // merged), the address, the token and the total the shopper saw.
    let canonical = serde_json::to_vec(&(cart.lines(), &req.address, token, req.expected_total))
        .map_err(ApiError::internal)?;
    let hash = request_hash(&canonical);

    // Price from the table before anything is written: a bad cart writes nothing.
    let priced = price(&state, &cart).await?;

    let checkout_id = ulid::Ulid::new().to_string();
    let claim = if priced.total == req.expected_total {
        state
            .store
            .claim_idempotency_key(&identity.sub, &key, &checkout_id, &hash)
            .await?
    } else {
        // The price moved since the quote. Only a repeat of a checkout that
        // was already made at the old price carries on (it is answered as
        // it was); anything else is told the new total and holds nothing.
        match state.store.idempotency_claim(&identity.sub, &key).await? {
            Some(IdempotencyClaim::Existing {
                checkout_id,
                request_hash,
                lease_until,
            }) if request_hash == hash => IdempotencyClaim::Existing {
                checkout_id,
                request_hash,
                lease_until,
            },
            _ => return Ok(price_changed(&priced, req.expected_total)),
        }
    };
    let fresh = |id: String| {
        let now = time::OffsetDateTime::now_utc();
        Checkout {
            id,
            customer: identity.sub.clone(),
            email: email.clone(),
            idempotency_key: key.clone(),
            request_hash: hash.clone(),
            cart: cart.lines().to_vec(),
            priced: priced.clone(),
            address: req.address.clone(),
            stripe_customer: None,
            payment_intent: None,
            client_secret: None,
            payment_status: None,
            created_at: settle::now_rfc3339(),
            expires_at: now.unix_timestamp() + CHECKOUT_TTL_SECS,
        }
    };
    let checkout = match claim {
        IdempotencyClaim::Claimed => {
            let checkout = fresh(checkout_id);
            state.store.put_checkout(&checkout).await?;
            authorise(&state, checkout, token).await?
        }
        IdempotencyClaim::Existing {
            checkout_id,
            request_hash,
            lease_until,
        } => {
            if request_hash != hash {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_key_reused",
                    "this Idempotency-Key was already used for a different checkout",
                ));
            }
            let abandoned = lease_until < time::OffsetDateTime::now_utc().unix_timestamp()
                && state
                    .store
                    .take_over_idempotency_key(&identity.sub, &key)
                    .await?;
            if abandoned {
                // The request holding the key died before answering: carry
                // its checkout on (or start it, if it died before storing
                // it). Stripe's idempotency key, derived from the checkout
                // id, keeps a PaymentIntent it had created from doubling.
                let checkout = match state.store.get_checkout(&checkout_id).await {
                    Ok(c) => c,
                    Err(StoreError::NotFound) => {
                        if priced.total != req.expected_total {
                            return Ok(price_changed(&priced, req.expected_total));
                        }
                        let checkout = fresh(checkout_id);
                        state.store.put_checkout(&checkout).await?;
                        checkout
                    }
                    Err(e) => return Err(e.into()),
                };
                tracing::warn!(checkout = %checkout.id, "took over an abandoned checkout");
                match checkout.payment_status.as_deref() {
                    None | Some(UNREACHED) => authorise(&state, checkout, token).await?,
                    Some(_) => checkout,
                }
            } else {
                let checkout = wait_for_first(&state, &checkout_id).await?;
                if checkout.payment_status.as_deref() == Some(UNREACHED) {
                    authorise(&state, checkout, token).await?
                } else {
                    checkout
                }
            }
        }
    };
    Ok(answer(&checkout))
}

/// Creates the Stripe customer and the authorisation, and records the
/// outcome in the checkout. A declined card is recorded as failed (and
/// answered 402 by [`answer`]); Stripe being unreachable is recorded so a
/// repeat resumes, and answered 503.
async fn authorise(
    state: &ShopperState,
    mut checkout: Checkout,
    token: &str,
) -> Result<Checkout, ApiError> {
    let result = async {
        let customer = state
            .payments
            .create_customer(&checkout.email, token)
            .await?;
        state
            .payments
            .create_authorization(
                &customer,
                checkout.priced.total,
                &checkout.id,
                &format!("checkout-{}", checkout.id),
            )
            .await
    }
    .await;
    match result {
        Ok(pi) => {
            checkout.payment_intent = Some(pi.id.clone());
            checkout.client_secret = pi.client_secret.clone();
            checkout.payment_status = Some(pi.status.as_str().to_owned());
            state.store.put_checkout(&checkout).await?;
            tracing::info!(checkout = %checkout.id, pi = %pi.id, status = %pi.status, "payment intent created");
            Ok(checkout)
        }
        Err(PaymentError::CardDeclined(message)) => {
            tracing::info!(checkout = %checkout.id, %message, "card declined");
            checkout.payment_status = Some(FAILED.into());
            state.store.put_checkout(&checkout).await?;
            Ok(checkout)
        }
        Err(e) => {
            if e.is_retryable() {
                checkout.payment_status = Some(UNREACHED.into());
                state.store.put_checkout(&checkout).await?;
            }
            Err(e.into())
        }
    }
}

/// The checkout a concurrent first request is creating, once that request
/// has an answer (bounded wait; then 409 `checkout_in_progress`).
async fn wait_for_first(state: &ShopperState, checkout_id: &str) -> Result<Checkout, ApiError> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_FIRST;
    let mut pause = Duration::from_millis(50);
    loop {
        match state.store.get_checkout(checkout_id).await {
            Ok(c) if c.payment_status.is_some() => return Ok(c),
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "checkout_in_progress",
                "this checkout is still being processed; please try again in a moment",
            ));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// The confirm answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmAnswer {
    /// The checkout.
    pub checkout_id: String,
    /// `authorized`, `requires_action`, `processing` or `failed`.
    pub status: String,
    /// The order, once authorised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// For 3-D Secure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `POST /api/checkout/{id}/confirm`.
pub(super) async fn confirm(
    State(state): State<ShopperState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<ConfirmAnswer>, ApiError> {
    let checkout = match state.store.get_checkout(&id).await {
        Ok(c) if c.customer == identity.sub => c,
        Ok(_) | Err(StoreError::NotFound) => return Err(ApiError::not_found("checkout")),
        Err(e) => return Err(e.into()),
    };
    let settled = settle::settle(&state.store, &state.payments, &checkout, None).await?;
    let mut out = ConfirmAnswer {
        checkout_id: checkout.id,
        status: String::new(),
        order_id: None,
        client_secret: None,
        message: None,
    };
    match settled {
        Settled::Authorized { order_id } => {
            out.status = "authorized".into();
            out.order_id = Some(order_id);
        }
        Settled::RequiresAction { client_secret } => {
            out.status = "requires_action".into();
            out.client_secret = client_secret;
        }
        Settled::Processing => out.status = "processing".into(),
        Settled::Failed { message } => {
            out.status = "failed".into();
            out.message = Some(message);
        }
    }
    Ok(Json(out))
}
