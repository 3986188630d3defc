//! The Stripe adapter: customers, manual-capture PaymentIntents, refunds, and webhook
//! signatures ([`webhook`]), over `async-stripe` (1.0 release candidate, pinned exactly in the
//! workspace manifest): its hyper 1 client on rustls + ring with Mozilla's roots compiled in,
//! its generated request builders and strict response types, and its webhook crate.
//!
//! This module is the thin layer that keeps the shop's own vocabulary: [`PaymentIntent`] and
//! [`PaymentStatus`] (the few fields the shop acts on), [`PaymentError`] sorted by what a
//! caller can do ([`PaymentError::is_retryable`]), and methods named after the shop's steps.
//! The same client talks to Stripe and to localstripe; only the base URL differs
//! (`local/python/run_localstripe.py` completes localstripe's objects with the fields Stripe
//! always sends, so the strict types decode them unchanged: ARCHITECTURE.md, stand-ins).
//!
//! Idempotency: every call that creates or changes something sends Stripe's
//! `Idempotency-Key` (async-stripe's `RequestStrategy::Idempotent`, the key the caller
//! passes). The shop's own guarantees never rest on it alone: [`Payments::capture`] and
//! [`Payments::cancel`] accept an intent that is already captured or cancelled, and the
//! checkout API claims its key in the table before calling Stripe at all.

mod error;
mod intent;
pub mod webhook;

use std::collections::HashMap;
use std::time::Duration;

use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_core::customer::{CreateCustomer, RetrieveCustomer, RetrieveCustomerReturned};
use stripe_core::payment_intent::{
    CancelPaymentIntent, CapturePaymentIntent, CreatePaymentIntent, RetrievePaymentIntent,
};
use stripe_core::refund::CreateRefund;
use stripe_shared::{PaymentIntentAllowedPaymentMethodTypes, PaymentIntentCaptureMethod};

pub use error::PaymentError;
pub use intent::{PaymentIntent, PaymentStatus};

use crate::domain::Money;

/// Stripe's production API.
pub const STRIPE_API: &str = "https://api.stripe.com";

/// How long one attempt at a Stripe call may take, connecting included (async-stripe has no
/// separate connect timeout). Callers bound their whole Stripe work more tightly where a
/// person waits (checkout's budget).
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// A Stripe client for the shop's payment flow (ARCHITECTURE.md, paths 3–5).
///
/// Cheap to clone (async-stripe's client is reference-counted inside).
#[derive(Clone)]
pub struct Payments {
    /// The client, or why it could not be built (a secret key that is not a header value, a
    /// base URL that is not a URL): reported by every call, so a misconfigured Lambda answers
    /// with errors that name the problem rather than panicking at start.
    client: Result<Client, String>,
    base_url: String,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The request strategy for a call that creates or changes something: once, with the
/// caller's key (retries are the caller's, with the same key).
fn idempotent(key: &str) -> Result<RequestStrategy, PaymentError> {
    IdempotencyKey::new(key)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| PaymentError::InvalidRequest(format!("idempotency key: {e}")))
}

impl Payments {
    /// A client for `base_url` ([`STRIPE_API`] in production, localstripe's
    /// endpoint locally) authenticated with `secret_key`.
    pub fn new(base_url: &str, secret_key: String) -> Payments {
        let base_url = format!("{}/", base_url.trim_end_matches('/'));
        let client = ClientBuilder::new(secret_key)
            .url(base_url.clone())
            .timeout(ATTEMPT_TIMEOUT)
            .build()
            .map_err(|e| e.to_string());
        if let Err(e) = &client {
            tracing::error!(error = %e, "Stripe client not configured");
        }
        Payments { client, base_url }
    }

    fn client(&self) -> Result<&Client, PaymentError> {
        self.client
            .as_ref()
            .map_err(|e| PaymentError::Other(format!("Stripe client not configured: {e}")))
    }

    /// Sends `request` (once, with `idempotency_key` when given) and sorts a failure.
    async fn send<R>(
        &self,
        what: &str,
        request: &R,
        idempotency_key: Option<&str>,
    ) -> Result<R::Output, PaymentError>
    where
        R: StripeRequest,
        R::Output: miniserde::Deserialize,
    {
        let mut call = request.customize();
        if let Some(key) = idempotency_key {
            call = call.request_strategy(idempotent(key)?);
        }
        call.send(self.client()?).await.map_err(|e| {
            let err = error::from_stripe(what, e);
            tracing::info!(call = what, error = %err, "stripe refused");
            err
        })
    }

    /// Creates a customer whose default source is the card behind
    /// `card_token` (a `tok_…` from Stripe.js `createToken`). Returns `cus_…`.
    /// A card refused on attach is [`PaymentError::CardDeclined`].
    pub async fn create_customer(
        &self,
        email: &str,
        card_token: &str,
    ) -> Result<String, PaymentError> {
        self.create_customer_keyed(email, card_token, None).await
    }

    /// [`Payments::create_customer`] with Stripe's `Idempotency-Key`: the
    /// checkout derives it from its id, so a repeat (a take-over after a
    /// request died waiting on Stripe) gets the same customer back from
    /// Stripe instead of a second one.
    pub async fn create_customer_keyed(
        &self,
        email: &str,
        card_token: &str,
        idempotency_key: Option<&str>,
    ) -> Result<String, PaymentError> {
        let request = CreateCustomer::new().email(email).source(card_token);
        let customer = self
            .send("create customer", &request, idempotency_key)
            .await?;
        Ok(customer.id.as_str().to_owned())
    }

