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

/// A small HTML page (errors the browser should show).
pub(crate) fn page(config: &Config, status: u16, title: &str, message: &str) -> Respond {
    page_with_links(config, status, title, message, &[])
}

/// [`page`] with a way forward (`(href, text)`, a local path) before "Back to the shop".
pub(crate) fn page_with_link(
    config: &Config,
    status: u16,
    title: &str,
    message: &str,
    link: (&str, &str),
) -> Respond {
    page_with_links(config, status, title, message, &[link])
}

fn page_with_links(
    config: &Config,
    status: u16,
    title: &str,
    message: &str,
    links: &[(&str, &str)],
) -> Respond {
    let mut r = base(config, status, Some("text/html; charset=utf-8"));
    let links: String = links
        .iter()
        .chain(&[("/", "Back to the shop")])
        .map(|(href, text)| format!("<p><a href=\"{}\">{}</a></p>", escape(href), escape(text)))
        .collect();
    r.body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{t}</title>\
         <body><h1>{t}</h1><p>{m}</p>{links}</body></html>",
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
