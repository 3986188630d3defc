//! Stock: every decrement is conditional, so stock never goes below zero; every increment is
//! conditional on the product existing, so a unit put back never creates a half product.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::cancelled::Cancelled;
use super::keys::{key_map, n, product_key};
use super::{Store, StoreError};
use crate::domain::{CartLine, Sku};

/// Why a stock transaction wrote nothing.
enum StockFailure {
    /// The condition of these lines' products failed.
    Lines(Vec<Sku>),
    /// Anything else (a condition in `also`, a conflict, the table).
    Store(StoreError),
}

impl Store {
    /// Takes the stock of every line in one transaction, conditional on
    /// enough stock for each; `also` joins the same transaction (e.g. marking
    /// the order confirmed), so either everything happens or nothing does.
    ///
    /// When a line is short, nothing is written and the error names every
    /// short SKU ([`StoreError::InsufficientStock`]). A condition in `also`
    /// that fails is [`StoreError::ConditionFailed`].
    pub async fn decrement_stock(
        &self,
        lines: &[CartLine],
        also: Vec<TransactWriteItem>,
    ) -> Result<(), StoreError> {
        self.stock_transaction(
            lines,
            also,
            "SET stock = stock - :q, #v = #v + :one",
            "attribute_exists(PK) AND stock >= :q",
        )
        .await
        .map_err(|f| match f {
            StockFailure::Lines(short) => StoreError::InsufficientStock(short),
            StockFailure::Store(e) => e,
        })
    }

    /// Puts the units of every line back in stock in one transaction (a refunded order's
    /// restock); `also` joins it (the order's versioned update recording the `restock` effect),
    /// so the units go back exactly once or not at all.
    ///
    /// Each line is conditional on its product existing. The shop never deletes a product (the
    /// back office only retires one, `functions/src/admin/products.rs`), so a missing one is a
    /// bug or a hand edit: nothing is written and the error ([`StoreError::MissingProducts`])
    /// names the SKUs, rather than an update creating an item that holds a stock and nothing
    /// else. A
    /// condition in `also` that fails is [`StoreError::ConditionFailed`].
    pub async fn increment_stock(
        &self,
        lines: &[CartLine],
        also: Vec<TransactWriteItem>,
    ) -> Result<(), StoreError> {
        self.stock_transaction(
            lines,
            also,
            "SET stock = stock + :q, #v = #v + :one",
            "attribute_exists(PK)",
        )
        .await
        .map_err(|f| match f {
            StockFailure::Lines(missing) => StoreError::MissingProducts(missing),
            StockFailure::Store(e) => e,
        })
    }

    /// One transaction: `update` (with `:q` the line's quantity) on every line's product under
    /// `condition`, then `also`.
    async fn stock_transaction(
        &self,
        lines: &[CartLine],
        also: Vec<TransactWriteItem>,
        update: &str,
        condition: &str,
    ) -> Result<(), StockFailure> {
        if lines.len() + also.len() > 100 {
            return Err(StockFailure::Store(StoreError::Other(
                "a transaction holds at most 100 items".into(),
            )));
        }
        let mut items = Vec::with_capacity(lines.len() + also.len());
        for line in lines {
            let (pk, sk) = product_key(&line.sku);
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key_map(pk, sk)))
                .update_expression(update)
                .condition_expression(condition)
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":q", n(line.quantity))
                .expression_attribute_values(":one", n(1))
                .build()
                .map_err(|e| StockFailure::Store(e.into()))?;
            items.push(TransactWriteItem::builder().update(update).build());
        }
        items.extend(also);
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        let Some(reasons) = Cancelled::of(&err) else {
            return Err(StockFailure::Store(StoreError::from(err)));
        };
        let failed: Vec<_> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| reasons.condition_failed(*i))
            .map(|(_, l)| l.sku.clone())
            .collect();
        if !failed.is_empty() {
            return Err(StockFailure::Lines(failed));
        }
        if reasons.condition_failed_from(lines.len()) {
            return Err(StockFailure::Store(StoreError::ConditionFailed(
                "a condition of the transaction failed".into(),
            )));
        }
        Err(StockFailure::Store(reasons.into_error("stock")))
    }
}
