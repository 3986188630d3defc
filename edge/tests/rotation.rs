//! Key rotation: a token naming an unknown kid makes the core ask for one JWKS fetch
//! (`Decision::FetchKeys`), at most once per kid and once a minute; `retry` goes on with the
//! replaced key set and never asks again.

mod common;

use common::*;
use edge::{Continuation, Decision, KeySet, Refusal, Retry, TokenKind, decide, resume, retry};
use serde_json::{Value, json};

const NEW_KID: &str = "rotated-2026";

/// Tokens signed with the other key under `kid`.
fn rotated(kid: &str, user: &str) -> (String, String) {
    let header = json!({ "alg": "RS256", "kid": kid, "typ": "JWT" });
    (
        sign_with(&keys().other, &header, &id_claims(user, &[], EXP)),
        sign_with(&keys().other, &header, &access_claims(user, &[], EXP)),
    )
}

fn rotated_cookie(kid: &str, user: &str) -> String {
    let (id, access) = rotated(kid, user);
    let p = format!("CognitoIdentityServiceProvider.{CLIENT}");
    format!(
        "{p}.LastAuthUser={user}; {p}.{user}.idToken={id}; {p}.{user}.accessToken={access}; cart=1"
    )
}

/// The JWKS after rotation: the old key and the new one.
fn rotated_jwks(kid: &str) -> String {
    json!({ "keys": [jwk(&keys().main, KID), jwk(&keys().other, kid)] }).to_string()
}

fn fetch(d: Decision) -> edge::FetchKeys {
    match d {
        Decision::FetchKeys(f) => f,
        other => panic!("expected a JWKS fetch, got {other:?}"),
    }
}

#[test]
fn unknown_kid_asks_for_the_jwks_then_forwards() {
    let (c, k) = setup();
    let req = get(
        "/account/orders/",
        "page=2",
        &rotated_cookie(NEW_KID, "alice"),
    );
    let f = fetch(decide(&c, &k, NOW, &req));
    assert_eq!(f.url, format!("{ISS}/.well-known/jwks.json"));
    assert_eq!(f.kid, NEW_KID);
    assert_eq!(
        f.retry,
        Retry::Decide {
            request: req.clone()
        }
    );
    assert_eq!(k.replace_from_jwks_json(&rotated_jwks(NEW_KID)).unwrap(), 2);
    assert!(k.has_kid(NEW_KID));
    let fwd = forward(retry(&c, &k, NOW + 1, f.retry));
    assert_eq!(fwd.uri.as_deref(), Some("/account/orders/index.html"));
    assert_eq!(
        fwd.set_headers,
        vec![("cookie".to_owned(), "cart=1".to_owned())]
    );
    // Known from now on: no further fetch, old-key sessions still pass.
    forward(decide(&c, &k, NOW + 2, &req));
    let old = session_cookie("bob", &[], EXP, None);
    forward(decide(&c, &k, NOW + 2, &get("/account/", "", &old)));
}

#[test]
fn the_api_gets_the_bearer_after_the_fetch() {
    let (c, k) = setup();
    let req = get("/api/orders", "", &rotated_cookie(NEW_KID, "alice"));
    let f = fetch(decide(&c, &k, NOW, &req));
    k.replace_from_jwks_json(&rotated_jwks(NEW_KID)).unwrap();
    let fwd = forward(retry(&c, &k, NOW, f.retry));
    let (_, access) = rotated(NEW_KID, "alice");
    assert!(
        fwd.set_headers
            .contains(&("authorization".into(), format!("Bearer {access}")))
    );
}

#[test]
fn one_fetch_per_kid_and_one_a_minute() {
    let (c, k) = setup();
    let page = |kid: &str| get("/account/", "", &rotated_cookie(kid, "alice"));
    let f = fetch(decide(&c, &k, NOW, &page("k1")));
    // The fetch failed (nothing replaced): the retry refuses, it never asks again.
    let r = respond(retry(&c, &k, NOW, f.retry));
    assert_eq!(r.status, 302);
    assert!(r.header("location").unwrap().contains("/oauth2/authorize?"));
    // Same kid, later: no second fetch.
    assert_eq!(respond(decide(&c, &k, NOW + 3600, &page("k1"))).status, 302);
    // Another kid within the minute: no fetch either.
    assert_eq!(respond(decide(&c, &k, NOW + 59, &page("k2"))).status, 302);
    // After the minute: one fetch for it.
    assert_eq!(fetch(decide(&c, &k, NOW + 60, &page("k2"))).kid, "k2");
    assert_eq!(respond(decide(&c, &k, NOW + 61, &page("k2"))).status, 302);
    // The API answers JSON 401 when no fetch is allowed.
    let api = get("/api/orders", "", &rotated_cookie("k3", "alice"));
    assert_eq!(respond(decide(&c, &k, NOW + 62, &api)).status, 401);
}

#[test]
fn no_fetch_for_tokens_without_a_usable_kid() {
    let (c, k) = setup();
    let p = format!("CognitoIdentityServiceProvider.{CLIENT}");
    let long = "k".repeat(129);
    let no_kid = sign_with(
        &keys().other,
        &json!({ "alg": "RS256" }),
        &id_claims("a", &[], EXP),
    );
    let hs = sign_with(
        &keys().other,
        &json!({ "alg": "HS256", "kid": "hs" }),
        &id_claims("a", &[], EXP),
    );
    for id in [rotated(&long, "a").0, no_kid, hs, "garbage".into()] {
        let cookie = format!("{p}.LastAuthUser=a; {p}.a.idToken={id}");
        let d = decide(&c, &k, NOW, &get("/account/", "", &cookie));
        assert!(matches!(d, Decision::Respond(_)), "{d:?}");
    }
    // None of those used up the minute.
    fetch(decide(
        &c,
        &k,
        NOW,
        &get("/account/", "", &rotated_cookie("ok", "a")),
    ));
}

