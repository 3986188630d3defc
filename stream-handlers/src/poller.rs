//! Reads a table's stream through the DynamoDB Streams API, the way Lambda's
//! event source mapping does in AWS: `shop-local` and the tests use it to
//! hand real stream records to the handlers.
//!
//! `DescribeStream` → shards → `GetShardIterator` (`TRIM_HORIZON` or
//! `LATEST` for the shards open at the start, `TRIM_HORIZON` for shards that
//! appear later) → `GetRecords`, following each shard's next iterator. A
//! child shard is read only once its parent is exhausted, so a key's records
//! stay in order. Records are filtered by key ([`KeyFilter`]) like the SAM
//! template's `FilterCriteria`.
//!
//! `GetRecords` answers are decoded from their JSON one record at a time
//! ([`crate::records`]), as the Lambda binaries decode their events: the SDK
//! fails a whole answer when one record holds a value it cannot parse, which
//! would stop the stream at that record forever. An unreadable record is set
//! aside ([`StreamPoller::take_unreadable`]) and reading goes on past it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_dynamodbstreams::types::{Shard, ShardIteratorType};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::convert::event_of;
use crate::filter::KeyFilter;
use crate::records::{Unreadable, decode};

/// Where to start reading the shards that are open when polling begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartPosition {
    /// The oldest record still in the stream (24 h in AWS).
    #[default]
    TrimHorizon,
    /// Only records written after the first poll.
    Latest,
}

/// A Streams API call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dynamodb streams {operation}: {message}")]
pub struct PollError {
    /// The API operation (`DescribeStream`, `GetRecords`, …).
    pub operation: &'static str,
    /// What the service or the connection said.
    pub message: String,
}

/// Reading position in one shard.
#[derive(Debug)]
struct Cursor {
    shard_id: String,
    parent: Option<String>,
    iterator: Option<String>,
    /// Last sequence number returned: where to resume if the iterator expires.
    last_sequence: Option<String>,
    kind: ShardIteratorType,
}

/// Polls one stream; each [`StreamPoller::next_batch`] returns the records
/// written since the previous call.
#[derive(Debug)]
pub struct StreamPoller {
    client: Client,
    stream_arn: String,
    filter: Option<KeyFilter>,
    start: StartPosition,
    started: bool,
    cursors: Vec<Cursor>,
    /// Shards read to their end.
    done: HashSet<String>,
    limit: i32,
    /// Records that could not be decoded, since the last `take_unreadable`.
    unreadable: Vec<Unreadable>,
}

/// Keeps the body of a `GetRecords` answer, whether or not the SDK could
/// parse it (the orchestrator has buffered it by then).
#[derive(Debug, Clone, Default)]
struct RawBody(Arc<Mutex<Option<Answer>>>);

/// An HTTP answer's status and body.
type Answer = (u16, Vec<u8>);

impl Intercept for RawBody {
    fn name(&self) -> &'static str {
        "RawBody"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        if let Some(bytes) = response.body().bytes() {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) =
                Some((response.status().as_u16(), bytes.to_vec()));
        }
        Ok(())
    }
}

