//! shop-local's front door on the routing table's public behaviour: the CloudFront Function's
//! shared cases (`edge/viewer-function/cases.json`, which also run in Node against the
//! function file) through the gateway, with a site folder holding a file at every forwarded
//! path; and the route's security headers on every answer. No stand-in is needed: these
//! requests never reach the edge core or the API.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use shop_local::gateway::{EDGE_RUNS_PATH, Gateway};
use tower::ServiceExt;

fn repo(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(rel)
}

fn gateway(site: &std::path::Path) -> Gateway {
    let config = std::fs::read_to_string(repo("edge/config.example.json")).unwrap();
    let config = edge::Config::from_json(&config).unwrap();
    let values: BTreeMap<String, String> = [
        ("stripe_js", "http://127.0.0.1:9001"),
        ("stripe_frames", "http://127.0.0.1:9001"),
        ("stripe_api", "http://127.0.0.1:9001"),
        ("upload_origin", "http://127.0.0.1:9002"),
        ("auth_origin", "http://127.0.0.1:9003"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Gateway::new(config, Vec::new(), values, site.to_path_buf(), true).unwrap()
}

#[tokio::test]
async fn the_viewer_function_cases_hold_at_the_front_door() {
    let table: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo("edge/viewer-function/cases.json")).unwrap(),
    )
    .unwrap();
    let cases = table["cases"].as_array().unwrap();
    let site = tempfile::tempdir().unwrap();
    // A file at every path a case forwards to, holding that path.
    for c in cases {
        if let Some(uri) = c["expect"]["uri"].as_str() {
            let file = resolve_target(site.path(), uri);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, uri).unwrap();
        }
    }
    std::fs::write(site.path().join("404.html"), "the shop's 404 page").unwrap();
    let gw = gateway(site.path());
    let app = gw.clone().router();
    let routes = edge::RoutingTable::builtin();
    let mut checked = 0;
    for c in cases {
        let uri = c["uri"].as_str().unwrap();
        // Only cases CloudFront would hand to the function (a raw /api/catalogue/… path goes
        // to its own behaviour, as in AWS).
        if routes.route_for(uri).viewer != edge::Viewer::CloudfrontFunction {
            continue;
        }
        let method = c["method"].as_str().unwrap_or("GET");
        let query = c["querystring"].as_str().unwrap_or("");
        let target = if query.is_empty() {
            uri.to_owned()
        } else {
            format!("{uri}?{query}")
        };
        // http's URI parser refuses some raw bytes a viewer may send (a backslash): such a
        // request never reaches any router, as CloudFront refuses it too.
        let Ok(req) = Request::builder()
            .method(method)
            .uri(&target)
            .body(Body::empty())
        else {
            continue;
        };
        let resp = app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        assert!(
            resp.headers().contains_key("content-security-policy"),
            "{target}: the site's headers"
        );
        let location = resp
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let body = String::from_utf8_lossy(&body).into_owned();
        let want = &c["expect"];
        if let Some(uri) = want["uri"].as_str() {
            assert_eq!(status, StatusCode::OK, "{method} {target}");
            assert_eq!(body, uri, "{method} {target}: forwarded as");
        } else if let Some(to) = want["redirect"].as_str() {
            assert_eq!(status, StatusCode::MOVED_PERMANENTLY, "{method} {target}");
            assert_eq!(location.as_deref(), Some(to), "{method} {target}");
        } else {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{method} {target}");
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} cases reached the gateway");
    // None of them ran the edge core.
    assert_eq!(gw.edge_runs(), 0);
    let runs = app
        .oneshot(Request::get(EDGE_RUNS_PATH).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(runs.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_missing_page_is_the_404_page_and_protected_paths_run_the_edge() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(site.path().join("404.html"), "the shop's 404 page").unwrap();
    let gw = gateway(site.path());
    let app = gw.clone().router();
    let resp = app
        .clone()
        .oneshot(Request::get("/p/NOPE/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    assert_eq!(&body[..], b"the shop's 404 page");
    assert_eq!(gw.edge_runs(), 0);
    // The account area runs the edge core: no session, so the login redirect.
    let resp = app
        .oneshot(Request::get("/account/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FOUND);
    assert_eq!(gw.edge_runs(), 1);
}

/// The file the site folder must hold for a forwarded URI.
fn resolve_target(root: &std::path::Path, uri: &str) -> std::path::PathBuf {
    let decoded = percent_decode(uri);
    root.join(decoded.trim_start_matches('/'))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
