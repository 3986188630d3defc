//! The `Cookie` header as browsers send it, read with the `cookie` crate (issue 17): Amplify's
//! token cookie names, cookies split over several `Cookie` headers, quoted values, a real
//! browser's 200 analytics and consent cookies, and what is refused (oversized, too many,
//! duplicated, line breaks) — and no `Set-Cookie` the edge writes ever holds a line break.

mod common;

use std::time::{Duration, Instant};

use common::cloudfront::{Event, Header};
use common::*;
use edge::{AuthCookies, Decision, MAX_COOKIE, MAX_COOKIES, Refusal, decide, resume};

const VIEWER_REQUEST: &str = include_str!("fixtures/viewer-request.json");

fn prefix() -> String {
    format!("CognitoIdentityServiceProvider.{CLIENT}")
}

fn set_header<'a>(f: &'a edge::Forward, name: &str) -> Option<&'a str> {
    f.set_headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Cookies a browser with analytics, ads and a consent manager sends to a shop: `n` of them,
/// the well-known ones first, then numbered A/B and property cookies.
fn analytics(n: usize) -> Vec<String> {
    let known = [
        "_ga=GA1.1.1456789012.1764240000",
        "_ga_ABCDEF1234=GS1.1.1764240000.3.1.1764243600.0.0.0",
        "_gid=GA1.2.987654321.1764240000",
        "_gat_UA-123456-1=1",
        "_gcl_au=1.1.1456789012.1764240000",
        "_fbp=fb.1.1764240000000.1234567890",
        "_fbc=fb.1.1764240000000.IwAR2abc",
        "OptanonConsent=isGpcEnabled=0&datestamp=Thu+Nov+27+2026+14%3A44%3A37+GMT%2B0000&version=202310.1.0&groups=C0001%3A1%2CC0002%3A1",
        "OptanonAlertBoxClosed=2026-11-27T14:44:37.000Z",
        "CookieConsent={stamp:%27abc%27%2Cnecessary:true%2Cpreferences:true}",
        "euconsent-v2=CP1234AAAAAAAAAAAAENAyEgAAAAAAAAAAAAAAAAAAAA",
        "cookieconsent_status=allow",
        "_hjSessionUser_123456=eyJpZCI6ImFiYyJ9",
        "_hjSession_123456=eyJpZCI6ImRlZiJ9",
        "ajs_anonymous_id=\"5f3c2a1e-8b7d-4c6e-9f0a-1b2c3d4e5f60\"",
        "__cf_bm=abc.def-1764240000-1.0.1.1-xyz",
        "_uetsid=0a1b2c3d4e5f11ee",
        "_uetvid=0a1b2c3d4e5f11ee",
        "_clck=1abcd2%7C2%7Cfr1%7C0%7C1400",
        "_clsk=xyz%7C1764243600000%7C1%7C1%7Cx.clarity.ms%2Fcollect",
        "mp_0123456789abcdef_mixpanel=%7B%22distinct_id%22%3A%20%22abc%22%7D",
        "_pin_unauth=dWlkPU1qQmhZV1k",
        "_ttp=2abcDEFghiJKL",
        "bcookie=\"v=2&0a1b2c3d-4e5f\"",
        "lang=en-GB",
        "theme=dark",
    ];
    let mut out: Vec<String> = known.iter().map(|s| (*s).to_owned()).collect();
    let mut i = 0;
    while out.len() < n {
        out.push(format!("ab_test_{i}=variant-{}", i % 3));
        i += 1;
    }
    out.truncate(n);
    out
}

/// This client's session cookies for `user` (the name as Amplify writes it, percent-encoded).
fn ours(user: &str, encoded: &str) -> Vec<String> {
    let p = prefix();
    vec![
        format!("{p}.LastAuthUser={encoded}"),
        format!("{p}.{encoded}.idToken={}", id_token(user, &[], EXP)),
        format!("{p}.{encoded}.accessToken={}", access_token(user, &[], EXP)),
        format!("{p}.{encoded}.refreshToken=r1"),
    ]
}