impl RawBody {
    fn take(&self) -> Option<Answer> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// A `GetRecords` answer read from its JSON.
#[derive(serde::Deserialize)]
struct RawRecords {
    #[serde(rename = "Records", default)]
    records: Vec<serde_json::Value>,
    #[serde(rename = "NextShardIterator", default)]
    next_shard_iterator: Option<String>,
}

fn err<E>(operation: &'static str, e: &aws_sdk_dynamodbstreams::error::SdkError<E>) -> PollError
where
    E: std::error::Error + 'static,
{
    PollError {
        operation,
        message: DisplayErrorContext(e).to_string(),
    }
}

impl StreamPoller {
    /// A poller of the stream `stream_arn`, from `TRIM_HORIZON`, unfiltered.
    pub fn new(client: Client, stream_arn: impl Into<String>) -> StreamPoller {
        StreamPoller {
            client,
            stream_arn: stream_arn.into(),
            filter: None,
            start: StartPosition::TrimHorizon,
            started: false,
            cursors: Vec::new(),
            done: HashSet::new(),
            limit: 1000,
            unreadable: Vec::new(),
        }
    }

    /// A poller of the (latest) stream of `table`, found with `ListStreams`.
    pub async fn for_table(client: Client, table: &str) -> Result<StreamPoller, PollError> {
        let out = client
            .list_streams()
            .table_name(table)
            .send()
            .await
            .map_err(|e| err("ListStreams", &e))?;
        let arn = out
            .streams
            .unwrap_or_default()
            .into_iter()
            .filter_map(|s| s.stream_arn)
            .max()
            .ok_or_else(|| PollError {
                operation: "ListStreams",
                message: format!("table {table} has no stream"),
            })?;
        Ok(StreamPoller::new(client, arn))
    }

    /// Keeps only records whose keys pass `filter` (what the SAM template's
    /// `FilterCriteria` do in AWS).
    pub fn with_filter(mut self, filter: KeyFilter) -> StreamPoller {
        self.filter = Some(filter);
        self
    }

    /// Where to start in the shards open at the first poll.
    pub fn starting_at(mut self, start: StartPosition) -> StreamPoller {
        self.start = start;
        self
    }

    /// The records read since the last call that could not be decoded (each
    /// logged with its keys when read). The poller has moved past them.
    pub fn take_unreadable(&mut self) -> Vec<Unreadable> {
        std::mem::take(&mut self.unreadable)
    }

    /// The stream being read.
    pub fn stream_arn(&self) -> &str {
        &self.stream_arn
    }

    /// Every record written since the last call (in shard order, each shard
    /// in sequence order), converted and filtered. Empty when nothing new.
    pub async fn next_batch(&mut self) -> Result<Vec<EventRecord>, PollError> {
        self.discover().await?;
        let mut batch = Vec::new();
        for i in 0..self.cursors.len() {
            let blocked = self.cursors[i]
                .parent
                .as_ref()
                .is_some_and(|p| self.cursors.iter().any(|c| &c.shard_id == p));
            if blocked {
                continue;
            }
            self.read_shard(i, &mut batch).await?;
        }
        let done = &mut self.done;
        self.cursors.retain(|c| {
            let open = c.iterator.is_some();
            if !open {
                done.insert(c.shard_id.clone());
            }
            open
        });
        if let Some(filter) = &self.filter {
            batch.retain(|r| filter.matches(r));
        }
        Ok(batch)
    }

    /// [`StreamPoller::next_batch`] as the Lambda event.
    pub async fn next_event(&mut self) -> Result<Event, PollError> {
        Ok(event_of(self.next_batch().await?))
    }

    /// Polls until a call finds nothing new and returns everything found:
    /// with DynamoDB Local, whatever was written before the call.
    pub async fn drain(&mut self) -> Result<Vec<EventRecord>, PollError> {
        let mut all = Vec::new();
        loop {
            let batch = self.next_batch().await?;
            if batch.is_empty() {
                return Ok(all);
            }
            all.extend(batch);
        }
    }

    /// Adds cursors for shards not seen before.
    async fn discover(&mut self) -> Result<(), PollError> {
        let mut shards: Vec<Shard> = Vec::new();
        let mut start_after: Option<String> = None;
        loop {
            let out = self
                .client
                .describe_stream()
                .stream_arn(&self.stream_arn)
                .set_exclusive_start_shard_id(start_after.take())
                .send()
                .await
                .map_err(|e| err("DescribeStream", &e))?;
            let Some(desc) = out.stream_description else {
                break;
            };
            shards.extend(desc.shards.unwrap_or_default());
            match desc.last_evaluated_shard_id {
                Some(last) => start_after = Some(last),
                None => break,
            }
        }
        let first = !self.started;
        self.started = true;
        for shard in shards {
            let Some(id) = shard.shard_id else { continue };
            if self.done.contains(&id) || self.cursors.iter().any(|c| c.shard_id == id) {
                continue;
            }
            let closed = shard
                .sequence_number_range
                .as_ref()
                .is_some_and(|r| r.ending_sequence_number.is_some());
            let kind = match (first, self.start) {
                (true, StartPosition::Latest) if closed => {
                    // Nothing new will ever arrive in a closed shard.
                    self.done.insert(id);
                    continue;
                }
                (true, StartPosition::Latest) => ShardIteratorType::Latest,
                _ => ShardIteratorType::TrimHorizon,
            };
            self.cursors.push(Cursor {
                shard_id: id,
                parent: shard.parent_shard_id.filter(|p| !self.done.contains(p)),
                iterator: None,
                last_sequence: None,
                kind,
            });
            let last = self.cursors.len() - 1;
            self.refresh_iterator(last).await?;
        }
        Ok(())
    }

    /// Gets a new iterator for cursor `i`: after its last record if it has
    /// one, else at its start position.
    async fn refresh_iterator(&mut self, i: usize) -> Result<(), PollError> {
        let c = &self.cursors[i];
        let req = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(&c.shard_id);
        let req = match &c.last_sequence {
            Some(seq) => req
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(seq),
            None => req.shard_iterator_type(c.kind.clone()),
        };
        let out = req.send().await.map_err(|e| err("GetShardIterator", &e))?;
        self.cursors[i].iterator = out.shard_iterator;
        Ok(())
    }

    /// Reads cursor `i` until it has nothing more for now.
    async fn read_shard(
        &mut self,
        i: usize,
        batch: &mut Vec<EventRecord>,
    ) -> Result<(), PollError> {
        let mut expired_retries = 0;
        while let Some(iterator) = self.cursors[i].iterator.clone() {
            let raw = RawBody::default();
            let result = self
                .client
                .get_records()
                .shard_iterator(iterator)
                .limit(self.limit)
                .customize()
                .interceptor(raw.clone())
                .send()
                .await;
            let body = match (result, raw.take()) {
                (_, Some((200, body))) => body,
                (Err(e), _)
                    if e.code() == Some("ExpiredIteratorException") && expired_retries < 3 =>
                {
                    expired_retries += 1;
                    self.refresh_iterator(i).await?;
                    continue;
                }
                (Err(e), _) if e.code() == Some("TrimmedDataAccessException") => {
                    tracing::warn!(shard = %self.cursors[i].shard_id, "records trimmed before they were read; restarting at TRIM_HORIZON");
                    self.cursors[i].last_sequence = None;
                    self.cursors[i].kind = ShardIteratorType::TrimHorizon;
                    self.refresh_iterator(i).await?;
                    continue;
                }
                (Err(e), _) => return Err(err("GetRecords", &e)),
                (Ok(_), _) => {
                    return Err(PollError {
                        operation: "GetRecords",
                        message: "the answer's body could not be kept".into(),
                    });
                }
            };
            let out: RawRecords = serde_json::from_slice(&body).map_err(|e| PollError {
                operation: "GetRecords",
                message: format!("the answer is not the expected JSON: {e}"),
            })?;
            let got = out.records.len();
            for r in &out.records {
                if let Some(seq) = r
                    .get("dynamodb")
                    .and_then(|d| d.get("SequenceNumber"))
                    .and_then(|s| s.as_str())
                {
                    self.cursors[i].last_sequence = Some(seq.to_owned());
                }
            }
            let decoded = decode(out.records, Some(&self.stream_arn));
            batch.extend(decoded.records);
            for bad in decoded.unreadable {
                tracing::error!(shard = %self.cursors[i].shard_id, keys = %bad.keys, sequence = ?bad.sequence_number, error = %bad.error, "unreadable stream record set aside");
                self.unreadable.push(bad);
            }
            self.cursors[i].iterator = out.next_shard_iterator;
            if got == 0 {
                break;
            }
        }
        Ok(())
    }
}
