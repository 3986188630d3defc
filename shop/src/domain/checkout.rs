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
    /// Last known PaymentIntent status.
    #[serde(default)]
    pub payment_status: Option<String>,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// Unix seconds after which the table's TTL deletes it.
    pub expires_at: i64,
}

/// A stable hash of a checkout request's meaningful parts, hex-encoded.
///
/// Callers pass a canonical serialisation (e.g. `serde_json::to_vec` of the
/// parsed request), so whitespace or key order in the original body do not matter.
pub fn request_hash(canonical: &[u8]) -> String {
    hex::encode(Sha256::digest(canonical))
}
