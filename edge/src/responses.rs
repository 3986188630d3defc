//! Responses the edge generates itself: pages, JSON errors, redirects, and the security
//! headers they (and, through the origin-response handler, every origin response) carry.

use crate::config::Config;
use crate::decide::Respond;

const DEFAULT_SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    (
        "content-security-policy",
        "default-src 'self'; script-src 'self' https://js.stripe.com; \
         frame-src https://js.stripe.com https://hooks.stripe.com; \
         connect-src 'self' https://api.stripe.com; img-src 'self' data: https:; \
         style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; \
         frame-ancestors 'none'",
    ),
];

/// The security headers (lower-case names) for generated and origin responses: the config's
/// `security_headers` when given, the built-in set otherwise.
pub fn security_headers(config: &Config) -> Vec<(String, String)> {
    match &config.security_headers {
        Some(map) => map
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
            .collect(),
        None => DEFAULT_SECURITY_HEADERS
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn base(config: &Config, status: u16, content_type: Option<&str>) -> Respond {
    let mut headers = security_headers(config);
    headers.push(("cache-control".into(), "no-store".into()));
    if let Some(ct) = content_type {
        headers.push(("content-type".into(), ct.into()));
    }
    Respond {
        status,
        headers,
        cookies: Vec::new(),
        body: String::new(),
    }
}

/// A redirect (302 for login and after callback, 307 to replay the request after a refresh).
pub(crate) fn redirect(config: &Config, status: u16, location: &str) -> Respond {
    let mut r = base(config, status, None);
    r.headers.push(("location".into(), location.into()));
    r
}

/// What a page the edge writes offers besides "Back to the shop".
pub(crate) enum Way<'a> {
    /// A link (`href`, a local path, and its text).
    Link(&'a str, &'a str),
    /// The sign-out button: a same-origin POST to `action` (sign-out is never a GET).
    SignOut(&'a str),
}

/// The look of the edge's pages: the site's colours and type, inline (the edge does not know
/// the site's hashed style sheet; every policy's CSP allows inline styles).
const PAGE_STYLE: &str = "body{margin:0 auto;max-width:40rem;padding:2rem 1rem;\
font:16px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:#1d1d1b;\
background:#fffdf9}a{color:#8a3b12}button{font:inherit;padding:.5rem 1rem;\
border:1px solid #8a3b12;border-radius:8px;background:#8a3b12;color:#fff;cursor:pointer}";

/// A small HTML page (errors the browser should show).
pub(crate) fn page(config: &Config, status: u16, title: &str, message: &str) -> Respond {
    page_with(config, status, title, message, &[])
}

/// [`page`] with ways forward, before "Back to the shop".
pub(crate) fn page_with(
    config: &Config,
    status: u16,
    title: &str,
    message: &str,
    ways: &[Way<'_>],
) -> Respond {
    let mut r = base(config, status, Some("text/html; charset=utf-8"));
    let ways: String = ways
        .iter()
        .chain(&[Way::Link("/", "Back to the shop")])
        .map(|way| match way {
            Way::Link(href, text) => {
                format!("<p><a href=\"{}\">{}</a></p>", escape(href), escape(text))
            }
            Way::SignOut(action) => format!(
                "<form method=\"post\" action=\"{}\"><button type=\"submit\">Sign out</button></form>",
                escape(action)
            ),
        })
        .collect();
    r.body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{PAGE_STYLE}</style>\
         <body><h1>{t}</h1><p>{m}</p>{ways}</body></html>",
        t = escape(title),
        m = escape(message)
    );
    r
}

/// The API's error shape: `{"error":{"code":..,"message":..}}`.
pub(crate) fn json_error(config: &Config, status: u16, code: &str, message: &str) -> Respond {
    let mut r = base(config, status, Some("application/json"));
    r.body = serde_json::json!({ "error": { "code": code, "message": message } }).to_string();
    r
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