fn no_line_breaks(d: &Decision) {
    let check = |what: &str, v: &str| {
        assert!(
            !v.contains(['\r', '\n']),
            "{what} holds a line break: {v:?}"
        );
    };
    match d {
        Decision::Forward(f) => {
            for (n, v) in &f.set_headers {
                check(n, v);
            }
        }
        Decision::Respond(r) => {
            for c in &r.cookies {
                check("set-cookie", c);
            }
            for (n, v) in &r.headers {
                check(n, v);
            }
        }
        Decision::TokenRequest(_) | Decision::FetchKeys(_) => {}
    }
}

#[test]
fn amplify_cookie_names_are_read_for_this_client_and_its_last_user() {
    let config = config();
    let p = prefix();
    // Amplify percent-encodes the user in LastAuthUser's value and in the token names.
    let header = [
        format!("{p}.LastAuthUser=alice%40example.com"),
        format!("{p}.alice%40example.com.idToken=ID"),
        format!("{p}.alice%40example.com.accessToken=AC"),
        format!("{p}.alice%40example.com.refreshToken=RE"),
        format!("{p}.alice%40example.com.clockDrift=0"),
        format!("{p}.alice%40example.com.userData=%7B%7D"),
        // Another user of this client, and another client's user: ignored.
        format!("{p}.bob.idToken=BOB"),
        "CognitoIdentityServiceProvider.otherclient.LastAuthUser=carol".to_owned(),
        "CognitoIdentityServiceProvider.otherclient.carol.idToken=CAROL".to_owned(),
    ]
    .join("; ");
    let c = AuthCookies::parse(&config, &header).unwrap();
    assert_eq!(c.user.as_deref(), Some("alice@example.com"));
    assert_eq!(
        (c.id, c.access, c.refresh),
        (Some("ID"), Some("AC"), Some("RE"))
    );
    // LastAuthUser after the tokens, as a browser may order them, finds the same.
    let mut parts: Vec<&str> = header.split("; ").collect();
    parts.reverse();
    let reordered = parts.join("; ");
    assert_eq!(AuthCookies::parse(&config, &reordered).unwrap(), c);
    // No LastAuthUser: no session, whatever tokens are there.
    let orphan = format!("{p}.alice.idToken=ID; {p}.alice.accessToken=AC");
    assert_eq!(
        AuthCookies::parse(&config, &orphan).unwrap(),
        AuthCookies::default()
    );
}

#[test]
fn the_edges_own_set_cookies_read_back_as_a_session() {
    let (c, k) = setup();
    // The cookies a callback sets, sent back the way a browser does (name=value only).
    let login = respond(decide(&c, &k, NOW, &get("/account/", "", "")));
    let flow = login.cookies[0].split(';').next().unwrap().to_owned();
    let state = param(login.header("location").unwrap(), "state").unwrap();
    let query = format!("code=abc&state={}", state.replace('=', "%3D"));
    let t = token_request(decide(&c, &k, NOW, &get("/auth/callback", &query, &flow)));
    let user = "6f1c-uuid";
    let r = respond(resume(
        &c,
        &k,
        NOW,
        t.continuation,
        &token_reply(user, &[], EXP, Some("r1")),
    ));
    let sent: Vec<String> = cookie_pairs(&r)
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    let sent = sent.join("; ");
    let parsed = AuthCookies::parse(&c, &sent).unwrap();
    assert_eq!(parsed.user.as_deref(), Some(user));
    assert_eq!(parsed.refresh, Some("r1"));
    let f = forward(decide(&c, &k, NOW, &get("/api/orders", "", &sent)));
    assert_eq!(
        set_header(&f, "authorization"),
        Some(format!("Bearer {}", access_token(user, &[], EXP)).as_str())
    );
    assert_eq!(f.remove_headers, ["cookie"], "nothing but ours was sent");
}

