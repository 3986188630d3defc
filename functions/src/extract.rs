//! Request extractors that refuse bad input in the API's error shape.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest request body the shopper API accepts (a cart of 50 lines and an
/// address fit in a few KB).
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A JSON body: `Content-Type: application/json` required (415), size
/// limited by the router's body limit (413), syntax and shape checked (400,
/// naming the unknown or missing field).
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(not_json());
        }
        let bytes = read_body(req, state).await?;
        parse(&bytes).map(JsonBody)
    }
}

/// An optional JSON body (the back office's ship and refund): none, or only whitespace, is
/// `T::default()`; one that is there is held to [`JsonBody`]'s rules (415, 413, 400).
#[derive(Debug, Clone)]
pub struct OptionalJsonBody<T>(pub T);

impl<S, T> FromRequest<S> for OptionalJsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(req.headers());
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJsonBody(T::default()));
        }
        if !json {
            return Err(not_json());
        }
        parse(&bytes).map(OptionalJsonBody)
    }
}

/// True when the request says its body is JSON (`application/json`, parameters aside).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// 415: a body that is not declared JSON.
fn not_json() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send the body as Content-Type: application/json",
    )
}

/// The body as `T`, or 400 naming what is wrong (an unknown or missing field, bad syntax).
fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request("invalid_body", format!("invalid JSON body: {e}")))
}

/// The raw body, with the body limit's failure as 413 in the API's shape.
pub async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(status, "body_too_large", "the request body is too large")
        } else {
            ApiError::new(status, "invalid_body", e.body_text())
        }
    })
}

/// The query string's pairs, percent-decoded, repeated keys kept
/// (`?sku=A&sku=B`), which serde_urlencoded cannot give.
#[derive(Debug, Clone, Default)]
pub struct QueryPairs(pub Vec<(String, String)>);

impl QueryPairs {
    /// Every value of `key`, in order.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The first value of `key`.
    pub fn first(&self, key: &str) -> Option<&str> {
        self.all(key).into_iter().next()
    }

    /// The page size asked by `?limit=`: `default` when absent, else an
    /// integer 1–`max` (400 `invalid_limit` otherwise).
    pub fn limit(&self, default: i32, max: i32) -> Result<i32, ApiError> {
        match self.first("limit") {
            None => Ok(default),
            Some(l) => l
                .parse::<i32>()
                .ok()
                .filter(|l| (1..=max).contains(l))
                .ok_or_else(|| {
                    ApiError::bad_request("invalid_limit", format!("limit must be 1–{max}"))
                }),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryPairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryPairs(
            form_urlencoded::parse(q.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}
