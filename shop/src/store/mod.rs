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
mod checkouts;
pub mod error;
mod inventory;
pub mod keys;
mod orders;
mod products;
pub mod reservations;
mod seen;
mod stock;
pub mod table;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;

pub use audit::AuditEntry;
pub use checkouts::{CLAIM_LEASE_SECS, IdempotencyClaim};
pub use error::StoreError;
pub use keys::{order_key, product_key};
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
}

/// One page of a listing plus the cursor to ask for the next.
#[derive(Debug, Clone, PartialEq, Eq)]
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
