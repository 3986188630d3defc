//! The Stripe adapter: customers, manual-capture PaymentIntents, refunds, and
//! webhook signatures ([`webhook`]).
//!
//! Why plain `reqwest` and serde rather than `async-stripe`: the current
//! `async-stripe` line (1.0 release candidates) decodes responses with
//! generated, strict types that require fields localstripe never sends
//! (`amount_capturable`, `amount_received`, `payment_method_types`, …), so
//! every answer from the local stand-in failed to parse; the older 0.x line
//! drags in a second hyper/rustls stack. Stripe's REST API is a handful of
//! form posts here, and the shop reads only the fields in [`PaymentIntent`],
//! so a small client talks to Stripe and localstripe alike.
//!
//! Idempotency: every state-changing call sends Stripe's `Idempotency-Key`.
//! localstripe ignores that header, so the shop's own guarantees never rest on
//! it: [`Payments::capture`] and [`Payments::cancel`] accept an intent that is
//! already captured or cancelled, and the checkout API claims its key in the
//! table before calling Stripe at all.

mod error;
mod intent;
pub mod webhook;

use std::time::Duration;

use serde::Deserialize;

pub use error::PaymentError;
pub use intent::{PaymentIntent, PaymentStatus};

use crate::domain::Money;

/// Stripe's production API.
pub const STRIPE_API: &str = "https://api.stripe.com";

/// The Stripe API version the shop is written against (sent on every call;
/// localstripe ignores it).
pub const STRIPE_VERSION: &str = "2024-06-20";

/// A Stripe client for the shop's payment flow (ARCHITECTURE.md, paths 3–5).
///
/// Cheap to clone (the HTTP client is an `Arc` inside).
#[derive(Clone)]
pub struct Payments {
    http: reqwest::Client,
    base_url: String,
    secret_key: String,
}

impl std::fmt::Debug for Payments {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Payments")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Deserialize)]
struct CustomerSources {
    #[serde(default)]
    default_source: Option<String>,
    #[serde(default)]
    invoice_settings: Option<InvoiceSettings>,
}

#[derive(Deserialize)]
struct InvoiceSettings {
    #[serde(default)]
    default_payment_method: Option<String>,
}

type Form = Vec<(&'static str, String)>;

impl Payments {
    /// A client for `base_url` ([`STRIPE_API`] in production, localstripe's
    /// endpoint locally) authenticated with `secret_key`.
    pub fn new(base_url: &str, secret_key: String) -> Payments {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Payments {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            secret_key,
        }
    }

    async fn send<T: for<'de> Deserialize<'de>>(
        &self,
        method: reqwest::Method,
        path: &str,
        form: Option<Form>,
        idempotency_key: Option<&str>,
    ) -> Result<T, PaymentError> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.secret_key)
            .header("Stripe-Version", STRIPE_VERSION);
        if let Some(key) = idempotency_key {
            req = req.header("Idempotency-Key", key);
        }
        if let Some(form) = form {
            req = req.form(&form);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| PaymentError::Unavailable(format!("{path}: {e}")))?;
        let status = resp.status().as_u16();
        let body = resp
            .bytes()
            .await
            .map_err(|e| PaymentError::Unavailable(format!("{path}: {e}")))?;
        if !(200..300).contains(&status) {
            let err = error::from_response(status, &body);
            tracing::info!(path, status, error = %err, "stripe refused");
            return Err(err);
        }
        serde_json::from_slice(&body)
            .map_err(|e| PaymentError::Other(format!("{path}: unreadable answer: {e}")))
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
        let form = vec![
            ("email", email.to_owned()),
            ("source", card_token.to_owned()),
        ];
        let c: IdOnly = self
            .send(
                reqwest::Method::POST,
                "/v1/customers",
                Some(form),
                idempotency_key,
            )
            .await?;
        Ok(c.id)
    }

    /// The customer's card to pay with: its default payment method, else its
    /// default source (a `card_…`, which Stripe accepts as a payment method).
    async fn customer_card(&self, customer: &str) -> Result<String, PaymentError> {
        let c: CustomerSources = self
            .send(
                reqwest::Method::GET,
                &format!("/v1/customers/{customer}"),
                None,
                None,
            )
            .await?;
        c.invoice_settings
            .and_then(|s| s.default_payment_method)
            .or(c.default_source)
            .ok_or_else(|| PaymentError::InvalidRequest(format!("customer {customer} has no card")))
    }

