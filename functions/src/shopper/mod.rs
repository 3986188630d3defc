//! The shopper's API under `/api` (the contract in the project's API
//! document, `sam/openapi.yaml`): live stock, who am I, checkout, confirm,
//! and the shopper's own orders.

mod catalogue;
mod checkout;
mod me;
mod orders;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use shop::Store;
use shop::payments::Payments;

use crate::error::{ApiError, json_errors};
use crate::extract::MAX_BODY_BYTES;
use crate::users::UserDirectory;

pub use checkout::{CheckoutAnswer, CheckoutRequest, LineRequest, QuoteRequest};

/// What the shopper API's handlers share.
#[derive(Clone, Debug)]
pub struct ShopperState {
    /// The table.
    pub store: Store,
    /// Stripe.
    pub payments: Payments,
    /// The user pool, for the shopper's email when the token has none
    /// (`None`: the token's claims are all there is).
    pub users: Option<UserDirectory>,
}

/// Every (method, path) [`router`] serves, in the OpenAPI document's path
/// syntax; the router is built from the same list's paths, and a test checks
/// the document against it.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/catalogue/stock"),
    ("GET", "/api/me"),
    ("POST", "/api/checkout"),
    ("POST", "/api/checkout/{id}/confirm"),
    ("GET", "/api/orders"),
    ("GET", "/api/orders/{id}"),
    ("POST", "/api/checkout/quote"),
];

/// The shopper API as an axum router (paths include `/api`), for
/// `lambda_http` in AWS and for `shop-local`.
pub fn router(state: ShopperState) -> Router {
    Router::new()
        .route(ROUTES[0].1, get(catalogue::stock))
        .route(ROUTES[1].1, get(me::me))
        .route(ROUTES[2].1, post(checkout::create))
        .route(ROUTES[3].1, post(checkout::confirm))
        .route(ROUTES[4].1, get(orders::list))
        .route(ROUTES[5].1, get(orders::get))
        .route(ROUTES[6].1, post(checkout::quote))
        .fallback(|| async { ApiError::not_found("route") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(json_errors))
        .with_state(state)
}
