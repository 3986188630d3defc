//! Reservations: units held for a checkout between "Pay" and the order
//! (ARCHITECTURE.md, paths 3 and 5).
//!
//! Two kinds of item:
//!
//! | item | PK | SK | what |
//! |---|---|---|---|
//! | reservation counter | `PRODUCT#<sku>` | `RESERVED` | `reserved`: units held by open checkouts |
//! | reservation | `CHECKOUT#<id>` | `RESERVATION` | the lines held, `state` (`held` → `sold` or `released`), `heldUntil`; while held, GSI1 `RESERVATIONS#held` / `<heldUntil>#<id>` (the sweeper's index) |
//!
//! The counter is an item of its own, beside the product, so the owner's
//! product writes (whole-item puts) never touch it, and the catalogue
//! publisher (filtered to `SK = PRODUCT`) never sees it. DynamoDB conditions
//! cannot subtract, so "available = stock − reserved ≥ q" is written as
//! `reserved ≤ S − q` on the counter, with `S` the product's stock as read,
//! and a `stock ≥ S` check on the product in the same transaction (a sale or
//! an owner's cut since the read fails it, and the caller reads again).
//!
//! Opening a checkout (claim + snapshot + reservation + every line) is one
//! transaction ([`Store::open_checkout`]); a sale
//! ([`Store::sale_items`]) and a release ([`Store::release_reservation`])
//! each move the reservation out of `held` with a condition on `held`, in
//! the same transaction as the counters, so each frees its units once.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::cancelled::Cancelled;
use super::checkouts::{checkout_item, claim_item};
use super::keys::{
    PRODUCT_PREFIX, RESERVED_SK, counter_key, key_map, n, product_key, reservation_key, s,
};
use super::table::{GSI1, GSI1PK, GSI1SK, PK, SK, TTL_ATTRIBUTE};
use super::{Item, Store, StoreError, now_unix};
use crate::domain::{CartLine, Checkout, Product, Sku};

/// How long a checkout's units stay reserved without becoming an order.
/// Far longer than a checkout takes (3-D Secure included); the sweeper
/// releases them within a minute after that.
pub const RESERVATION_SECS: i64 = 600;

/// The sweeper's GSI1 partition: reservations still held.
const HELD_INDEX: &str = "RESERVATIONS#held";

/// How long a released or sold reservation is kept (TTL) for the record.
const KEEP_SECS: i64 = 7 * 24 * 3600;

/// Where a reservation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReservationState {
    /// Units held for the checkout.
    Held,
    /// Turned into a sale by order-events.
    Sold,
    /// Given back (declined, failed 3-D Secure, or expired).
    Released,
}

impl ReservationState {
    fn as_str(self) -> &'static str {
        match self {
            ReservationState::Held => "held",
            ReservationState::Sold => "sold",
            ReservationState::Released => "released",
        }
    }
}

/// A checkout's reservation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reservation {
    /// The checkout (and order) id.
    pub checkout_id: String,
    /// The shopper's `sub` (the order's partition).
    pub customer: String,
    /// What is held.
    pub lines: Vec<CartLine>,
    /// Where it stands.
    pub state: ReservationState,
    /// Unix seconds after which the sweeper releases it.
    pub held_until: i64,
}

/// What [`Store::open_checkout`] came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// Claim, checkout and reservation written: go on and authorise.
    Opened,
    /// The idempotency key was claimed before: nothing was written.
    KeyTaken,
    /// A line cannot be reserved: nothing was written.
    SoldOut {
        /// The line's SKU.
        sku: Sku,
        /// Units still available (stock − reserved) as last read.
        available: u32,
    },
    /// A product's stock changed since it was read: read again and retry.
    StockMoved,
}

/// Stock and reservations of some products, as read together.
#[derive(Debug, Clone, Default)]
pub struct Availability {
    /// The products found.
    pub products: HashMap<Sku, Product>,
    /// Units reserved per SKU (absent: none).
    pub reserved: HashMap<Sku, u32>,
}

impl Availability {
    /// Units reserved for `sku`.
    pub fn reserved(&self, sku: &Sku) -> u32 {
        self.reserved.get(sku).copied().unwrap_or(0)
    }

    /// Units that can still be reserved: stock − reserved (never below 0).
    pub fn available(&self, sku: &Sku) -> u32 {
        self.products
            .get(sku)
            .map(|p| p.stock.saturating_sub(self.reserved(sku)))
            .unwrap_or(0)
    }

    /// The products with their stock replaced by what is available, for
    /// pricing a cart against what can still be reserved.
    pub fn as_available(&self) -> HashMap<Sku, Product> {
        self.products
            .iter()
            .map(|(sku, p)| {
                let mut p = p.clone();
                p.stock = self.available(sku);
                (sku.clone(), p)
            })
            .collect()
    }
}

