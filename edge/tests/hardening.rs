//! Crafted viewer requests (issue 15): control characters, non-canonical URIs forwarded with a
//! bearer, cross-site sign-out; and the issue-12 additions: the signed-in hint cookie,
//! `/auth/signup`, and API clients bringing their own bearer token.

mod common;

use common::*;
use edge::{Decision, decide, resume};

#[test]
fn line_breaks_anywhere_are_refused_before_anything_is_forwarded() {
    let (c, k) = setup();
    let good = session_cookie("alice", &[], EXP, None);
    let cases = [
        get("/account/", "", &format!("{good}; x=a\n/admin/evil")),
        get(
            "/account/",
            "",
            &format!("x=a\r\nauthorization\tBearer evil; {good}"),
        ),
        get("/p/sku-1/", "", "theme=dark\nF"),
        get("/api/orders", "a=1\n-cookie", &good),
        get("/account/\n/admin/", "", &good),
        edge::Request::new("GET", "/api/orders", "", HOST, "").with_headers(
            "",
            "",
            "Bearer x\r\nx-evil: 1",
        ),
    ];
    for req in cases {
        match decide(&c, &k, NOW, &req) {
            Decision::Respond(r) => assert_eq!(r.status, 400, "{req:?}"),
            other => panic!("{req:?} was not refused: {other:?}"),
        }
    }
}

#[test]
fn the_origin_is_asked_for_the_normalised_path_the_rule_was_checked_on() {
    let (c, k) = setup();
    let admin = session_cookie("root", &["admin"], EXP, None);
    // Checked as /api/orders (signed in), and forwarded as that, never raw.
    for raw in [
        "/api/admin/%2e%2e/orders",
        "/api/admin/../orders",
        "/api//admin/%2E%2E/orders",
    ] {
        let f = forward(decide(&c, &k, NOW, &get(raw, "", &admin)));
        assert_eq!(f.uri.as_deref(), Some("/api/orders"), "{raw}");
        assert!(set_header(&f, "authorization").is_some());
    }
    // An encoded admin path is checked as admin and forwarded decoded.
    let f = forward(decide(&c, &k, NOW, &get("/api/%61dmin/orders", "", &admin)));
    assert_eq!(f.uri.as_deref(), Some("/api/admin/orders"));
    let shopper = session_cookie("alice", &[], EXP, None);
    let r = respond(decide(
        &c,
        &k,
        NOW,
        &get("/api/%61dmin/orders", "", &shopper),
    ));
    assert_eq!(r.status, 403);
    // A canonical path is left alone; special characters are re-encoded.
    let f = forward(decide(&c, &k, NOW, &get("/api/orders/01J", "", &shopper)));
    assert_eq!(f.uri, None);
    let f = forward(decide(&c, &k, NOW, &get("/api/orders/a%3fb", "", &shopper)));
    assert_eq!(f.uri.as_deref(), Some("/api/orders/a%3Fb"));
}

#[test]
fn signout_is_a_same_origin_post_only() {
    let (c, k) = setup();
    let cookie = session_cookie("alice", &[], EXP, Some("r1"));
    // A cross-site link (GET) changes nothing: a page with the button.
    let r = respond(decide(&c, &k, NOW, &get("/auth/signout", "", &cookie)));
    assert_eq!(r.status, 200);
    assert!(r.cookies.is_empty());
    assert!(
        r.body
            .contains("<form method=\"post\" action=\"/auth/signout\">"),
        "{}",
        r.body
    );
    let post = |origin: &str, site: &str| {
        edge::Request::new("POST", "/auth/signout", "", HOST, &cookie)
            .with_headers(origin, site, "")
    };
    // Cross-site form posts, and posts that prove nothing, are refused.
    for req in [
        post("", "cross-site"),
        post("", "same-site"),
        post("https://evil.example", ""),
        post("", ""),
        post("http://shop.example", ""),
    ] {
        let r = respond(decide(&c, &k, NOW, &req));
        assert_eq!(r.status, 403, "{req:?}");
        assert!(r.cookies.is_empty());
    }
    // Same-origin: by Sec-Fetch-Site, or by Origin where it is not sent.
    for req in [post("", "same-origin"), post("https://shop.example", "")] {
        let t = token_request(decide(&c, &k, NOW, &req));
        assert!(t.body.contains("token=r1"));
    }
    let other = edge::Request::new("DELETE", "/auth/signout", "", HOST, &cookie);
    assert_eq!(respond(decide(&c, &k, NOW, &other)).status, 405);
}