#[test]
fn the_callback_fetches_keys_for_new_tokens_and_then_signs_in() {
    let (c, k) = setup();
    let (id, access) = rotated(NEW_KID, "alice");
    let reply = edge::TokenReply {
        status: 200,
        body: json!({ "id_token": id, "access_token": access, "refresh_token": "r1" }).to_string(),
    };
    let continuation = Continuation::Callback {
        target: "/account/".into(),
        flow_cookie: "EdgeAuthFlow.n1".into(),
    };
    let f = fetch(resume(&c, &k, NOW, continuation.clone(), &reply));
    assert_eq!(f.kid, NEW_KID);
    assert_eq!(
        f.retry,
        Retry::Resume {
            continuation,
            reply: reply.clone()
        }
    );
    k.replace_from_jwks_json(&rotated_jwks(NEW_KID)).unwrap();
    let r = respond(retry(&c, &k, NOW, f.retry));
    assert_eq!(r.status, 302);
    assert_eq!(r.header("location"), Some("/account/"));
    assert!(
        cookie_pairs(&r)
            .iter()
            .any(|(n, v)| n.ends_with(".alice.idToken") && *v == id)
    );
}

#[test]
fn a_refresh_bringing_a_new_kid_fetches_and_failing_that_logs_in() {
    let (c, k) = setup();
    let (id, access) = rotated(NEW_KID, "alice");
    let reply = edge::TokenReply {
        status: 200,
        body: json!({ "id_token": id, "access_token": access }).to_string(),
    };
    let continuation = Continuation::Refresh {
        target: "/account/?a=1".into(),
        host: HOST.into(),
        refresh_token: "r1".into(),
        api: false,
        names: vec![],
    };
    let f = fetch(resume(&c, &k, NOW, continuation, &reply));
    // The fetch failed: the retry cannot accept the tokens and starts a login.
    let r = respond(retry(&c, &k, NOW, f.retry));
    assert_eq!(r.status, 302);
    assert!(r.header("location").unwrap().contains("/oauth2/authorize?"));
}

#[test]
fn the_retry_survives_json_as_the_addon_passes_it() {
    let (c, k) = setup();
    let req = get("/account/", "", &rotated_cookie(NEW_KID, "alice"));
    let d = decide(&c, &k, NOW, &req);
    let v: Value = serde_json::to_value(&d).unwrap();
    assert_eq!(v["kind"], "fetch_keys");
    assert_eq!(v["retry"]["step"], "decide");
    let back: Retry = serde_json::from_value(v["retry"].clone()).unwrap();
    k.replace_from_jwks_json(&rotated_jwks(NEW_KID)).unwrap();
    forward(retry(&c, &k, NOW, back));
}

#[test]
fn jwks_url_comes_from_the_config() {
    let c = edge::Config::from_json(&config_json(
        json!({ "jwks_url": "https://keys.example/jwks.json" }),
    ))
    .unwrap();
    let k = c.key_set().unwrap();
    let f = fetch(decide(
        &c,
        &k,
        NOW,
        &get("/account/", "", &rotated_cookie("x", "a")),
    ));
    assert_eq!(f.url, "https://keys.example/jwks.json");
    assert!(
        edge::Config::from_json(&config_json(json!({ "jwks_url": "file:///etc/passwd" }))).is_err()
    );
}

#[test]
fn without_a_baked_in_jwks_the_first_token_fetches_it() {
    let mut v: Value = serde_json::from_str(&config_json(json!({}))).unwrap();
    v.as_object_mut().unwrap().remove("jwks");
    let c = edge::Config::from_json(&v.to_string()).unwrap();
    let k = c.key_set().unwrap();
    assert!(k.is_empty());
    let cookie = session_cookie("alice", &[], EXP, None);
    let f = fetch(decide(&c, &k, NOW, &get("/account/", "", &cookie)));
    assert_eq!(f.kid, KID);
    k.replace_from_jwks_json(&jwks().to_string()).unwrap();
    forward(retry(&c, &k, NOW, f.retry));
}

#[test]
fn a_bad_jwks_keeps_the_keys_and_a_replacement_drops_the_cache() {
    let (c, k) = setup();
    let token = id_token("alice", &[], EXP);
    edge::verify_token(&c, &k, NOW, &token, TokenKind::Id).unwrap();
    for bad in [
        "not json",
        r#"{"keys":[]}"#,
        r#"{"keys":[{"kty":"EC","kid":"e"}]}"#,
    ] {
        assert!(k.replace_from_jwks_json(bad).is_err(), "{bad}");
        assert!(k.has_kid(KID));
    }
    // The old key left the JWKS: its tokens stop counting at once, cache or not.
    let only_new = json!({ "keys": [jwk(&keys().other, NEW_KID)] }).to_string();
    k.replace_from_jwks_json(&only_new).unwrap();
    assert_eq!(
        edge::verify_token(&c, &k, NOW, &token, TokenKind::Id),
        Err(Refusal::UnknownKid)
    );
    let fresh = KeySet::from_jwks_json(&only_new).unwrap();
    assert_eq!(fresh.len(), 1);
}
