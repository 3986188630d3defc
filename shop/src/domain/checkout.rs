//! Checkouts: a priced snapshot of a cart, tied to one idempotency key and
//! one Stripe PaymentIntent.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::address::Address;
use super::cart::{CartLine, PricedCart};

/// How long a checkout snapshot lives in the table before TTL removes it.
pub const CHECKOUT_TTL_SECS: i64 = 24 * 3600;

/// A priced cart waiting for payment.
///
/// Stored before the PaymentIntent is created, so the order that follows is
/// built from what was priced, never from what the browser says later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkout {
    /// ULID, also the order's id once authorised.
    pub id: String,
    /// Cognito `sub` of the shopper.
    pub customer: String,
    /// Shopper's email, for the confirmation.
    pub email: String,
    /// The `Idempotency-Key` header the browser sent.
    pub idempotency_key: String,
    /// Hash of the request (lines, address, token) so the same key with another body is caught.
    pub request_hash: String,
    /// The lines as requested.
    pub cart: Vec<CartLine>,
    /// The priced snapshot.
    pub priced: PricedCart,
    /// Where to ship.
    pub address: Address,
    /// Stripe customer id (`cus_…`), stored as soon as Stripe answers, so a
    /// take-over reuses it instead of creating a second customer.
    #[serde(default)]
    pub stripe_customer: Option<String>,
    /// Stripe PaymentIntent id, once created.
    #[serde(default)]
    pub payment_intent: Option<String>,
    /// PaymentIntent client secret, returned to the same shopper on a retry.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Where the payment stands (`None`: Stripe not asked yet). Stored as `paymentStatus`.
    #[serde(default)]
    pub payment_status: Option<CheckoutState>,
    /// Stripe's code for why the card was refused when it was attached
    /// (`expired_card`, ...): a repeat of the request answers the same sentence.
    #[serde(default)]
    pub failure_code: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// Unix seconds after which the table's TTL deletes it.
    pub expires_at: i64,
}

/// Where a checkout's payment stands, as stored in `paymentStatus`: the PaymentIntent's status
/// as Stripe last reported it, or one of the shop's own two markers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum CheckoutState {
    /// `failed`: the payment failed for good (declined, 3-D Secure failed, cancelled); the
    /// checkout is answered 402 and its units are released.
    Failed,
    /// `error`: Stripe could not be reached (or not in time); a repeat of the request resumes
    /// it (Stripe's own idempotency key, derived from the checkout id, keeps that from
    /// authorising twice).
    Unreached,
    /// The PaymentIntent's status, Stripe's name verbatim (`requires_capture`,
    /// `requires_action`, …): it is what the checkout answer reports to the page.
    Intent(String),
}

impl CheckoutState {
    const FAILED: &'static str = "failed";
    const UNREACHED: &'static str = "error";

    /// The stored (and answered) name.
    pub fn as_str(&self) -> &str {
        match self {
            CheckoutState::Failed => Self::FAILED,
            CheckoutState::Unreached => Self::UNREACHED,
            CheckoutState::Intent(s) => s,
        }
    }
}

impl From<String> for CheckoutState {
    /// Stripe never names a status `failed` or `error`, so the markers cannot be mistaken.
    fn from(s: String) -> Self {
        match s.as_str() {
            Self::FAILED => CheckoutState::Failed,
            Self::UNREACHED => CheckoutState::Unreached,
            _ => CheckoutState::Intent(s),
        }
    }
}

impl From<CheckoutState> for String {
    fn from(s: CheckoutState) -> Self {
        match s {
            CheckoutState::Intent(s) => s,
            marker => marker.as_str().to_owned(),
        }
    }
}

/// A stable hash of a checkout request's meaningful parts, hex-encoded.
///
/// Callers pass a canonical serialisation (e.g. `serde_json::to_vec` of the
/// parsed request), so whitespace or key order in the original body do not matter.
pub fn request_hash(canonical: &[u8]) -> String {
    hex::encode(Sha256::digest(canonical))
}

/// How a repeat of a checkout request stands towards its key's claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    /// Another request holds the claim, as far as this one knows.
    Other,
    /// This request took the claim over after its lease ran out.
    TookOver,
    /// This request tried to take the claim over and another repeat won.
    LostTakeOver,
}

/// The claim on an idempotency key, as a repeat of the request sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// The claim was made for a request with this one's hash.
    pub same_request: bool,
    /// Until when (unix seconds) the request holding the key may still be working on it.
    pub lease_until: i64,
    /// Who holds it now.
    pub hold: Hold,
}

/// What a repeat of a checkout request does next ([`next_action`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The key was claimed for another request: 409 `idempotency_key_reused`.
    KeyReused,
    /// The holder's lease ran out (it died): take the claim over, conditionally (one winner).
    TakeOver,
    /// Read the checkout this request now holds (missing: 404).
    Read,
    /// The holder is (or may be) still working: wait, bounded, for the checkout to record an
    /// outcome.
    Wait,
    /// Ask Stripe (again): nobody did, or Stripe could not be reached. Every Stripe call
    /// carries a key derived from the checkout id, so nothing is created twice.
    Authorise,
    /// The checkout has its outcome: answer from it.
    Answer,
}

