//! Bad input through the real shopper router over DynamoDB Local (issue 16,
//! item 13): an address with a line break, and a total beyond what an
//! amount can hold, each answered 400 with its own code and nothing written.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use shop::{Category, Currency, Money, Product, ProductStatus, Sku};

/// A checkout body for A-1 (as the page sends it), changed by `edit`.
fn body_with(edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let body = checkout_body(json!([{"sku": "A-1", "quantity": 1}]), "tok_visa");
    let mut body: Value = serde_json::from_slice(&body).unwrap();
    edit(&mut body);
    serde_json::to_vec(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_with_a_line_break_is_refused() {
    let shop = shop().await;
    let before = written(&shop.store).await;
    for (field, value) in [
        ("line1", "1 Rue de Rivoli\nBcc: someone@example.com"),
        ("name", "Ada\rLovelace"),
        ("line2", "flat\u{0}2"),
        ("city", "Paris\u{2028}"),
    ] {
        let body = body_with(|b| b["address"][field] = json!(value));
        let a = checkout(&shop, &shopper("ada"), &key(), body).await;
        assert_eq!(
            (a.status, a.code()),
            (StatusCode::BAD_REQUEST, "invalid_address"),
            "{field}: {value:?}: {}",
            a.json
        );
    }
    assert_eq!(written(&shop.store).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_total_too_large_for_an_amount_is_not_mixed_currencies() {
    let shop = shop().await;
    shop.store
        .put_product(&Product {
            sku: Sku::parse("BIG-1").unwrap(),
            name: "A very expensive thing".into(),
            description: "Priced near the top of i64".into(),
            category: Category::parse("misc").unwrap(),
            price: Money::new(i64::MAX / 2 + 1, Currency::Eur),
            stock: 10,
            status: ProductStatus::Active,
            images: vec![],
            featured: false,
            version: 0,
        })
        .await
        .unwrap();
    let before = written(&shop.store).await;
    let body = body_with(|b| b["lines"] = json!([{"sku": "BIG-1", "quantity": 2}]));
    let a = checkout(&shop, &shopper("ada"), &key(), body).await;
    assert_eq!(
        (a.status, a.code()),
        (StatusCode::BAD_REQUEST, "amount_overflow"),
        "{}",
        a.json
    );
    assert_eq!(written(&shop.store).await, before);
}
