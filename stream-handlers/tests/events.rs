//! A real DynamoDB stream batch as the stream Lambdas receive it (an order insert, a stock-only
//! product change, a TTL removal by the service, and a record holding an untyped `{}` value, as
//! DynamoDB Local streams an empty map), decoded as the binaries decode it.

use aws_lambda_events::streams::DynamoDbEventResponse;
use stream_handlers::filter::KeyFilter;
use stream_handlers::records::{decode_event, report_unreadable};

const BATCH: &[u8] = include_bytes!("fixtures/ddb-stream-batch.json");

#[test]
fn the_batch_decodes_record_by_record() {
    let event: serde_json::Value = serde_json::from_slice(BATCH).unwrap();
    let (event, unreadable) = decode_event(event).into_event();
    let names: Vec<&str> = event
        .records
        .iter()
        .map(|r| r.event_name.as_str())
        .collect();
    assert_eq!(names, ["INSERT", "MODIFY", "REMOVE"]);
    let removal = &event.records[2];
    assert_eq!(
        removal
            .user_identity
            .as_ref()
            .map(|u| (u.type_.as_str(), u.principal_id.as_str())),
        Some(("Service", "dynamodb.amazonaws.com")),
        "a TTL deletion is the service's"
    );
    assert!(event.records[1].change.old_image.contains_key("stock"));

    // The mappings' filters pick the records they are for.
    let orders: Vec<_> = event
        .records
        .iter()
        .filter(|r| KeyFilter::orders().matches(r))
        .collect();
    let products: Vec<_> = event
        .records
        .iter()
        .filter(|r| KeyFilter::products().matches(r))
        .collect();
    assert_eq!((orders.len(), products.len()), (1, 1));
    assert_eq!(
        orders[0].change.sequence_number.as_deref(),
        Some("100000000000000000001")
    );

    // The unreadable one is reported failed by its sequence number, beside the handler's answer.
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0].keys["PK"]["S"], "AUDIT#2026-11-27");
    let response = report_unreadable(DynamoDbEventResponse::default(), unreadable);
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(failed, [Some("100000000000000000004".to_owned())]);
}
