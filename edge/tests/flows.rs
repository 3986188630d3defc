//! The decisions: public and protected paths, groups, the API, login, callback, refresh,
//! sign-out, and redirects that never leave the host.

mod common;

use common::*;
use edge::{Continuation, Decision, TokenReply, decide, resume};
use serde_json::json;

#[test]
fn public_paths_forward_without_auth_cookies() {
    let (c, k) = setup();
    let cookie = session_cookie("alice", &[], EXP, Some("r1"));
    let f = forward(decide(&c, &k, NOW, &get("/p/sku-1/", "", &cookie)));
    assert_eq!(set_header(&f, "cookie"), Some("theme=dark; cart=abc"));
    assert_eq!(set_header(&f, "authorization"), None);
    let p = format!("CognitoIdentityServiceProvider.{CLIENT}.LastAuthUser=alice");
    let f = forward(decide(
        &c,
        &k,
        NOW,
        &get("/api/catalogue/stock", "sku=1", &p),
    ));
    assert_eq!(f.remove_headers, vec!["cookie".to_owned()]);
    let f = forward(decide(&c, &k, NOW, &get("/", "", "")));
    assert!(f.set_headers.is_empty() && f.remove_headers.is_empty());
}

#[test]
fn signed_in_pages_forward_with_cookies_stripped() {
    let (c, k) = setup();
    let cookie = session_cookie("alice", &[], EXP, Some("r1"));
    let f = forward(decide(&c, &k, NOW, &get("/account/orders/", "", &cookie)));
    assert_eq!(set_header(&f, "cookie"), Some("theme=dark; cart=abc"));
    assert_eq!(set_header(&f, "authorization"), None);
}

#[test]
fn api_requests_get_the_access_token_as_bearer() {
    let (c, k) = setup();
    let cookie = session_cookie("alice", &[], EXP, None);
    let f = forward(decide(&c, &k, NOW, &get("/api/checkout", "", &cookie)));
    let bearer = set_header(&f, "authorization").unwrap();
    assert_eq!(
        bearer,
        format!("Bearer {}", access_token("alice", &[], EXP))
    );
}

#[test]
fn api_without_session_gets_json_401() {
    let (c, k) = setup();
    let r = respond(decide(&c, &k, NOW, &get("/api/checkout", "", "")));
    assert_eq!(r.status, 401);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
    assert!(body["error"]["message"].is_string());
    assert!(r.header("location").is_none());
}

#[test]
fn admin_paths_need_the_admin_group() {
    let (c, k) = setup();
    let shopper = session_cookie("bob", &[], EXP, None);
    let admin = session_cookie("ann", &["admin"], EXP, None);
    for uri in [
        "/admin/",
        "/admin",
        "/%61dmin/orders",
        "//admin//x",
        "/p/../admin/x",
    ] {
        let r = respond(decide(&c, &k, NOW, &get(uri, "", &shopper)));
        assert_eq!(r.status, 403, "{uri}");
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        // The way to another account: the sign-out button (a POST, as sign-out must be).
        assert!(
            r.body.contains(
                r#"<form method="post" action="/auth/signout"><button type="submit">Sign out</button></form>"#
            ),
            "{}",
            r.body
        );
        // Let through: forwarded, or (dotless paths) redirected to the directory.
        match decide(&c, &k, NOW, &get(uri, "", &admin)) {
            Decision::Forward(_) => {}
            Decision::Respond(r) => assert_eq!(r.status, 301, "{uri}"),
            other => panic!("{uri}: {other:?}"),
        }
    }
    let r = respond(decide(&c, &k, NOW, &get("/api/admin/orders", "", &shopper)));
    assert_eq!(r.status, 403);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = respond(decide(
        &c,
        &k,
        NOW,
        &get("/api/catalogue/../admin/orders", "", &shopper),
    ));
    assert_eq!(r.status, 403);
    let f = forward(decide(&c, &k, NOW, &get("/api/admin/orders", "", &admin)));
    assert!(
        set_header(&f, "authorization")
            .unwrap()
            .starts_with("Bearer ")
    );
}

