//! Checkout snapshots and idempotency claims.

use sha2::{Digest, Sha256};

use super::keys::{checkout_key, key_map, n, s};
use super::table::{PK, SK, TTL_ATTRIBUTE};
use super::{Store, StoreError, now_unix};
use crate::domain::Checkout;
use crate::domain::checkout::CHECKOUT_TTL_SECS;

/// The result of claiming an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyClaim {
    /// This request is the first with the key: go ahead with `checkout_id`.
    Claimed,
    /// The key was used before, for this checkout and request hash.
    Existing {
        /// The checkout the key belongs to.
        checkout_id: String,
        /// Hash of the first request's body.
        request_hash: String,
        /// Until when (unix seconds) the request holding the key may still
        /// be working on it; after that a repeat may take it over
        /// ([`Store::take_over_idempotency_key`]).
        lease_until: i64,
    },
}

/// How long a claim protects the request that holds it: longer than any
/// request can run (the functions' timeout is 10 s), so a live request is
/// never taken over, and short enough that a request that died after
/// claiming (a crashed or timed-out Lambda) blocks its key for seconds, not
/// for the claim's whole TTL.
pub const CLAIM_LEASE_SECS: i64 = 15;

fn claim_key(customer: &str, key: &str) -> (String, String) {
    let h = hex::encode(Sha256::digest(format!("{customer}\n{key}").as_bytes()));
    super::keys::claim_key(&h)
}

/// The idempotency claim item: `key` belongs to `checkout_id` (made from a
/// request hashing to `request_hash`), leased until `lease_until`.
pub(super) fn claim_item(
    customer: &str,
    key: &str,
    checkout_id: &str,
    request_hash: &str,
    lease_until: i64,
) -> super::Item {
    let (pk, sk) = claim_key(customer, key);
    let mut item = key_map(pk, sk);
    item.insert("checkoutId".into(), s(checkout_id));
    item.insert("requestHash".into(), s(request_hash));
    item.insert("leaseUntil".into(), n(lease_until));
    item.insert(TTL_ATTRIBUTE.into(), n(now_unix() + CHECKOUT_TTL_SECS));
    item
}

/// A checkout snapshot as an item, with its keys and TTL.
pub(super) fn checkout_item(checkout: &Checkout) -> Result<super::Item, StoreError> {
    let mut item: super::Item = serde_dynamo::to_item(checkout)?;
    let (pk, sk) = checkout_key(&checkout.id);
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item.insert(TTL_ATTRIBUTE.into(), n(checkout.expires_at));
    Ok(item)
}

impl Store {
    /// Claims `key` for this customer's checkout `checkout_id` (conditional
    /// put, TTL like the checkout). Exactly one of concurrent identical
    /// requests gets [`IdempotencyClaim::Claimed`]; the others learn which
    /// checkout the key belongs to and what body it came with.
    pub async fn claim_idempotency_key(
        &self,
        customer: &str,
        key: &str,
        checkout_id: &str,
        request_hash: &str,
    ) -> Result<IdempotencyClaim, StoreError> {
        let item = claim_item(
            customer,
            key,
            checkout_id,
            request_hash,
            now_unix() + CLAIM_LEASE_SECS,
        );
        if self.put_new(item).await? {
            return Ok(IdempotencyClaim::Claimed);
        }
        self.idempotency_claim(customer, key)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The claim on `key`, if there is one ([`IdempotencyClaim::Existing`]),
    /// read without claiming anything.
    pub async fn idempotency_claim(
        &self,
        customer: &str,
        key: &str,
    ) -> Result<Option<IdempotencyClaim>, StoreError> {
        let Some(item) = self.get_raw(claim_key(customer, key)).await? else {
            return Ok(None);
        };
        let get = |k: &str| {
            item.get(k)
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default()
        };
        // Claims written before leases existed have none: expired.
        let lease_until = item
            .get("leaseUntil")
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(Some(IdempotencyClaim::Existing {
            checkout_id: get("checkoutId"),
            request_hash: get("requestHash"),
            lease_until,
        }))
    }

    /// Takes over the claim of a request that died holding `key`: renews the
    /// lease only if it has run out (conditional update), so of several
    /// repeats exactly one gets `true` and carries on the checkout.
    pub async fn take_over_idempotency_key(
        &self,
        customer: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        let (pk, sk) = claim_key(customer, key);
        let now = now_unix();
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(pk, sk)))
            .update_expression("SET leaseUntil = :until")
            .condition_expression(
                "attribute_exists(PK) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)",
            )
            .expression_attribute_values(":until", n(now + CLAIM_LEASE_SECS))
            .expression_attribute_values(":now", n(now))
            .send()
            .await;
        match update.map_err(StoreError::from) {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Stores (or replaces) a checkout snapshot, with its TTL.
    pub async fn put_checkout(&self, checkout: &Checkout) -> Result<(), StoreError> {
        self.put_raw(checkout_item(checkout)?).await
    }

    /// Reads a checkout snapshot.
    pub async fn get_checkout(&self, id: &str) -> Result<Checkout, StoreError> {
        self.get_item(checkout_key(id))
            .await?
            .ok_or(StoreError::NotFound)
    }
}
