//! `sam/template.yaml` against the one routing table, `edge/routes.json` (issue 15): the
//! distribution's behaviours, their function associations, cache and response-headers
//! policies, the API's `Authorizer: NONE` routes, the inlined CloudFront Function, and the
//! error responses. Public behaviours run no Lambda.

use std::collections::BTreeSet;

use sam_checks::load_template;
use serde_json::{Value, json};

fn template() -> Value {
    load_template().unwrap_or_else(|e| panic!("cannot read the template: {e:#}"))
}

fn repo_file(rel: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn table() -> Value {
    serde_json::from_str(&repo_file("edge/routes.json"))
        .unwrap_or_else(|e| panic!("edge/routes.json: {e}"))
}

fn routes(t: &Value) -> &Vec<Value> {
    t["routes"]
        .as_array()
        .unwrap_or_else(|| panic!("no routes"))
}

fn distribution(t: &Value) -> &Value {
    &t["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
}

/// The template's behaviours in CloudFront's order, as (path pattern, behaviour); the
/// default last as `*`.
fn behaviours(t: &Value) -> Vec<(String, Value)> {
    let d = distribution(t);
    let mut out: Vec<(String, Value)> = d["CacheBehaviors"]
        .as_array()
        .unwrap_or_else(|| panic!("no CacheBehaviors"))
        .iter()
        .map(|b| {
            (
                b["PathPattern"].as_str().unwrap_or("").to_owned(),
                b.clone(),
            )
        })
        .collect();
    out.push(("*".to_owned(), d["DefaultCacheBehavior"].clone()));
    out
}

/// CloudFront's path-pattern match (`*` any run, `?` one character).
fn glob(pattern: &str, path: &str) -> bool {
    match (pattern.chars().next(), path.chars().next()) {
        (None, None) => true,
        (Some('*'), _) => {
            glob(&pattern[1..], path)
                || path
                    .chars()
                    .next()
                    .is_some_and(|c| glob(pattern, &path[c.len_utf8()..]))
        }
        (Some('?'), Some(c)) => glob(&pattern[1..], &path[c.len_utf8()..]),
        (Some(p), Some(c)) if p == c => glob(&pattern[p.len_utf8()..], &path[c.len_utf8()..]),
        _ => false,
    }
}

fn lambdas(b: &Value) -> &[Value] {
    b["LambdaFunctionAssociations"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

fn functions(b: &Value) -> &[Value] {
    b["FunctionAssociations"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

#[test]
fn behaviours_follow_the_routing_table() {
    let t = template();
    let table = table();
    let rows = routes(&table);
    let got = behaviours(&t);
    let want: Vec<&str> = rows
        .iter()
        .map(|r| r["path"].as_str().unwrap_or(""))
        .collect();
    let have: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(have, want, "behaviours (order matters: first match wins)");
    for (row, (path, b)) in rows.iter().zip(&got) {
        assert_eq!(b["TargetOriginId"], row["origin"], "{path}: origin");
        let cache = &table["cache_policies"][row["cache"].as_str().unwrap_or("")];
        let want_cache = match cache["managed"].as_str() {
            Some(id) => json!(id),
            None => json!({ "Ref": cache["resource"] }),
        };
        assert_eq!(b["CachePolicyId"], want_cache, "{path}: cache policy");
        let headers = &table["header_policies"][row["headers"].as_str().unwrap_or("")];
        assert_eq!(
            b["ResponseHeadersPolicyId"],
            json!({ "Ref": headers["resource"] }),
            "{path}: response-headers policy"
        );
        let viewer = row["viewer"].as_str().unwrap_or("");
        let edge = json!([{ "EventType": "viewer-request", "LambdaFunctionARN": { "Fn::GetAtt": ["EdgeConfig", "VersionArn"] } }]);
        let lambda: Vec<Value> = lambdas(b)
            .iter()
            .map(|a| {
                json!({ "EventType": a["EventType"], "LambdaFunctionARN": a["LambdaFunctionARN"] })
            })
            .collect();
        let function = json!([{ "EventType": "viewer-request", "FunctionARN": { "Fn::GetAtt": ["ViewerFunction", "FunctionARN"] } }]);
        match viewer {
            "edge-auth" => {
                assert_eq!(json!(lambda), edge, "{path}: the edge function");
                assert!(functions(b).is_empty(), "{path}: no CloudFront Function");
            }
            "cloudfront-function" => {
                assert!(lambda.is_empty(), "{path}: no Lambda@Edge");
                assert_eq!(json!(functions(b)), function, "{path}: the viewer function");
            }
            "none" => {
                assert!(lambda.is_empty(), "{path}: no Lambda@Edge");
                assert!(functions(b).is_empty(), "{path}: no CloudFront Function");
            }
            other => panic!("{path}: unknown viewer {other}"),
        }
    }
}

#[test]
fn no_public_behaviour_runs_a_lambda() {
    let t = template();
    let table = table();
    // Public pages and API paths by the table: everything public but the edge's own /auth/*.
    let public: Vec<String> = routes(&table)
        .iter()
        .filter(|r| r["access"] == "public" && r["path"] != "/auth/*")
        .map(|r| r["path"].as_str().unwrap_or("").to_owned())
        .collect();
    for must in ["*", "/api/catalogue/*", "/api/stripe/webhook"] {
        assert!(public.iter().any(|p| p == must), "{must} must be public");
    }
    let got = behaviours(&t);
    for (path, b) in &got {
        if public.contains(path) {
            assert!(
                lambdas(b).is_empty(),
                "public behaviour {path} has a Lambda@Edge association"
            );
        }
        // Security headers come from ResponseHeadersPolicies, never an origin-response Lambda.
        for a in lambdas(b) {
            assert_eq!(a["EventType"], "viewer-request", "{path}: {a}");
        }
    }
    // Only the protected areas run the edge function.
    let protected: BTreeSet<&str> = got
        .iter()
        .filter(|(_, b)| !lambdas(b).is_empty())
        .map(|(p, _)| p.as_str())
        .collect();
    assert_eq!(
        protected,
        BTreeSet::from([
            "/account/*",
            "/admin/*",
            "/api/*",
            "/api/admin/*",
            "/auth/*",
            "/checkout/*"
        ])
    );
}

/// Every HttpApi event of every function: (method, path, authorizer NONE?).
fn api_routes(t: &Value) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for (_, r) in t["Resources"].as_object().into_iter().flatten() {
        for (_, e) in r["Properties"]["Events"].as_object().into_iter().flatten() {
            if e["Type"] != "HttpApi" {
                continue;
            }
            let p = &e["Properties"];
            out.push((
                p["Method"].as_str().unwrap_or("").to_owned(),
                p["Path"].as_str().unwrap_or("").to_owned(),
                p["Auth"]["Authorizer"] == "NONE",
            ));
        }
    }
    out
}

#[test]
fn authorizer_none_routes_are_the_tables_public_api_paths() {
    let t = template();
    let table = table();
    let rows = routes(&table);
    let routes = api_routes(&t);
    assert!(routes.len() >= 5, "too few API routes: {routes:?}");
    for (method, path, none) in &routes {
        let row = rows
            .iter()
            .find(|r| r["path"] == "*" || glob(r["path"].as_str().unwrap_or(""), path))
            .unwrap_or_else(|| panic!("{path}: no route"));
        assert_eq!(
            row["origin"], "api",
            "{method} {path} is not routed to the API"
        );
        let public = row["access"] == "public";
        assert_eq!(
            *none, public,
            "{method} {path}: Authorizer NONE must be exactly the routing table's public API paths ({})",
            row["path"]
        );
    }
    for row in rows
        .iter()
        .filter(|r| r["origin"] == "api" && r["access"] == "public")
    {
        let pattern = row["path"].as_str().unwrap_or("");
        assert!(
            routes.iter().any(|(_, p, none)| *none && glob(pattern, p)),
            "public API path {pattern} has no Authorizer NONE route"
        );
    }
}

/// A header policy's headers as the template sets them, security and custom headers (lower-case
/// name → value, with CloudFormation `${...}` left in place).
fn template_headers(policy: &Value) -> Vec<(String, String)> {
    let c = &policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    let mut out = Vec::new();
    let hsts = &c["StrictTransportSecurity"];
    if hsts.is_object() {
        let mut v = format!("max-age={}", hsts["AccessControlMaxAgeSec"]);
        if hsts["IncludeSubdomains"] == true {
            v.push_str("; includeSubDomains");
        }
        if hsts["Preload"] == true {
            v.push_str("; preload");
        }
        out.push(("strict-transport-security".to_owned(), v));
    }
    let csp = &c["ContentSecurityPolicy"]["ContentSecurityPolicy"];
    if let Some(s) = csp.as_str().or_else(|| csp["Fn::Sub"].as_str()) {
        out.push(("content-security-policy".to_owned(), s.to_owned()));
    }
    if c["ContentTypeOptions"].is_object() {
        out.push(("x-content-type-options".to_owned(), "nosniff".to_owned()));
    }
    if let Some(f) = c["FrameOptions"]["FrameOption"].as_str() {
        out.push(("x-frame-options".to_owned(), f.to_owned()));
    }
    if let Some(r) = c["ReferrerPolicy"]["ReferrerPolicy"].as_str() {
        out.push(("referrer-policy".to_owned(), r.to_owned()));
    }
    // Headers beyond the security ones (Cache-Control on the signed-in and admin pages).
    let custom = &policy["Properties"]["ResponseHeadersPolicyConfig"]["CustomHeadersConfig"];
    for item in custom["Items"].as_array().into_iter().flatten() {
        let header = item["Header"].as_str().unwrap_or("");
        assert_eq!(item["Override"], true, "{header} must override");
        let value = item["Value"].as_str().unwrap_or("").to_owned();
        out.push((header.to_ascii_lowercase(), value));
    }
    for (name, key) in [
        ("ContentSecurityPolicy", "csp"),
        ("ContentTypeOptions", "cto"),
        ("FrameOptions", "fo"),
        ("ReferrerPolicy", "rp"),
        ("StrictTransportSecurity", "hsts"),
    ] {
        assert_eq!(c[name]["Override"], true, "{name} ({key}) must override");
    }
    out.sort();
    out
}

#[test]
fn response_headers_policies_are_the_tables() {
    let t = template();
    let table = table();
    let aws = table["aws"]
        .as_object()
        .unwrap_or_else(|| panic!("no aws values"));
    for (name, policy) in table["header_policies"]
        .as_object()
        .unwrap_or_else(|| panic!("no header_policies"))
    {
        let id = policy["resource"].as_str().unwrap_or("");
        let resource = &t["Resources"][id];
        assert_eq!(
            resource["Type"], "AWS::CloudFront::ResponseHeadersPolicy",
            "{name}: {id}"
        );
        let mut want: Vec<(String, String)> = policy["headers"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                let mut v = v.as_str().unwrap_or("").to_owned();
                for (key, value) in aws {
                    v = v.replace(&format!("{{{key}}}"), value.as_str().unwrap_or(""));
                }
                (k.clone(), v)
            })
            .collect();
        want.sort();
        assert_eq!(template_headers(resource), want, "{name} ({id})");
    }
    // Stripe.js may load and talk on the shop's pages; the admin pages may upload photos to
    // the site bucket's regional endpoint.
    let csp = |n: &str| {
        table["header_policies"][n]["headers"]["content-security-policy"]
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert!(csp("site").contains("script-src 'self' {stripe_js}"));
    assert_eq!(csp("signed-in"), csp("site"));
    // Every page behind sign-in reaches the browser as `no-store`: nothing private is shown
    // again by the Back button after signing out.
    for row in table["routes"].as_array().into_iter().flatten() {
        let private = row["access"] != "public" && row["origin"] == "site";
        let policy = &table["header_policies"][row["headers"].as_str().unwrap_or("")];
        assert_eq!(
            private,
            policy["headers"]["cache-control"] == "no-store",
            "{}: Cache-Control no-store exactly on the signed-in pages",
            row["path"]
        );
    }
    assert!(csp("admin").contains("connect-src 'self' {upload_origin}"));
    assert_eq!(
        aws["upload_origin"],
        "https://${SiteBucket.RegionalDomainName}"
    );
}

#[test]
fn the_viewer_function_is_the_file_in_the_repository() {
    let t = template();
    let f = &t["Resources"]["ViewerFunction"];
    assert_eq!(f["Type"], "AWS::CloudFront::Function");
    let p = &f["Properties"];
    assert_eq!(p["FunctionConfig"]["Runtime"], "cloudfront-js-2.0");
    assert_eq!(p["AutoPublish"], true);
    assert_eq!(
        p["FunctionCode"].as_str().unwrap_or(""),
        repo_file("edge/viewer-function/index.js"),
        "the inlined FunctionCode differs from edge/viewer-function/index.js"
    );
}

#[test]
fn a_missing_page_is_the_shops_404_and_api_errors_stay_json() {
    let t = template();
    let errors = distribution(&t)["CustomErrorResponses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // S3 (no ListBucket for CloudFront) answers 403 for a missing key; that becomes the
    // rendered 404 page with status 404. 404 itself is never mapped: error responses apply
    // to every origin, and the API's JSON 404s must reach their clients.
    assert_eq!(
        errors,
        vec![json!({
            "ErrorCode": 403, "ResponseCode": 404, "ResponsePagePath": "/404.html",
            "ErrorCachingMinTTL": 10
        })]
    );
}