/// Starts a login for `uri?query` and returns (state, flow cookie name=value, authorize URL).
fn start_login(
    c: &edge::Config,
    k: &edge::KeySet,
    uri: &str,
    query: &str,
) -> (String, String, String) {
    let r = respond(decide(c, k, NOW, &get(uri, query, "")));
    assert_eq!(r.status, 302);
    let location = r.header("location").unwrap().to_owned();
    let state = param(&location, "state").unwrap();
    let flow = r
        .cookies
        .iter()
        .find(|c| c.starts_with("EdgeAuthFlow."))
        .unwrap();
    assert!(flow.contains("HttpOnly") && flow.contains("Secure") && flow.contains("SameSite=Lax"));
    assert!(flow.contains("Path=/auth/callback") && flow.contains("Max-Age=600"));
    let pair = flow.split(';').next().unwrap().to_owned();
    (state, pair, location)
}

#[test]
fn login_redirect_has_pkce_and_a_signed_state_with_path_and_query() {
    let (c, k) = setup();
    let (state, flow, location) = start_login(&c, &k, "/checkout/", "step=2&x=%20y");
    assert!(location.starts_with("http://127.0.0.1:9229/oauth2/authorize?"));
    assert_eq!(param(&location, "response_type").as_deref(), Some("code"));
    assert_eq!(param(&location, "client_id").as_deref(), Some(CLIENT));
    assert_eq!(
        param(&location, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        param(&location, "redirect_uri").as_deref(),
        Some("https://shop.example/auth/callback")
    );
    assert_eq!(
        param(&location, "scope").as_deref(),
        Some("openid email profile")
    );
    let payload = state_payload(&state);
    assert_eq!(payload["p"], "/checkout/?step=2&x=%20y");
    let nonce = payload["n"].as_str().unwrap();
    assert!(flow.starts_with(&format!("EdgeAuthFlow.{nonce}=")));
    // The challenge is the S256 of the verifier kept in the flow cookie.
    let verifier = flow.split_once('=').unwrap().1;
    use base64::Engine as _;
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
    assert_eq!(param(&location, "code_challenge").unwrap(), challenge);
}

#[test]
fn callback_exchanges_the_code_and_sets_amplify_cookies() {
    let (c, k) = setup();
    let (state, flow, _) = start_login(&c, &k, "/account/orders", "page=2");
    let q = format!("code=abc123&state={}", edge_encode(&state));
    let t = token_request(decide(
        &c,
        &k,
        NOW,
        &get("/auth/callback", &q, &format!("a=b; {flow}")),
    ));
    assert_eq!(t.url, "http://127.0.0.1:9229/oauth2/token");
    let verifier = flow.split_once('=').unwrap().1;
    assert!(t.body.contains("grant_type=authorization_code"));
    assert!(t.body.contains(&format!("client_id={CLIENT}")));
    assert!(t.body.contains("code=abc123"));
    assert!(t.body.contains(&format!("code_verifier={verifier}")));
    assert!(
        t.headers.iter().all(|(k, _)| k != "authorization"),
        "no client secret configured"
    );
    let r = respond(resume(
        &c,
        &k,
        NOW,
        t.continuation,
        &token_reply("alice", &[], EXP, Some("r1")),
    ));
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/account/orders?page=2"));
    let pairs = cookie_pairs(&r);
    let p = format!("CognitoIdentityServiceProvider.{CLIENT}");
    let get_c = |n: &str| pairs.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    assert_eq!(
        get_c(&format!("{p}.LastAuthUser")).as_deref(),
        Some("alice")
    );
    assert_eq!(
        get_c(&format!("{p}.alice.idToken")),
        Some(id_token("alice", &[], EXP))
    );
    assert_eq!(
        get_c(&format!("{p}.alice.accessToken")),
        Some(access_token("alice", &[], EXP))
    );
    assert_eq!(
        get_c(&format!("{p}.alice.refreshToken")).as_deref(),
        Some("r1")
    );
    for cookie in r.cookies.iter().filter(|c| c.starts_with(&p)) {
        let attrs: Vec<&str> = cookie.split("; ").skip(1).collect();
        for attr in ["HttpOnly", "Secure", "SameSite=Lax"] {
            assert!(attrs.contains(&attr), "{attr}: {cookie}");
        }
        assert!(
            cookie.contains("Max-Age=2592000") && cookie.contains("Path=/"),
            "{cookie}"
        );
    }
    let flow_name = flow.split('=').next().unwrap();
    assert!(
        r.cookies
            .iter()
            .any(|c| c.starts_with(&format!("{flow_name}=;")) && c.contains("Max-Age=0"))
    );
}

fn edge_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The login page came back after its sign-in ended (Back from the page it led to, then signing
/// in again): the flow cookie is gone. Signed in, the visitor goes on to where that sign-in was
/// going, and the code is not redeemed.
#[test]
fn a_used_sign_in_goes_on_to_its_page_when_signed_in() {
    let (c, k) = setup();
    let (state, _flow, _) = start_login(&c, &k, "/checkout/", "");
    let q = format!("code=again&state={}", edge_encode(&state));
    let cookie = session_cookie("alice", &[], EXP, Some("r1"));
    let r = respond(decide(&c, &k, NOW, &get("/auth/callback", &q, &cookie)));
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/checkout/"));
    assert!(r.cookies.is_empty(), "the session is left as it is");
    // A session that has expired is not one: a fresh sign-in is offered instead.
    let stale = session_cookie("alice", &[], NOW - 3600, Some("r1"));
    let r = respond(decide(&c, &k, NOW, &get("/auth/callback", &q, &stale)));
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("/auth/signin?next=%2Fcheckout%2F"),
        "{}",
        r.body
    );
}

#[test]
fn parallel_logins_keep_their_own_flow() {
    let (c, k) = setup();
    let (s1, f1, _) = start_login(&c, &k, "/account/", "");
    let (s2, f2, _) = start_login(&c, &k, "/checkout/", "");
    assert_ne!(f1, f2);
    let both = format!("{f1}; {f2}");
    for (state, flow) in [(&s2, &f2), (&s1, &f1)] {
        let q = format!("code=c&state={}", edge_encode(state));
        let t = token_request(decide(&c, &k, NOW, &get("/auth/callback", &q, &both)));
        let verifier = flow.split_once('=').unwrap().1;
        assert!(t.body.contains(&format!("code_verifier={verifier}")));
    }
}

#[test]
fn tampered_expired_or_foreign_state_is_refused() {
    let (c, k) = setup();
    let (state, flow, _) = start_login(&c, &k, "/account/", "");
    // Tampered: a different path under the same signature.
    let (payload, sig) = state.split_once('.').unwrap();
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut p = state_payload(&state);
    p["p"] = json!("//evil.example");
    let forged = format!("{}.{sig}", b64.encode(p.to_string()));
    let truncated = format!("{payload}.{}", &sig[..sig.len() - 2]);
    for bad in [forged.as_str(), truncated.as_str(), "garbage", "a.b"] {
        let q = format!("code=c&state={}", edge_encode(bad));
        let r = respond(decide(&c, &k, NOW, &get("/auth/callback", &q, &flow)));
        assert_eq!(r.status, 400, "{bad}");
    }
    // Expired: past state_max_age (600 s) + leeway.
    let q = format!("code=c&state={}", edge_encode(&state));
    let later = NOW + 700;
    let r = respond(decide(&c, &k, later, &get("/auth/callback", &q, &flow)));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("expired"));
    // Started in another browser, or already used here: no flow cookie. A fresh sign-in to
    // the same place is offered.
    let r = respond(decide(&c, &k, NOW, &get("/auth/callback", &q, "")));
    assert_eq!(r.status, 400);
    assert!(
        r.body
            .contains(r#"<a href="/auth/signin?next=%2Faccount%2F">Sign in again</a>"#),
        "{}",
        r.body
    );
    // The sign-in service reported an error.
    let r = respond(decide(
        &c,
        &k,
        NOW,
        &get("/auth/callback", "error=access_denied", ""),
    ));
    assert_eq!(r.status, 401);
}

#[test]
fn next_and_saved_paths_never_leave_the_host() {
    let (c, k) = setup();
    for next in [
        "//evil.example",
        "https://evil.example",
        "/\\evil",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "%2F%5Cevil",
        "/%5Cevil",
        "https:%2F%2Fevil.example",
        "%252F%252Fevil.example",
        "/%09/evil.example",
        "\\/evil.example",
    ] {
        let q = format!("next={}", edge_encode(next));
        let r = respond(decide(&c, &k, NOW, &get("/auth/signin", &q, "")));
        let state = param(r.header("location").unwrap(), "state").unwrap();
        assert_eq!(state_payload(&state)["p"], "/", "next={next:?}");
        // Also encoded only once (raw in the query).
        let q = format!("next={next}");
        let r = respond(decide(&c, &k, NOW, &get("/auth/signin", &q, "")));
        let state = param(r.header("location").unwrap(), "state").unwrap();
        assert_eq!(state_payload(&state)["p"], "/", "raw next={next:?}");
        // And a continuation holding such a target (belt and braces) lands on "/".
        let cont = Continuation::Callback {
            target: next.into(),
            flow_cookie: "EdgeAuthFlow.x".into(),
        };
        let r = respond(resume(
            &c,
            &k,
            NOW,
            cont,
            &token_reply("alice", &[], EXP, None),
        ));
        assert_eq!(r.header("location"), Some("/"), "{next:?}");
    }
    let r = respond(decide(
        &c,
        &k,
        NOW,
        &get("/auth/signin", "next=%2Faccount%2F%3Fa%3D1", ""),
    ));
    let state = param(r.header("location").unwrap(), "state").unwrap();
    assert_eq!(state_payload(&state)["p"], "/account/?a=1");
}

#[test]
fn expired_tokens_are_refreshed_and_the_request_replayed() {
    let (c, k) = setup();
    let old = session_cookie("alice", &[], NOW - 100, Some("r1"));
    let t = token_request(decide(
        &c,
        &k,
        NOW,
        &get("/account/orders/", "page=2", &old),
    ));
    assert!(t.body.contains("grant_type=refresh_token") && t.body.contains("refresh_token=r1"));
    // Cognito (and cognito-local) answer a refresh without a new refresh token.
    let r = respond(resume(
        &c,
        &k,
        NOW,
        t.continuation,
        &token_reply("alice", &[], EXP, None),
    ));
    assert_eq!(r.status, 307);
    assert_eq!(r.header("location"), Some("/account/orders/?page=2"));
    let pairs = cookie_pairs(&r);
    let p = format!("CognitoIdentityServiceProvider.{CLIENT}.alice");
    assert!(pairs.contains(&(format!("{p}.refreshToken"), "r1".into())));
    assert!(pairs.contains(&(format!("{p}.idToken"), id_token("alice", &[], EXP))));
    // The replayed request, with the new cookies, passes.
    let new = session_cookie("alice", &[], EXP, Some("r1"));
    forward(decide(
        &c,
        &k,
        NOW,
        &get("/account/orders/", "page=2", &new),
    ));
}

#[test]
fn invalid_grant_clears_cookies_and_logs_in_without_looping() {
    let (c, k) = setup();
    let old = session_cookie("alice", &[], NOW - 100, Some("r1"));
    let invalid = TokenReply {
        status: 400,
        body: r#"{"error":"invalid_grant"}"#.into(),
    };
    let t = token_request(decide(&c, &k, NOW, &get("/account/", "x=1", &old)));
    let r = respond(resume(&c, &k, NOW, t.continuation, &invalid));
    assert_eq!(r.status, 302);
    let location = r.header("location").unwrap();
    assert!(location.starts_with("http://127.0.0.1:9229/oauth2/authorize?"));
    assert_eq!(
        state_payload(&param(location, "state").unwrap())["p"],
        "/account/?x=1"
    );
    // Four auth cookies and the signed-in hint.
    let cleared = r.cookies.iter().filter(|c| c.contains("Max-Age=0")).count();
    assert_eq!(cleared, 5, "{:?}", r.cookies);
    // API: JSON 401 and cleared cookies.
    let t = token_request(decide(&c, &k, NOW, &get("/api/checkout", "", &old)));
    let r = respond(resume(&c, &k, NOW, t.continuation, &invalid));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.cookies.iter().filter(|c| c.contains("Max-Age=0")).count(),
        5
    );
    // A refresh answering with tokens the edge refuses is not replayed (that would loop).
    let t = token_request(decide(&c, &k, NOW, &get("/account/", "", &old)));
    let r = respond(resume(
        &c,
        &k,
        NOW,
        t.continuation,
        &token_reply("alice", &[], NOW - 100, None),
    ));
    assert_ne!(r.status, 307);
    // The token endpoint being down keeps the cookies.
    let t = token_request(decide(&c, &k, NOW, &get("/account/", "", &old)));
    let r = respond(resume(
        &c,
        &k,
        NOW,
        t.continuation,
        &TokenReply {
            status: 0,
            body: String::new(),
        },
    ));
    assert_eq!(r.status, 502);
    assert!(r.cookies.is_empty());
}

