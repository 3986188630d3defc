//! Stock: every decrement is conditional, so stock never goes below zero.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::keys::{key_map, n, product_key};
use super::{Store, StoreError};
use crate::domain::CartLine;

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
        if lines.len() + also.len() > 100 {
            return Err(StoreError::Other(
                "a transaction holds at most 100 items".into(),
            ));
        }
        let mut items = Vec::with_capacity(lines.len() + also.len());
        for line in lines {
            let (pk, sk) = product_key(&line.sku);
            let update = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key_map(pk, sk)))
                .update_expression("SET stock = stock - :q, #v = #v + :one")
                .condition_expression("attribute_exists(PK) AND stock >= :q")
                .expression_attribute_names("#v", "version")
                .expression_attribute_values(":q", n(line.quantity))
                .expression_attribute_values(":one", n(1))
                .build()?;
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
        // Which item failed is in the cancellation reasons, in item order.
        if let Some(service) = err.as_service_error()
            && let aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(tc) = service
        {
            let reasons = tc.cancellation_reasons();
            let failed = |i: usize| reasons.get(i).and_then(|r| r.code()) == Some("ConditionalCheckFailed");
            let short: Vec<_> = lines.iter().enumerate().filter(|(i, _)| failed(*i)).map(|(_, l)| l.sku.clone()).collect();
            if !short.is_empty() {
                return Err(StoreError::InsufficientStock(short));
            }
            if (lines.len()..lines.len() + reasons.len().saturating_sub(lines.len())).any(failed) {
                return Err(StoreError::ConditionFailed("a condition of the transaction failed".into()));
            }
            if reasons.iter().any(|r| r.code() == Some("TransactionConflict")) {
                return Err(StoreError::Conflict);
            }
            if reasons.iter().any(|r| matches!(r.code(), Some("ThrottlingError" | "ProvisionedThroughputExceeded"))) {
                return Err(StoreError::Retryable("transaction throttled".into()));
            }
        }
        Err(StoreError::from(err))
    }
}