/// The claim/lease decision of a repeated checkout request, with no IO: the caller performs
/// the action, learns something (the take-over's result, the checkout as read) and asks again.
/// `checkout` is the key's checkout as last read, `None` before it was read.
pub fn next_action(claim: &Claim, checkout: Option<&Checkout>, now: i64) -> Action {
    if !claim.same_request {
        return Action::KeyReused;
    }
    let state = checkout.map(|c| c.payment_status.as_ref());
    match (claim.hold, state) {
        (Hold::Other, _) if claim.lease_until < now => Action::TakeOver,
        (Hold::TookOver, None) => Action::Read,
        // The request that held it died before or while asking Stripe.
        (Hold::TookOver, Some(None | Some(CheckoutState::Unreached))) => Action::Authorise,
        (Hold::Other | Hold::LostTakeOver, None | Some(None)) => Action::Wait,
        (_, Some(Some(CheckoutState::Unreached))) => Action::Authorise,
        (_, Some(Some(CheckoutState::Failed | CheckoutState::Intent(_)))) => Action::Answer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkout(state: Option<CheckoutState>) -> Checkout {
        let zero = serde_json::json!({"amount": 0, "currency": "EUR"});
        serde_json::from_value(serde_json::json!({
            "id": "01CHECKOUT",
            "customer": "sub",
            "email": "a@example.com",
            "idempotencyKey": "key-12345",
            "requestHash": "h",
            "cart": [],
            "priced": {"lines": [], "subtotal": zero, "shipping": zero, "total": zero},
            "address": {"name": "A", "line1": "1", "city": "C", "postalCode": "1", "country": "FR"},
            "paymentStatus": state,
            "createdAt": "",
            "expiresAt": 0,
        }))
        .expect("a checkout")
    }

    const NOW: i64 = 1_000;
    const LIVE: i64 = NOW + 5;
    const LAPSED: i64 = NOW - 1;

    /// What the checkout says, as a row's input.
    #[derive(Clone, Copy)]
    enum Seen {
        NotRead,
        Asking,
        Unreached,
        Failed,
        Authorised,
    }

    #[test]
    fn next_action_table() {
        use Action as A;
        use Hold as H;
        use Seen as S;
        #[rustfmt::skip]
        let rows: &[(bool, i64, Hold, Seen, Action)] = &[
            // same request, lease until, hold, checkout as read → action
            (false, LIVE,   H::Other,        S::Authorised, A::KeyReused),
            (false, LAPSED, H::Other,        S::NotRead,    A::KeyReused),
            (true,  LAPSED, H::Other,        S::NotRead,    A::TakeOver),
            (true,  LAPSED, H::Other,        S::Asking,     A::TakeOver),
            (true,  NOW,    H::Other,        S::NotRead,    A::Wait), // the lease's last second is the holder's
            (true,  LIVE,   H::Other,        S::NotRead,    A::Wait),
            (true,  LIVE,   H::Other,        S::Asking,     A::Wait),
            (true,  LIVE,   H::Other,        S::Unreached,  A::Authorise),
            (true,  LIVE,   H::Other,        S::Failed,     A::Answer),
            (true,  LIVE,   H::Other,        S::Authorised, A::Answer),
            (true,  LAPSED, H::TookOver,     S::NotRead,    A::Read),
            (true,  LAPSED, H::TookOver,     S::Asking,     A::Authorise),
            (true,  LAPSED, H::TookOver,     S::Unreached,  A::Authorise),
            (true,  LAPSED, H::TookOver,     S::Failed,     A::Answer),
            (true,  LAPSED, H::TookOver,     S::Authorised, A::Answer),
            (true,  LAPSED, H::LostTakeOver, S::NotRead,    A::Wait),
            (true,  LAPSED, H::LostTakeOver, S::Asking,     A::Wait),
            (true,  LAPSED, H::LostTakeOver, S::Unreached,  A::Authorise),
            (true,  LAPSED, H::LostTakeOver, S::Failed,     A::Answer),
            (true,  LAPSED, H::LostTakeOver, S::Authorised, A::Answer),
        ];
        for (i, &(same_request, lease_until, hold, seen, expected)) in rows.iter().enumerate() {
            let claim = Claim {
                same_request,
                lease_until,
                hold,
            };
            let c = match seen {
                S::NotRead => None,
                S::Asking => Some(checkout(None)),
                S::Unreached => Some(checkout(Some(CheckoutState::Unreached))),
                S::Failed => Some(checkout(Some(CheckoutState::Failed))),
                S::Authorised => Some(checkout(Some(CheckoutState::Intent(
                    "requires_capture".into(),
                )))),
            };
            assert_eq!(
                next_action(&claim, c.as_ref(), NOW),
                expected,
                "row {i}: {claim:?}"
            );
        }
    }

    #[test]
    fn states_keep_their_stored_strings() {
        for (state, stored) in [
            (CheckoutState::Failed, "failed"),
            (CheckoutState::Unreached, "error"),
            (
                CheckoutState::Intent("requires_action".into()),
                "requires_action",
            ),
            (
                CheckoutState::Intent("requires_capture".into()),
                "requires_capture",
            ),
        ] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(json, format!("\"{stored}\""));
            assert_eq!(serde_json::from_str::<CheckoutState>(&json).unwrap(), state);
            assert_eq!(state.as_str(), stored);
        }
        let c = checkout(Some(CheckoutState::Unreached));
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["paymentStatus"], "error");
        assert_eq!(serde_json::from_value::<Checkout>(json).unwrap(), c);
        let mut absent = serde_json::to_value(checkout(None)).unwrap();
        absent.as_object_mut().unwrap().remove("paymentStatus");
        assert_eq!(
            serde_json::from_value::<Checkout>(absent)
                .unwrap()
                .payment_status,
            None
        );
    }
}