#[test]
fn expired_without_refresh_token_logs_in_and_clears() {
    let (c, k) = setup();
    let old = session_cookie("alice", &[], NOW - 100, None);
    let r = respond(decide(&c, &k, NOW, &get("/account/", "", &old)));
    assert_eq!(r.status, 302);
    assert_eq!(
        r.cookies.iter().filter(|c| c.contains("Max-Age=0")).count(),
        4
    );
}

#[test]
fn bad_cookies_mean_signed_out_not_a_crash() {
    let (c, k) = setup();
    let p = format!("CognitoIdentityServiceProvider.{CLIENT}");
    let dup = format!(
        "{}; {p}.LastAuthUser=bob",
        session_cookie("alice", &[], EXP, None)
    );
    let big = format!("{p}.LastAuthUser=a; {p}.a.idToken={}", "x".repeat(9000));
    for cookie in [
        dup.as_str(),
        big.as_str(),
        "=;;;=",
        "CognitoIdentityServiceProvider.",
    ] {
        let r = respond(decide(&c, &k, NOW, &get("/api/orders", "", cookie)));
        assert_eq!(r.status, 401);
    }
    // Control characters are refused before the cookies are read.
    let r = respond(decide(&c, &k, NOW, &get("/api/orders", "", "\u{0}")));
    assert_eq!(r.status, 400);
}

