//! Stream records read one at a time, so one unreadable record never stops a batch.
//!
//! Lambda's runtime decodes the whole event before a handler sees it: one record it cannot
//! decode (DynamoDB Local streams an empty map as `{}`, an attribute value with no type) would
//! fail every invocation of that batch, and the event source mapping would retry it until the
//! record expired while nothing behind it moved. So the binaries take the event as JSON, decode
//! each record here, hand the readable ones to the handler, and report the unreadable ones as
//! failed items: the mapping's bounded retries and bisection then send exactly that record to
//! the on-failure destination. The local poller reads `GetRecords` as JSON and uses the same
//! decoding, so the same record is set aside the same way locally.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use serde_json::Value;

/// A record that could not be decoded, kept as it came.
#[derive(Debug, Clone, PartialEq)]
pub struct Unreadable {
    /// Its `SequenceNumber`, when it has one (what `batchItemFailures` names).
    pub sequence_number: Option<String>,
    /// Its `Keys`, as sent, for the log and the failure report.
    pub keys: Value,
    /// Why it could not be decoded.
    pub error: String,
    /// The whole record, as sent.
    pub raw: Value,
}

/// The records of one batch, decoded one by one.
#[derive(Debug, Default)]
pub struct Decoded {
    /// The records that decoded, in order.
    pub records: Vec<EventRecord>,
    /// The records that did not.
    pub unreadable: Vec<Unreadable>,
}

/// Decodes stream records given as JSON: the `Records` of a Lambda event, or the `Records` of a
/// Streams `GetRecords` answer (whose `userIdentity` fields are capitalised; `stream_arn`, when
/// given, becomes `eventSourceARN` as Lambda adds it).
pub fn decode(records: Vec<Value>, stream_arn: Option<&str>) -> Decoded {
    let mut out = Decoded::default();
    for mut raw in records {
        normalise(&mut raw, stream_arn);
        match serde_json::from_value::<EventRecord>(raw.clone()) {
            Ok(record) => out.records.push(record),
            Err(e) => {
                let change = raw.get("dynamodb");
                out.unreadable.push(Unreadable {
                    sequence_number: change
                        .and_then(|c| c.get("SequenceNumber"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    keys: change
                        .and_then(|c| c.get("Keys"))
                        .cloned()
                        .unwrap_or(Value::Null),
                    error: e.to_string(),
                    raw,
                })
            }
        }
    }
    out
}

/// Decodes a Lambda stream event given as JSON.
pub fn decode_event(event: Value) -> Decoded {
    let records = match event {
        Value::Object(mut map) => match map.remove("Records") {
            Some(Value::Array(records)) => records,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    decode(records, None)
}

/// Streams API JSON → Lambda event JSON, where they differ.
fn normalise(raw: &mut Value, stream_arn: Option<&str>) {
    let Value::Object(map) = raw else { return };
    if let Some(arn) = stream_arn {
        map.entry("eventSourceARN")
            .or_insert_with(|| Value::String(arn.to_owned()));
    }
    if let Some(Value::Object(identity)) = map.get_mut("userIdentity") {
        for (from, to) in [("Type", "type"), ("PrincipalId", "principalId")] {
            if let Some(v) = identity.remove(from) {
                identity.insert(to.to_owned(), v);
            }
        }
    }
}

impl Decoded {
    /// The readable records as the Lambda event a handler takes, and the unreadable ones.
    pub fn into_event(self) -> (Event, Vec<Unreadable>) {
        let mut event = Event::default();
        event.records = self.records;
        (event, self.unreadable)
    }
}

/// Adds every unreadable record to the handler's `response` as a failed item (logged with its
/// keys), so the event source mapping's bounded retries set aside exactly that record.
pub fn report_unreadable(
    mut response: DynamoDbEventResponse,
    unreadable: Vec<Unreadable>,
) -> DynamoDbEventResponse {
    for bad in unreadable {
        tracing::error!(keys = %bad.keys, sequence = ?bad.sequence_number, error = %bad.error, "unreadable stream record reported as failed");
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = bad.sequence_number;
        response.batch_item_failures.push(failure);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(seq: &str, detail: Value) -> Value {
        json!({
            "eventID": format!("e{seq}"),
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "dynamodb": {
                "ApproximateCreationDateTime": 1_700_000_000.0,
                "Keys": {"PK": {"S": "AUDIT#2026-11-27"}, "SK": {"S": format!("t#{seq}")}},
                "NewImage": {"PK": {"S": "AUDIT#2026-11-27"}, "SK": {"S": format!("t#{seq}")}, "detail": detail},
                "SequenceNumber": seq,
                "SizeBytes": 10,
                "StreamViewType": "NEW_AND_OLD_IMAGES"
            },
            "userIdentity": {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}
        })
    }

    #[test]
    fn an_untyped_attribute_sets_aside_only_its_record() {
        let decoded = decode(
            vec![
                record("100", json!({"M": {"a": {"S": "b"}}})),
                record("200", json!({})),
                record("300", json!({"S": "ok"})),
            ],
            Some("arn:stream"),
        );
        let seqs: Vec<_> = decoded
            .records
            .iter()
            .map(|r| r.change.sequence_number.clone().unwrap())
            .collect();
        assert_eq!(seqs, ["100", "300"]);
        assert_eq!(decoded.unreadable.len(), 1);
        assert_eq!(
            decoded.unreadable[0].sequence_number.as_deref(),
            Some("200")
        );
        assert_eq!(decoded.unreadable[0].keys["SK"]["S"], "t#200");
        let first = &decoded.records[0];
        assert_eq!(first.event_source_arn.as_deref(), Some("arn:stream"));
        assert_eq!(first.user_identity.as_ref().unwrap().type_, "Service");
    }

    #[test]
    fn unreadable_records_are_reported_failed_beside_the_handlers_failures() {
        let event = json!({"Records": [record("1", json!({})), record("2", json!({"S": "x"}))]});
        let (event, unreadable) = decode_event(event).into_event();
        assert_eq!(event.records.len(), 1);
        let mut response = DynamoDbEventResponse::default();
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = Some("2".into());
        response.batch_item_failures.push(failure);
        let response = report_unreadable(response, unreadable);
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .filter_map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(failed, ["2", "1"]);
    }
}
