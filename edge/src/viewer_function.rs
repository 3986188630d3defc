//! The Rust twin of the public behaviours' CloudFront Function
//! (`edge/viewer-function/index.js`), for `shop-local`'s front door. Both pass the same table
//! of cases (`edge/viewer-function/cases.json`): the JS file in Node, this in `cargo test`.
//! CloudFront Functions run only JavaScript and shop-local runs no JS engine, so the shared
//! table is what keeps the two the same.

use crate::paths::encode_path;

/// What the viewer function does with a request on a public behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewerOutcome {
    /// Fetch this URI from the origin (the directory index appended, or unchanged).
    Forward(String),
    /// Answer 301 with this `Location` (canonical path, or the path with `/` added).
    Redirect(String),
    /// Answer 400: undecodable, or a control character or backslash once decoded.
    BadRequest,
}

/// Runs the viewer function on a request: `uri` as received, `querystring` without `?`.
pub fn viewer_function(method: &str, uri: &str, querystring: &str) -> ViewerOutcome {
    let Some(path) = canonical(uri) else {
        return ViewerOutcome::BadRequest;
    };
    let query = if querystring.is_empty() {
        String::new()
    } else {
        format!("?{querystring}")
    };
    if path != uri {
        return ViewerOutcome::Redirect(format!("{path}{query}"));
    }
    if path.ends_with('/') {
        return ViewerOutcome::Forward(format!("{path}index.html"));
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    if !last.contains('.') && matches!(method, "GET" | "HEAD") {
        return ViewerOutcome::Redirect(format!("{path}/{query}"));
    }
    ViewerOutcome::Forward(path)
}

/// The canonical form of a path (decoded strictly, dot segments resolved, empty segments
/// dropped, re-encoded), or `None` when it has none.
fn canonical(uri: &str) -> Option<String> {
    if !uri.starts_with('/') {
        return None;
    }
    let decoded = strict_decode(uri)?;
    if decoded.bytes().any(|b| b < 0x20 || b == 0x7f || b == b'\\') {
        return None;
    }
    let segments: Vec<&str> = decoded.split('/').collect();
    let mut out: Vec<String> = Vec::new();
    for s in &segments {
        match *s {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(encode_path(s)),
        }
    }
    let mut path = format!("/{}", out.join("/"));
    let last = segments.last().copied().unwrap_or_default();
    if !out.is_empty() && matches!(last, "" | "." | "..") {
        path.push('/');
    }
    Some(path)
}

/// Percent-decoding as JavaScript's `decodeURIComponent`: a malformed escape or invalid
/// UTF-8 is an error.
fn strict_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
