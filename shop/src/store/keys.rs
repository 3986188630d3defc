//! Key layout and opaque pagination cursors.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::Item;
use super::error::StoreError;
use super::table::{GSI1PK, GSI1SK, GSI2PK, GSI2SK, PK, SK};
use crate::domain::{Order, Product, Sku};

/// The catalogue's GSI1 partition.
pub(crate) const CATALOGUE: &str = "CATALOGUE";

/// (PK, SK) of a product.
pub fn product_key(sku: &Sku) -> (String, String) {
    (format!("PRODUCT#{sku}"), "PRODUCT".to_owned())
}

/// (PK, SK) of an order.
pub fn order_key(customer: &str, order_id: &str) -> (String, String) {
    (format!("CUSTOMER#{customer}"), format!("ORDER#{order_id}"))
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
    item.insert(GSI1PK.into(), s(format!("ORDERS#{}", o.status)));
    item.insert(GSI1SK.into(), s(format!("{}#{}", o.created_at, o.id)));
    item.insert(GSI2PK.into(), s(format!("ORDER#{}", o.id)));
    item.insert(GSI2SK.into(), s("ORDER"));
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

/// Decodes a cursor made by [`encode_cursor`]; a mangled one is bad input.
pub(crate) fn decode_cursor(cursor: Option<&str>) -> Result<Option<Item>, StoreError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = || StoreError::Encoding(format!("invalid page cursor {cursor:?}"));
    let bytes = hex::decode(cursor).map_err(|_| bad())?;
    let plain: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    Ok(Some(plain.into_iter().map(|(k, v)| (k, s(v))).collect()))
}