fn signout_post(cookie: &str) -> edge::Request {
    edge::Request::new("POST", "/auth/signout", "", HOST, cookie).with_headers(
        "",
        "same-origin",
        "",
    )
}

#[test]
fn signout_revokes_clears_and_redirects() {
    let (c, k) = setup();
    let cookie = session_cookie("alice", &[], EXP, Some("r1"));
    let t = token_request(decide(&c, &k, NOW, &signout_post(&cookie)));
    assert_eq!(t.url, "http://127.0.0.1:9229/oauth2/revoke");
    assert!(t.body.contains("token=r1") && t.body.contains(&format!("client_id={CLIENT}")));
    // cognito-local has no /oauth2/revoke: a 404 still signs out.
    let r = respond(resume(
        &c,
        &k,
        NOW,
        t.continuation,
        &TokenReply {
            status: 404,
            body: String::new(),
        },
    ));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/"));
    assert_eq!(
        r.cookies.iter().filter(|c| c.contains("Max-Age=0")).count(),
        5
    );
    // With a hosted-UI logout URL and no revoke endpoint.
    let c2 = edge::Config::from_json(&config_json(json!({
        "revoke_url": null, "logout_url": "https://auth.example/logout?client_id=x"
    })))
    .unwrap();
    let r = respond(decide(&c2, &k, NOW, &signout_post(&cookie)));
    assert_eq!(
        r.header("location"),
        Some("https://auth.example/logout?client_id=x")
    );
}

