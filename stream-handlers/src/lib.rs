//! Edge Shop's DynamoDB Streams consumers (ARCHITECTURE.md, paths 5 and 6).
//!
//! - [`order_events`]: stock, capture or cancel, and emails for `ORDER#` records.
//! - [`catalogue_publisher`]: re-renders, uploads and invalidates the pages of
//!   changed products (`PRODUCT` records).
//! - [`poller`]: reads a table's stream with the DynamoDB Streams API and hands
//!   batches over as the Lambda event, as `shop-local` and the tests do.
//! - [`records`]: stream records decoded one by one, so one unreadable record
//!   never fails a batch (the binaries and the poller both use it).
//! - [`filter`]: the key filters the SAM template's `FilterCriteria` apply in AWS.
//! - [`sweeper`]: the scheduled release of expired reservations (not a
//!   stream consumer, but the same table, Stripe and runtime).
//!
//! Each handler is a library function; the Lambdas' mains (the `bootstrap` crate) only
//! build its state from the environment and run it on the Lambda runtime.

pub mod catalogue_publisher;
pub mod convert;
pub mod filter;
pub mod order_events;
pub mod poller;
pub mod records;
pub mod sweeper;
