//! Token verification: valid tokens pass, every kind of bad token is refused with a reason.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use common::*;
use edge::{AuthCookies, KeySet, Refusal, TokenKind, verify_token};
use serde_json::json;

fn check(token: &str, kind: TokenKind) -> Result<edge::User, Refusal> {
    let config = config();
    let keys = config.key_set().unwrap();
    verify_token(&config, &keys, NOW, token, kind).map(|u| (*u).clone())
}

const EXP: u64 = NOW + 3600;

#[test]
fn valid_tokens_pass() {
    let user = check(&id_token("alice", &["admin"], EXP), TokenKind::Id).unwrap();
    assert_eq!(user.username, "alice");
    assert_eq!(user.groups, vec!["admin".to_owned()]);
    let user = check(&access_token("bob", &[], EXP), TokenKind::Access).unwrap();
    assert_eq!(user.username, "bob");
    assert!(user.groups.is_empty());
}

#[test]
fn alg_none_is_refused() {
    let claims = id_claims("alice", &[], EXP);
    let t = format!(
        "{}.{}.",
        B64.encode(json!({"alg":"none","kid":KID}).to_string()),
        B64.encode(claims.to_string())
    );
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::Algorithm));
    let t = format!(
        "{}.{}.x",
        B64.encode(r#"{"alg":"none"}"#),
        B64.encode(claims.to_string())
    );
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::Algorithm));
}

#[test]
fn hs256_signed_with_the_public_key_is_refused() {
    let jwk = jwk(&keys().main, KID);
    let secret = jwk["n"].as_str().unwrap().as_bytes().to_vec();
    let msg = format!(
        "{}.{}",
        B64.encode(json!({"alg":"HS256","kid":KID}).to_string()),
        B64.encode(id_claims("mallory", &["admin"], EXP).to_string())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &secret);
    let sig = ring::hmac::sign(&key, msg.as_bytes());
    let t = format!("{msg}.{}", B64.encode(sig.as_ref()));
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::Algorithm));
}

#[test]
fn unknown_kid_is_refused() {
    let t = sign_with(
        &keys().other,
        &json!({"alg":"RS256","kid":"other"}),
        &id_claims("a", &[], EXP),
    );
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::UnknownKid));
    let t = sign_with(
        &keys().main,
        &json!({"alg":"RS256"}),
        &id_claims("a", &[], EXP),
    );
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::UnknownKid));
}

#[test]
fn right_kid_wrong_key_is_a_bad_signature() {
    let t = sign_with(&keys().other, &header(), &id_claims("a", &[], EXP));
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::BadSignature));
}

#[test]
fn expired_is_refused_after_the_leeway() {
    // 30 s leeway: 10 s late passes, 31 s late does not.
    assert!(check(&id_token("a", &[], NOW - 10), TokenKind::Id).is_ok());
    assert_eq!(
        check(&id_token("a", &[], NOW - 31), TokenKind::Id),
        Err(Refusal::Expired)
    );
}

#[test]
fn nbf_in_the_future_is_refused() {
    let mut c = id_claims("a", &[], EXP);
    c["nbf"] = json!(NOW + 300);
    let t = sign_with(&keys().main, &header(), &c);
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::NotYetValid));
    c["nbf"] = json!(NOW + 5);
    let t = sign_with(&keys().main, &header(), &c);
    assert!(check(&t, TokenKind::Id).is_ok());
}

#[test]
fn wrong_issuer_is_refused() {
    let mut c = id_claims("a", &[], EXP);
    c["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other");
    let t = sign_with(&keys().main, &header(), &c);
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::Issuer));
    c.as_object_mut().unwrap().remove("iss");
    let t = sign_with(&keys().main, &header(), &c);
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::Issuer));
}

#[test]
fn wrong_audience_or_client_id_is_refused() {
    let mut c = id_claims("a", &[], EXP);
    c["aud"] = json!("another-client");
    let t = sign_with(&keys().main, &header(), &c);
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::Audience));
    let mut c = access_claims("a", &[], EXP);
    c["client_id"] = json!("another-client");
    let t = sign_with(&keys().main, &header(), &c);
    assert_eq!(check(&t, TokenKind::Access), Err(Refusal::ClientId));
}