#[test]
fn generated_responses_carry_security_headers_and_cookie_flags_follow_config() {
    let (c, k) = setup();
    let r = respond(decide(&c, &k, NOW, &get("/account/", "", "")));
    for h in [
        "strict-transport-security",
        "x-content-type-options",
        "x-frame-options",
        "referrer-policy",
        "content-security-policy",
    ] {
        assert!(r.header(h).is_some(), "{h}");
    }
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let local = edge::Config::from_json(&config_json(json!({
        "cookie_secure": false, "base_url": "http://127.0.0.1:3000"
    })))
    .unwrap();
    let r = respond(decide(&local, &k, NOW, &get("/account/", "", "")));
    assert!(r.cookies.iter().all(|c| !c.contains("Secure")));
    let loc = r.header("location").unwrap();
    assert_eq!(
        param(loc, "redirect_uri").as_deref(),
        Some("http://127.0.0.1:3000/auth/callback")
    );
}

#[test]
fn client_secret_goes_in_basic_auth() {
    let c = edge::Config::from_json(&config_json(json!({ "client_secret": "s3cret" }))).unwrap();
    let k = c.key_set().unwrap();
    let old = session_cookie("alice", &[], NOW - 100, Some("r1"));
    let t = token_request(decide(&c, &k, NOW, &get("/account/", "", &old)));
    let auth = t
        .headers
        .iter()
        .find(|(k, _)| k == "authorization")
        .unwrap();
    assert_eq!(auth.1, "Basic Y2xpZW50MTIzOnMzY3JldA==");
    assert!(t.body.contains(&format!("client_id={CLIENT}")));
}

