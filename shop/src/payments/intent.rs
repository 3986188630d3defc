//! The PaymentIntent as the shop sees it: the few fields it acts on.

use std::collections::HashMap;

use serde::Deserialize;

/// Where a PaymentIntent stands (Stripe's `status`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PaymentStatus {
    /// No usable card yet (also after a decline or a failed 3-D Secure).
    RequiresPaymentMethod,
    /// Has a card, not yet confirmed.
    RequiresConfirmation,
    /// The bank asks for 3-D Secure: the page runs `confirmCardPayment`.
    RequiresAction,
    /// The bank has not answered yet.
    Processing,
    /// Authorised, not charged: the order can be written.
    RequiresCapture,
    /// Authorisation released or payment abandoned.
    Canceled,
    /// Captured: the money is taken.
    Succeeded,
    /// A status this code does not know (kept verbatim).
    Other(String),
}

impl PaymentStatus {
    /// Parses Stripe's snake_case status.
    pub fn parse(s: &str) -> PaymentStatus {
        match s {
            "requires_payment_method" => PaymentStatus::RequiresPaymentMethod,
            "requires_confirmation" => PaymentStatus::RequiresConfirmation,
            "requires_action" => PaymentStatus::RequiresAction,
            "processing" => PaymentStatus::Processing,
            "requires_capture" => PaymentStatus::RequiresCapture,
            "canceled" => PaymentStatus::Canceled,
            "succeeded" => PaymentStatus::Succeeded,
            other => PaymentStatus::Other(other.to_owned()),
        }
    }

    /// Stripe's snake_case name, as the HTTP API reports it to the page.
    pub fn as_str(&self) -> &str {
        match self {
            PaymentStatus::RequiresPaymentMethod => "requires_payment_method",
            PaymentStatus::RequiresConfirmation => "requires_confirmation",
            PaymentStatus::RequiresAction => "requires_action",
            PaymentStatus::Processing => "processing",
            PaymentStatus::RequiresCapture => "requires_capture",
            PaymentStatus::Canceled => "canceled",
            PaymentStatus::Succeeded => "succeeded",
            PaymentStatus::Other(s) => s,
        }
    }
}

impl std::fmt::Display for PaymentStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Stripe PaymentIntent, reduced to what the shop needs.
///
/// Deserialises from Stripe's JSON (an API answer or an event's
/// `data.object`), ignoring every other field, so both Stripe and
/// localstripe (which omits many fields) are read the same way.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RawPaymentIntent")]
pub struct PaymentIntent {
    /// `pi_…`.
    pub id: String,
    /// Where it stands.
    pub status: PaymentStatus,
    /// Amount in minor units.
    pub amount: i64,
    /// Lower-case ISO currency code, as Stripe writes it.
    pub currency: String,
    /// For the page's `confirmCardPayment` (3-D Secure); never logged.
    pub client_secret: Option<String>,
    /// `metadata.checkout_id`: the checkout this payment belongs to.
    pub checkout_id: Option<String>,
    /// `last_payment_error.message` (or its code), after a failure.
    pub last_error: Option<String>,
}

#[derive(Deserialize)]
struct RawPaymentIntent {
    id: String,
    status: String,
    #[serde(default)]
    amount: i64,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    metadata: Option<HashMap<String, serde_json::Value>>,
    #[serde(default)]
    last_payment_error: Option<RawLastError>,
}

#[derive(Deserialize)]
struct RawLastError {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<String>,
}

impl From<RawPaymentIntent> for PaymentIntent {
    fn from(raw: RawPaymentIntent) -> Self {
        let checkout_id = raw
            .metadata
            .as_ref()
            .and_then(|m| m.get("checkout_id"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        PaymentIntent {
            id: raw.id,
            status: PaymentStatus::parse(&raw.status),
            amount: raw.amount,
            currency: raw.currency,
            client_secret: raw.client_secret,
            checkout_id,
            last_error: raw.last_payment_error.and_then(|e| e.message.or(e.code)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stripe_json_ignoring_other_fields() {
        let pi: PaymentIntent = serde_json::from_str(
            r#"{"id":"pi_1","object":"payment_intent","status":"requires_capture","amount":1500,
                "currency":"eur","client_secret":"pi_1_secret_x","metadata":{"checkout_id":"01ABC"},
                "last_payment_error":null,"livemode":false}"#,
        )
        .unwrap();
        assert_eq!(pi.status, PaymentStatus::RequiresCapture);
        assert_eq!(pi.checkout_id.as_deref(), Some("01ABC"));
        assert_eq!(pi.amount, 1500);
        let failed: PaymentIntent = serde_json::from_str(
            r#"{"id":"pi_2","status":"requires_payment_method","metadata":{},
                "last_payment_error":{"code":"card_declined","message":"Your card was declined."}}"#,
        )
        .unwrap();
        assert_eq!(
            failed.last_error.as_deref(),
            Some("Your card was declined.")
        );
        assert_eq!(failed.checkout_id, None);
        assert_eq!(
            PaymentStatus::parse("weird"),
            PaymentStatus::Other("weird".into())
        );
        assert_eq!(PaymentStatus::parse("succeeded").as_str(), "succeeded");
    }
}