#[test]
fn set_cookies_are_built_with_the_house_attributes() {
    let (c, k) = setup();
    let login = respond(decide(&c, &k, NOW, &get("/account/", "", "")));
    let flow = &login.cookies[0];
    let parsed = cookie_attrs(flow);
    assert!(parsed.0.starts_with("EdgeAuthFlow."), "{flow}");
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/auth/callback"] {
        assert!(
            parsed.1.contains(&attr.to_owned()),
            "{attr} missing: {flow}"
        );
    }
    assert!(parsed.1.contains(&format!("Max-Age={}", c.state_max_age)));
    // Clearing: empty value, Max-Age=0 and an Expires in 1970.
    let p = prefix();
    let dead = format!("{p}.LastAuthUser=alice; {p}.alice.idToken=junk");
    let r = respond(decide(&c, &k, NOW, &get("/account/", "", &dead)));
    let clears: Vec<_> = r
        .cookies
        .iter()
        .map(|s| cookie_attrs(s))
        .filter(|(_, a)| a.contains(&"Max-Age=0".to_owned()))
        .collect();
    assert_eq!(clears.len(), 3, "two auth cookies and the hint: {r:?}");
    for (nv, attrs) in &clears {
        assert!(nv.ends_with('='), "{nv}");
        assert!(attrs.contains(&"Expires=Thu, 01 Jan 1970 00:00:00 GMT".to_owned()));
        assert!(attrs.contains(&"Path=/".to_owned()) && attrs.contains(&"Secure".to_owned()));
    }
    let hint = clears.iter().find(|(nv, _)| nv == "es_signed_in=").unwrap();
    assert!(
        !hint.1.contains(&"HttpOnly".to_owned()),
        "the page's script reads it"
    );
}

/// `name=value` and the attributes of a Set-Cookie.
fn cookie_attrs(set_cookie: &str) -> (String, Vec<String>) {
    let mut parts = set_cookie.split("; ").map(str::to_owned);
    let nv = parts.next().unwrap();
    (nv, parts.collect())
}

fn event_with_cookie_headers(uri: &str, headers: &[String]) -> common::cloudfront::CfRequest {
    let mut event: Event = serde_json::from_str(VIEWER_REQUEST).unwrap();
    let mut request = event.records.remove(0).cf.request;
    request.uri = uri.into();
    request.headers.insert(
        "cookie".into(),
        headers
            .iter()
            .map(|v| Header {
                key: Some("Cookie".into()),
                value: v.clone(),
            })
            .collect(),
    );
    request
}

#[test]
fn cookies_over_several_headers_are_one_jar_and_duplicates_across_them_are_refused() {
    let (c, k) = setup();
    let [user, id, access, _] = <[String; 4]>::try_from(ours("alice", "alice")).unwrap();
    // Split over three headers, with an unrelated cookie in two of them: a session.
    let split = event_with_cookie_headers(
        "/api/orders",
        &[
            format!("_ga=GA1.1.1; {user}"),
            id.clone(),
            format!("{access}; _ga=GA1.1.1"),
        ],
    );
    let f = forward(decide(&c, &k, NOW, &split.to_core()));
    assert_eq!(set_header(&f, "cookie"), Some("_ga=GA1.1.1; _ga=GA1.1.1"));
    assert!(set_header(&f, "authorization").is_some());
    // The same id token name in two headers (one someone else's): not a session; cleared.
    let mallory = format!(
        "{}.alice.idToken={}",
        prefix(),
        id_token("mallory", &["admin"], EXP)
    );
    for headers in [
        vec![format!("{user}; {id}; {access}"), mallory.clone()],
        vec![mallory.clone(), format!("{user}; {id}; {access}")],
        vec![
            format!("{user}; {id}; {access}"),
            user.replace("=alice", "=bob"),
        ],
    ] {
        let req = event_with_cookie_headers("/api/orders", &headers).to_core();
        assert_eq!(
            AuthCookies::parse(&c, &req.cookie),
            Err(Refusal::Duplicate),
            "{headers:?}"
        );
        let d = decide(&c, &k, NOW, &req);
        no_line_breaks(&d);
        let r = respond(d);
        assert_eq!(r.status, 401);
        assert!(
            r.cookies
                .iter()
                .any(|s| s.starts_with(&format!("{}.alice.idToken=;", prefix())))
        );
    }
}

