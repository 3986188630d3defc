//! The regional Lambdas' mains (`src/bin/`), and what they share: [`state`] builds each HTTP
//! router's state from the environment, [`secrets`] reads the Stripe keys (from SSM in AWS).
//!
//! What a Lambda does is a library function (`functions`, `stream-handlers`) that the tests and
//! `shop-local` call directly. A main only builds its state from configuration and hands that
//! function to the runtime. The mains live apart from the libraries for one reason: what only
//! they need (the SSM client, the largest of the SDK's crates the shop uses) stays out of
//! `shop-local`'s build, so a first `make dev` does not compile it.

pub mod secrets;
pub mod state;
