//! Stripe webhook signatures and events.
//!
//! `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]`, where each `v1`
//! is HMAC-SHA256 over `"<t>.<raw body>"` with the endpoint's secret (several
//! appear while a secret is rolled). Verified here with the `hmac` crate
//! (constant-time comparison through `verify_slice`), and events are decoded
//! with serde into [`Event`], which reads Stripe's and localstripe's events
//! alike (localstripe's lack `pending_webhooks` and other fields).

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

/// How far a signature's timestamp may be from now, as Stripe's libraries allow.
pub const TOLERANCE_SECS: i64 = 300;

/// Why a webhook delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The header is missing or not `t=…,v1=…`.
    #[error("malformed Stripe-Signature header")]
    MalformedHeader,
    /// No `v1` signature matches the body.
    #[error("no matching signature")]
    BadSignature,
    /// The timestamp is more than [`TOLERANCE_SECS`] away from now.
    #[error("timestamp outside the tolerance")]
    Expired,
    /// The signature is good but the body is not an event.
    #[error("malformed event: {0}")]
    MalformedEvent(String),
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, t: i64, payload: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    mac
}

/// The `Stripe-Signature` header value Stripe (and its CLI) would send for
/// `payload` at time `t`: for tests and local tools.
pub fn sign(secret: &str, payload: &[u8], t: i64) -> String {
    let sig = mac(secret, t, payload).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(sig))
}

/// Checks `header` against `payload` and `secret` at time `now` (Unix seconds).
pub fn verify(secret: &str, payload: &[u8], header: &str, now: i64) -> Result<(), WebhookError> {
    let mut t: Option<i64> = None;
    let mut v1: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            return Err(WebhookError::MalformedHeader);
        };
        match k {
            "t" => t = Some(v.parse().map_err(|_| WebhookError::MalformedHeader)?),
            // A v1 that is not hex cannot match; skip it rather than refuse the rest.
            "v1" => v1.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let t = t.ok_or(WebhookError::MalformedHeader)?;
    if v1.is_empty() {
        return Err(WebhookError::BadSignature);
    }
    let base = mac(secret, t, payload);
    if !v1.iter().any(|sig| base.clone().verify_slice(sig).is_ok()) {
        return Err(WebhookError::BadSignature);
    }
    if (now - t).abs() > TOLERANCE_SECS {
        return Err(WebhookError::Expired);
    }
    Ok(())
}

/// A Stripe event, reduced to what the shop routes on.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Event {
    /// `evt_…`: recorded once, so a redelivery is ignored.
    pub id: String,
    /// e.g. `payment_intent.succeeded`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When Stripe created it (Unix seconds).
    #[serde(default)]
    pub created: i64,
    /// The object the event is about.
    pub data: EventData,
}

/// An event's `data`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EventData {
    /// The object as it was when the event happened (a PaymentIntent for `payment_intent.*`).
    pub object: serde_json::Value,
}

/// Verifies the signature, then decodes the event.
pub fn construct_event(
    secret: &str,
    payload: &[u8],
    header: &str,
    now: i64,
) -> Result<Event, WebhookError> {
    verify(secret, payload, header, now)?;
    serde_json::from_slice(payload).map_err(|e| WebhookError::MalformedEvent(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded","created":1,"data":{"object":{"id":"pi_1"}}}"#;

    #[test]
    fn signs_and_verifies() {
        let header = sign(SECRET, BODY, 1_000);
        assert_eq!(verify(SECRET, BODY, &header, 1_000), Ok(()));
        assert_eq!(verify(SECRET, BODY, &header, 1_300), Ok(()));
        let event = construct_event(SECRET, BODY, &header, 1_000).unwrap();
        assert_eq!(event.id, "evt_1");
        assert_eq!(event.kind, "payment_intent.succeeded");
        assert_eq!(event.data.object["id"], "pi_1");
    }

    #[test]
    fn matches_stripes_documented_scheme() {
        // HMAC-SHA256(key "secret", "1.{}"), computed with Python's hmac module.
        assert_eq!(
            sign("secret", b"{}", 1),
            "t=1,v1=1122767b193110cfec322b6f199b599edbf608ed087f2d27afb0b97d99523908"
        );
    }

    #[test]
    fn accepts_any_of_several_v1() {
        let good = sign(SECRET, BODY, 1_000);
        let good_sig = good.split_once(",v1=").unwrap().1;
        let header = format!("t=1000,v1={},v1={good_sig},v0=abc", "00".repeat(32));
        assert_eq!(verify(SECRET, BODY, &header, 1_000), Ok(()));
    }

    #[test]
    fn refuses_bad_old_and_malformed() {
        let header = sign(SECRET, BODY, 1_000);
        assert_eq!(
            verify("whsec_other", BODY, &header, 1_000),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, b"{}", &header, 1_000),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, BODY, &header, 1_301),
            Err(WebhookError::Expired)
        );
        assert_eq!(
            verify(SECRET, BODY, &header, 699),
            Err(WebhookError::Expired)
        );
        assert_eq!(
            verify(SECRET, BODY, "", 1_000),
            Err(WebhookError::MalformedHeader)
        );
        assert_eq!(
            verify(SECRET, BODY, "v1=abcd", 1_000),
            Err(WebhookError::MalformedHeader)
        );
        assert_eq!(
            verify(SECRET, BODY, "t=1000", 1_000),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(SECRET, BODY, "t=x,v1=00", 1_000),
            Err(WebhookError::MalformedHeader)
        );
        let not_event = b"[1,2]";
        let header = sign(SECRET, not_event, 1_000);
        assert!(matches!(
            construct_event(SECRET, not_event, &header, 1_000),
            Err(WebhookError::MalformedEvent(_))
        ));
    }
}
