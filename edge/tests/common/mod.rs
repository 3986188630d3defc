//! Test helpers: two RSA test keys (fixtures), JWTs signed with them, and a config.
#![allow(dead_code)]

pub(crate) mod cloudfront;

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::SystemRandom;
use ring::rsa::PublicKeyComponents;
use ring::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use serde_json::{Value, json};

pub(crate) const CLIENT: &str = "client123";
pub(crate) const ISS: &str = "http://127.0.0.1:9229/local_pool";
pub(crate) const KID: &str = "CognitoLocal";
pub(crate) const NOW: u64 = 1_800_000_000;
pub(crate) const HOST: &str = "shop.example";

/// When the tokens of a test expire: an hour after [`NOW`].
pub(crate) const EXP: u64 = NOW + 3600;

/// The test config and its key set.
pub(crate) fn setup() -> (edge::Config, edge::KeySet) {
    let c = config();
    let k = c.key_set().unwrap();
    (c, k)
}

/// The value a forward sets for header `name`.
pub(crate) fn set_header<'a>(f: &'a edge::Forward, name: &str) -> Option<&'a str> {
    f.set_headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Two 2048-bit RSA keys (PKCS#1 DER: `openssl genpkey -algorithm RSA -outform DER`, then
/// `openssl pkey -inform DER -outform DER`, which writes an RSA key as PKCS#1), used
/// only to sign test tokens: fixtures rather than generated, so that the edge's tests need
/// no RSA key generation (and no crate for it, whose features would differ from the
/// Lambdas' build and make `sam build` compile its dependents again).
pub(crate) struct Keys {
    pub main: RsaKeyPair,
    pub other: RsaKeyPair,
}

pub(crate) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        main: RsaKeyPair::from_der(include_bytes!("../fixtures/test-key-main.der")).unwrap(),
        other: RsaKeyPair::from_der(include_bytes!("../fixtures/test-key-other.der")).unwrap(),
    })
}

pub(crate) fn jwk(key: &RsaKeyPair, kid: &str) -> Value {
    let public = PublicKeyComponents::<Vec<u8>>::from(key.public_key());
    json!({
        "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
        "n": B64.encode(public.n),
        "e": B64.encode(public.e),
    })
}

pub(crate) fn jwks() -> Value {
    json!({ "keys": [jwk(&keys().main, KID)] })
}

pub(crate) fn config_json(extra: Value) -> String {
    let mut c = json!({
        "client_id": CLIENT,
        "issuer": ISS,
        "authorize_url": "http://127.0.0.1:9229/oauth2/authorize",
        "token_url": "http://127.0.0.1:9229/oauth2/token",
        "revoke_url": "http://127.0.0.1:9229/oauth2/revoke",
        "state_secret": "0123456789abcdef0123456789abcdef-test",
        "cookie_secure": true,
        "rules": [
            { "path": "/api/catalogue/*", "access": "public" },
            { "path": "/api/stripe/webhook", "access": "public" },
            { "path": "/admin/*", "access": "group:admin" },
            { "path": "/api/admin/*", "access": "group:admin" },
            { "path": "/account/*", "access": "signed_in" },
            { "path": "/checkout/*", "access": "signed_in" },
            { "path": "/api/*", "access": "signed_in" }
        ],
        "jwks": jwks(),
    });
    if let (Some(base), Some(extra)) = (c.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    c.to_string()
}

pub(crate) fn config() -> edge::Config {
    edge::Config::from_json(&config_json(json!({}))).unwrap()
}

pub(crate) fn sign_with(key: &RsaKeyPair, header: &Value, claims: &Value) -> String {
    let msg = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let mut sig = vec![0; key.public().modulus_len()];
    key.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        msg.as_bytes(),
        &mut sig,
    )
    .unwrap();
    format!("{msg}.{}", B64.encode(sig))
}

pub(crate) fn header() -> Value {
    json!({ "alg": "RS256", "kid": KID, "typ": "JWT" })
}

