//! The shopper's API under `/api` (the contract in the project's API
//! document, `sam/openapi.yaml`): live stock, who am I, checkout, confirm,
//! and the shopper's own orders.

mod catalogue;
mod checkout;
mod me;
mod orders;

use axum::Router;
use shop::Store;
use shop::payments::Payments;

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

crate::routes::api_routes! { ShopperState;
    get "/api/catalogue/stock" => catalogue::stock,
    get "/api/me" => me::me,
    post "/api/checkout" => checkout::create,
    post "/api/checkout/{id}/confirm" => checkout::confirm,
    get "/api/orders" => orders::list,
    get "/api/orders/{id}" => orders::get,
    post "/api/checkout/quote" => checkout::quote,
}

/// The shopper API as an axum router (paths include `/api`), for
/// `lambda_http` in AWS and for `shop-local`.
pub fn router(state: ShopperState) -> Router {
    crate::routes::api_layers(routes().fallback(crate::routes::no_route), MAX_BODY_BYTES)
        .with_state(state)
}
