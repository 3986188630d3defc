//! What can go wrong talking to Stripe, sorted by what the caller can do about it.

/// Why a Stripe call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The bank refused the card (HTTP 402 / `card_error`): tell the shopper.
    #[error("card declined: {0}")]
    CardDeclined(String),
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

/// Stripe's error body: `{"error":{"type","code","message",…}}`.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub error: ErrorDetail,
}

/// The part of Stripe's error body we act on.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

/// Maps an HTTP error answer from Stripe to a [`PaymentError`].
pub(crate) fn from_response(status: u16, body: &[u8]) -> PaymentError {
    let detail = serde_json::from_slice::<ErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_default();
    let message = detail
        .message
        .clone()
        .or_else(|| detail.code.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    if status == 429 || status >= 500 {
        return PaymentError::Unavailable(format!("HTTP {status}: {message}"));
    }
    if status == 402
        || detail.kind.as_deref() == Some("card_error")
        || detail.code.as_deref() == Some("card_declined")
    {
        return PaymentError::CardDeclined(message);
    }
    match status {
        400 | 404 | 409 => PaymentError::InvalidRequest(message),
        _ => PaymentError::Other(format!("HTTP {status}: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_statuses_and_types() {
        let declined = br#"{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined."}}"#;
        assert_eq!(
            from_response(402, declined),
            PaymentError::CardDeclined("Your card was declined.".into())
        );
        assert!(matches!(
            from_response(400, br#"{"error":{"type":"invalid_request_error","message":"Bad request"}}"#),
            PaymentError::InvalidRequest(m) if m == "Bad request"
        ));
        assert!(from_response(503, b"oops").is_retryable());
        assert!(from_response(429, b"{}").is_retryable());
        assert!(matches!(from_response(401, b"{}"), PaymentError::Other(_)));
        assert!(!from_response(404, b"{}").is_retryable());
    }
}
