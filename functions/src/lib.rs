//! Edge Shop's regional HTTP Lambdas: axum routers run by `lambda_http`
//! (API Gateway HTTP API, payload v2), and mounted as they are by `shop-local`.
//!
//! - [`shopper::router`]: `/api/catalogue/stock`, `/api/me`, `/api/checkout`,
//!   `/api/checkout/{id}/confirm`, `/api/orders`, `/api/orders/{id}`;
//! - [`webhook::router`]: `/api/stripe/webhook`;
//! - [`identity`]: the caller from the JWT authorizer's claims;
//! - [`settle`]: authorised payment → order, shared by confirm and webhook;
//! - [`error`], [`extract`]: the one error shape, strict request parsing;
//! - [`config`]: state from the environment, for the binaries' `main`.
//!
//! Errors are always `status + {"error":{"code","message"}}`.

pub mod config;
pub mod error;
pub mod extract;
pub mod identity;
pub mod settle;
pub mod shopper;
pub mod webhook;

pub use error::ApiError;
pub use identity::Identity;
