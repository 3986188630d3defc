//! Shared by the functions' tests: a fresh table in the shared DynamoDB
//! Local, the shared localstripe, card tokens, and in-process calls.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use functions::identity::request_context;
use functions::shopper::{self, ShopperState};
use functions::webhook::{self, WebhookState};
use shop::payments::Payments;
use shop::store::table;
use shop::{Category, Currency, Money, Product, ProductStatus, Sku, Store};
use tower::ServiceExt;

pub(crate) const STRIPE_KEY: &str = standins::fixtures::STRIPE_KEY;
pub(crate) const WEBHOOK_SECRET: &str = "whsec_edge_shop_test";

static TABLES: AtomicU32 = AtomicU32::new(0);

pub(crate) struct Shop {
    pub store: Store,
    pub payments: Payments,
    pub api: Router,
    pub hook: Router,
}

/// A fresh table with a small catalogue: A-1 (€12.50, 10), B-2 (€30.00, 3),
/// OLD-1 (retired), and the shared localstripe.
pub(crate) async fn shop() -> Shop {
    let ddb = standins::services::dynamodb();
    let client = standins::aws::dynamodb_client(&ddb.endpoint()).await;
    let name = format!(
        "functions-test-{}-{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::SeqCst)
    );
    table::create_table(&client, &name).await.unwrap();
    let store = Store::new(client, name);
    for (sku, price, stock, status) in [
        ("A-1", 1250, 10, ProductStatus::Active),
        ("B-2", 3000, 3, ProductStatus::Active),
        ("OLD-1", 900, 5, ProductStatus::Retired),
    ] {
        store
            .put_product(&Product {
                sku: Sku::parse(sku).unwrap(),
                name: format!("Product {sku}"),
                description: "A thing".into(),
                category: Category::parse("misc").unwrap(),
                price: Money::new(price, Currency::Eur),
                stock,
                status,
                images: vec![],
                featured: false,
                version: 0,
            })
            .await
            .unwrap();
    }
    let payments = Payments::new(&standins::services::stripe().endpoint(), STRIPE_KEY.into());
    let api = shopper::router(ShopperState {
        store: store.clone(),
        payments: payments.clone(),
        users: None,
    });
    let hook = webhook::router(WebhookState {
        store: store.clone(),
        payments: payments.clone(),
        secret: WEBHOOK_SECRET.into(),
    });
    Shop {
        store,
        payments,
        api,
        hook,
    }
}

/// A card token as Stripe.js `createToken` makes it.
pub(crate) async fn card_token(number: &str) -> String {
    standins::fixtures::card_token(&standins::services::stripe().endpoint(), number)
        .await
        .unwrap()
}

/// A signed-in shopper's claims (as API Gateway's JWT authorizer passes them).
pub(crate) fn shopper(sub: &str) -> Vec<(String, String)> {
    vec![
        ("sub".into(), sub.into()),
        ("username".into(), format!("{sub}@example.com")),
        ("cognito:groups".into(), "[]".into()),
    ]
}

pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub json: serde_json::Value,
}

impl Answer {
    pub(crate) fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

/// Calls `router` in process.
pub(crate) async fn call(
    router: &Router,
    method: &str,
    path: &str,
    who: Option<&[(String, String)]>,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Answer {
    let mut req = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let mut req = req.body(body.map(Body::from).unwrap_or_default()).unwrap();
    if let Some(claims) = who {
        let pairs: Vec<(&str, &str)> = claims
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        req.extensions_mut().insert(request_context(&pairs));
    }
    let resp = router.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let json = if bytes.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            panic!(
                "{method} {path}: {status} not JSON: {}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    if status.is_client_error() || status.is_server_error() {
        assert!(
            json["error"]["code"].is_string() && json["error"]["message"].is_string(),
            "{method} {path}: {status} without the error shape: {json}"
        );
    }
    Answer {
        status,
        headers,
        json,
    }
}

/// The total [`shop`]'s catalogue prices `lines` at (euro; shipping by the
/// shop's rule), as the page's quote would show it. Unknown SKUs count 0.
pub(crate) fn quoted_total(lines: &serde_json::Value) -> Money {
    let mut subtotal = 0;
    for l in lines.as_array().into_iter().flatten() {
        let price = match l["sku"]
            .as_str()
            .unwrap_or("")
            .to_ascii_uppercase()
            .as_str()
        {
            "A-1" => 1250,
            "B-2" => 3000,
            "OLD-1" => 900,
            _ => 0,
        };
        subtotal += price * l["quantity"].as_i64().unwrap_or(0);
    }
    let subtotal = Money::new(subtotal, Currency::Eur);
    let shipping = shop::domain::cart::shipping_for(subtotal);
    subtotal.checked_add(shipping).unwrap()
}

/// A checkout request body, carrying the total the quote showed.
pub(crate) fn checkout_body(lines: serde_json::Value, token: &str) -> Vec<u8> {
    let total = quoted_total(&lines);
    checkout_body_expecting(lines, token, total)
}

/// A checkout request body carrying `expected` as the total the shopper saw.
pub(crate) fn checkout_body_expecting(
    lines: serde_json::Value,
    token: &str,
    expected: Money,
) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "lines": lines,
        "address": {"name": "Ada Lovelace", "line1": "1 Rue de Rivoli", "line2": "",
                    "city": "Paris", "postalCode": "75001", "country": "FR"},
        "cardToken": token,
        "expectedTotal": expected,
    }))
    .unwrap()
}

/// POST /api/checkout as `who`.
pub(crate) async fn checkout(
    shop: &Shop,
    who: &[(String, String)],
    key: &str,
    body: Vec<u8>,
) -> Answer {
    call(
        &shop.api,
        "POST",
        "/api/checkout",
        Some(who),
        &[
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Some(body),
    )
    .await
}

/// POST /api/checkout as the checkout page does it: a 409
/// `checkout_in_progress` (an earlier request with the key is still at work)
/// is sent again, a bounded number of times.
pub(crate) async fn checkout_answered(
    shop: &Shop,
    who: &[(String, String)],
    key: &str,
    body: Vec<u8>,
) -> Answer {
    for _ in 0..10 {
        let a = checkout(shop, who, key, body.clone()).await;
        if !(a.status == StatusCode::CONFLICT && a.code() == "checkout_in_progress") {
            return a;
        }
    }
    panic!("checkout with key {key} stayed in progress");
}

/// Every item's PK that is not a product: what a request wrote.
pub(crate) async fn written(store: &Store) -> Vec<String> {
    let out = store
        .client()
        .scan()
        .table_name(store.table())
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let mut pks: Vec<String> = out
        .items
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| i.get("PK").and_then(|v| v.as_s().ok()).cloned())
        .filter(|pk| !pk.starts_with("PRODUCT#"))
        .collect();
    pks.sort();
    pks
}

/// A unique idempotency key.
pub(crate) fn key() -> String {
    format!("key-{}", ulid::Ulid::new())
}

/// Units of `sku` reserved by open checkouts.
pub(crate) async fn reserved(store: &Store, sku: &str) -> u32 {
    let sku = Sku::parse(sku).unwrap();
    store
        .availability(std::slice::from_ref(&sku))
        .await
        .unwrap()
        .reserved(&sku)
}