fn held_sort_key(held_until: i64, checkout_id: &str) -> String {
    format!("{held_until:012}#{checkout_id}")
}

impl Store {
    /// Products and their reservation counters (both items of each SKU), read
    /// consistently.
    pub async fn availability(&self, skus: &[Sku]) -> Result<Availability, StoreError> {
        let mut out = Availability::default();
        let mut unique: Vec<&Sku> = skus.iter().collect();
        unique.sort();
        unique.dedup();
        let mut keys: Vec<Item> = Vec::with_capacity(unique.len() * 2);
        for sku in unique {
            let (pk, sk) = product_key(sku);
            keys.push(key_map(pk, sk));
            let (pk, sk) = counter_key(sku);
            keys.push(key_map(pk, sk));
        }
        for item in self.batch_get(keys).await? {
            let sk = item.get(SK).and_then(|v| v.as_s().ok()).cloned();
            if sk.as_deref() == Some(RESERVED_SK) {
                let sku = item
                    .get(PK)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|pk| pk.strip_prefix(PRODUCT_PREFIX))
                    .and_then(|s| Sku::parse(s).ok());
                let reserved = item
                    .get("reserved")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0);
                if let Some(sku) = sku {
                    out.reserved
                        .insert(sku, u32::try_from(reserved.max(0)).unwrap_or(u32::MAX));
                }
            } else {
                let p: Product = serde_dynamo::from_item(item)?;
                out.products.insert(p.sku.clone(), p);
            }
        }
        Ok(out)
    }

    /// Opens a checkout in one transaction: the idempotency claim (it must
    /// not exist), the checkout snapshot, its reservation (held until
    /// `checkout.created + RESERVATION_SECS`, in the sweeper's index) and,
    /// for every line, `reserved += q` on the counter on condition that
    /// `reserved ≤ stock − q`, with the product's stock checked to be at
    /// least what `seen` read. Either all of it is written or none.
    pub async fn open_checkout(
        &self,
        checkout: &Checkout,
        lease_until: i64,
        seen: &Availability,
    ) -> Result<OpenOutcome, StoreError> {
        let lines = &checkout.cart;
        if lines.len() * 2 + 3 > 100 {
            return Err(StoreError::Other(
                "a transaction holds at most 100 items".into(),
            ));
        }
        let held_until = now_unix() + RESERVATION_SECS;
        let mut items = Vec::with_capacity(lines.len() * 2 + 3);
        let claim = claim_item(
            &checkout.customer,
            &checkout.idempotency_key,
            &checkout.id,
            &checkout.request_hash,
            lease_until,
        );
        items.push(self.put_new_in_transaction(claim)?);
        items.push(
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.table)
                        .set_item(Some(checkout_item(checkout)?))
                        .build()?,
                )
                .build(),
        );
        let reservation = Reservation {
            checkout_id: checkout.id.clone(),
            customer: checkout.customer.clone(),
            lines: lines.clone(),
            state: ReservationState::Held,
            held_until,
        };
        let mut item: Item = serde_dynamo::to_item(&reservation)?;
        let (pk, sk) = reservation_key(&checkout.id);
        item.insert(PK.into(), s(pk));
        item.insert(SK.into(), s(sk));
        item.insert(GSI1PK.into(), s(HELD_INDEX));
        item.insert(GSI1SK.into(), s(held_sort_key(held_until, &checkout.id)));
        items.push(self.put_new_in_transaction(item)?);
        for line in lines {
            let stock = seen.products.get(&line.sku).map(|p| p.stock).unwrap_or(0);
            let limit = i64::from(stock) - i64::from(line.quantity);
            if limit < 0 {
                return Ok(OpenOutcome::SoldOut {
                    sku: line.sku.clone(),
                    available: seen.available(&line.sku),
                });
            }
            let (pk, sk) = product_key(&line.sku);
            items.push(
                TransactWriteItem::builder()
                    .condition_check(
                        ConditionCheck::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(pk, sk)))
                            .condition_expression("stock >= :seen")
                            .expression_attribute_values(":seen", n(stock))
                            .build()?,
                    )
                    .build(),
            );
            let (pk, sk) = counter_key(&line.sku);
            items.push(
                TransactWriteItem::builder()
                    .update(
                        Update::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(pk, sk)))
                            .update_expression("SET reserved = if_not_exists(reserved, :zero) + :q")
                            .condition_expression(
                                "attribute_not_exists(reserved) OR reserved <= :limit",
                            )
                            .expression_attribute_values(":zero", n(0))
                            .expression_attribute_values(":q", n(line.quantity))
                            .expression_attribute_values(":limit", n(limit))
                            .build()?,
                    )
                    .build(),
            );
        }
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(OpenOutcome::Opened),
            Err(e) => e,
        };
        let Some(reasons) = Cancelled::of(&err) else {
            return Err(StoreError::from(err));
        };
        if reasons.condition_failed(0) {
            return Ok(OpenOutcome::KeyTaken);
        }
        for (i, line) in lines.iter().enumerate() {
            if reasons.condition_failed(3 + 2 * i) {
                return Ok(OpenOutcome::StockMoved);
            }
            if reasons.condition_failed(4 + 2 * i) {
                return Ok(OpenOutcome::SoldOut {
                    sku: line.sku.clone(),
                    available: seen.available(&line.sku),
                });
            }
        }
        Err(reasons.into_error("checkout"))
    }

    /// A checkout's reservation (`None` if it has none).
    pub async fn get_reservation(
        &self,
        checkout_id: &str,
    ) -> Result<Option<Reservation>, StoreError> {
        self.get_item(reservation_key(checkout_id)).await
    }

    /// The transaction items that move `reservation` out of `held` into
    /// `to` (conditional on it still being held) and take its units off the
    /// counters (each conditional on `reserved ≥ q`). A sale joins them to
    /// the stock decrement; a release runs them alone.
    pub fn end_reservation_items(
        &self,
        reservation: &Reservation,
        to: ReservationState,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut items = Vec::with_capacity(reservation.lines.len() + 1);
        let (pk, sk) = reservation_key(&reservation.checkout_id);
        items.push(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(key_map(pk, sk)))
                        .update_expression("SET #state = :to, #ttl = :keep REMOVE #gpk, #gsk")
                        .condition_expression("#state = :held")
                        .expression_attribute_names("#state", "state")
                        .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
                        .expression_attribute_names("#gpk", GSI1PK)
                        .expression_attribute_names("#gsk", GSI1SK)
                        .expression_attribute_values(":to", s(to.as_str()))
                        .expression_attribute_values(":held", s(ReservationState::Held.as_str()))
                        .expression_attribute_values(":keep", n(now_unix() + KEEP_SECS))
                        .build()?,
                )
                .build(),
        );
        for line in &reservation.lines {
            let (pk, sk) = counter_key(&line.sku);
            items.push(
                TransactWriteItem::builder()
                    .update(
                        Update::builder()
                            .table_name(&self.table)
                            .set_key(Some(key_map(pk, sk)))
                            .update_expression("SET reserved = reserved - :q")
                            .condition_expression("reserved >= :q")
                            .expression_attribute_values(":q", n(line.quantity))
                            .build()?,
                    )
                    .build(),
            );
        }
        Ok(items)
    }

    /// Gives a checkout's units back, once: `true` if this call released
    /// them, `false` if there was nothing held (no reservation, or already
    /// sold or released).
    pub async fn release_reservation(&self, checkout_id: &str) -> Result<bool, StoreError> {
        for _attempt in 0..5 {
            let Some(reservation) = self.get_reservation(checkout_id).await? else {
                return Ok(false);
            };
            if reservation.state != ReservationState::Held {
                return Ok(false);
            }
            let items = self.end_reservation_items(&reservation, ReservationState::Released)?;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items))
                .send()
                .await;
            let err = match result {
                Ok(_) => {
                    tracing::info!(checkout = checkout_id, "reservation released");
                    return Ok(true);
                }
                Err(e) => e,
            };
            match Cancelled::of(&err) {
                // Sold or released meanwhile: the loop re-reads and stops.
                Some(reasons) if reasons.condition_failed(0) => {}
                Some(reasons) if reasons.conflict() => {}
                _ => return Err(StoreError::from(err)),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Reservations still held whose time ran out by `now`, oldest first
    /// (at most `limit`).
    pub async fn expired_reservations(
        &self,
        now: i64,
        limit: i32,
    ) -> Result<Vec<Reservation>, StoreError> {
        let out = self
            .query()
            .index_name(GSI1)
            .key_condition_expression("#pk = :pk AND #sk < :until")
            .expression_attribute_names("#pk", GSI1PK)
            .expression_attribute_names("#sk", GSI1SK)
            .expression_attribute_values(":pk", s(HELD_INDEX))
            .expression_attribute_values(":until", s(held_sort_key(now, "")))
            .limit(limit.clamp(1, 1000))
            .send()
            .await?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(|i| serde_dynamo::from_item(i).map_err(StoreError::from))
            .collect()
    }
}
