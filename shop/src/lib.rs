//! Edge Shop's core: the domain (money, products, carts, checkout, orders and
//! their state machine) and its adapters (the single-table store).
//!
//! The domain modules import no AWS crate; adapters live under [`store`],
//! [`mailer`], [`payments`]; [`config`] is what every Lambda reads from its environment.

pub mod config;
pub mod domain;
pub mod email;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod mailer;
pub mod payments;
pub mod store;

pub use domain::*;
pub use store::{Page, Store, StoreError};
