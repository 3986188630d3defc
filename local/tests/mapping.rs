//! The local event source mapping against DynamoDB Local's real stream and moto's SQS: one
//! record no client can decode is set aside and reported once, the records around it are
//! handled, and the stream keeps flowing.

use std::sync::{Arc, Mutex};

use aws_lambda_events::event::dynamodb::Event;
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use aws_sdk_dynamodb::types::AttributeValue;
use shop_local::mapping::{Mapping, MappingSpec, OnFailure};
use standins::services;
use stream_handlers::filter::KeyFilter;
use stream_handlers::poller::StreamPoller;

fn audit_keys() -> KeyFilter {
    KeyFilter::pk_begins_with("MAPTEST#")
}

const SPEC: MappingSpec = MappingSpec {
    function: "MappingTestFunction",
    max_retries: 2,
    filter: audit_keys,
};

async fn put(client: &aws_sdk_dynamodb::Client, table: &str, sk: &str, detail: AttributeValue) {
    client
        .put_item()
        .table_name(table)
        .item("PK", AttributeValue::S("MAPTEST#1".into()))
        .item("SK", AttributeValue::S(sk.into()))
        .item("detail", detail)
        .send()
        .await
        .unwrap();
}

fn sk_of(event: &Event) -> Vec<String> {
    event
        .records
        .iter()
        .map(|r| match r.change.keys.get("SK") {
            Some(serde_dynamo::AttributeValue::S(s)) => s.clone(),
            other => panic!("no SK: {other:?}"),
        })
        .collect()
}

async fn setup(table: &str) -> (aws_sdk_dynamodb::Client, StreamPoller, OnFailure) {
    let ddb = standins::aws::dynamodb_client(&services::dynamodb().endpoint()).await;
    shop::store::table::create_table(&ddb, table).await.unwrap();
    let streams = aws_sdk_dynamodbstreams::Client::new(
        &standins::aws::sdk_config(&services::dynamodb().endpoint()).await,
    );
    let poller = StreamPoller::for_table(streams, table).await.unwrap();
    let sqs =
        aws_sdk_sqs::Client::new(&standins::aws::sdk_config(&services::moto().endpoint()).await);
    let queue_url = sqs
        .create_queue()
        .queue_name(format!("{table}-failures"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    (ddb, poller, OnFailure { sqs, queue_url })
}

async fn failure_messages(on_failure: &OnFailure) -> Vec<serde_json::Value> {
    let out = on_failure
        .sqs
        .receive_message()
        .queue_url(&on_failure.queue_url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    out.messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| serde_json::from_str(m.body().unwrap()).unwrap())
        .collect()
}

#[tokio::test]
async fn an_unreadable_record_is_reported_once_and_the_stream_keeps_flowing() {
    let table = format!("mapping-{}", ulid::Ulid::new());
    let (ddb, poller, on_failure) = setup(&table).await;
    put(&ddb, &table, "a", AttributeValue::S("fine".into())).await;
    // DynamoDB Local streams an empty map as `{}`: an attribute value with no type.
    put(&ddb, &table, "b", AttributeValue::M(Default::default())).await;
    put(&ddb, &table, "c", AttributeValue::S("fine".into())).await;

    let seen = Arc::new(Mutex::new(Vec::new()));
    let handle = |event: Event| {
        let seen = seen.clone();
        async move {
            seen.lock().unwrap().extend(sk_of(&event));
            DynamoDbEventResponse::default()
        }
    };
    let mut mapping = Mapping::new(SPEC, poller, Vec::new(), Some(on_failure.clone()));
    // Rounds: the bad record fails its first try and two retries, then is sent away.
    for _ in 0..=SPEC.max_retries {
        mapping.round(&handle).await;
    }
    assert_eq!(
        *seen.lock().unwrap(),
        ["a", "c"],
        "the readable records are handled once"
    );
    assert_eq!(
        mapping.round(&handle).await,
        0,
        "nothing pending once it is set aside"
    );
    let messages = failure_messages(&on_failure).await;
    assert_eq!(messages.len(), 1, "reported once: {messages:?}");
    let info = &messages[0]["DDBStreamBatchInfo"];
    assert_eq!(info["batchSize"], 1);
    assert_eq!(
        messages[0]["requestContext"]["condition"],
        "RetryAttemptsExhausted"
    );
    assert_eq!(
        messages[0]["requestContext"]["approximateInvokeCount"],
        SPEC.max_retries + 1
    );
    assert!(!info["startSequenceNumber"].as_str().unwrap().is_empty());

    // The stream goes on past it.
    put(&ddb, &table, "d", AttributeValue::S("later".into())).await;
    mapping.round(&handle).await;
    assert_eq!(*seen.lock().unwrap(), ["a", "c", "d"]);
    assert!(failure_messages(&on_failure).await.is_empty());
}

#[tokio::test]
async fn a_record_that_keeps_failing_is_retried_a_bounded_number_of_times() {
    let table = format!("mapping-{}", ulid::Ulid::new());
    let (ddb, poller, on_failure) = setup(&table).await;
    put(&ddb, &table, "poison", AttributeValue::S("x".into())).await;
    put(&ddb, &table, "good", AttributeValue::S("y".into())).await;

    let calls = Arc::new(Mutex::new(Vec::new()));
    let handle = |event: Event| {
        let calls = calls.clone();
        async move {
            let mut response = DynamoDbEventResponse::default();
            for r in &event.records {
                let sk = match r.change.keys.get("SK") {
                    Some(serde_dynamo::AttributeValue::S(s)) => s.clone(),
                    _ => String::new(),
                };
                calls.lock().unwrap().push(sk.clone());
                if sk == "poison" {
                    let mut f = DynamoDbBatchItemFailure::default();
                    f.item_identifier = r.change.sequence_number.clone();
                    response.batch_item_failures.push(f);
                }
            }
            response
        }
    };
    let mut mapping = Mapping::new(SPEC, poller, Vec::new(), Some(on_failure.clone()));
    let mut rounds = 0;
    while mapping.round(&handle).await > 0 {
        rounds += 1;
        assert!(rounds < 10, "retries never ended");
    }
    let calls = calls.lock().unwrap().clone();
    let poison = calls.iter().filter(|s| *s == "poison").count();
    assert_eq!(poison as u32, SPEC.max_retries + 1, "{calls:?}");
    assert_eq!(calls.iter().filter(|s| *s == "good").count(), 1);
    assert_eq!(failure_messages(&on_failure).await.len(), 1);
}
