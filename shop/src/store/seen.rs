//! "Seen once" records: remember an id (a Stripe event, a side effect) for a while.

use super::keys::{key_map, n, seen_key};
use super::table::TTL_ATTRIBUTE;
use super::{Store, StoreError, now_unix};

impl Store {
    /// Records `kind#id` as seen for `ttl_secs`. Returns `true` the first
    /// time and `false` every later time (a conditional put: concurrent
    /// callers cannot both see `true`).
    pub async fn mark_seen(&self, kind: &str, id: &str, ttl_secs: i64) -> Result<bool, StoreError> {
        let mut item = {
            let (pk, sk) = seen_key(kind, id);
            key_map(pk, sk)
        };
        item.insert(TTL_ATTRIBUTE.into(), n(now_unix() + ttl_secs));
        self.put_new(item).await
    }

    /// True when `kind#id` was recorded by [`Store::mark_seen`] and has not
    /// expired (a consistent read; the TTL deletes expired records late).
    pub async fn is_seen(&self, kind: &str, id: &str) -> Result<bool, StoreError> {
        let item = self.get_raw(seen_key(kind, id)).await?;
        let alive = item.is_some_and(|item| {
            item.get(TTL_ATTRIBUTE)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
                .is_none_or(|expires| expires > now_unix())
        });
        Ok(alive)
    }

    /// Forgets a seen record, so a failed handling can be retried.
    pub async fn unmark_seen(&self, kind: &str, id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some({
                let (pk, sk) = seen_key(kind, id);
                key_map(pk, sk)
            }))
            .send()
            .await?;
        Ok(())
    }
}
