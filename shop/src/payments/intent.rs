//! The PaymentIntent as the shop sees it: the few fields it acts on, read from async-stripe's
//! [`stripe_shared::PaymentIntent`] (an API answer or an event's object).

use stripe_shared::PaymentIntentStatus;

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

impl From<&PaymentIntentStatus> for PaymentStatus {
    /// By Stripe's name (the generated enum is non-exhaustive; so is this one, as `Other`).
    fn from(s: &PaymentIntentStatus) -> Self {
        PaymentStatus::parse(s.as_str())
    }
}

/// A Stripe PaymentIntent, reduced to what the shop needs.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// `last_payment_error.message` (or its code), after a failure: Stripe's
    /// words, for the logs (the shopper is told the shop's own sentence).
    pub last_error: Option<String>,
    /// `last_payment_error.code` (`card_declined`,
    /// `payment_intent_authentication_failure`, …): which sentence the
    /// shopper is told.
    pub last_error_code: Option<String>,
}

impl From<stripe_shared::PaymentIntent> for PaymentIntent {
    fn from(pi: stripe_shared::PaymentIntent) -> Self {
        let mut metadata = pi.metadata;
        PaymentIntent {
            id: pi.id.as_str().to_owned(),
            status: PaymentStatus::from(&pi.status),
            amount: pi.amount,
            currency: pi.currency.to_string(),
            client_secret: pi.client_secret,
            checkout_id: metadata.remove("checkout_id"),
            last_error_code: pi
                .last_payment_error
                .as_ref()
                .and_then(|e| e.code.as_ref().map(|c| c.as_str().to_owned())),
            last_error: pi.last_payment_error.and_then(|e| {
                e.message
                    .or_else(|| e.code.as_ref().map(|c| c.as_str().to_owned()))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [
            "requires_payment_method",
            "requires_confirmation",
            "requires_action",
            "processing",
            "requires_capture",
            "canceled",
            "succeeded",
        ] {
            assert_eq!(PaymentStatus::parse(s).as_str(), s);
            let stripe: PaymentIntentStatus = s.parse().unwrap();
            assert_eq!(PaymentStatus::from(&stripe), PaymentStatus::parse(s));
        }
        assert_eq!(
            PaymentStatus::parse("weird"),
            PaymentStatus::Other("weird".into())
        );
    }
}
