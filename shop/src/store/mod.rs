//! The single-table store: the shop's items in one DynamoDB table.
//!
//! | item | PK | SK | indexes |
//! |---|---|---|---|
//! | product | `PRODUCT#<sku>` | `PRODUCT` | GSI1 `CATALOGUE` / `<category>#<sku>` |
//! | order | `CUSTOMER#<sub>` | `ORDER#<ulid>` | GSI1 `ORDERS#<status>` / `<created>#<ulid>`; GSI2 `ORDER#<ulid>` / `ORDER` |
//! | checkout | `CHECKOUT#<id>` | `CHECKOUT` | — (TTL) |
//! | reservation | `CHECKOUT#<id>` | `RESERVATION` | GSI1 `RESERVATIONS#held` / `<heldUntil>#<id>` while held |
//! | reservation counter | `PRODUCT#<sku>` | `RESERVED` | — |
//! | idempotency claim | `IDEMPOTENCY#<hash>` | `IDEMPOTENCY` | — (TTL) |
//! | seen-once record | `<kind>#<id>` | `SEEN` | — (TTL) |
//! | audit entry | `AUDIT#<yyyy-mm-dd>` | `<time>#<ulid>` | — |

pub mod audit;
mod cancelled;
mod checkouts;
pub mod error;
mod inventory;
pub mod keys;
mod modify;
mod orders;
mod products;
pub mod reservations;
mod seen;
mod stock;
pub mod table;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use audit::AuditEntry;
pub use checkouts::{CLAIM_LEASE_SECS, IdempotencyClaim};
pub use error::StoreError;
pub use keys::{order_key, product_key};
pub use modify::{Change, Modified};
pub use orders::OrderFilter;
pub use reservations::{
    Availability, OpenOutcome, RESERVATION_SECS, Reservation, ReservationState,
};

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The shop's table, behind typed operations.
///
/// Cheap to clone (the SDK client is an `Arc` inside).
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    /// A store on `table` through an already-configured client (real AWS or a local endpoint).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Store {
            client,
            table: table.into(),
        }
    }

    /// The underlying SDK client, for callers that need a raw call (streams, tests).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The item at `key`, read consistently; `None` when there is none.
    pub(crate) async fn get_raw(
        &self,
        (pk, sk): (String, String),
    ) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(keys::key_map(pk, sk)))
            .consistent_read(true)
            .send()
            .await?;
        Ok(out.item)
    }

    /// The item at `key`, read consistently and decoded; `None` when there is none.
    pub(crate) async fn get_item<T: DeserializeOwned>(
        &self,
        key: (String, String),
    ) -> Result<Option<T>, StoreError> {
        match self.get_raw(key).await? {
            Some(item) => Ok(Some(serde_dynamo::from_item(item)?)),
            None => Ok(None),
        }
    }

    /// A put of `item` whole, for the caller to make conditional.
    pub(crate) fn put(&self, item: Item) -> PutItemFluentBuilder {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
    }

    /// Writes `item` whole (unconditionally).
    pub(crate) async fn put_raw(&self, item: Item) -> Result<(), StoreError> {
        self.put(item).send().await?;
        Ok(())
    }

    /// Writes `item` unless an item with its key exists: `true` when written, `false` when the
    /// key was taken (a conditional put, so of concurrent writers exactly one gets `true`).
    /// Claims, seen-once records, new orders and new products are all this one shape.
    pub(crate) async fn put_new(&self, item: Item) -> Result<bool, StoreError> {
        let put = self
            .put(item)
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", table::PK)
            .send()
            .await;
        match put.map_err(StoreError::from) {
            Ok(_) => Ok(true),
            Err(StoreError::ConditionFailed(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// [`Store::put_new`]'s write as one item of a transaction (the transaction is cancelled
    /// when the key is taken).
    pub(crate) fn put_new_in_transaction(
        &self,
        item: Item,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", table::PK)
            .build()?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// A query of the table, for the caller to narrow.
    pub(crate) fn query(&self) -> QueryFluentBuilder {
        self.client.query().table_name(&self.table)
    }

    /// One page of `query`, from `cursor` (checked against the listing's `shape` before
    /// DynamoDB sees it), decoded, with the cursor of the next page.
    pub(crate) async fn query_page<T: DeserializeOwned>(
        &self,
        query: QueryFluentBuilder,
        cursor: Option<&str>,
        shape: &keys::CursorShape<'_>,
    ) -> Result<Page<T>, StoreError> {
        let out = query
            .set_exclusive_start_key(keys::decode_cursor(cursor, shape)?)
            .send()
            .await?;
        let items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(serde_dynamo::from_item)
            .collect::<Result<Vec<T>, _>>()?;
        Ok(Page {
            items,
            next: keys::encode_cursor(out.last_evaluated_key.as_ref()),
        })
    }
}

/// One page of a listing plus the cursor to ask for the next; the API answers it as it is
/// (`{"items": […], "next": …}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Opaque cursor for the next page; `None` on the last page.
    pub next: Option<String>,
}

/// Unix seconds now, for TTLs.
pub(crate) fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
