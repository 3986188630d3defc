//! Stream records → the Lambda event a stream handler gets.
//!
//! Records arrive already decoded into Lambda's shape ([`crate::records`]
//! decodes `GetRecords` JSON and Lambda events alike); this only wraps them.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};

/// An event holding `records` (already converted), e.g. one record
/// redelivered, or a batch assembled by a test.
pub fn event_of(records: impl IntoIterator<Item = EventRecord>) -> Event {
    let mut event = Event::default();
    event.records = records.into_iter().collect();
    event
}
