//! `POST /api/checkout` and `POST /api/checkout/{id}/confirm` (ARCHITECTURE.md,
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
use shop::domain::checkout::{
    Action, CHECKOUT_TTL_SECS, CheckoutState, Claim, Hold, next_action, request_hash,
};
use shop::payments::PaymentError;
use shop::store::{Availability, CLAIM_LEASE_SECS, IdempotencyClaim, OpenOutcome};
use shop::{
    Address, Cart, CartError, CartLineInput, Checkout, Money, PricedCart, PricedLine, Quote, Sku,
    StoreError,
};

use super::ShopperState;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::identity::Identity;
use crate::settle::{self, Settled};

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
    if checkout.payment_status == Some(CheckoutState::Failed) {
        return ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "card_declined",
            settle::failure_message(checkout.failure_code.as_deref()),
        )
        .into_response();
    }
    let body = CheckoutAnswer {
        checkout_id: checkout.id.clone(),
        status: checkout
            .payment_status
            .as_ref()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
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
) -> Result<Response, ApiError> {
    let cart = cart_of(&req.lines)?;
    let seen = state.store.availability(&cart.skus()).await?;
    match cart.price(&seen.as_available()) {
        Ok(priced) => Ok(Json(Quote::of(&priced)).into_response()),
        Err(CartError::InsufficientStock { sku, available, .. }) => {
            Ok(sold_out(&seen, &sku, available))
        }
        Err(CartError::Retired(sku)) => Err(retired(&seen, &sku)),
        Err(e) => Err(e.into()),
    }
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

    // A repeat of a request already made is answered from its checkout,
    // whatever the prices or the stock do meanwhile (its own units are
    // reserved, so they no longer count as available).
    let claim = match state.store.idempotency_claim(&identity.sub, &key).await? {
        Some(existing) => existing,
        None => {
            let fresh = |id: String, priced: PricedCart| Checkout {
                id,
                customer: identity.sub.clone(),
                email: email.clone(),
                idempotency_key: key.clone(),
                request_hash: hash.clone(),
                cart: cart.lines().to_vec(),
                priced,
                address: req.address.clone(),
                stripe_customer: None,
                payment_intent: None,
                client_secret: None,
                payment_status: None,
                failure_code: None,
                created_at: settle::now_rfc3339(),
                expires_at: now_unix() + CHECKOUT_TTL_SECS,
            };
            match open(&state, &cart, req.expected_total, fresh).await? {
                Opened::Fresh(checkout) => {
                    let checkout = authorise(&state, *checkout, token).await?;
                    return Ok(answer(&checkout));
                }
                Opened::Refused(response) => return Ok(response),
                Opened::KeyTaken => state
                    .store
                    .idempotency_claim(&identity.sub, &key)
                    .await?
                    .ok_or_else(|| ApiError::internal("a claimed key has no claim"))?,
            }
        }
    };
    let IdempotencyClaim::Existing {
        checkout_id,
        request_hash,
        lease_until,
    } = claim
    else {
        return Err(ApiError::internal("unexpected fresh claim"));
    };
    let mut claim = Claim {
        same_request: request_hash == hash,
        lease_until,
        hold: Hold::Other,
    };
    let mut checkout = None;
    loop {
        match next_action(&claim, checkout.as_ref(), now_unix()) {
            Action::KeyReused => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "idempotency_key_reused",
                    "this Idempotency-Key was already used for a different checkout",
                ));
            }
            Action::TakeOver => {
                let won = state
                    .store
                    .take_over_idempotency_key(&identity.sub, &key)
                    .await?;
                claim.hold = if won {
                    Hold::TookOver
                } else {
                    Hold::LostTakeOver
                };
            }
            // The request holding the key died before answering: carry its checkout on. The
            // Stripe customer and PaymentIntent it created, if it got that far, are read back
            // from the checkout (stored as soon as Stripe answered).
            Action::Read => {
                let c = match state.store.get_checkout(&checkout_id).await {
                    Ok(c) => c,
                    Err(StoreError::NotFound) => return Err(ApiError::not_found("checkout")),
                    Err(e) => return Err(e.into()),
                };
                tracing::warn!(checkout = %c.id, "took over an abandoned checkout");
                checkout = Some(c);
            }
            Action::Wait => checkout = Some(wait_for_first(&state, &checkout_id).await?),
            Action::Authorise => {
                let c =
                    checkout.ok_or_else(|| ApiError::internal("authorising an unread checkout"))?;
                return Ok(answer(&authorise(&state, c, token).await?));
            }
            Action::Answer => {
                let c =
                    checkout.ok_or_else(|| ApiError::internal("answering an unread checkout"))?;
                return Ok(answer(&c));
            }
        }
    }
}

