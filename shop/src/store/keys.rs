//! Key layout and opaque pagination cursors.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::Item;
use super::error::StoreError;
use super::table::{GSI1PK, GSI1SK, GSI2PK, GSI2SK, PK, SK};
use crate::domain::{Order, Product, Sku};

// The table's key vocabulary: every partition prefix and sort key is defined here once, and
// every item's key is made by the functions below. (Stored strings: changing one moves data.)

/// The catalogue's GSI1 partition.
pub const CATALOGUE: &str = "CATALOGUE";
/// Partition prefix of a product (`PRODUCT#<sku>`).
pub const PRODUCT_PREFIX: &str = "PRODUCT#";
/// Sort key of a product.
pub const PRODUCT_SK: &str = "PRODUCT";
/// Sort key of a product's reservation counter (beside the product, same partition).
pub const RESERVED_SK: &str = "RESERVED";
/// Partition prefix of a customer's items (`CUSTOMER#<sub>`).
pub const CUSTOMER_PREFIX: &str = "CUSTOMER#";
/// Sort key prefix of an order (`ORDER#<ulid>`), also its GSI2 partition prefix.
pub const ORDER_PREFIX: &str = "ORDER#";
/// GSI2 sort key of an order.
pub const ORDER_INDEX_SK: &str = "ORDER";
/// GSI1 partition prefix of the orders in one status (`ORDERS#<status>`).
pub const ORDERS_PREFIX: &str = "ORDERS#";
/// Partition prefix of a checkout and its reservation (`CHECKOUT#<id>`).
pub const CHECKOUT_PREFIX: &str = "CHECKOUT#";
/// Sort key of a checkout.
pub const CHECKOUT_SK: &str = "CHECKOUT";
/// Sort key of a checkout's reservation.
pub const RESERVATION_SK: &str = "RESERVATION";
/// Partition prefix of an idempotency claim (`IDEMPOTENCY#<sha256>`).
pub const IDEMPOTENCY_PREFIX: &str = "IDEMPOTENCY#";
/// Sort key of an idempotency claim.
pub const IDEMPOTENCY_SK: &str = "IDEMPOTENCY";
/// Partition prefix of a day of the audit trail (`AUDIT#<yyyy-mm-dd>`).
pub const AUDIT_PREFIX: &str = "AUDIT#";
/// Sort key of a seen-once record (`<KIND>#<id>`, e.g. `STRIPE#evt_…`, `REFUND#<order>`).
pub const SEEN_SK: &str = "SEEN";

/// (PK, SK) of a product.
pub fn product_key(sku: &Sku) -> (String, String) {
    (format!("{PRODUCT_PREFIX}{sku}"), PRODUCT_SK.to_owned())
}

/// (PK, SK) of a product's reservation counter.
pub fn counter_key(sku: &Sku) -> (String, String) {
    (format!("{PRODUCT_PREFIX}{sku}"), RESERVED_SK.to_owned())
}

/// (PK, SK) of an order.
pub fn order_key(customer: &str, order_id: &str) -> (String, String) {
    (
        customer_partition(customer),
        format!("{ORDER_PREFIX}{order_id}"),
    )
}

/// The partition of a customer's items.
pub fn customer_partition(customer: &str) -> String {
    format!("{CUSTOMER_PREFIX}{customer}")
}

/// GSI1 partition of the orders in `status`.
pub fn orders_partition(status: impl std::fmt::Display) -> String {
    format!("{ORDERS_PREFIX}{status}")
}

/// GSI2 partition of one order (found by id alone).
pub fn order_index_partition(order_id: &str) -> String {
    format!("{ORDER_PREFIX}{order_id}")
}

/// (PK, SK) of a checkout.
pub fn checkout_key(id: &str) -> (String, String) {
    (format!("{CHECKOUT_PREFIX}{id}"), CHECKOUT_SK.to_owned())
}

