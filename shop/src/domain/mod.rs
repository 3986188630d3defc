//! The shop's domain: plain types and rules, no AWS types.

pub mod address;
pub mod cart;
pub mod checkout;
pub mod effect;
pub mod money;
pub mod order;
pub mod product;
pub mod quote;
pub mod sku;
pub mod status;

pub use address::{Address, AddressError, COUNTRIES, Country, country};
pub use cart::{Cart, CartError, CartLine, CartLineInput, PricedCart, PricedLine};
pub use checkout::{Checkout, CheckoutState};
pub use effect::{Effect, EmailKind};
pub use money::{Currency, Money, MoneyError};
pub use order::{Order, OrderEvent, OrderStatus, TransitionError};
pub use product::{Product, ProductError, ProductStatus};
pub use quote::{Quote, ShippingRule};
pub use sku::{Category, IdError, Sku};
pub use status::{StatusView, status_view};
