//! DynamoDB Streams API records → the Lambda event a stream handler gets.
//!
//! Lambda's event carries the same fields as `GetRecords` (plus the stream
//! ARN); this builds it from what `aws-sdk-dynamodbstreams` returns, so the
//! local poller and the tests feed handlers exactly what AWS would.

use aws_lambda_events::event::dynamodb::{Event, EventRecord, StreamViewType, UserIdentity};
use aws_sdk_dynamodbstreams::types::{Record, StreamViewType as SdkViewType};

/// One stream record as Lambda delivers it. `stream_arn` becomes
/// `eventSourceARN`. An operation the SDK does not know (DynamoDB Local
/// reports TTL deletions that way) keeps its raw name in `eventName`.
pub fn to_event_record(record: &Record, stream_arn: &str) -> EventRecord {
    let mut out = EventRecord::default();
    out.aws_region = record.aws_region.clone().unwrap_or_default();
    out.event_id = record.event_id.clone().unwrap_or_default();
    out.event_name = record
        .event_name
        .as_ref()
        .map(|op| op.as_str().to_owned())
        .unwrap_or_default();
    out.event_source = Some(
        record
            .event_source
            .clone()
            .unwrap_or_else(|| "aws:dynamodb".into()),
    );
    out.event_version = record.event_version.clone();
    out.event_source_arn = Some(stream_arn.to_owned());
    out.user_identity = record.user_identity.as_ref().map(|id| {
        let mut u = UserIdentity::default();
        u.type_ = id.r#type.clone().unwrap_or_default();
        u.principal_id = id.principal_id.clone().unwrap_or_default();
        u
    });
    if let Some(change) = &record.dynamodb {
        let c = &mut out.change;
        if let Some(t) = change.approximate_creation_date_time
            && let Some(dt) = chrono::DateTime::from_timestamp(t.secs(), t.subsec_nanos())
        {
            c.approximate_creation_date_time = dt;
        }
        c.keys = change.keys.clone().unwrap_or_default().into();
        c.new_image = change.new_image.clone().unwrap_or_default().into();
        c.old_image = change.old_image.clone().unwrap_or_default().into();
        c.sequence_number = change.sequence_number.clone();
        c.size_bytes = change.size_bytes.unwrap_or_default();
        c.stream_view_type = change.stream_view_type.as_ref().and_then(view_type);
    }
    out
}

fn view_type(t: &SdkViewType) -> Option<StreamViewType> {
    Some(match t {
        SdkViewType::KeysOnly => StreamViewType::KeysOnly,
        SdkViewType::NewImage => StreamViewType::NewImage,
        SdkViewType::OldImage => StreamViewType::OldImage,
        SdkViewType::NewAndOldImages => StreamViewType::NewAndOldImages,
        _ => return None,
    })
}

/// A batch of stream records as the Lambda event.
pub fn to_event(records: &[Record], stream_arn: &str) -> Event {
    let mut event = Event::default();
    event.records = records
        .iter()
        .map(|r| to_event_record(r, stream_arn))
        .collect();
    event
}

/// An event holding `records` (already converted), e.g. one record
/// redelivered, or a batch assembled by a test.
pub fn event_of(records: impl IntoIterator<Item = EventRecord>) -> Event {
    let mut event = Event::default();
    event.records = records.into_iter().collect();
    event
}
