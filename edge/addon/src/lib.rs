//! The Node.js addon that runs the edge core inside Lambda@Edge.
//!
//! `index.mjs` calls [`init`] once at module scope with `config.json`, then [`viewer_request`]
//! per request with only the strings the core needs (passing the whole event as JSON costs
//! more than the decision itself). Decisions come back as small strings (see `to_json`);
//! [`resume`] follows a token-endpoint call, [`replace_keys`] and [`retry`] a JWKS fetch.
#![allow(unsafe_code)] // the napi-rs macros expand to FFI glue

use std::sync::RwLock;

use napi::{Error, Result};
use napi_derive::napi;

struct State {
    config: edge::Config,
    keys: edge::KeySet,
}

static STATE: RwLock<Option<State>> = RwLock::new(None);

fn with_state<T>(f: impl FnOnce(&State) -> T) -> Result<T> {
    let guard = STATE
        .read()
        .map_err(|_| Error::from_reason("edge state poisoned"))?;
    let state = guard
        .as_ref()
        .ok_or_else(|| Error::from_reason("edge addon: init(config) was not called"))?;
    Ok(f(state))
}

/// Encodes a decision for `index.mjs`. Forwarding, the hot path, skips JSON: `F`, then one
/// line per change, `\n`-separated: `/new/uri` for a new request path (it is percent-encoded
/// and starts with `/`, header names never do), `name\tvalue` to set a header, `-name` to
/// remove one. Every other decision is JSON (`{"kind":...}`), and so is a forward any of
/// whose strings holds a control character (the core refuses such requests, so this is
/// belt and braces): a CR, LF or tab can never change what the line encoding means.
fn to_json(decision: &edge::Decision) -> Result<String> {
    if let edge::Decision::Forward(f) = decision
        && line_safe(f)
    {
        let mut out = String::with_capacity(
            1 + f
                .set_headers
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>()
                + f.uri.as_ref().map_or(0, |u| u.len() + 1),
        );
        out.push('F');
        if let Some(uri) = &f.uri {
            out.push('\n');
            out.push_str(uri);
        }
        for name in &f.remove_headers {
            out.push('\n');
            out.push('-');
            out.push_str(name);
        }
        for (name, value) in &f.set_headers {
            out.push('\n');
            out.push_str(name);
            out.push('\t');
            out.push_str(value);
        }
        return Ok(out);
    }
    serde_json::to_string(decision).map_err(|e| Error::from_reason(e.to_string()))
}

/// Whether every string of a forward decision can go into the line encoding.
fn line_safe(f: &edge::Forward) -> bool {
    let clean = |s: &str| !edge::has_control(s);
    f.uri.as_deref().is_none_or(clean)
        && f.remove_headers.iter().all(|n| clean(n))
        && f.set_headers.iter().all(|(n, v)| clean(n) && clean(v))
}

/// Parses `config.json` (with its baked-in JWKS) once per container; throws on a bad config.
#[napi]
pub fn init(config_json: String) -> Result<()> {
    let config =
        edge::Config::from_json(&config_json).map_err(|e| Error::from_reason(e.to_string()))?;
    let keys = config
        .key_set()
        .map_err(|e| Error::from_reason(e.to_string()))?;
    let mut guard = STATE
        .write()
        .map_err(|_| Error::from_reason("edge state poisoned"))?;
    *guard = Some(State { config, keys });
    Ok(())
}

/// Decides a viewer request; answers the encoded decision (see `to_json`). `origin`,
/// `sec_fetch_site` and `authorization` are those headers' values, empty when absent.
#[napi]
#[allow(clippy::too_many_arguments)] // one string per header: cheaper than an object
pub fn viewer_request(
    method: String,
    uri: String,
    querystring: String,
    host: String,
    cookie: String,
    origin: String,
    sec_fetch_site: String,
    authorization: String,
) -> Result<String> {
    let req = edge::Request {
        method,
        uri,
        querystring,
        host,
        cookie,
        origin,
        sec_fetch_site,
        authorization,
    };
    with_state(|s| edge::decide(&s.config, &s.keys, edge::unix_now(), &req))
        .and_then(|d| to_json(&d))
}

/// Goes on after the token endpoint replied (`status` 0 when the call failed); answers the
/// encoded decision (see `to_json`).
#[napi]
pub fn resume(continuation_json: String, status: u32, body: String) -> Result<String> {
    let continuation: edge::Continuation = serde_json::from_str(&continuation_json)
        .map_err(|e| Error::from_reason(format!("bad continuation: {e}")))?;
    let reply = edge::TokenReply {
        status: u16::try_from(status).unwrap_or(0),
        body,
    };
    with_state(|s| edge::resume(&s.config, &s.keys, edge::unix_now(), continuation, &reply))
        .and_then(|d| to_json(&d))
}

/// The security headers for the origin-response handler, as JSON pairs.
#[napi]
pub fn security_headers() -> Result<String> {
    with_state(|s| edge::security_headers(&s.config))
        .and_then(|h| serde_json::to_string(&h).map_err(|e| Error::from_reason(e.to_string())))
}

/// Replaces the key set with a fetched JWKS document (after a `fetch_keys` decision); answers
/// the number of usable keys. Throws, keeping the current keys, on a document without any.
#[napi]
pub fn replace_keys(jwks_json: String) -> Result<u32> {
    with_state(|s| s.keys.replace_from_jwks_json(&jwks_json))?
        .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
        .map_err(|e| Error::from_reason(e.to_string()))
}

/// Goes on after a `fetch_keys` decision (the JWKS fetched and given to `replaceKeys`, or the
/// fetch failed) with its `retry` (JSON); answers the encoded decision (see `to_json`), never
/// another `fetch_keys`.
#[napi]
pub fn retry(retry_json: String) -> Result<String> {
    let retry: edge::Retry = serde_json::from_str(&retry_json)
        .map_err(|e| Error::from_reason(format!("bad retry: {e}")))?;
    with_state(|s| edge::retry(&s.config, &s.keys, edge::unix_now(), retry))
        .and_then(|d| to_json(&d))
}
