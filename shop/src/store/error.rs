//! The store's typed errors: what a caller can act on, not SDK internals.

use aws_sdk_dynamodb::error::{BuildError, SdkError};

use crate::domain::Sku;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The item does not exist.
    #[error("not found")]
    NotFound,
    /// A conditional write found the condition false (e.g. the item already exists).
    #[error("condition failed: {0}")]
    ConditionFailed(String),
    /// Optimistic locking: someone else changed the item first.
    #[error("version conflict: expected version {expected}, the item has moved on")]
    VersionConflict {
        /// The version the caller based its change on.
        expected: u64,
    },
    /// Not enough stock for these SKUs: nothing was written.
    #[error("insufficient stock for {}", .0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))]
    InsufficientStock(Vec<Sku>),
    /// Stock was to go back to these SKUs, and they have no product: nothing was written.
    #[error("no product {}", .0.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "))]
    MissingProducts(Vec<Sku>),
    /// Concurrent transactions collided; safe to retry.
    #[error("transaction conflict, retry")]
    Conflict,
    /// DynamoDB throttled or was briefly unavailable; safe to retry.
    #[error("throttled or unavailable, retry: {0}")]
    Retryable(String),
    /// A page cursor that is not one this listing handed out: bad input (400 `invalid_cursor`).
    #[error("invalid page cursor: {0}")]
    InvalidCursor(String),
    /// Stored data could not be decoded (or encoded).
    #[error("item encoding: {0}")]
    Encoding(String),
    /// Anything else.
    #[error("dynamodb: {0}")]
    Other(String),
}

impl StoreError {
    /// True when retrying the same call may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Conflict | StoreError::Retryable(_))
    }
}

impl From<serde_dynamo::Error> for StoreError {
    fn from(e: serde_dynamo::Error) -> Self {
        StoreError::Encoding(e.to_string())
    }
}

impl From<BuildError> for StoreError {
    fn from(e: BuildError) -> Self {
        StoreError::Other(e.to_string())
    }
}

/// Maps any SDK error by its service error code, so each operation's error
/// type need not be matched one by one.
impl<E, R> From<SdkError<E, R>> for StoreError
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    fn from(err: SdkError<E, R>) -> Self {
        use aws_sdk_dynamodb::error::ProvideErrorMetadata;
        let code = err.code().unwrap_or_default().to_owned();
        let message = err.message().unwrap_or_default().to_owned();
        match code.as_str() {
            "ConditionalCheckFailedException" => StoreError::ConditionFailed(message),
            "TransactionConflictException" => StoreError::Conflict,
            "ProvisionedThroughputExceededException"
            | "ThrottlingException"
            | "RequestLimitExceeded"
            | "InternalServerError"
            | "ServiceUnavailable" => StoreError::Retryable(format!("{code}: {message}")),
            "ResourceNotFoundException" => StoreError::Other(format!("{code}: {message}")),
            "" => match &err {
                SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => StoreError::Retryable(
                    format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(&err)),
                ),
                _ => StoreError::Other(format!(
                    "{}",
                    aws_sdk_dynamodb::error::DisplayErrorContext(&err)
                )),
            },
            _ => StoreError::Other(format!("{code}: {message}")),
        }
    }
}