#[test]
fn bad_configs_are_refused() {
    for extra in [
        json!({ "state_secret": "short" }),
        json!({ "client_id": "a b" }),
        json!({ "rules": [{ "path": "/x", "access": "root" }] }),
        json!({ "unknown_field": 1 }),
        json!({ "paths": { "callback": "//evil" } }),
    ] {
        assert!(
            edge::Config::from_json(&config_json(extra.clone())).is_err(),
            "{extra}"
        );
    }
    assert!(matches!(
        decide(
            &config(),
            &config().key_set().unwrap(),
            NOW,
            &get("/", "", "")
        ),
        Decision::Forward(_)
    ));
}

#[test]
fn security_headers_can_be_replaced_for_the_local_stack() {
    // The README's example: Stripe.js from localstripe, the API same-origin, plain http.
    let csp = "default-src 'self'; script-src 'self' http://127.0.0.1:8420/js.stripe.com/v3/; \
               frame-src http://127.0.0.1:8420; connect-src 'self' http://127.0.0.1:8420; \
               img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; \
               base-uri 'self'; frame-ancestors 'none'";
    let c = edge::Config::from_json(&config_json(json!({
        "cookie_secure": false,
        "security_headers": {
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "strict-origin-when-cross-origin"
        }
    })))
    .unwrap();
    let headers = edge::security_headers(&c);
    assert_eq!(headers.len(), 4, "the map replaces the whole built-in set");
    assert!(headers.contains(&("content-security-policy".into(), csp.into())));
    assert!(
        !headers
            .iter()
            .any(|(k, _)| k == "strict-transport-security")
    );
    let k = c.key_set().unwrap();
    let r = respond(decide(&c, &k, NOW, &get("/account/", "", "")));
    assert_eq!(r.header("content-security-policy"), Some(csp));
    assert_eq!(r.header("strict-transport-security"), None);
}
