//! CloudFront event types against AWS's documented example events.

mod common;

use common::cloudfront::{CfResponse, Event};
use common::*;
use edge::{decide, security_headers};

const VIEWER_REQUEST: &str = include_str!("fixtures/viewer-request.json");
const ORIGIN_RESPONSE: &[u8] = include_bytes!("fixtures/origin-response.json");

#[test]
fn viewer_request_example_parses_and_maps_to_the_core() {
    let event: Event = serde_json::from_str(VIEWER_REQUEST).unwrap();
    let cf = &event.records[0].cf;
    assert_eq!(cf.config.event_type, "viewer-request");
    assert_eq!(cf.config.distribution_id, "EDFDVBD6EXAMPLE");
    let req = cf.request.to_core();
    assert_eq!(req.method, "GET");
    assert_eq!(req.uri, "/");
    assert_eq!(req.host, "d111111abcdef8.cloudfront.net");
    assert_eq!(req.cookie, "");
    assert!(cf.response.is_none());
}

#[test]
fn cookie_headers_are_joined_and_forward_changes_applied() {
    let mut event: Event = serde_json::from_str(VIEWER_REQUEST).unwrap();
    let request = &mut event.records[0].cf.request;
    request.uri = "/api/orders".into();
    let session = session_cookie("alice", &[], NOW + 3600, None);
    let (a, b) = session.split_at(session.find("; Cognito").unwrap());
    request.headers.insert(
        "cookie".into(),
        vec![
            common::cloudfront::Header {
                key: Some("Cookie".into()),
                value: a.into(),
            },
            common::cloudfront::Header {
                key: Some("Cookie".into()),
                value: b.trim_start_matches("; ").into(),
            },
        ],
    );
    let core = request.to_core();
    let c = config();
    let k = c.key_set().unwrap();
    let f = forward(decide(&c, &k, NOW, &core));
    request.apply(&f);
    let out = serde_json::to_value(&*request).unwrap();
    assert_eq!(out["headers"]["cookie"][0]["value"], "theme=dark; cart=abc");
    assert_eq!(out["headers"]["cookie"][0]["key"], "Cookie");
    assert!(
        out["headers"]["authorization"][0]["value"]
            .as_str()
            .unwrap()
            .starts_with("Bearer ey")
    );
    assert_eq!(out["headers"]["authorization"][0]["key"], "Authorization");
    assert_eq!(out["headers"]["user-agent"][0]["value"], "curl/7.66.0");
}

#[test]
fn generated_responses_have_cloudfront_shape() {
    let c = config();
    let k = c.key_set().unwrap();
    let r = respond(decide(&c, &k, NOW, &get("/account/", "", "")));
    let cf = CfResponse::from_respond(&r);
    let v = serde_json::to_value(&cf).unwrap();
    assert_eq!(v["status"], "302");
    assert_eq!(v["headers"]["location"][0]["key"], "Location");
    assert_eq!(v["headers"]["set-cookie"][0]["key"], "Set-Cookie");
    assert_eq!(
        v["headers"]["content-security-policy"][0]["key"],
        "Content-Security-Policy"
    );
}

#[test]
fn origin_response_example_gets_security_headers() {
    let mut event: Event = serde_json::from_slice(ORIGIN_RESPONSE).unwrap();
    let cf = &mut event.records[0].cf;
    assert_eq!(cf.config.event_type, "origin-response");
    assert!(cf.request.origin.is_some());
    let response = cf.response.as_mut().unwrap();
    assert_eq!(response.status, "200");
    assert_eq!(response.status_description.as_deref(), Some("OK"));
    response.add_headers(&security_headers(&config()));
    let v = serde_json::to_value(&*response).unwrap();
    assert_eq!(
        v["headers"]["strict-transport-security"][0]["key"],
        "Strict-Transport-Security"
    );
    assert_eq!(
        v["headers"]["referrer-policy"][0]["value"],
        "strict-origin-when-cross-origin"
    );
    assert_eq!(
        v["headers"]["server"][0]["value"],
        "ExampleCustomOriginServer"
    );
    // Round trip keeps everything else.
    let again: Event = serde_json::from_value(serde_json::to_value(&event).unwrap()).unwrap();
    assert_eq!(again, event);
}
