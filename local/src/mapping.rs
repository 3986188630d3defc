//! Lambda's DynamoDB event source mapping, played locally.
//!
//! Each round polls the stream, hands the new records (after those still pending) to the
//! handler, and keeps the ones it reports failed (`ReportBatchItemFailures`) for the next round.
//! As in AWS, retries are bounded: a record that has failed [`MappingSpec::max_retries`] retries
//! is sent to the on-failure destination (an SQS queue in moto, as the template's
//! `StreamFailureQueue`) with the same `DDBStreamBatchInfo` message Lambda sends, and skipped. A
//! record the poller could not decode counts as failed at every round, as the Lambda binaries
//! report it (`stream_handlers::records`), so it takes the same road. One poison record never
//! stops the shop.
//!
//! The specs are this module's constants; a sam-checks test holds them equal to the
//! template's `MaximumRetryAttempts` and `FilterCriteria`.

use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::DynamoDbEventResponse;
use stream_handlers::filter::KeyFilter;
use stream_handlers::poller::StreamPoller;
use stream_handlers::records::Unreadable;

/// What the template declares for one event source mapping.
#[derive(Debug, Clone, Copy)]
pub struct MappingSpec {
    /// The template's logical id of the function the mapping invokes.
    pub function: &'static str,
    /// `MaximumRetryAttempts`.
    pub max_retries: u32,
    /// The `FilterCriteria`, as a key filter.
    pub filter: fn() -> KeyFilter,
}

/// The order-events mapping.
pub const ORDER_EVENTS: MappingSpec = MappingSpec {
    function: "OrderEventsFunction",
    max_retries: 10,
    filter: KeyFilter::orders,
};

/// The catalogue-publisher mapping.
pub const CATALOGUE_PUBLISHER: MappingSpec = MappingSpec {
    function: "CataloguePublisherFunction",
    max_retries: 5,
    filter: KeyFilter::products,
};

/// Every mapping the template declares.
pub const MAPPINGS: [MappingSpec; 2] = [ORDER_EVENTS, CATALOGUE_PUBLISHER];

/// How long to wait before handing failed records again.
const RETRY_DELAY: Duration = Duration::from_millis(500);
/// How often to poll when nothing failed.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// Where records go once their retries are exhausted: an SQS queue.
#[derive(Debug, Clone)]
pub struct OnFailure {
    /// The SQS client (moto locally).
    pub sqs: aws_sdk_sqs::Client,
    /// The queue's URL.
    pub queue_url: String,
}

impl OnFailure {
    /// Sends Lambda's on-failure message for one record; a send that fails is logged (the
    /// record is skipped either way, as Lambda skips it once the destination is tried).
    async fn send(&self, message: serde_json::Value) {
        let sent = self
            .sqs
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(message.to_string())
            .send()
            .await;
        if let Err(e) = sent {
            tracing::error!(error = %aws_sdk_sqs::error::DisplayErrorContext(&e), "sending to the on-failure queue failed");
        }
    }
}

/// A record waiting to be handed (again).
enum Pending {
    Record(Box<EventRecord>),
    Unreadable(Unreadable),
}

impl Pending {
    fn sequence(&self) -> Option<&str> {
        match self {
            Pending::Record(r) => r.change.sequence_number.as_deref(),
            Pending::Unreadable(u) => u.sequence_number.as_deref(),
        }
    }

    fn keys(&self) -> serde_json::Value {
        match self {
            Pending::Record(r) => serde_json::to_value(&r.change.keys).unwrap_or_default(),
            Pending::Unreadable(u) => u.keys.clone(),
        }
    }
}

/// One mapping's state between rounds.
pub struct Mapping {
    spec: MappingSpec,
    poller: StreamPoller,
    pending: Vec<(Pending, u32)>,
    on_failure: Option<OnFailure>,
}

