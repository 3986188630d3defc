//! A batch of stream records: grouped by order, each order's records in
//! order, different orders side by side; failures reported per record.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use futures::StreamExt;
use shop::store::keys::ItemKey;
use shop::store::table::{PK, SK};

use super::{HandleError, State, steps};
use crate::filter::{KeyFilter, item_key, key_string};

/// How many orders of one batch are worked on at once.
const PARALLEL_ORDERS: usize = 8;

/// Handles one Lambda invocation's records and returns the sequence numbers
/// of those that failed (`ReportBatchItemFailures`).
///
/// Records that are not an order's (`SK` not `ORDER#…`) and deletions are
/// skipped. When a record fails, every later record of the same order in the
/// batch is reported failed too, without being processed ahead of it; other
/// orders' records carry on.
pub async fn handle(state: &State, event: Event) -> DynamoDbEventResponse {
    let orders = KeyFilter::orders();
    let mut groups: Vec<(String, Vec<EventRecord>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for record in event.records {
        if !orders.matches(&record) {
            tracing::debug!(event_id = %record.event_id, "not an order record; skipped");
            continue;
        }
        let key = format!(
            "{}|{}",
            key_string(&record, PK).unwrap_or_default(),
            key_string(&record, SK).unwrap_or_default()
        );
        let i = *index.entry(key.clone()).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(record);
    }
    let failed: Vec<Vec<String>> = futures::stream::iter(groups)
        .map(|(_, records)| handle_order_records(state, records))
        .buffer_unordered(PARALLEL_ORDERS)
        .collect()
        .await;
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .flatten()
        .map(|id| {
            let mut f = DynamoDbBatchItemFailure::default();
            f.item_identifier = Some(id);
            f
        })
        .collect();
    response
}

/// One order's records, in order; returns the identifiers of failed ones.
async fn handle_order_records(state: &State, records: Vec<EventRecord>) -> Vec<String> {
    let mut failed = Vec::new();
    for record in records {
        let id = item_identifier(&record);
        if !failed.is_empty() {
            tracing::warn!(item = %id, "an earlier record of this order failed; not processed ahead of it");
            failed.push(id);
            continue;
        }
        if let Err(e) = handle_record(state, &record).await {
            tracing::error!(item = %id, event_id = %record.event_id, error = %e, "order record failed");
            failed.push(id);
        }
    }
    failed
}

/// The identifier Lambda wants back for a failed stream record.
fn item_identifier(record: &EventRecord) -> String {
    record
        .change
        .sequence_number
        .clone()
        .unwrap_or_else(|| record.event_id.clone())
}

async fn handle_record(state: &State, record: &EventRecord) -> Result<(), HandleError> {
    match record.event_name.as_str() {
        "INSERT" | "MODIFY" => {}
        "REMOVE" => return Ok(()),
        // DynamoDB Local reports TTL deletions with an unknown name; orders
        // have no TTL, and whatever it was, the current item decides.
        other => {
            tracing::info!(event_name = other, "unknown stream event name; skipped");
            return Ok(());
        }
    }
    let Some(ItemKey::Order { customer, id }) = item_key(record) else {
        tracing::warn!(
            pk = key_string(record, PK).unwrap_or_default(),
            sk = key_string(record, SK).unwrap_or_default(),
            "not an order's keys; skipped"
        );
        return Ok(());
    };
    steps::settle(state, &customer, &id).await
}
