//! Why DynamoDB cancelled a transaction: one reason per item, in item order. Every
//! `TransactWriteItems` of the store reads its failure through [`Cancelled`], so a failed
//! condition, a conflict and throttling are told apart in one place.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use super::StoreError;

/// The reason codes of a cancelled transaction (`None` for an item that did not fail).
#[derive(Debug)]
pub(super) struct Cancelled(Vec<Option<String>>);

impl Cancelled {
    /// The reasons, when `err` is a cancelled transaction (`TransactionCanceledException`).
    pub(super) fn of<R>(err: &SdkError<TransactWriteItemsError, R>) -> Option<Cancelled> {
        match err.as_service_error()? {
            TransactWriteItemsError::TransactionCanceledException(tc) => Some(Cancelled(
                tc.cancellation_reasons()
                    .iter()
                    .map(|r| r.code().map(str::to_owned))
                    .collect(),
            )),
            _ => None,
        }
    }

    /// True when item `i`'s condition failed.
    pub(super) fn condition_failed(&self, i: usize) -> bool {
        self.0.get(i).and_then(Option::as_deref) == Some("ConditionalCheckFailed")
    }

    /// True when any item from `from` on had its condition fail.
    pub(super) fn condition_failed_from(&self, from: usize) -> bool {
        (from..self.0.len()).any(|i| self.condition_failed(i))
    }

    /// True when another transaction or write touched one of the items meanwhile.
    pub(super) fn conflict(&self) -> bool {
        self.0
            .iter()
            .any(|r| r.as_deref() == Some("TransactionConflict"))
    }

    /// The error for a cancellation the caller's conditions do not explain: a conflict
    /// ([`StoreError::Conflict`]), throttling ([`StoreError::Retryable`]), else
    /// [`StoreError::Other`] naming `what` and the reasons.
    pub(super) fn into_error(self, what: &str) -> StoreError {
        if self.conflict() {
            return StoreError::Conflict;
        }
        if self.0.iter().any(|r| {
            matches!(
                r.as_deref(),
                Some("ThrottlingError" | "ProvisionedThroughputExceeded")
            )
        }) {
            return StoreError::Retryable(format!("{what}: transaction throttled"));
        }
        StoreError::Other(format!("{what}: transaction cancelled: {:?}", self.0))
    }
}
