//! Test fixtures the workspace's tests share: built for shop's unit tests and with the feature
//! `fixtures`, which only dev-dependencies enable, so nothing here reaches a Lambda.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::store::keys::{IDEMPOTENCY_PREFIX, s};
use crate::store::table::{PK, SK};
use crate::{Address, Currency, Money, Order, OrderStatus, PricedLine, Sku, Store};

/// Shipping every fixture order pays, in euro cents.
pub const SHIPPING: i64 = 500;

/// A line of `quantity` × `sku` at `unit` euro cents, named after its SKU.
pub fn line(sku: &str, unit: i64, quantity: u32) -> PricedLine {
    PricedLine {
        sku: Sku::parse(sku).expect("a fixture SKU is valid"),
        name: format!("Product {sku}"),
        unit_price: Money::new(unit, Currency::Eur),
        quantity,
        line_total: Money::new(unit * i64::from(quantity), Currency::Eur),
    }
}

/// A valid London address.
pub fn address() -> Address {
    Address {
        name: "Ada Lovelace".into(),
        line1: "12 St James's Square".into(),
        line2: String::new(),
        city: "London".into(),
        postal_code: "SW1Y 4JH".into(),
        country: "GB".into(),
    }
}

/// An `authorized` order of `lines` (plus [`SHIPPING`]) paid by `payment_intent`, as
/// checkout writes one: totals from its lines, a London address, version 0.
pub fn order(
    id: &str,
    customer: &str,
    email: &str,
    lines: Vec<PricedLine>,
    payment_intent: &str,
) -> Order {
    let subtotal: i64 = lines.iter().map(|l| l.line_total.amount).sum();
    Order {
        id: id.into(),
        customer: customer.into(),
        email: email.into(),
        lines,
        subtotal: Money::new(subtotal, Currency::Eur),
        shipping: Money::new(SHIPPING, Currency::Eur),
        total: Money::new(subtotal + SHIPPING, Currency::Eur),
        address: address(),
        payment_intent: payment_intent.into(),
        status: OrderStatus::Authorized,
        created_at: "2026-11-23T10:00:00Z".into(),
        updated_at: "2026-11-23T10:00:00Z".into(),
        tracking: None,
        cancel_reason: None,
        restock: false,
        notify_owner: false,
        effects: vec![],
        version: 0,
    }
}

/// Makes every idempotency claim in `store` look abandoned long ago (its holder died and its
/// lease ran out), so the next identical request may take it over.
pub async fn expire_claim_leases(store: &Store) {
    let items = store
        .client()
        .scan()
        .table_name(store.table())
        .consistent_read(true)
        .filter_expression("begins_with(#pk, :p)")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_values(":p", s(IDEMPOTENCY_PREFIX))
        .send()
        .await
        .expect("scan the claims")
        .items
        .unwrap_or_default();
    assert!(!items.is_empty(), "no idempotency claim to expire");
    for item in items {
        store
            .client()
            .update_item()
            .table_name(store.table())
            .key(PK, item[PK].clone())
            .key(SK, item[SK].clone())
            .update_expression("SET leaseUntil = :zero")
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .send()
            .await
            .expect("expire a claim");
    }
}
