//! Cognito cookie authentication at CloudFront's edge, as a sans-IO core.
//!
//! Lambda@Edge runs only Node.js, so this crate never does IO itself: it is given the
//! configuration, the key set, the time and the request, and answers with a [`Decision`] —
//! forward the request (with headers and maybe the path changed), answer it (redirect, cookies,
//! error page), "POST this form to the token endpoint and call [`resume`] with the reply", or
//! "fetch the JWKS, then call [`retry`]" (a token names an unknown kid). The Node.js addon
//! (`edge/addon`) and `shop-local` both drive it; its tests are plain `cargo test`.
//!
//! ```no_run
//! let config = edge::Config::from_json(&std::fs::read_to_string("config.json").unwrap()).unwrap();
//! let keys = config.key_set().unwrap();
//! let request = edge::Request::new("GET", "/account/", "", "shop.example", "");
//! match edge::decide(&config, &keys, edge::unix_now(), &request) {
//!     edge::Decision::Forward(fwd) => { /* apply fwd.uri, fwd.set_headers, fwd.remove_headers */ }
//!     edge::Decision::Respond(resp) => { /* send resp */ }
//!     edge::Decision::TokenRequest(post) => { /* POST post.body to post.url, then edge::resume */ }
//!     edge::Decision::FetchKeys(fetch) => {
//!         /* GET fetch.url; on 200: keys.replace_from_jwks_json(&body) */
//!         let _next = edge::retry(&config, &keys, edge::unix_now(), fetch.retry);
//!     }
//! }
//! ```

mod config;
mod cookies;
mod decide;
mod form;
mod keys;
mod paths;
mod provider;
mod redirect;
mod responses;
pub mod routes;
mod state;
mod token;
mod viewer_function;

pub use config::{Access, Config, ConfigError, Rule};
pub use cookies::{AuthCookies, HINT_COOKIE, MAX_COOKIE, MAX_COOKIES};
pub use decide::{
    Continuation, Decision, FetchKeys, Forward, Request, Respond, Retry, TokenReply, TokenRequest,
    decide, resume, retry,
};
pub use form::has_control;
pub use keys::{JWKS_FETCH_INTERVAL, KeyError, KeySet};
pub use paths::{encode_path, normalize_path};
pub use redirect::safe_local_path;
pub use responses::security_headers;
pub use routes::{Route, RoutingTable, Viewer};
pub use token::{Refusal, TokenKind, User, verify as verify_token};
pub use viewer_function::{ViewerOutcome, viewer_function};

/// Seconds since the Unix epoch, for callers that run the core against the real clock.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
