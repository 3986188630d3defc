//! The S3 origin's directory index: page paths ending in `/` are forwarded as
//! `<path>index.html`, dotless page paths get a 301 to the path with a trailing slash; never
//! for the API or the edge's own paths.

mod common;

use common::*;
use edge::{Decision, decide};
use serde_json::json;

fn uri_of(c: &edge::Config, k: &edge::KeySet, req: &edge::Request) -> Option<String> {
    forward(decide(c, k, NOW, req)).uri
}

#[test]
fn paths_ending_in_a_slash_get_the_index_document() {
    let (c, k) = setup();
    for (raw, want) in [
        ("/", "/index.html"),
        ("", "/index.html"),
        ("/c/tea/", "/c/tea/index.html"),
        ("/p/SKU-1/", "/p/SKU-1/index.html"),
        ("/c/tea%20cake/", "/c/tea%20cake/index.html"),
        ("/c/caf%C3%A9/", "/c/caf%C3%A9/index.html"),
        ("/p/../c/x//", "/c/x/index.html"),
        ("/c/x/.", "/c/x/index.html"),
    ] {
        assert_eq!(
            uri_of(&c, &k, &get(raw, "q=1", "")).as_deref(),
            Some(want),
            "{raw}"
        );
    }
}

#[test]
fn protected_pages_get_the_index_document_and_keep_the_header_changes() {
    let (c, k) = setup();
    let cookie = session_cookie("alice", &["admin"], EXP, Some("r1"));
    let f = forward(decide(
        &c,
        &k,
        NOW,
        &get("/account/orders/", "page=2", &cookie),
    ));
    assert_eq!(f.uri.as_deref(), Some("/account/orders/index.html"));
    assert_eq!(
        f.set_headers,
        vec![("cookie".to_owned(), "theme=dark; cart=abc".to_owned())]
    );
    let f = forward(decide(&c, &k, NOW, &get("/admin/", "", &cookie)));
    assert_eq!(f.uri.as_deref(), Some("/admin/index.html"));
    // Without a session the login comes first; the index only matters once forwarded.
    let r = respond(decide(&c, &k, NOW, &get("/account/orders/", "", "")));
    assert_eq!(r.status, 302);
}

#[test]
fn dotless_page_paths_are_redirected_to_the_directory_with_the_query() {
    let (c, k) = setup();
    let cookie = session_cookie("alice", &[], EXP, None);
    for method in ["GET", "HEAD"] {
        let req = edge::Request::new(method, "/account/orders", "page=2&s=a%20b", HOST, &cookie);
        let r = respond(decide(&c, &k, NOW, &req));
        assert_eq!(r.status, 301, "{method}");
        assert_eq!(
            r.header("location"),
            Some("/account/orders/?page=2&s=a%20b")
        );
        assert!(r.header("content-security-policy").is_some());
        assert!(r.cookies.is_empty());
    }
    let r = respond(decide(&c, &k, NOW, &get("/c/tea", "", "")));
    assert_eq!(r.header("location"), Some("/c/tea/"));
    let r = respond(decide(&c, &k, NOW, &get("//c//tea%20cake", "", "")));
    assert_eq!(r.header("location"), Some("/c/tea%20cake/"));
    // Other methods pass untouched.
    let post = edge::Request::new("POST", "/account/orders", "", HOST, &cookie);
    assert_eq!(forward(decide(&c, &k, NOW, &post)).uri, None);
}

#[test]
fn files_the_api_and_the_edges_own_paths_are_left_alone() {
    let (c, k) = setup();
    let cookie = session_cookie("alice", &[], EXP, None);
    for uri in [
        "/favicon.ico",
        "/assets/app.3f2a9c.js",
        "/p/SKU-1/index.html",
        "/api/catalogue/stock",
        "/api/catalogue/",
        "/api/orders",
        "/api/orders/",
        "/auth/",
        "/auth",
        "/auth/other",
    ] {
        let f = forward(decide(&c, &k, NOW, &get(uri, "", &cookie)));
        assert_eq!(f.uri, None, "{uri}");
    }
}

#[test]
fn redirects_never_carry_control_characters_or_leave_the_host() {
    let (c, k) = setup();
    for uri in [
        "/x%0d%0aSet-Cookie:%20a=b",
        "/%2F%2Fevil",
        "/%252F%252Fevil",
        "/%5Cevil",
        "/\\\\evil",
    ] {
        match decide(&c, &k, NOW, &get(uri, "", "")) {
            // Control characters, even encoded, are refused outright.
            Decision::Respond(r) if r.status == 400 => assert!(uri.contains("%0d")),
            Decision::Respond(r) => {
                let loc = r.header("location").unwrap();
                assert!(
                    edge::safe_local_path(loc).as_deref() == Some(loc),
                    "{uri} -> {loc}"
                );
                assert!(!loc.contains(['\r', '\n']), "{uri} -> {loc}");
            }
            Decision::Forward(f) => assert_eq!(f.uri, None, "{uri}"),
            other => panic!("{uri}: {other:?}"),
        }
    }
}

#[test]
fn the_index_document_is_configurable_and_can_be_disabled() {
    let k = config().key_set().unwrap();
    let off = edge::Config::from_json(&config_json(json!({ "index_document": "" }))).unwrap();
    assert_eq!(uri_of(&off, &k, &get("/c/tea/", "", "")), None);
    assert_eq!(uri_of(&off, &k, &get("/c/tea", "", "")), None);
    let htm =
        edge::Config::from_json(&config_json(json!({ "index_document": "default.htm" }))).unwrap();
    assert_eq!(
        uri_of(&htm, &k, &get("/c/tea/", "", "")).as_deref(),
        Some("/c/tea/default.htm")
    );
    for bad in ["../x.html", "a/index.html", "index.html?x", "in dex.html"] {
        assert!(
            edge::Config::from_json(&config_json(json!({ "index_document": bad }))).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn cloudfront_requests_get_the_new_uri() {
    let (c, k) = setup();
    let mut request: common::cloudfront::CfRequest = serde_json::from_value(json!({
        "clientIp": "203.0.113.178", "method": "GET", "uri": "/p/SKU-1/", "querystring": "a=1",
        "headers": { "host": [{ "key": "Host", "value": HOST }] }
    }))
    .unwrap();
    let f = forward(decide(&c, &k, NOW, &request.to_core()));
    request.apply(&f);
    assert_eq!(request.uri, "/p/SKU-1/index.html");
    assert_eq!(request.querystring, "a=1");
}