/// (PK, SK) of a checkout's reservation.
pub fn reservation_key(checkout_id: &str) -> (String, String) {
    (
        format!("{CHECKOUT_PREFIX}{checkout_id}"),
        RESERVATION_SK.to_owned(),
    )
}

/// (PK, SK) of the idempotency claim with this hash.
pub fn claim_key(hash: &str) -> (String, String) {
    (
        format!("{IDEMPOTENCY_PREFIX}{hash}"),
        IDEMPOTENCY_SK.to_owned(),
    )
}

/// The partition of a day (`yyyy-mm-dd`) of the audit trail.
pub fn audit_partition(day: &str) -> String {
    format!("{AUDIT_PREFIX}{day}")
}

/// (PK, SK) of a seen-once record of `kind` (`STRIPE`, `REFUND`, …).
pub fn seen_key(kind: &str, id: &str) -> (String, String) {
    (format!("{kind}#{id}"), SEEN_SK.to_owned())
}

/// What an item is, from its keys: the inverse of the functions above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemKey {
    /// A product.
    Product(String),
    /// A product's reservation counter.
    ReservationCounter(String),
    /// An order of a customer.
    Order {
        /// The customer's `sub`.
        customer: String,
        /// The order's id.
        id: String,
    },
    /// A checkout.
    Checkout(String),
    /// A checkout's reservation.
    Reservation(String),
    /// An idempotency claim (by hash).
    Claim(String),
    /// An audit entry of a day.
    Audit {
        /// `yyyy-mm-dd`.
        day: String,
    },
    /// A seen-once record.
    Seen {
        /// Its kind (`STRIPE`, `REFUND`, …).
        kind: String,
        /// What was seen.
        id: String,
    },
}

impl ItemKey {
    /// Names the item with these keys, or `None` for keys this layout never makes.
    pub fn parse(pk: &str, sk: &str) -> Option<ItemKey> {
        let key = if let Some(sku) = pk.strip_prefix(PRODUCT_PREFIX) {
            match sk {
                PRODUCT_SK => ItemKey::Product(sku.to_owned()),
                RESERVED_SK => ItemKey::ReservationCounter(sku.to_owned()),
                _ => return None,
            }
        } else if let Some(customer) = pk.strip_prefix(CUSTOMER_PREFIX) {
            ItemKey::Order {
                customer: customer.to_owned(),
                id: sk.strip_prefix(ORDER_PREFIX)?.to_owned(),
            }
        } else if let Some(id) = pk.strip_prefix(CHECKOUT_PREFIX) {
            match sk {
                CHECKOUT_SK => ItemKey::Checkout(id.to_owned()),
                RESERVATION_SK => ItemKey::Reservation(id.to_owned()),
                _ => return None,
            }
        } else if let Some(hash) = pk.strip_prefix(IDEMPOTENCY_PREFIX) {
            (sk == IDEMPOTENCY_SK).then(|| ItemKey::Claim(hash.to_owned()))?
        } else if let Some(day) = pk.strip_prefix(AUDIT_PREFIX) {
            ItemKey::Audit {
                day: day.to_owned(),
            }
        } else if sk == SEEN_SK {
            let (kind, id) = pk.split_once('#')?;
            ItemKey::Seen {
                kind: kind.to_owned(),
                id: id.to_owned(),
            }
        } else {
            return None;
        };
        Some(key)
    }
}

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn key_map(pk: String, sk: String) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// A product as an item, with its keys and index keys.
pub(crate) fn product_item(p: &Product) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(p)?;
    let (pk, sk) = product_key(&p.sku);
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item.insert(GSI1PK.into(), s(CATALOGUE));
    item.insert(GSI1SK.into(), s(format!("{}#{}", p.category, p.sku)));
    Ok(item)
}