    /// Authorises `amount` on the customer's card: a PaymentIntent with
    /// `capture_method=manual`, the card given at creation and `confirm=true`
    /// (localstripe answers 500 to `/confirm` with a payment method), and
    /// `metadata[checkout_id]` linking it to the checkout.
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
        let form = vec![
            ("amount", amount.amount.to_string()),
            ("currency", amount.currency.code().to_ascii_lowercase()),
            ("customer", customer.to_owned()),
            ("payment_method", card),
            // Cards only: no redirect-based methods, so no return_url is needed.
            ("payment_method_types[]", "card".to_owned()),
            ("capture_method", "manual".to_owned()),
            ("confirm", "true".to_owned()),
            ("metadata[checkout_id]", checkout_id.to_owned()),
        ];
        self.send(
            reqwest::Method::POST,
            "/v1/payment_intents",
            Some(form),
            Some(idempotency_key),
        )
        .await
    }

    /// Reads a PaymentIntent.
    pub async fn retrieve(&self, id: &str) -> Result<PaymentIntent, PaymentError> {
        self.send(
            reqwest::Method::GET,
            &format!("/v1/payment_intents/{id}"),
            None,
            None,
        )
        .await
    }

    /// Captures an authorised PaymentIntent in full. Safe to repeat: an
    /// intent already `succeeded` is returned as it is.
    pub async fn capture(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, PaymentError> {
        self.settle(id, "capture", idempotency_key, PaymentStatus::Succeeded)
            .await
    }

    /// Releases an authorisation (no charge). Safe to repeat: an intent
    /// already `canceled` is returned as it is.
    pub async fn cancel(
        &self,
        id: &str,
        idempotency_key: &str,
    ) -> Result<PaymentIntent, PaymentError> {
        self.settle(id, "cancel", idempotency_key, PaymentStatus::Canceled)
            .await
    }

    /// Capture or cancel, accepting "already done": the intent is read
    /// first, and Stripe answers a racing repeat with an error (localstripe
    /// with a plain 400), so on a refusal it is read again and its status decides.
    async fn settle(
        &self,
        id: &str,
        action: &str,
        idempotency_key: &str,
        done: PaymentStatus,
    ) -> Result<PaymentIntent, PaymentError> {
        let current = self.retrieve(id).await?;
        if current.status == done {
            return Ok(current);
        }
        // Refuse what Stripe would refuse: localstripe "captures" a cancelled
        // intent and answers 200, leaving it cancelled.
        let allowed = match done {
            PaymentStatus::Succeeded => current.status == PaymentStatus::RequiresCapture,
            _ => current.status != PaymentStatus::Succeeded,
        };
        if !allowed {
            return Err(PaymentError::InvalidRequest(format!(
                "cannot {action} {id} in status {}",
                current.status
            )));
        }
        let result = self
            .send(
                reqwest::Method::POST,
                &format!("/v1/payment_intents/{id}/{action}"),
                Some(Vec::new()),
                Some(idempotency_key),
            )
            .await;
        match result {
            Err(PaymentError::InvalidRequest(message)) => {
                let now = self.retrieve(id).await?;
                if now.status == done {
                    Ok(now)
                } else {
                    Err(PaymentError::InvalidRequest(format!(
                        "cannot {action} {id} in status {}: {message}",
                        now.status
                    )))
                }
            }
            other => other,
        }
    }

    /// Refunds a captured PaymentIntent in full. Returns `re_…`.
    pub async fn refund(
        &self,
        payment_intent: &str,
        idempotency_key: &str,
    ) -> Result<String, PaymentError> {
        let form = vec![("payment_intent", payment_intent.to_owned())];
        let r: IdOnly = self
            .send(
                reqwest::Method::POST,
                "/v1/refunds",
                Some(form),
                Some(idempotency_key),
            )
            .await?;
        Ok(r.id)
    }
}