#[test]
fn the_signed_in_hint_comes_and_goes_with_the_tokens() {
    let (c, k) = setup();
    // Set by a login (callback) ...
    let login = respond(decide(&c, &k, NOW, &get("/account/", "", "")));
    let location = login.header("location").unwrap().to_owned();
    let flow = login
        .cookies
        .iter()
        .find(|x| x.starts_with("EdgeAuthFlow."))
        .unwrap();
    let flow = flow.split(';').next().unwrap();
    let state = param(&location, "state").unwrap();
    let cb = get(
        "/auth/callback",
        &format!("code=abc&state={}", form_encode(&state)),
        flow,
    );
    let t = token_request(decide(&c, &k, NOW, &cb));
    let r = respond(resume(
        &c,
        &k,
        NOW,
        t.continuation,
        &token_reply("alice", &[], EXP, Some("r1")),
    ));
    let hint = r
        .cookies
        .iter()
        .find(|x| x.starts_with("es_signed_in="))
        .unwrap();
    assert!(hint.starts_with("es_signed_in=1; "), "{hint}");
    assert!(
        hint.contains("; Path=/;") && hint.contains("; Secure") && hint.contains("SameSite=Lax")
    );
    assert!(!hint.contains("HttpOnly"), "the page's script reads it");
    // ... and by a refresh.
    let old = session_cookie("alice", &[], NOW - 100, Some("r1"));
    let t = token_request(decide(&c, &k, NOW, &get("/account/", "", &old)));
    let r = respond(resume(
        &c,
        &k,
        NOW,
        t.continuation,
        &token_reply("alice", &[], EXP, None),
    ));
    assert!(r.cookies.iter().any(|x| x.starts_with("es_signed_in=1;")));
    // Cleared at sign-out and when the session is found dead.
    let cookie = format!(
        "{}; es_signed_in=1",
        session_cookie("alice", &[], EXP, None)
    );
    let out = edge::Request::new("POST", "/auth/signout", "", HOST, &cookie).with_headers(
        "",
        "same-origin",
        "",
    );
    let r = respond(decide(&c, &k, NOW, &out));
    assert!(
        r.cookies
            .iter()
            .any(|x| x.starts_with("es_signed_in=; ") && x.contains("Max-Age=0"))
    );
    let r = respond(decide(&c, &k, NOW, &get("/api/me", "", "es_signed_in=1")));
    assert_eq!(r.status, 401);
    assert!(r.cookies.iter().any(|x| x.starts_with("es_signed_in=; ")));
    // A public page with no session sets nothing.
    let f = forward(decide(&c, &k, NOW, &get("/p/sku-1/", "", "es_signed_in=1")));
    assert_eq!(set_header(&f, "set-cookie"), None);
}

fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn signup_starts_the_same_flow_at_the_hosted_signup_page() {
    let (c, k) = setup();
    let r = respond(decide(
        &c,
        &k,
        NOW,
        &get("/auth/signup", "next=/checkout/", ""),
    ));
    assert_eq!(r.status, 302);
    let location = r.header("location").unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:9229/signup?"),
        "{location}"
    );
    for p in [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "code_challenge_method",
        "code_challenge",
    ] {
        assert!(param(location, p).is_some(), "{p} missing in {location}");
    }
    assert_eq!(param(location, "code_challenge_method").unwrap(), "S256");
    assert_eq!(
        state_payload(&param(location, "state").unwrap())["p"],
        "/checkout/"
    );
    assert!(r.cookies.iter().any(|x| x.starts_with("EdgeAuthFlow.")));
    // An explicit sign-up page wins.
    let c2 = edge::Config::from_json(&config_json(serde_json::json!({
        "signup_url": "http://127.0.0.1:9300/signup"
    })))
    .unwrap();
    let r = respond(decide(&c2, &k, NOW, &get("/auth/signup", "", "")));
    assert!(
        r.header("location")
            .unwrap()
            .starts_with("http://127.0.0.1:9300/signup?")
    );
}

#[test]
fn api_clients_with_their_own_bearer_are_forwarded_untouched() {
    let (c, k) = setup();
    let token = access_token("alice", &[], EXP);
    let bearer = format!("Bearer {token}");
    let req = edge::Request::new("GET", "/api/orders", "", HOST, "theme=dark")
        .with_headers("", "", &bearer);
    let f = forward(decide(&c, &k, NOW, &req));
    assert_eq!(set_header(&f, "authorization"), None, "left as sent");
    assert!(!f.remove_headers.contains(&"authorization".to_owned()));
    // Pages never take a bearer; cookies win over a bearer on the API.
    let page = edge::Request::new("GET", "/account/", "", HOST, "").with_headers("", "", &bearer);
    assert_eq!(respond(decide(&c, &k, NOW, &page)).status, 302);
    let cookie = session_cookie("bob", &[], EXP, None);
    let both = edge::Request::new("GET", "/api/orders", "", HOST, &cookie).with_headers(
        "",
        "",
        "Bearer other",
    );
    let f = forward(decide(&c, &k, NOW, &both));
    assert_eq!(
        set_header(&f, "authorization"),
        Some(format!("Bearer {}", access_token("bob", &[], EXP)).as_str())
    );
    // Without either: 401 as before.
    let none =
        edge::Request::new("GET", "/api/orders", "", HOST, "").with_headers("", "", "Basic x");
    assert_eq!(respond(decide(&c, &k, NOW, &none)).status, 401);
}
