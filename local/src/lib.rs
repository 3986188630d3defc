//! Edge Shop on one machine.
//!
//! - [`services`]: the stand-ins harness — DynamoDB Local, cognito-local,
//!   aws-ses-v2-local, localstripe and moto, installed on demand into the
//!   git-ignored `.local-deps/` and `node_modules/`, started on free loopback
//!   ports, stopped on drop (or when the process that started them exits).
//! - [`aws`]: SDK configuration for a stand-in's endpoint.
//! - [`demo`]: the demo catalogue and its loader.
//! - [`mapping`]: Lambda's event source mappings (bounded retries, on-failure queue).

pub mod app;
pub mod aws;
pub mod cognito;
pub mod demo;
pub mod gateway;
pub mod hosted_ui;
pub mod mapping;
pub mod process;
pub mod services;
pub mod stack;

pub use process::{Service, StartError};