/// What [`open`] came to.
enum Opened {
    /// Claimed, stored and reserved: authorise it.
    Fresh(Box<Checkout>),
    /// Answered without writing anything (`sold_out`, `price_changed`).
    Refused(Response),
    /// A concurrent request with the same key claimed it first.
    KeyTaken,
}

/// Attempts at opening a checkout when a sale moves the stock between the
/// read and the transaction.
const OPEN_ATTEMPTS: usize = 8;

/// Prices the cart against what is available (stock − reserved) and opens
/// the checkout: claim, snapshot and reservations in one transaction
/// ([`shop::Store::open_checkout`]). Nothing is written when a line is sold
/// out or the total is not the one the shopper saw.
async fn open(
    state: &ShopperState,
    cart: &Cart,
    expected: Money,
    fresh: impl Fn(String, PricedCart) -> Checkout,
) -> Result<Opened, ApiError> {
    for attempt in 0..OPEN_ATTEMPTS {
        let seen = state.store.availability(&cart.skus()).await?;
        let priced = match cart.price(&seen.as_available()) {
            Ok(p) => p,
            Err(CartError::InsufficientStock { sku, available, .. }) => {
                return Ok(Opened::Refused(sold_out(&seen, &sku, available)));
            }
            Err(CartError::Retired(sku)) => return Err(retired(&seen, &sku)),
            Err(e) => return Err(e.into()),
        };
        if priced.total != expected {
            return Ok(Opened::Refused(price_changed(&priced, expected)));
        }
        let checkout = fresh(ulid::Ulid::new().to_string(), priced);
        let lease_until = now_unix() + CLAIM_LEASE_SECS;
        match state
            .store
            .open_checkout(&checkout, lease_until, &seen)
            .await
        {
            Ok(OpenOutcome::Opened) => {
                tracing::info!(checkout = %checkout.id, "checkout opened; units reserved");
                return Ok(Opened::Fresh(Box::new(checkout)));
            }
            Ok(OpenOutcome::KeyTaken) => return Ok(Opened::KeyTaken),
            Ok(OpenOutcome::SoldOut { sku, .. }) if attempt + 1 == OPEN_ATTEMPTS => {
                let now = state.store.availability(std::slice::from_ref(&sku)).await?;
                return Ok(Opened::Refused(sold_out(&now, &sku, now.available(&sku))));
            }
            // Others reserved since the read: read again, so the answer
            // says what is really left (or the units freed meanwhile are
            // reserved).
            Ok(OpenOutcome::SoldOut { .. }) => {}
            Ok(OpenOutcome::StockMoved) | Err(StoreError::Conflict) => {
                tokio::time::sleep(Duration::from_millis(5 * (attempt as u64 + 1))).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
        "the shop is busy; please try again",
    ))
}

/// A product as the shopper knows it: its name (its SKU only when the
/// catalogue no longer has it).
fn shopper_name(seen: &Availability, sku: &Sku) -> String {
    seen.products
        .get(sku)
        .map_or_else(|| sku.to_string(), |p| p.name.clone())
}

/// 409 `sold_out`: the line that cannot be reserved and what is left of
/// it. No card was touched. The message names the product as the shopper
/// knows it (its name, not its SKU; `sku` is in the body for the page).
fn sold_out(seen: &Availability, sku: &Sku, available: u32) -> Response {
    let name = shopper_name(seen, sku);
    let message = if available == 0 {
        format!("{name} is sold out")
    } else {
        format!("only {available} of {name} left")
    };
    let body = serde_json::json!({
        "error": {"code": "sold_out", "message": message},
        "sku": sku,
        "available": available,
    });
    (StatusCode::CONFLICT, Json(body)).into_response()
}

/// 409 `product_retired`, naming the product as the shopper knows it.
fn retired(seen: &Availability, sku: &Sku) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "product_retired",
        format!("{} is no longer available", shopper_name(seen, sku)),
    )
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The longest a checkout request waits on Stripe: the request ends (and
/// answers 503, the checkout marked for a repeat to resume) well before the
/// function's 10 s timeout, itself shorter than the claim's 15 s lease, so
/// a request is never taken over while it is still running.
pub(super) const STRIPE_BUDGET: Duration = Duration::from_secs(8);

/// Why the Stripe part of a checkout stopped.
enum AuthoriseError {
    Payment(PaymentError),
    Store(StoreError),
}

impl From<PaymentError> for AuthoriseError {
    fn from(e: PaymentError) -> Self {
        AuthoriseError::Payment(e)
    }
}

impl From<StoreError> for AuthoriseError {
    fn from(e: StoreError) -> Self {
        AuthoriseError::Store(e)
    }
}

/// The Stripe customer and PaymentIntent of this checkout, each created at
/// most once: what the checkout already records is reused, every creation
/// carries an idempotency key derived from the checkout id, and each id is
/// stored on the checkout as soon as Stripe returns it.
async fn customer_and_intent(
    state: &ShopperState,
    checkout: &mut Checkout,
    token: &str,
) -> Result<shop::payments::PaymentIntent, AuthoriseError> {
    if let Some(pi) = checkout.payment_intent.clone() {
        return Ok(state.payments.retrieve(&pi).await?);
    }
    let customer = match checkout.stripe_customer.clone() {
        Some(c) => c,
        None => {
            let c = state
                .payments
                .create_customer_keyed(
                    &checkout.email,
                    token,
                    Some(&format!("customer-{}", checkout.id)),
                )
                .await?;
            checkout.stripe_customer = Some(c.clone());
            state.store.put_checkout(checkout).await?;
            c
        }
    };
    let pi = state
        .payments
        .create_authorization(
            &customer,
            checkout.priced.total,
            &checkout.id,
            &format!("checkout-{}", checkout.id),
        )
        .await?;
    checkout.payment_intent = Some(pi.id.clone());
    checkout.client_secret = pi.client_secret.clone();
    checkout.payment_status = Some(CheckoutState::Intent(pi.status.as_str().to_owned()));
    state.store.put_checkout(checkout).await?;
    Ok(pi)
}

/// Authorises the checkout's total on the card, once, within
/// [`STRIPE_BUDGET`], and records the outcome. A declined card is recorded
/// as failed, its reservation released at once, and answered 402 by
/// [`answer`]; Stripe being unreachable (or too slow) is recorded so a
/// repeat resumes, and answered 503.
async fn authorise(
    state: &ShopperState,
    mut checkout: Checkout,
    token: &str,
) -> Result<Checkout, ApiError> {
    let result = match tokio::time::timeout(
        STRIPE_BUDGET,
        customer_and_intent(state, &mut checkout, token),
    )
    .await
    {
        Ok(r) => r,
        Err(_) => Err(AuthoriseError::Payment(PaymentError::Unavailable(
            "Stripe did not answer within the request's budget".into(),
        ))),
    };
    match result {
        Ok(pi) => {
            tracing::info!(checkout = %checkout.id, pi = %pi.id, status = %pi.status, "payment intent created");
            Ok(checkout)
        }
        Err(AuthoriseError::Payment(PaymentError::CardDeclined { code, message })) => {
            tracing::info!(checkout = %checkout.id, %message, code = code.as_deref().unwrap_or(""), "card declined");
            checkout.payment_status = Some(CheckoutState::Failed);
            checkout.failure_code = code;
            state.store.put_checkout(&checkout).await?;
            state.store.release_reservation(&checkout.id).await?;
            Ok(checkout)
        }
        Err(AuthoriseError::Payment(e)) => {
            if e.is_retryable() {
                checkout.payment_status = Some(CheckoutState::Unreached);
                state.store.put_checkout(&checkout).await?;
            }
            Err(e.into())
        }
        Err(AuthoriseError::Store(e)) => Err(e.into()),
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
pub(super) struct ConfirmAnswer {
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
            // Declined, or 3-D Secure failed: the units go back at once and
            // the intent is cancelled (a new card starts a new checkout).
            release(&state, &out.checkout_id).await?;
            out.status = "failed".into();
            out.message = Some(message);
        }
    }
    Ok(Json(out))
}

/// Gives a failed checkout's units back and cancels its PaymentIntent, if
/// it has one (both safe to repeat).
async fn release(state: &ShopperState, checkout_id: &str) -> Result<(), ApiError> {
    state.store.release_reservation(checkout_id).await?;
    let checkout = state.store.get_checkout(checkout_id).await?;
    if let Some(pi) = checkout.payment_intent.as_deref()
        && let Err(e) = state
            .payments
            .cancel(pi, &format!("cancel-{checkout_id}"))
            .await
    {
        // Stripe lets an unconfirmed intent lapse on its own; the sweeper
        // tries again after the reservation's expiry.
        tracing::warn!(checkout = checkout_id, error = %e, "could not cancel a failed payment intent");
    }
    Ok(())
}
