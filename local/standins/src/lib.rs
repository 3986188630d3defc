//! The stand-ins harness: the real services Edge Shop runs against on one machine.
//!
//! - [`services`]: DynamoDB Local, cognito-local, aws-ses-v2-local, localstripe and moto,
//!   installed on demand into the git-ignored `.local-deps/` and `node_modules/`, started on
//!   free loopback ports, stopped on drop (or when the process that started them exits).
//! - [`hosted_ui`]: what cognito-local lacks of Cognito (hosted sign-up/reset pages, codes by
//!   email, `AdminUserGlobalSignOut`), served in front of it.
//! - [`cognito`]: a user pool set up as the template sets one up.
//! - [`aws`]: SDK configuration for a stand-in's endpoint.
//! - [`fixtures`]: what several crates' tests need of the stand-ins (a card token, a
//!   distribution).
//!
//! It depends on no crate of the shop, so `cargo test -p shop` builds the domain and this
//! harness, not the workspace.

pub mod aws;
pub mod cognito;
pub mod fixtures;
pub mod hosted_ui;
pub mod process;
pub mod services;

pub use process::{Service, StartError};
