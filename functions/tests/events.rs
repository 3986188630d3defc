//! Real API Gateway (HTTP API, payload 2.0) events, as the `shop-api` Lambda receives them,
//! decoded by `lambda_http` and answered by the shopper router over DynamoDB Local: the JWT
//! authorizer's claims become the caller's identity, and an event without them is refused.

mod common;

use axum::http::StatusCode;
use tower::ServiceExt;

const GET_ORDERS: &[u8] = include_bytes!("fixtures/apigw-v2-get-orders.json");
const GET_ORDERS_ANONYMOUS: &[u8] = include_bytes!("fixtures/apigw-v2-get-orders-anonymous.json");

async fn answer(event: &[u8]) -> (StatusCode, serde_json::Value) {
    let shop = common::shop().await;
    let router = functions::shopper::router(functions::shopper::ShopperState {
        store: shop.store.clone(),
        payments: shop.payments.clone(),
        users: None,
    });
    let request = lambda_http::request::from_str(std::str::from_utf8(event).unwrap()).unwrap();
    // What lambda_http hands the service: an http::Request with the API Gateway context in
    // its extensions; the router takes axum's body type.
    let request = request.map(|body| axum::body::Body::from(body.to_vec()));
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn the_authorizers_claims_are_the_caller() {
    let (status, body) = answer(GET_ORDERS).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["items"],
        serde_json::json!([]),
        "a new customer has no orders"
    );
}

#[tokio::test]
async fn an_event_without_the_authorizers_claims_is_refused() {
    let (status, body) = answer(GET_ORDERS_ANONYMOUS).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body["error"]["code"].is_string(), "{body}");
}
