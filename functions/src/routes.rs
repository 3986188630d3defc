//! What the three routers share: their routes declared once, and one layer stack.
//!
//! [`api_routes!`] takes a router's table of `method "path" => handler` and makes both its
//! `ROUTES` constant (what the OpenAPI check and the access tests enumerate) and the function
//! that builds the router's routes from the same lines, so the two cannot disagree and no
//! handler is picked by position. [`api_layers`] is the stack every router ends with.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::Response;

use crate::error::{ApiError, json_errors};

/// Declares a router's routes once: `pub const ROUTES` and `fn routes() -> Router<$state>`.
macro_rules! api_routes {
    ($state:ty; $($method:ident $path:literal => $handler:path,)*) => {
        /// Every (method, path) the router serves, in the OpenAPI document's path syntax
        /// (declared with the handlers: see `crate::routes`).
        pub const ROUTES: &[(&str, &str)] = &[$((api_routes!(@name $method), $path)),*];

        /// The routes of [`ROUTES`], each with its handler.
        fn routes() -> axum::Router<$state> {
            axum::Router::new()$(.route($path, axum::routing::$method($handler)))*
        }
    };
    (@name get) => { "GET" };
    (@name post) => { "POST" };
    (@name put) => { "PUT" };
    (@name delete) => { "DELETE" };
}
pub(crate) use api_routes;

/// The answer to a path no route serves: 404 `not_found` in the API's error shape.
pub(crate) async fn no_route() -> ApiError {
    ApiError::not_found("route")
}

/// The layers every router ends with: request bodies up to `body_limit` bytes, every error
/// answered in the one JSON shape (axum's own rejections included), and every answer private
/// unless its handler says otherwise ([`private_by_default`]).
pub(crate) fn api_layers<S>(router: Router<S>, body_limit: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::map_response(private_by_default))
}

/// `Cache-Control: no-store` on every answer whose handler set no `Cache-Control` (only the
/// public stock endpoint does). The API's answers are a shopper's or the owner's own data: an
/// answer without the header may be kept in the browser's cache, and was shown again by the
/// Back button after signing out (a shopper's email and orders, on a shared computer).
pub(crate) async fn private_by_default(mut resp: Response) -> Response {
    resp.headers_mut()
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    resp
}