#[test]
fn wrong_token_use_is_refused() {
    // An access token offered as an id token fails on aud; with aud set, on token_use.
    let mut c = id_claims("a", &[], EXP);
    c["token_use"] = json!("access");
    let t = sign_with(&keys().main, &header(), &c);
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::TokenUse));
    let mut c = access_claims("a", &[], EXP);
    c["token_use"] = json!("id");
    let t = sign_with(&keys().main, &header(), &c);
    assert_eq!(check(&t, TokenKind::Access), Err(Refusal::TokenUse));
}

#[test]
fn tampered_payload_is_refused() {
    let t = id_token("alice", &[], EXP);
    let parts: Vec<&str> = t.split('.').collect();
    let forged = B64.encode(id_claims("alice", &["admin"], EXP).to_string());
    let t = format!("{}.{}.{}", parts[0], forged, parts[2]);
    assert_eq!(check(&t, TokenKind::Id), Err(Refusal::BadSignature));
}

#[test]
fn truncated_and_non_base64_tokens_are_refused() {
    let t = id_token("alice", &[], EXP);
    for cut in [
        t.len() - 5,
        t.rfind('.').unwrap(),
        t.find('.').unwrap(),
        10,
        0,
    ] {
        let r = check(&t[..cut], TokenKind::Id);
        assert!(
            matches!(r, Err(Refusal::Malformed | Refusal::BadSignature)),
            "cut at {cut}: {r:?}"
        );
    }
    let good_header = B64.encode(header().to_string());
    let junk_payload = format!("{good_header}.!!.??");
    for junk in [
        "***.***.***",
        "a.b.c",
        "....",
        "é.é.é",
        junk_payload.as_str(),
    ] {
        assert_eq!(
            check(junk, TokenKind::Id),
            Err(Refusal::Malformed),
            "{junk}"
        );
    }
    let parts: Vec<&str> = t.split('.').collect();
    let bad_sig = format!("{}.{}.{}", parts[0], parts[1], "%%%%");
    assert!(check(&bad_sig, TokenKind::Id).is_err());
}

#[test]
fn oversized_and_duplicate_cookies_are_refused() {
    let config = config();
    let p = format!("CognitoIdentityServiceProvider.{CLIENT}");
    let big = "a".repeat(8 * 1024 + 1);
    let header = format!("{p}.LastAuthUser=alice; {p}.alice.idToken={big}");
    assert_eq!(
        AuthCookies::parse(&config, &header),
        Err(Refusal::Oversized)
    );
    let good = session_cookie("alice", &[], EXP, None);
    let dup = format!(
        "{good}; {p}.alice.idToken={}",
        id_token("mallory", &["admin"], EXP)
    );
    assert_eq!(AuthCookies::parse(&config, &dup), Err(Refusal::Duplicate));
    let dup_user = format!("{good}; {p}.LastAuthUser=mallory");
    assert_eq!(
        AuthCookies::parse(&config, &dup_user),
        Err(Refusal::Duplicate)
    );
    let parsed = AuthCookies::parse(&config, &good).unwrap();
    assert_eq!(parsed.user.as_deref(), Some("alice"));
    assert!(parsed.id.is_some() && parsed.access.is_some() && parsed.refresh.is_none());
}

#[test]
fn a_cached_token_still_expires() {
    let config = config();
    let keys = config.key_set().unwrap();
    let t = id_token("alice", &[], NOW + 60);
    assert!(verify_token(&config, &keys, NOW, &t, TokenKind::Id).is_ok());
    assert!(verify_token(&config, &keys, NOW + 10, &t, TokenKind::Id).is_ok());
    assert_eq!(
        verify_token(&config, &keys, NOW + 200, &t, TokenKind::Id).map(|_| ()),
        Err(Refusal::Expired)
    );
    // The cache is keyed by kind too: an id token is not an access token.
    assert!(verify_token(&config, &keys, NOW, &t, TokenKind::Access).is_err());
}

#[test]
fn jwks_parsing_keeps_only_rs256_signing_keys() {
    let mut enc = jwk(&keys().other, "enc");
    enc["use"] = json!("enc");
    let doc =
        json!({ "keys": [jwk(&keys().main, KID), enc, {"kty":"EC","kid":"ec","crv":"P-256"}] });
    let set = KeySet::from_jwks_json(&doc.to_string()).unwrap();
    assert_eq!(set.len(), 1);
    assert!(set.has_kid(KID) && !set.has_kid("enc"));
    assert!(KeySet::from_jwks_json("{}").is_err());
    assert!(
        KeySet::from_jwks_json(r#"{"keys":[{"kty":"RSA","kid":"x","n":"!!","e":"AQAB"}]}"#)
            .is_err()
    );
}