impl Mapping {
    /// A mapping over `poller` (whose filter is set from the spec), starting with `pending`
    /// records already read.
    pub fn new(
        spec: MappingSpec,
        poller: StreamPoller,
        pending: Vec<EventRecord>,
        on_failure: Option<OnFailure>,
    ) -> Mapping {
        Mapping {
            spec,
            poller: poller.with_filter((spec.filter)()),
            pending: pending
                .into_iter()
                .map(|r| (Pending::Record(Box::new(r)), 0))
                .collect(),
            on_failure,
        }
    }

    /// One round: poll, hand, keep what failed, send what ran out of retries. Returns how
    /// many records are still pending.
    pub async fn round<F, Fut>(&mut self, handle: &F) -> usize
    where
        F: Fn(Event) -> Fut,
        Fut: std::future::Future<Output = DynamoDbEventResponse>,
    {
        match self.poller.next_batch().await {
            Ok(batch) => self
                .pending
                .extend(batch.into_iter().map(|r| (Pending::Record(Box::new(r)), 0))),
            Err(e) => tracing::warn!(error = %e, "stream poll failed"),
        }
        self.pending.extend(
            self.poller
                .take_unreadable()
                .into_iter()
                .map(|u| (Pending::Unreadable(u), 0)),
        );
        if self.pending.is_empty() {
            return 0;
        }
        let records: Vec<EventRecord> = self
            .pending
            .iter()
            .filter_map(|(p, _)| match p {
                Pending::Record(r) => Some(EventRecord::clone(r)),
                Pending::Unreadable(_) => None,
            })
            .collect();
        let failed: std::collections::HashSet<String> = if records.is_empty() {
            Default::default()
        } else {
            handle(stream_handlers::convert::event_of(records))
                .await
                .batch_item_failures
                .into_iter()
                .filter_map(|f| f.item_identifier)
                .collect()
        };
        let mut kept = Vec::new();
        for (p, attempts) in std::mem::take(&mut self.pending) {
            let is_failed = match &p {
                Pending::Unreadable(_) => true,
                Pending::Record(_) => p.sequence().is_some_and(|s| failed.contains(s)),
            };
            if !is_failed {
                continue;
            }
            if attempts >= self.spec.max_retries {
                self.give_up(&p, attempts + 1).await;
            } else {
                kept.push((p, attempts + 1));
            }
        }
        self.pending = kept;
        if !self.pending.is_empty() {
            tracing::warn!(
                function = self.spec.function,
                failed = self.pending.len(),
                "the handler reported failures; retrying"
            );
        }
        self.pending.len()
    }

    /// Runs rounds forever.
    pub async fn run<F, Fut>(mut self, handle: F)
    where
        F: Fn(Event) -> Fut,
        Fut: std::future::Future<Output = DynamoDbEventResponse>,
    {
        loop {
            let pending = self.round(&handle).await;
            tokio::time::sleep(if pending > 0 {
                RETRY_DELAY
            } else {
                POLL_INTERVAL
            })
            .await;
        }
    }

    async fn give_up(&self, record: &Pending, invocations: u32) {
        let sequence = record.sequence().unwrap_or_default().to_owned();
        tracing::error!(
            function = self.spec.function,
            keys = %record.keys(),
            sequence = %sequence,
            invocations,
            "retries exhausted: record sent to the on-failure destination and skipped"
        );
        let Some(destination) = &self.on_failure else {
            return;
        };
        let now = time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        // The message Lambda sends to a stream mapping's on-failure destination.
        let message = serde_json::json!({
            "requestContext": {
                "requestId": ulid::Ulid::new().to_string(),
                "functionArn": format!("arn:aws:lambda:local:000000000000:function:{}", self.spec.function),
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invocations,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": null},
            "version": "1.0",
            "timestamp": now,
            "DDBStreamBatchInfo": {
                "shardId": "local",
                "startSequenceNumber": sequence,
                "endSequenceNumber": sequence,
                "batchSize": 1,
                "streamArn": self.poller.stream_arn(),
            },
        });
        destination.send(message).await;
    }
}