#[test]
fn quoted_values_are_read_without_their_quotes() {
    let (c, k) = setup();
    let p = prefix();
    let id = id_token("alice", &[], EXP);
    let access = access_token("alice", &[], EXP);
    let header = format!(
        "{p}.LastAuthUser=\"alice\"; {p}.alice.idToken=\"{id}\"; {p}.alice.accessToken=\"{access}\"; ajs_anonymous_id=\"x-1\""
    );
    let parsed = AuthCookies::parse(&c, &header).unwrap();
    assert_eq!(parsed.user.as_deref(), Some("alice"));
    assert_eq!(parsed.id, Some(id.as_str()));
    let f = forward(decide(&c, &k, NOW, &get("/api/orders", "", &header)));
    assert_eq!(
        set_header(&f, "authorization"),
        Some(format!("Bearer {access}").as_str())
    );
    // Other cookies reach the origin as sent, quotes and all.
    assert_eq!(set_header(&f, "cookie"), Some("ajs_anonymous_id=\"x-1\""));
    // A lone quote is part of the value (and no token).
    let half = format!("{p}.LastAuthUser=alice; {p}.alice.idToken=\"{id}");
    assert_eq!(
        AuthCookies::parse(&c, &half).unwrap().id,
        Some(format!("\"{id}").as_str())
    );
    assert_eq!(
        respond(decide(&c, &k, NOW, &get("/account/", "", &half))).status,
        302
    );
}

#[test]
fn two_hundred_analytics_cookies_around_ours_still_find_the_session() {
    let (c, k) = setup();
    let others = analytics(200);
    let session = ours("alice", "alice");
    // Ours first, in the middle, last, and scattered.
    let mut layouts: Vec<Vec<String>> = Vec::new();
    layouts.push(session.iter().chain(&others).cloned().collect());
    layouts.push(others.iter().chain(&session).cloned().collect());
    let mut middle = others.clone();
    middle.splice(100..100, session.iter().cloned());
    layouts.push(middle);
    let mut scattered = others.clone();
    for (i, s) in session.iter().enumerate() {
        scattered.insert(i * 60, s.clone());
    }
    layouts.push(scattered);
    for layout in layouts {
        let header = layout.join("; ");
        assert!(header.len() > 4 * 1024, "longer than make bench-edge's");
        let parsed = AuthCookies::parse(&c, &header).unwrap();
        assert_eq!(parsed.user.as_deref(), Some("alice"));
        assert_eq!(parsed.refresh, Some("r1"));
        for uri in ["/account/orders/", "/api/orders"] {
            let d = decide(&c, &k, NOW, &get(uri, "", &header));
            no_line_breaks(&d);
            let f = forward(d);
            // The origin gets the 200 others, in order, and none of ours.
            assert_eq!(
                set_header(&f, "cookie"),
                Some(others.join("; ").as_str()),
                "{uri}"
            );
        }
    }
}

#[test]
fn oversized_and_too_many_cookies_are_refused() {
    let (c, k) = setup();
    let p = prefix();
    let session = ours("alice", "alice").join("; ");
    // One cookie over the cap, ours or not: no session, and the cookies are cleared.
    let big_token = format!(
        "{session}; {p}.alice.idToken={}",
        "a".repeat(MAX_COOKIE + 1)
    );
    let big_other = format!("{session}; blob={}", "b".repeat(MAX_COOKIE));
    for header in [&big_token, &big_other] {
        assert_eq!(AuthCookies::parse(&c, header), Err(Refusal::Oversized));
        let r = respond(decide(&c, &k, NOW, &get("/api/orders", "", header)));
        assert_eq!(r.status, 401);
        assert!(r.cookies.iter().any(|s| s.contains("LastAuthUser=;")));
    }
    // Up to MAX_COOKIES is a session; one more is refused, wherever ours are.
    let fits = format!("{}; {session}", analytics(MAX_COOKIES - 4).join("; "));
    assert!(AuthCookies::parse(&c, &fits).unwrap().id.is_some());
    let over = format!("{session}; {}", analytics(MAX_COOKIES - 3).join("; "));
    assert_eq!(AuthCookies::parse(&c, &over), Err(Refusal::TooMany));
    let r = respond(decide(&c, &k, NOW, &get("/account/", "", &over)));
    assert_eq!(r.status, 302, "signed out, sent to log in");
    // The login that follows cannot complete with that header either (no loop).
    let flow = r
        .cookies
        .iter()
        .find(|s| s.starts_with("EdgeAuthFlow."))
        .unwrap();
    let flow = flow.split(';').next().unwrap();
    let state = param(r.header("location").unwrap(), "state").unwrap();
    let query = format!("code=abc&state={}", state.replace('=', "%3D"));
    let crowded = format!("{flow}; {}", analytics(MAX_COOKIES).join("; "));
    let cb = decide(&c, &k, NOW, &get("/auth/callback", &query, &crowded));
    assert_eq!(respond(cb).status, 400);
    let fine = format!("{flow}; {}", analytics(10).join("; "));
    token_request(decide(&c, &k, NOW, &get("/auth/callback", &query, &fine)));
}

