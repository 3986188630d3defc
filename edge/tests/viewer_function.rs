//! The public behaviours' viewer function: the shared case table against the Rust twin
//! (the same table runs against `edge/viewer-function/index.js` in Node).

use edge::{ViewerOutcome, viewer_function};
use serde_json::Value;

#[test]
fn the_shared_cases_hold_for_the_rust_twin() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("viewer-function/cases.json"),
    )
    .unwrap();
    let table: Value = serde_json::from_str(&text).unwrap();
    let cases = table["cases"].as_array().unwrap();
    assert!(cases.len() >= 30);
    for c in cases {
        let uri = c["uri"].as_str().unwrap();
        let method = c["method"].as_str().unwrap_or("GET");
        let query = c["querystring"].as_str().unwrap_or("");
        let got = viewer_function(method, uri, query);
        let want = &c["expect"];
        let expected = if let Some(u) = want["uri"].as_str() {
            ViewerOutcome::Forward(u.to_owned())
        } else if let Some(l) = want["redirect"].as_str() {
            ViewerOutcome::Redirect(l.to_owned())
        } else {
            assert_eq!(want["status"], 400);
            ViewerOutcome::BadRequest
        };
        assert_eq!(got, expected, "{method} {uri}?{query}");
    }
}