pub(crate) fn id_claims(user: &str, groups: &[&str], exp: u64) -> Value {
    json!({
        "sub": format!("sub-{user}"), "aud": CLIENT, "iss": ISS, "token_use": "id",
        "cognito:username": user, "cognito:groups": groups, "email": format!("{user}@example.com"),
        "iat": exp - 3600, "auth_time": exp - 3600, "exp": exp,
    })
}

pub(crate) fn access_claims(user: &str, groups: &[&str], exp: u64) -> Value {
    json!({
        "sub": format!("sub-{user}"), "client_id": CLIENT, "iss": ISS, "token_use": "access",
        "username": user, "cognito:groups": groups, "scope": "openid email",
        "iat": exp - 3600, "auth_time": exp - 3600, "exp": exp, "jti": "j1",
    })
}

pub(crate) fn id_token(user: &str, groups: &[&str], exp: u64) -> String {
    sign_with(&keys().main, &header(), &id_claims(user, groups, exp))
}

pub(crate) fn access_token(user: &str, groups: &[&str], exp: u64) -> String {
    sign_with(&keys().main, &header(), &access_claims(user, groups, exp))
}

/// A `Cookie` header as a browser would send it after login.
pub(crate) fn session_cookie(
    user: &str,
    groups: &[&str],
    exp: u64,
    refresh: Option<&str>,
) -> String {
    let p = format!("CognitoIdentityServiceProvider.{CLIENT}");
    let mut c = format!(
        "theme=dark; {p}.LastAuthUser={user}; {p}.{user}.idToken={}; {p}.{user}.accessToken={}",
        id_token(user, groups, exp),
        access_token(user, groups, exp)
    );
    if let Some(r) = refresh {
        c.push_str(&format!("; {p}.{user}.refreshToken={r}"));
    }
    c.push_str("; cart=abc");
    c
}

pub(crate) fn token_reply(
    user: &str,
    groups: &[&str],
    exp: u64,
    refresh: Option<&str>,
) -> edge::TokenReply {
    let mut body = json!({
        "id_token": id_token(user, groups, exp),
        "access_token": access_token(user, groups, exp),
        "token_type": "Bearer", "expires_in": 3600,
    });
    if let Some(r) = refresh {
        body["refresh_token"] = json!(r);
    }
    edge::TokenReply {
        status: 200,
        body: body.to_string(),
    }
}

pub(crate) fn get(uri: &str, query: &str, cookie: &str) -> edge::Request {
    edge::Request::new("GET", uri, query, HOST, cookie)
}

pub(crate) fn respond(d: edge::Decision) -> edge::Respond {
    match d {
        edge::Decision::Respond(r) => r,
        other => panic!("expected a response, got {other:?}"),
    }
}

pub(crate) fn forward(d: edge::Decision) -> edge::Forward {
    match d {
        edge::Decision::Forward(f) => f,
        other => panic!("expected forward, got {other:?}"),
    }
}

pub(crate) fn token_request(d: edge::Decision) -> edge::TokenRequest {
    match d {
        edge::Decision::TokenRequest(t) => t,
        other => panic!("expected a token request, got {other:?}"),
    }
}

/// Query parameter of a URL (decoded).
pub(crate) fn param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    q.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| pct_decode(v))
    })
}

pub(crate) fn pct_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The decoded JSON payload of the signed state.
pub(crate) fn state_payload(state: &str) -> Value {
    let payload = state.split('.').next().unwrap();
    serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap()
}

/// The `name=value` part of each Set-Cookie.
pub(crate) fn cookie_pairs(r: &edge::Respond) -> Vec<(String, String)> {
    r.cookies
        .iter()
        .map(|c| {
            let nv = c.split(';').next().unwrap();
            let (n, v) = nv.split_once('=').unwrap();
            (n.to_owned(), v.to_owned())
        })
        .collect()
}
