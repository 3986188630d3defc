//! What can go wrong talking to Stripe, sorted by what the caller can do about it: the
//! thin layer between async-stripe's [`stripe::StripeError`] and the shop's callers.

use stripe::StripeError;
use stripe_shared::{ApiErrors, ApiErrorsCode, ApiErrorsType};

/// Why a Stripe call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The bank refused the card (HTTP 402 / `card_error`): tell the shopper.
    #[error("card declined ({}): {message}", code.as_deref().unwrap_or("no code"))]
    CardDeclined {
        /// Stripe's `error.code` (`card_declined`, `expired_card`, `incorrect_cvc`, ...):
        /// what the shop words for the shopper.
        code: Option<String>,
        /// Stripe's message, written for developers: for the logs.
        message: String,
    },
    /// Stripe refused the request (bad parameters, wrong state, unknown id).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Network trouble, a 5xx or a 429: the same call may succeed later.
    #[error("stripe unavailable: {0}")]
    Unavailable(String),
    /// Anything else (authentication, an answer we cannot read).
    #[error("stripe: {0}")]
    Other(String),
}

impl PaymentError {
    /// True when retrying the same call (with the same idempotency key) may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, PaymentError::Unavailable(_))
    }
}

/// What async-stripe's hyper client reports when an error status came with a body that is not
/// Stripe's error JSON (it drops the status then): a proxy's or load balancer's page, in front
/// of Stripe. Stripe itself always answers JSON.
const UNREADABLE_ERROR: &str = "error deserializing Stripe error";

/// Sorts an async-stripe failure of the call `what` into a [`PaymentError`].
pub(crate) fn from_stripe(what: &str, e: StripeError) -> PaymentError {
    match e {
        StripeError::Stripe(detail, status) => from_api_error(status, &detail),
        // Connection refused or reset, TLS, a timed-out attempt: the same call may succeed.
        StripeError::ClientError(m) => PaymentError::Unavailable(format!("{what}: {m}")),
        StripeError::Timeout => PaymentError::Unavailable(format!("{what}: timed out")),
        StripeError::JSONDeserialize(m) if m == UNREADABLE_ERROR => {
            PaymentError::Unavailable(format!("{what}: an error answer that is not Stripe's"))
        }
        // A 2xx answer that does not decode into Stripe's type for it.
        StripeError::JSONDeserialize(m) => {
            PaymentError::Other(format!("{what}: unreadable answer: {m}"))
        }
        StripeError::ConfigError(m) => PaymentError::Other(format!("{what}: {m}")),
    }
}

/// Maps Stripe's error answer (HTTP status and its `error` object) to a [`PaymentError`].
pub(crate) fn from_api_error(status: u16, detail: &ApiErrors) -> PaymentError {
    let message = detail
        .message
        .clone()
        .or_else(|| detail.code.as_ref().map(|c| c.as_str().to_owned()))
        .unwrap_or_else(|| format!("HTTP {status}"));
    if status == 429 || status >= 500 {
        return PaymentError::Unavailable(format!("HTTP {status}: {message}"));
    }
    if status == 402
        || detail.type_ == ApiErrorsType::CardError
        || detail.code == Some(ApiErrorsCode::CardDeclined)
    {
        return PaymentError::CardDeclined {
            code: detail.code.as_ref().map(|c| c.as_str().to_owned()),
            message,
        };
    }
    match status {
        400 | 404 | 409 => PaymentError::InvalidRequest(message),
        _ => PaymentError::Other(format!("HTTP {status}: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stripe's error object as async-stripe decodes it from an answer's body.
    fn detail(json: &str) -> ApiErrors {
        *miniserde::json::from_str::<stripe_shared::Error>(json)
            .expect("Stripe's error JSON")
            .error
    }

    #[test]
    fn maps_statuses_and_types() {
        let declined = detail(
            r#"{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}"#,
        );
        assert_eq!(
            from_api_error(402, &declined),
            PaymentError::CardDeclined {
                code: Some("card_declined".into()),
                message: "Your card was declined.".into()
            }
        );
        let expired = detail(
            r#"{"error":{"type":"card_error","code":"expired_card","message":"Your card has expired."}}"#,
        );
        assert!(matches!(
            from_api_error(402, &expired),
            PaymentError::CardDeclined { code: Some(c), .. } if c == "expired_card"
        ));
        let bad = detail(r#"{"error":{"type":"invalid_request_error","message":"Bad request"}}"#);
        assert!(matches!(
            from_api_error(400, &bad),
            PaymentError::InvalidRequest(m) if m == "Bad request"
        ));
        let api = detail(r#"{"error":{"type":"api_error"}}"#);
        assert!(from_api_error(503, &api).is_retryable());
        assert!(from_api_error(429, &bad).is_retryable());
        assert!(matches!(from_api_error(401, &bad), PaymentError::Other(_)));
        assert!(!from_api_error(404, &bad).is_retryable());
    }

    #[test]
    fn sorts_client_failures() {
        assert!(from_stripe("x", StripeError::Timeout).is_retryable());
        assert!(from_stripe("x", StripeError::ClientError("refused".into())).is_retryable());
        assert!(
            from_stripe("x", StripeError::JSONDeserialize(UNREADABLE_ERROR.into())).is_retryable()
        );
        assert!(matches!(
            from_stripe(
                "x",
                StripeError::JSONDeserialize("error deserializing request data".into())
            ),
            PaymentError::Other(_)
        ));
    }
}