    /// The customer's card to pay with: its default payment method, else its
    /// default source (a `card_…`, which Stripe accepts as a payment method).
    async fn customer_card(&self, customer: &str) -> Result<String, PaymentError> {
        let answer = self
            .send("retrieve customer", &RetrieveCustomer::new(customer), None)
            .await?;
        let RetrieveCustomerReturned::Customer(c) = answer else {
            return Err(PaymentError::InvalidRequest(format!(
                "customer {customer} is deleted"
            )));
        };
        c.invoice_settings
            .and_then(|s| s.default_payment_method)
            .map(|pm| pm.id().as_str().to_owned())
            .or_else(|| c.default_source.map(|s| s.id().to_string()))
            .ok_or_else(|| PaymentError::InvalidRequest(format!("customer {customer} has no card")))
    }

    /// Authorises `amount` on the customer's card: a PaymentIntent with
    /// `capture_method=manual`, the card given at creation and `confirm=true`
    /// (localstripe answers 500 to `/confirm` with a payment method), cards only
    /// (no redirect-based methods, so no `return_url`), and `metadata[checkout_id]`
    /// linking it to the checkout.
    ///
    /// The answer's status is `requires_capture` (authorised),
    /// `requires_action` (3-D Secure) or `processing`; a declined card is
    /// [`PaymentError::CardDeclined`].
    pub async fn create_authorization(
        &self,
        customer: &str,
        amount: Money,
        checkout_id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, PaymentError> {
        let card = self.customer_card(customer).await?;
        let currency: stripe_types::Currency = amount
            .currency
            .code()
            .to_ascii_lowercase()
            .parse()
            .unwrap_or_else(|e: std::convert::Infallible| match e {});
        let request = CreatePaymentIntent::new(amount.amount, currency)
            .customer(customer)
            .payment_method(card)
            .allowed_payment_method_types(vec![PaymentIntentAllowedPaymentMethodTypes::Card])
            .capture_method(PaymentIntentCaptureMethod::Manual)
            .confirm(true)
            .metadata(HashMap::from([(
                "checkout_id".to_owned(),
                checkout_id.to_owned(),
            )]));
        let pi = self
            .send("create payment intent", &request, Some(idempotency_key))
            .await?;
        Ok(pi.into())
    }

    /// Reads a PaymentIntent.
    pub async fn retrieve(&self, id: &str) -> Result<PaymentIntent, PaymentError> {
        let pi = self
            .send(
                "retrieve payment intent",
                &RetrievePaymentIntent::new(id),
                None,
            )
            .await?;
        Ok(pi.into())
    }

    /// Captures an authorised PaymentIntent in full. Safe to repeat: an
    /// intent already `succeeded` is returned as it is.
    pub async fn capture(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, PaymentError> {
        self.settle(id, Settle::Capture, idempotency_key).await
    }

    /// Releases an authorisation (no charge). Safe to repeat: an intent
    /// already `canceled` is returned as it is.
    pub async fn cancel(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, PaymentError> {
        self.settle(id, Settle::Cancel, idempotency_key).await
    }

    /// Capture or cancel, accepting "already done": the intent is read
    /// first, and Stripe answers a racing repeat with an error, so on a
    /// refusal it is read again and its status decides.
    async fn settle(
        &self,
        id: &str,
        action: Settle,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, PaymentError> {
        let done = action.done();
        let current = self.retrieve(id).await?;
        if current.status == done {
            return Ok(current);
        }
        // Refuse what Stripe would refuse: localstripe "captures" a cancelled
        // intent and answers 200, leaving it cancelled.
        let allowed = match action {
            Settle::Capture => current.status == PaymentStatus::RequiresCapture,
            Settle::Cancel => current.status != PaymentStatus::Succeeded,
        };
        if !allowed {
            return Err(PaymentError::InvalidRequest(format!(
                "cannot {} {id} in status {}",
                action.name(),
                current.status
            )));
        }
        let result = match action {
            Settle::Capture => {
                let request = CapturePaymentIntent::new(id);
                self.send("capture payment intent", &request, Some(idempotency_key))
                    .await
            }
            Settle::Cancel => {
                let request = CancelPaymentIntent::new(id);
                self.send("cancel payment intent", &request, Some(idempotency_key))
                    .await
            }
        };
        match result {
            Ok(pi) => Ok(pi.into()),
            Err(PaymentError::InvalidRequest(message)) => {
                let now = self.retrieve(id).await?;
                if now.status == done {
                    Ok(now)
                } else {
                    Err(PaymentError::InvalidRequest(format!(
                        "cannot {} {id} in status {}: {message}",
                        action.name(),
                        now.status
                    )))
                }
            }
            Err(other) => Err(other),
        }
    }

    /// Refunds a captured PaymentIntent in full. Returns `re_…`.
    pub async fn refund(
        &self,
        payment_intent: &str,
        idempotency_key: &str,
    ) -> Result<String, PaymentError> {
        let request = CreateRefund::new().payment_intent(payment_intent);
        let refund = self
            .send("create refund", &request, Some(idempotency_key))
            .await?;
        Ok(refund.id.as_str().to_owned())
    }
}

/// The two ways an authorisation ends.
#[derive(Clone, Copy)]
enum Settle {
    Capture,
    Cancel,
}

impl Settle {
    fn done(self) -> PaymentStatus {
        match self {
            Settle::Capture => PaymentStatus::Succeeded,
            Settle::Cancel => PaymentStatus::Canceled,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Settle::Capture => "capture",
            Settle::Cancel => "cancel",
        }
    }
}
