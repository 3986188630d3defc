//! Edge Shop's regional HTTP Lambdas: axum routers run by `lambda_http`
//! (API Gateway HTTP API, payload v2), and mounted as they are by `shop-local`.
//!
//! - [`shopper::router`] serves `/api/catalogue/stock`, `/api/me`,
//!   `/api/checkout`, `/api/checkout/{id}/confirm`, `/api/orders`, `/api/orders/{id}`;
//! - [`webhook::router`] serves `/api/stripe/webhook`;
//! - [`admin::router`] serves `/api/admin/*` (the owner's back office, group `admin`);
//! - [`users`] reads the user pool (the shopper's email when the token has none, staff);
//! - [`identity`] reads the caller from the JWT authorizer's claims;
//! - [`settle`] turns an authorised payment into an order, for confirm and webhook alike;
//! - [`error`] and [`extract`] hold the one error shape and strict request parsing, and
//!   `routes` the routes-declared-once macro and the layer stack the three routers share;
//!
//! Errors are always `status + {"error":{"code","message"}}`.

#[macro_use]
mod routes;

pub mod admin;
pub mod error;
pub mod extract;
pub mod identity;
pub mod settle;
pub mod shopper;
pub mod users;
pub mod webhook;

pub use error::ApiError;
pub use identity::Identity;
