//! The owner's stock changes: set an absolute count, or adjust by a delta
//! that can never take the stock below zero. Both bump the product's
//! version (so a concurrent edit based on the old version gets a conflict).

use aws_sdk_dynamodb::types::ReturnValue;

use super::keys::{key_map, n, product_key};
use super::{Store, StoreError};
use crate::domain::{Product, Sku};

impl Store {
    /// Sets the stock of `sku` to `stock` and returns the product as stored.
    /// An unknown SKU is [`StoreError::NotFound`].
    pub async fn set_stock(&self, sku: &Sku, stock: u32) -> Result<Product, StoreError> {
        let (pk, sk) = product_key(sku);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(pk, sk)))
            .update_expression("SET stock = :s, #v = #v + :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":s", n(stock))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .send()
            .await
            .map_err(StoreError::from);
        match out {
            Ok(out) => Ok(serde_dynamo::from_item(out.attributes.unwrap_or_default())?),
            Err(StoreError::ConditionFailed(_)) => Err(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    /// Adds `delta` (negative: removes) to the stock of `sku` in one
    /// conditional write and returns the product as stored. A delta that
    /// would take the stock below zero (or past `u32::MAX`) writes nothing
    /// and is [`StoreError::InsufficientStock`]; an unknown SKU is
    /// [`StoreError::NotFound`].
    pub async fn adjust_stock(&self, sku: &Sku, delta: i64) -> Result<Product, StoreError> {
        let (pk, sk) = product_key(sku);
        let req = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key_map(pk, sk)))
            .update_expression("SET stock = stock + :d, #v = #v + :one")
            .expression_attribute_names("#v", "version")
            .expression_attribute_values(":d", n(delta))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew);
        let req = if delta < 0 {
            req.condition_expression("attribute_exists(PK) AND stock >= :need")
                .expression_attribute_values(":need", n(delta.unsigned_abs()))
        } else {
            let room = i64::from(u32::MAX).saturating_sub(delta);
            req.condition_expression("attribute_exists(PK) AND stock <= :room")
                .expression_attribute_values(":room", n(room))
        };
        match req.send().await.map_err(StoreError::from) {
            Ok(out) => Ok(serde_dynamo::from_item(out.attributes.unwrap_or_default())?),
            Err(StoreError::ConditionFailed(_)) => {
                // Missing, or not enough: a read tells which.
                self.get_product(sku).await?;
                Err(StoreError::InsufficientStock(vec![sku.clone()]))
            }
            Err(e) => Err(e),
        }
    }
}