/// An order as an item, with its keys and index keys.
pub(crate) fn order_item(o: &Order) -> Result<Item, StoreError> {
    let mut item: Item = serde_dynamo::to_item(o)?;
    let (pk, sk) = order_key(&o.customer, &o.id);
    item.insert(PK.into(), s(pk));
    item.insert(SK.into(), s(sk));
    item.insert(GSI1PK.into(), s(orders_partition(o.status)));
    item.insert(GSI1SK.into(), s(format!("{}#{}", o.created_at, o.id)));
    item.insert(GSI2PK.into(), s(order_index_partition(&o.id)));
    item.insert(GSI2SK.into(), s(ORDER_INDEX_SK));
    Ok(item)
}

/// Encodes a `LastEvaluatedKey` (string attributes only, as all our keys are) as an opaque cursor.
pub(crate) fn encode_cursor(key: Option<&Item>) -> Option<String> {
    let key = key?;
    let plain: HashMap<&str, &str> = key
        .iter()
        .filter_map(|(k, v)| v.as_s().ok().map(|s| (k.as_str(), s.as_str())))
        .collect();
    serde_json::to_vec(&plain).ok().map(hex::encode)
}

/// What a page cursor of one query may hold. A cursor comes back from the
/// client: it is the query's `ExclusiveStartKey` only if it has exactly the
/// key attributes of the table (and index) queried, the caller's partition,
/// and a sort key inside the query's range. Anything else would make
/// DynamoDB answer a `ValidationException` (a 500 and an alarm) or, worse,
/// start in someone else's partition.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CursorShape<'a> {
    /// Every attribute of the `LastEvaluatedKey`: the table's keys, plus the
    /// index's when an index is queried.
    pub attributes: &'a [&'a str],
    /// (attribute, value): the queried partition, which must be the caller's.
    pub partition: (&'a str, &'a str),
    /// (attribute, prefix) when the query has `begins_with` on the sort key.
    pub sort_prefix: Option<(&'a str, &'a str)>,
}

impl CursorShape<'static> {
    /// A query of the table in partition `PK = partition`, with `begins_with`
    /// on `SK` when `sort_prefix` is given.
    pub(crate) fn table<'a>(partition: &'a str, sort_prefix: Option<&'a str>) -> CursorShape<'a> {
        CursorShape {
            attributes: &[PK, SK],
            partition: (PK, partition),
            sort_prefix: sort_prefix.map(|p| (SK, p)),
        }
    }

    /// A query of index GSI1 in partition `GSI1PK = partition`, with
    /// `begins_with` on `GSI1SK` when `sort_prefix` is given.
    pub(crate) fn gsi1<'a>(partition: &'a str, sort_prefix: Option<&'a str>) -> CursorShape<'a> {
        CursorShape {
            attributes: &[PK, SK, GSI1PK, GSI1SK],
            partition: (GSI1PK, partition),
            sort_prefix: sort_prefix.map(|p| (GSI1SK, p)),
        }
    }
}

/// Longest cursor accepted (hex of a key of at most a few hundred bytes).
const MAX_CURSOR_LEN: usize = 4096;
/// DynamoDB's limit on a sort key (partition keys may be 2048 bytes; none of ours is near).
const MAX_KEY_VALUE_BYTES: usize = 1024;

