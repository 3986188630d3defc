//! shop-local: Edge Shop on one machine.
//!
//! - [`stack`]: the stand-ins (crate `standins`) started and set up as the template sets up
//!   their AWS counterparts.
//! - [`app`]: the shop on the stack: the table's demo catalogue, the rendered site, the
//!   stream mappings, the timers.
//! - [`gateway`]: the front door, dispatching by the routing table as CloudFront does.
//! - [`demo`]: the demo catalogue and its loader.
//! - [`mapping`]: Lambda's event source mappings (bounded retries, on-failure queue).

// async-stripe's generated types nest deeply: proving the stream task `Send` (it holds the
// Stripe client's futures) needs more than rustc's default 128 steps.
#![recursion_limit = "256"]

pub mod app;
pub mod demo;
pub mod gateway;
pub mod mapping;
pub mod stack;
