//! Stripe webhook signatures and events, with async-stripe's webhook crate.
//!
//! `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]`, where each `v1` is HMAC-SHA256
//! over `"<t>.<raw body>"` with the endpoint's secret (several appear while a secret is
//! rolled). [`stripe_webhook::Webhook`] checks it (any matching `v1`, constant-time, at most
//! [`TOLERANCE_SECS`] from now) and decodes the event into Stripe's strict types; this module
//! keeps the shop's error classes (the API answers each with its own code) and reduces the
//! event to what the shop routes on.

use stripe_webhook::{EventObject, Webhook};

use super::PaymentIntent;

/// How far a signature's timestamp may be from now (async-stripe's, as Stripe's libraries allow).
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
    /// The signature is good but the body is not an event Stripe's types can read.
    #[error("malformed event: {0}")]
    MalformedEvent(String),
}

impl From<stripe_webhook::WebhookError> for WebhookError {
    fn from(e: stripe_webhook::WebhookError) -> Self {
        use stripe_webhook::WebhookError as E;
        match e {
            E::BadHeader(_) => WebhookError::MalformedHeader,
            // HMAC takes a key of any length: a bad key cannot have signed this.
            E::BadKey | E::BadSignature => WebhookError::BadSignature,
            E::BadTimestamp(_) => WebhookError::Expired,
            E::BadParse(m) => WebhookError::MalformedEvent(m),
        }
    }
}

/// The `Stripe-Signature` header value Stripe (and its CLI) would send for
/// `payload` at time `t`: for tests and local tools.
pub fn sign(secret: &str, payload: &[u8], t: i64) -> String {
    Webhook::generate_test_header(&String::from_utf8_lossy(payload), secret, Some(t))
}

/// A Stripe event, reduced to what the shop routes on.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `evt_…`: recorded once, so a redelivery is ignored.
    pub id: String,
    /// e.g. `payment_intent.succeeded`.
    pub kind: String,
    /// When Stripe created it (Unix seconds).
    pub created: i64,
    /// The PaymentIntent a `payment_intent.*` event is about (as it was when it happened).
    pub payment_intent: Option<PaymentIntent>,
}

/// The header's shape: comma-separated `key=value` pairs, one of them `t`. async-stripe
/// refuses a shapeless header as a bad signature; the API tells the two apart.
fn well_formed(header: &str) -> bool {
    let mut has_t = false;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", _)) => has_t = true,
            Some(_) => {}
            None => return false,
        }
    }
    has_t
}

/// Verifies the signature at time `now` (Unix seconds), then decodes the event.
pub fn construct_event(
    secret: &str,
    payload: &[u8],
    header: &str,
    now: i64,
) -> Result<Event, WebhookError> {
    if !well_formed(header) {
        return Err(WebhookError::MalformedHeader);
    }
    // Stripe signs JSON text; a body that is not UTF-8 was not signed by Stripe.
    let payload = std::str::from_utf8(payload).map_err(|_| WebhookError::BadSignature)?;
    let event = Webhook::construct_event_with_timestamp(payload, header, secret, now)?;
    let payment_intent = match event.data.object {
        EventObject::PaymentIntentAmountCapturableUpdated(pi)
        | EventObject::PaymentIntentCanceled(pi)
        | EventObject::PaymentIntentCreated(pi)
        | EventObject::PaymentIntentPartiallyFunded(pi)
        | EventObject::PaymentIntentPaymentFailed(pi)
        | EventObject::PaymentIntentProcessing(pi)
        | EventObject::PaymentIntentRequiresAction(pi)
        | EventObject::PaymentIntentSucceeded(pi) => Some(PaymentIntent::from(*pi)),
        _ => None,
    };
    Ok(Event {
        id: event.id.as_str().to_owned(),
        kind: event.type_.as_str().to_owned(),
        created: event.created,
        payment_intent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test";
    /// An event as Stripe sends it about an object the shop does not route on.
    const BODY: &[u8] = br#"{"id":"evt_1","object":"event","api_version":"2026-09-30.endive","created":1000,"livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"balance.available","data":{"object":{"object":"balance"}}}"#;

    #[test]
    fn signs_and_verifies() {
        let header = sign(SECRET, BODY, 1_000);
        let event = construct_event(SECRET, BODY, &header, 1_000).unwrap();
        assert_eq!(event.id, "evt_1");
        assert_eq!(event.kind, "balance.available");
        assert_eq!(event.created, 1_000);
        assert_eq!(event.payment_intent, None);
        assert!(construct_event(SECRET, BODY, &header, 1_300).is_ok());
    }

    #[test]
    fn signs_as_stripe_documents() {
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
        assert!(construct_event(SECRET, BODY, &header, 1_000).is_ok());
    }

    #[test]
    fn refuses_bad_old_and_malformed() {
        let header = sign(SECRET, BODY, 1_000);
        let refused = |secret: &str, body: &[u8], header: &str, now: i64| {
            construct_event(secret, body, header, now).unwrap_err()
        };
        assert_eq!(
            refused("whsec_other", BODY, &header, 1_000),
            WebhookError::BadSignature
        );
        assert_eq!(
            refused(SECRET, b"{}", &header, 1_000),
            WebhookError::BadSignature
        );
        assert_eq!(refused(SECRET, BODY, &header, 1_301), WebhookError::Expired);
        assert_eq!(refused(SECRET, BODY, &header, 699), WebhookError::Expired);
        assert_eq!(
            refused(SECRET, BODY, "", 1_000),
            WebhookError::MalformedHeader
        );
        assert_eq!(
            refused(SECRET, BODY, "nonsense", 1_000),
            WebhookError::MalformedHeader
        );
        assert_eq!(
            refused(SECRET, BODY, "v1=abcd", 1_000),
            WebhookError::MalformedHeader
        );
        assert_eq!(
            refused(SECRET, BODY, "t=1000", 1_000),
            WebhookError::BadSignature
        );
        assert_eq!(
            refused(SECRET, BODY, "t=x,v1=00", 1_000),
            WebhookError::MalformedHeader
        );
        assert_eq!(
            refused(SECRET, &[0xff, 0xfe], &header, 1_000),
            WebhookError::BadSignature
        );
        for not_event in [&b"[1,2]"[..], br#"{"id":"evt_x"}"#] {
            let header = sign(SECRET, not_event, 1_000);
            assert!(matches!(
                construct_event(SECRET, not_event, &header, 1_000),
                Err(WebhookError::MalformedEvent(_))
            ));
        }
    }
}