/// Decodes a cursor made by [`encode_cursor`] for a query of `shape`; a
/// mangled or foreign one is bad input ([`StoreError::InvalidCursor`], which the API
/// answers 400 `invalid_cursor`).
pub(crate) fn decode_cursor(
    cursor: Option<&str>,
    shape: &CursorShape<'_>,
) -> Result<Option<Item>, StoreError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = |why: &str| StoreError::InvalidCursor(why.to_owned());
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(bad("too long"));
    }
    let bytes = hex::decode(cursor).map_err(|_| bad("not hex"))?;
    let plain: HashMap<String, String> =
        serde_json::from_slice(&bytes).map_err(|_| bad("not a key"))?;
    let mut names: Vec<&str> = plain.keys().map(String::as_str).collect();
    let mut want: Vec<&str> = shape.attributes.to_vec();
    names.sort_unstable();
    want.sort_unstable();
    if names != want {
        return Err(bad("not a key of this listing"));
    }
    if plain
        .values()
        .any(|v| v.is_empty() || v.len() > MAX_KEY_VALUE_BYTES)
    {
        return Err(bad("empty or oversized key value"));
    }
    let (attribute, value) = shape.partition;
    if plain.get(attribute).map(String::as_str) != Some(value) {
        return Err(bad("not of this listing"));
    }
    if let Some((attribute, prefix)) = shape.sort_prefix
        && !plain.get(attribute).is_some_and(|v| v.starts_with(prefix))
    {
        return Err(bad("outside this listing"));
    }
    Ok(Some(plain.into_iter().map(|(k, v)| (k, s(v))).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orders() -> CursorShape<'static> {
        CursorShape::table("CUSTOMER#ada", Some("ORDER#"))
    }

    fn cursor(pairs: &[(&str, &str)]) -> String {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        hex::encode(serde_json::to_vec(&map).unwrap())
    }

    #[test]
    fn every_key_made_here_parses_back() {
        let sku = Sku::parse("KIT-001").unwrap();
        let cases = [
            (product_key(&sku), ItemKey::Product("KIT-001".into())),
            (
                counter_key(&sku),
                ItemKey::ReservationCounter("KIT-001".into()),
            ),
            (
                order_key("ada", "01J"),
                ItemKey::Order {
                    customer: "ada".into(),
                    id: "01J".into(),
                },
            ),
            (checkout_key("c1"), ItemKey::Checkout("c1".into())),
            (reservation_key("c1"), ItemKey::Reservation("c1".into())),
            (claim_key("ab12"), ItemKey::Claim("ab12".into())),
            (
                seen_key("STRIPE", "evt_1"),
                ItemKey::Seen {
                    kind: "STRIPE".into(),
                    id: "evt_1".into(),
                },
            ),
            (
                (audit_partition("2026-11-27"), "t#1".into()),
                ItemKey::Audit {
                    day: "2026-11-27".into(),
                },
            ),
        ];
        for ((pk, sk), want) in cases {
            assert_eq!(ItemKey::parse(&pk, &sk), Some(want), "{pk} {sk}");
        }
        for (pk, sk) in [
            ("PRODUCT#A", "ORDER#1"),
            ("CUSTOMER#a", "PROFILE"),
            ("X", "Y"),
        ] {
            assert_eq!(ItemKey::parse(pk, sk), None, "{pk} {sk}");
        }
    }

    #[test]
    fn a_cursor_made_here_comes_back() {
        let key = key_map("CUSTOMER#ada".into(), "ORDER#01J".into());
        let c = encode_cursor(Some(&key)).unwrap();
        assert_eq!(decode_cursor(Some(&c), &orders()).unwrap(), Some(key));
        assert_eq!(decode_cursor(None, &orders()).unwrap(), None);
    }

    #[test]
    fn crafted_cursors_are_refused() {
        let refused = |c: &str| {
            let e = decode_cursor(Some(c), &orders()).unwrap_err();
            assert!(e.to_string().contains("page cursor"), "{c}: {e}");
        };
        refused("7b7d"); // {}
        refused("zz");
        refused(&"00".repeat(MAX_CURSOR_LEN));
        refused(&cursor(&[(PK, "CUSTOMER#bob"), (SK, "ORDER#01J")]));
        refused(&cursor(&[(PK, "CUSTOMER#ada"), (SK, "PROFILE")]));
        refused(&cursor(&[(PK, "CUSTOMER#ada")]));
        refused(&cursor(&[
            (PK, "CUSTOMER#ada"),
            (SK, "ORDER#1"),
            (GSI1PK, "x"),
        ]));
        refused(&cursor(&[(PK, "CUSTOMER#ada"), (SK, "")]));
        refused(&hex::encode(br#"{"PK":1,"SK":"ORDER#1"}"#));
        refused(&hex::encode(br#"["PK","SK"]"#));
    }
}
