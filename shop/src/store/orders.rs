//! Orders: put-if-absent, reads, listings by customer and by status, versioned updates.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::keys::{
    CursorShape, ORDER_PREFIX, customer_partition, n, order_index_partition, order_item, order_key,
    orders_partition, s,
};
use super::table::{GSI1, GSI1PK, GSI1SK, GSI2, GSI2PK, PK, SK};
use super::{Page, Store, StoreError};
use crate::domain::{Effect, Order, OrderStatus};

/// How the owner's order list is narrowed (beyond its status).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Only orders that recorded any of these effects.
    pub any_effect: Vec<Effect>,
    /// Only orders created on or after this UTC day (`yyyy-mm-dd`).
    pub from_day: Option<String>,
    /// Only orders created on or before this UTC day (`yyyy-mm-dd`).
    pub to_day: Option<String>,
}

impl Store {
    /// Writes a new order unless one with the same key exists
    /// ([`StoreError::ConditionFailed`] then): the confirm call and the
    /// webhook may race to create it, exactly one wins.
    pub async fn put_order_if_absent(&self, order: &Order) -> Result<(), StoreError> {
        if self.put_new(order_item(order)?).await? {
            Ok(())
        } else {
            Err(StoreError::ConditionFailed(format!(
                "order {} already exists",
                order.id
            )))
        }
    }

    /// Reads one of a customer's orders (another customer's id is simply not found).
    pub async fn get_order(&self, customer: &str, order_id: &str) -> Result<Order, StoreError> {
        self.get_item(order_key(customer, order_id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Finds any order by id (owner's view, webhook): through GSI2, then a
    /// consistent read of the item itself.
    pub async fn find_order(&self, order_id: &str) -> Result<Order, StoreError> {
        let out = self
            .query()
            .index_name(GSI2)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", GSI2PK)
            .expression_attribute_values(":pk", s(order_index_partition(order_id)))
            .limit(1)
            .send()
            .await?;
        let item = out
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)?;
        let order: Order = serde_dynamo::from_item(item)?;
        self.get_order(&order.customer, &order.id).await
    }

    /// A customer's orders, newest first.
    pub async fn list_orders_by_customer(
        &self,
        customer: &str,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Order>, StoreError> {
        let partition = customer_partition(customer);
        let query = self
            .query()
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(&partition))
            .expression_attribute_values(":prefix", s(ORDER_PREFIX))
            .scan_index_forward(false)
            .limit(limit.clamp(1, 100));
        let shape = CursorShape::table(&partition, Some(ORDER_PREFIX));
        self.query_page(query, cursor, &shape).await
    }

    /// Orders in one status narrowed by `filter`, newest first (the owner's queue; with
    /// `any_effect`, the "needs attention" view). A page may hold fewer than `limit` orders
    /// and still have a next one when `any_effect` is set (that filter runs after the read).
    pub async fn list_orders(
        &self,
        status: OrderStatus,
        filter: &OrderFilter,
        limit: i32,
        cursor: Option<&str>,
    ) -> Result<Page<Order>, StoreError> {
        let any_effect = &filter.any_effect;
        let partition = orders_partition(status);
        let mut query = self
            .query()
            .index_name(GSI1)
            .expression_attribute_names("#pk", GSI1PK)
            .expression_attribute_values(":pk", s(&partition))
            .scan_index_forward(false)
            .limit(limit.clamp(1, 100));
        // GSI1SK is `<created rfc3339>#<ulid>`: a day range is a key range. '~' sorts after
        // every character of a timestamp, so `<day>~` ends that day.
        query = match (&filter.from_day, &filter.to_day) {
            (None, None) => query.key_condition_expression("#pk = :pk"),
            (from, to) => query
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expression_attribute_names("#sk", GSI1SK)
                .expression_attribute_values(":from", s(from.clone().unwrap_or_else(|| "0".into())))
                .expression_attribute_values(
                    ":to",
                    s(format!("{}~", to.clone().unwrap_or_else(|| "9".into()))),
                ),
        };
        if !any_effect.is_empty() {
            let mut terms = Vec::new();
            for (i, effect) in any_effect.iter().enumerate() {
                terms.push(format!("contains(#effects, :e{i})"));
                query = query
                    .expression_attribute_values(format!(":e{i}"), s(effect.as_str().to_owned()));
            }
            query = query
                .expression_attribute_names("#effects", "effects")
                .filter_expression(terms.join(" OR "));
        }
        self.query_page(query, cursor, &CursorShape::gsi1(&partition, None))
            .await
    }

    /// Saves a changed order if nobody changed it since it was read
    /// (`order.version` is the version read; the stored one is one higher).
    pub async fn update_order(&self, order: &Order) -> Result<Order, StoreError> {
        let mut next = order.clone();
        next.version += 1;
        let req = self
            .put(order_item(&next)?)
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(order.version));
        match req.send().await.map_err(StoreError::from) {
            Ok(_) => Ok(next),
            Err(StoreError::ConditionFailed(_)) => Err(StoreError::VersionConflict {
                expected: order.version,
            }),
            Err(e) => Err(e),
        }
    }

    /// The same versioned write as [`Store::update_order`] as a transaction
    /// item, so it can join e.g. [`Store::decrement_stock`].
    pub fn order_update_item(&self, order: &Order) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .put(self.order_update_put(order)?)
            .build())
    }

    fn order_update_put(&self, order: &Order) -> Result<Put, StoreError> {
        let mut next = order.clone();
        next.version += 1;
        Ok(Put::builder()
            .table_name(&self.table)
            .set_item(Some(order_item(&next)?))
            .condition_expression("#v = :expected")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":expected", n(order.version))
            .build()?)
    }
}
