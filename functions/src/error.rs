//! The API's one error shape: status + `{"error":{"code","message"}}`.
//!
//! Every handler returns [`ApiError`] on failure, and [`json_errors`] rewrites
//! whatever axum itself answers (404 for an unknown path, 405, a rejection
//! that slipped through) into the same shape, so the browser scripts have a
//! single thing to read.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use shop::payments::PaymentError;
use shop::{CartError, MoneyError, StoreError};

/// An error answer: HTTP status, a stable snake_case code, a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable, snake_case, for scripts to branch on.
    pub code: &'static str,
    /// Human sentence.
    pub message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 with `code`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `not_found`.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 500 `internal`; the detail is logged, not shown.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; please try again",
        )
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({"error": {"code": self.code, "message": self.message}})
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

/// The error shape. Its `Cache-Control: no-store` comes with every answer the routers give
/// (`routes::private_by_default`).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body())).into_response()
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ApiError::not_found("item"),
            e @ StoreError::InvalidCursor(_) => {
                ApiError::bad_request("invalid_cursor", e.to_string())
            }
            e if e.is_retryable() => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the shop is busy; please try again",
            ),
            e => ApiError::internal(e),
        }
    }
}

impl From<PaymentError> for ApiError {
    fn from(e: PaymentError) -> Self {
        match e {
            // Stripe's words are for developers (and may say why the bank
            // refused): they go to the logs; the shopper reads the shop's.
            PaymentError::CardDeclined { code, message } => {
                tracing::info!(stripe = %message, code = code.as_deref().unwrap_or(""), "card declined");
                ApiError::new(
                    StatusCode::PAYMENT_REQUIRED,
                    "card_declined",
                    crate::settle::failure_message(code.as_deref()),
                )
            }
            PaymentError::Unavailable(m) => {
                tracing::warn!(error = %m, "stripe unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "payment_unavailable",
                    "the payment service is unavailable; please try again",
                )
            }
            e => ApiError::internal(e),
        }
    }
}

impl From<CartError> for ApiError {
    fn from(e: CartError) -> Self {
        let message = e.to_string();
        let (status, code) = match e {
            CartError::Empty => (StatusCode::BAD_REQUEST, "empty_cart"),
            CartError::TooManyLines(_) => (StatusCode::BAD_REQUEST, "too_many_lines"),
            CartError::MalformedSku(_) => (StatusCode::BAD_REQUEST, "invalid_sku"),
            CartError::Quantity { .. } => (StatusCode::BAD_REQUEST, "invalid_quantity"),
            CartError::UnknownSku(_) => (StatusCode::BAD_REQUEST, "unknown_sku"),
            CartError::Retired(_) => (StatusCode::CONFLICT, "product_retired"),
            CartError::InsufficientStock { .. } => (StatusCode::CONFLICT, "insufficient_stock"),
            CartError::Money(MoneyError::CurrencyMismatch { .. }) => {
                (StatusCode::BAD_REQUEST, "mixed_currencies")
            }
            // A total beyond i64 minor units: only absurd quantities of absurd prices.
            CartError::Money(MoneyError::Overflow) => (StatusCode::BAD_REQUEST, "amount_overflow"),
            CartError::Money(_) => (StatusCode::BAD_REQUEST, "invalid_amount"),
        };
        ApiError::new(status, code, message)
    }
}

/// A code for a bare status, when axum answered without our body.
fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "error",
    }
}

/// Response middleware: any error answer that is not already JSON (axum's
/// own 404/405/413/…) becomes the API's error shape with the same status.
pub async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("request failed")
                .to_owned()
        });
    let mut out = ApiError::new(status, code_for(status), text).into_response();
    for (name, value) in parts.headers.iter() {
        if name == header::ALLOW {
            out.headers_mut().insert(name, value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_errors_answer_their_own_codes() {
        let code = |e: MoneyError| ApiError::from(CartError::Money(e)).code;
        assert_eq!(code(MoneyError::Overflow), "amount_overflow");
        assert_eq!(
            code(MoneyError::CurrencyMismatch {
                left: shop::Currency::Eur,
                right: shop::Currency::Usd,
            }),
            "mixed_currencies"
        );
        assert_eq!(code(MoneyError::Negative(-1)), "invalid_amount");
    }

    #[test]
    fn a_refused_card_reads_in_the_shops_words() {
        let answer = |code: &str| {
            ApiError::from(PaymentError::CardDeclined {
                code: Some(code.into()),
                message: "Stripe's words".into(),
            })
        };
        let expired = answer("expired_card");
        assert_eq!(
            (expired.status, expired.code),
            (StatusCode::PAYMENT_REQUIRED, "card_declined")
        );
        assert_eq!(expired.message, crate::settle::CARD_EXPIRED);
        assert_eq!(
            answer("incorrect_cvc").message,
            crate::settle::INCORRECT_CVC
        );
        assert_eq!(
            answer("insufficient_funds").message,
            crate::settle::CARD_DECLINED
        );
    }
}
