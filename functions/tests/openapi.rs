//! `sam/openapi.yaml` says exactly what the routers serve: every route in
//! `ROUTES` is documented, and every documented route is served, except the
//! ones marked `x-edge-shop-implemented: false` (admin paths only; none now).
//! The routers are built from the same `ROUTES`, and each route is called to
//! prove it exists.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use functions::{admin, shopper, webhook};
use serde_yaml::Value;
use tower::ServiceExt;

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn document() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../sam/openapi.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn served() -> BTreeSet<(String, String)> {
    shopper::ROUTES
        .iter()
        .chain(webhook::ROUTES)
        .chain(admin::ROUTES)
        .map(|(m, p)| (m.to_ascii_lowercase(), p.to_string()))
        .collect()
}

#[test]
fn the_document_and_the_routers_agree() {
    let doc = document();
    assert_eq!(doc["openapi"].as_str(), Some("3.1.0"));
    let mut documented = BTreeSet::new();
    let mut planned = BTreeSet::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        let path = path.as_str().unwrap().to_owned();
        assert!(path.starts_with("/api/"), "{path}");
        let implemented = item["x-edge-shop-implemented"].as_bool() != Some(false);
        for method in METHODS {
            if item.get(method).is_some() {
                let op = &item[method];
                assert!(
                    op["operationId"].is_string(),
                    "{method} {path} has no operationId"
                );
                assert!(
                    op["responses"].is_mapping(),
                    "{method} {path} has no responses"
                );
                if implemented {
                    documented.insert((method.to_owned(), path.clone()));
                } else {
                    assert!(
                        path.starts_with("/api/admin/"),
                        "only admin routes may be planned: {path}"
                    );
                    planned.insert((method.to_owned(), path.clone()));
                }
            }
        }
    }
    assert_eq!(documented, served(), "sam/openapi.yaml and ROUTES differ");
    assert!(planned.is_empty(), "documented but not served: {planned:?}");
}

/// Each route in ROUTES is really routed: a request to it is not answered
/// 404/405 by the router itself (handlers may still refuse it: no identity,
/// no body, no signature).
#[tokio::test]
async fn every_listed_route_is_routed() {
    let sdk = shop::config::sdk_loader()
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "x", "x", None, None, "test",
        ))
        .load()
        .await;
    let store = shop::Store::new(aws_sdk_dynamodb::Client::new(&sdk), "unused");
    let payments = shop::payments::Payments::new("http://127.0.0.1:9", "sk_test_x".into());
    let api = shopper::router(shopper::ShopperState {
        store: store.clone(),
        payments: payments.clone(),
        users: None,
    });
    let cognito = aws_sdk_cognitoidentityprovider::Client::new(&sdk);
    let back_office = admin::router(admin::AdminState {
        store: store.clone(),
        payments: payments.clone(),
        users: functions::users::UserDirectory::new(cognito, "us-east-1_none"),
        s3: aws_sdk_s3::Client::new(&sdk).into(),
        site_bucket: "unused".into(),
        admin_group: admin::ADMIN_GROUP.into(),
    });
    let hook = webhook::router(webhook::WebhookState {
        store,
        payments,
        secret: "whsec_x".into(),
    });
    let owner = functions::identity::request_context(&[
        ("sub", "owner"),
        ("username", "owner@example.com"),
        ("cognito:groups", "[admin]"),
    ]);
    for (router, routes) in [
        (api, shopper::ROUTES),
        (hook, webhook::ROUTES),
        (back_office, admin::ROUTES),
    ] {
        for (method, path) in routes {
            let uri = path
                .replace("{id}", "01TEST")
                .replace("{sku}", "SKU-1")
                .replace("{username}", "someone");
            let mut req = Request::builder()
                .method(*method)
                .uri(&uri)
                .body(Body::empty())
                .unwrap();
            req.extensions_mut().insert(owner.clone());
            let resp = router.clone().oneshot(req).await.unwrap();
            assert_ne!(
                resp.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            let body = axum::body::to_bytes(resp.into_body(), 1 << 16)
                .await
                .unwrap();
            let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_ne!(
                json["error"]["message"], "route not found",
                "{method} {path}"
            );
        }
    }
}