#[test]
fn line_breaks_in_cookies_are_refused_and_never_written() {
    let (c, k) = setup();
    let p = prefix();
    let session = ours("alice", "alice").join("; ");
    for bad in [
        format!("{session}; x=a\r\nSet-Cookie: evil=1"),
        format!("{p}.LastAuthUser=alice\n; {session}"),
        format!("{session}; theme=dark\r"),
        format!("{session}; a=\u{0}"),
    ] {
        for uri in ["/account/", "/api/orders", "/p/sku-1/", "/auth/signout"] {
            let d = decide(&c, &k, NOW, &get(uri, "", &bad));
            no_line_breaks(&d);
            assert_eq!(respond(d).status, 400, "{uri} {bad:?}");
        }
    }
    // A refresh token the token endpoint sends with a line break or an attribute never
    // becomes a Set-Cookie: the sign-in fails instead.
    for evil in [
        "r1\r\nSet-Cookie: admin=1",
        "r1; Domain=evil.example",
        "r 1",
        "r1\"",
    ] {
        let login = respond(decide(&c, &k, NOW, &get("/account/", "", "")));
        let flow = login.cookies[0].split(';').next().unwrap().to_owned();
        let state = param(login.header("location").unwrap(), "state").unwrap();
        let query = format!("code=abc&state={}", state.replace('=', "%3D"));
        let t = token_request(decide(&c, &k, NOW, &get("/auth/callback", &query, &flow)));
        let d = resume(
            &c,
            &k,
            NOW,
            t.continuation,
            &token_reply("alice", &[], EXP, Some(evil)),
        );
        no_line_breaks(&d);
        let r = respond(d);
        assert_eq!(r.status, 502, "{evil:?}");
        assert!(
            r.cookies.iter().all(|s| s.contains("Max-Age=0")),
            "only the flow cookie is cleared: {:?}",
            r.cookies
        );
        // A refresh answering the same is a fresh login, not a session.
        let old = ours("alice", "alice").join("; ").replace(
            &id_token("alice", &[], EXP),
            &id_token("alice", &[], NOW - 100),
        );
        let t = token_request(decide(&c, &k, NOW, &get("/account/", "", &old)));
        let d = resume(
            &c,
            &k,
            NOW,
            t.continuation,
            &token_reply("alice", &[], EXP, Some(evil)),
        );
        no_line_breaks(&d);
        assert_eq!(respond(d).status, 302, "{evil:?}");
    }
}

#[test]
fn reading_stays_linear_in_auth_prefixed_cookies() {
    let (c, k) = setup();
    let p = prefix();
    // 20,000 auth-prefixed cookies, all different (the old reader compared each with every
    // one before it, in three places), plus a session: refused, cleared, sent to log in.
    let crowd: Vec<String> = (0..20_000).map(|i| format!("{p}.u{i}.idToken=x")).collect();
    let header = format!(
        "{}; {}",
        ours("alice", "alice").join("; "),
        crowd.join("; ")
    );
    let start = Instant::now();
    for uri in ["/account/", "/api/orders", "/p/sku-1/"] {
        let d = decide(&c, &k, NOW, &get(uri, "", &header));
        no_line_breaks(&d);
        if let Decision::Respond(r) = d {
            assert!(r.cookies.len() <= MAX_COOKIES + 2, "{}", r.cookies.len());
        }
    }
    // A few milliseconds each, even unoptimised; quadratic work took seconds.
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}
