//! Who is calling: the claims API Gateway's JWT authorizer checked.
//!
//! In AWS the HTTP API's JWT authorizer verifies the Cognito access token and
//! `lambda_http` puts its claims in the request extension
//! [`RequestContext::ApiGatewayV2`]. `shop-local` verifies the bearer token
//! itself and inserts the same extension ([`request_context`] builds it), so
//! the routers never look at the token.
//!
//! **Access tokens only.** The API's JWT authorizer requires one of
//! [`API_SCOPES`] (`AuthorizationScopes` in `sam/template.yaml`; shop-local's
//! gateway checks the same list): an id token has no `scope` claim, so it is
//! refused even though its `aud` is the app client too.
//!
//! **Email.** Order mail goes only to a *verified* address. A Cognito access
//! token carries no `email` claim. The shopper's email here is the `email`
//! claim only when `email_verified` is `true` (an ID token, or a pre-token
//! generation trigger adding both), otherwise the Cognito `username` when it
//! is an email address (a pool whose usernames are addresses confirms them at
//! sign-up, and a username never changes). The stack's pool signs in by email
//! alias and stores a UUID username, so otherwise
//! [`crate::users::UserDirectory::email_of`] asks the pool (`AdminGetUser`,
//! cached per container) and takes `email` only when `email_verified` is
//! `true`; the checkout and `/api/me` do. With the pool's
//! `AttributesRequireVerificationBeforeUpdate: [email]`, a changed address
//! takes effect only once its code is entered. A shopper with no verified
//! email cannot check out (`email_required`).

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use serde::Serialize;

use crate::error::ApiError;

/// The OAuth scopes of which an API call's token must carry one: every
/// Cognito access token of the app client has `openid` (hosted UI, code flow)
/// or `aws.cognito.signin.user.admin` (SRP sign-in); no id token has a scope.
pub const API_SCOPES: &[&str] = &["openid", "aws.cognito.signin.user.admin"];

/// True when a token's `scope` claim (space separated) holds one of [`API_SCOPES`].
pub fn has_api_scope(scope_claim: &str) -> bool {
    scope_claim
        .split_ascii_whitespace()
        .any(|s| API_SCOPES.contains(&s))
}

/// [`has_api_scope`] of a JWT's `scope` claim, for a gateway that verified
/// the token's signature already (shop-local's, as API Gateway's authorizer
/// does). A token without a readable `scope` has none.
pub fn jwt_has_api_scope(verified_jwt: &str) -> bool {
    use base64::Engine;
    let Some(payload) = verified_jwt.split('.').nth(1) else {
        return false;
    };
    let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|claims| claims["scope"].as_str().map(has_api_scope))
        .unwrap_or(false)
}

/// The signed-in shopper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// Cognito `sub`: the customer id everywhere in the table.
    pub sub: String,
    /// Where emails go (see the module docs for where it comes from).
    pub email: Option<String>,
    /// Cognito `username` (or `cognito:username`).
    pub username: String,
    /// `cognito:groups`, e.g. `["admin"]`.
    pub groups: Vec<String>,
}

impl Identity {
    /// Reads the identity from JWT claims; `None` without a `sub`.
    pub fn from_claims(claims: &HashMap<String, String>) -> Option<Identity> {
        let sub = claims.get("sub").filter(|s| !s.is_empty())?.clone();
        let username = claims
            .get("username")
            .or_else(|| claims.get("cognito:username"))
            .cloned()
            .unwrap_or_default();
        let verified = claims.get("email_verified").map(String::as_str) == Some("true");
        let email = claims
            .get("email")
            .filter(|e| verified && looks_like_email(e))
            .cloned()
            .or_else(|| Some(username.clone()).filter(|u| looks_like_email(u)));
        let groups = claims
            .get("cognito:groups")
            .map(|g| parse_groups(g))
            .unwrap_or_default();
        Some(Identity {
            sub,
            email,
            username,
            groups,
        })
    }

    /// True when the shopper is in `group`.
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty() && domain.contains('.') && !s.chars().any(char::is_whitespace)
}

/// API Gateway flattens array claims to strings: `[admin staff]` (space
/// separated in brackets); a JSON array or one bare name is accepted too.
/// A Cognito group name has no whitespace but may hold commas, quotes and
/// brackets, so only whitespace separates names: `[admin,staff]` is the one
/// group `admin,staff`, never `admin`.
fn parse_groups(raw: &str) -> Vec<String> {
    if let Ok(list) = serde_json::from_str::<Vec<String>>(raw) {
        return list;
    }
    let raw = raw.trim();
    let inner = raw
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(raw);
    inner.split_whitespace().map(str::to_owned).collect()
}

/// The claims of the request's JWT authorizer, if any.
pub fn claims(parts: &Parts) -> Option<&HashMap<String, String>> {
    match parts.extensions.get::<RequestContext>()? {
        RequestContext::ApiGatewayV2(ctx) => Some(&ctx.authorizer.as_ref()?.jwt.as_ref()?.claims),
        _ => None,
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Identity {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        claims(parts)
            .and_then(Identity::from_claims)
            .ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", "please sign in")
            })
    }
}

/// The request extension API Gateway's JWT authorizer would produce for
/// these claims: for `shop-local` (after it verified the token) and tests.
pub fn request_context(claims: &[(&str, &str)]) -> RequestContext {
    let claims: HashMap<&str, &str> = claims.iter().copied().collect();
    let ctx = serde_json::json!({
        "routeKey": "$default",
        "stage": "$default",
        "requestId": "local",
        "authorizer": {"jwt": {"claims": claims, "scopes": null}},
        "http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "local"},
        "timeEpoch": 0
    });
    // A fixed, valid document: deserialising it cannot fail.
    let ctx = serde_json::from_value(ctx).expect("a valid API Gateway v2 request context");
    RequestContext::ApiGatewayV2(ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn email_from_claim_else_from_email_username() {
        let id = Identity::from_claims(&claims(&[
            ("sub", "s1"),
            ("username", "ada@example.com"),
            ("cognito:groups", "[admin staff]"),
        ]))
        .unwrap();
        assert_eq!(id.email.as_deref(), Some("ada@example.com"));
        assert_eq!(id.groups, vec!["admin", "staff"]);
        assert!(id.in_group("admin"));
        let id = Identity::from_claims(&claims(&[
            ("sub", "s1"),
            ("username", "5f1c-uuid"),
            ("email", "ada@example.com"),
            ("email_verified", "true"),
        ]))
        .unwrap();
        assert_eq!(id.email.as_deref(), Some("ada@example.com"));
        let id = Identity::from_claims(&claims(&[("sub", "s1"), ("username", "uuid")])).unwrap();
        assert_eq!(id.email, None);
        assert!(id.groups.is_empty());
        assert_eq!(Identity::from_claims(&claims(&[("username", "x")])), None);
    }

    #[test]
    fn an_unverified_email_claim_is_not_where_mail_goes() {
        for verified in [None, Some("false"), Some("")] {
            let mut pairs = vec![
                ("sub", "s1"),
                ("username", "5f1c-uuid"),
                ("email", "changed-to@example.com"),
            ];
            if let Some(v) = verified {
                pairs.push(("email_verified", v));
            }
            let id = Identity::from_claims(&claims(&pairs)).unwrap();
            assert_eq!(id.email, None, "email_verified {verified:?}");
        }
    }

    #[test]
    fn groups_split_on_whitespace_only() {
        assert_eq!(parse_groups(r#"["a","b"]"#), vec!["a", "b"]);
        assert_eq!(parse_groups(r#"["admin,staff"]"#), vec!["admin,staff"]);
        assert_eq!(parse_groups("[admin staff]"), vec!["admin", "staff"]);
        assert_eq!(parse_groups("admin"), vec!["admin"]);
        assert_eq!(parse_groups("[]"), Vec::<String>::new());
        // Cognito group names may hold commas and quotes: none of these is `admin`.
        for raw in ["[admin,staff]", "admin,staff", r#"["admin"x]"#, "['admin']"] {
            let groups = parse_groups(raw);
            assert!(!groups.iter().any(|g| g == "admin"), "{raw}: {groups:?}");
        }
    }

    #[test]
    fn only_access_token_scopes_pass() {
        assert!(has_api_scope("openid email profile"));
        assert!(has_api_scope("aws.cognito.signin.user.admin"));
        assert!(!has_api_scope(""));
        assert!(!has_api_scope("email profile"));
        assert!(!has_api_scope("openidx"));
        use base64::Engine;
        let jwt = |claims: serde_json::Value| {
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            format!(
                "{}.{}.sig",
                b64.encode(br#"{"alg":"RS256"}"#),
                b64.encode(claims.to_string())
            )
        };
        let access = jwt(serde_json::json!({"token_use": "access", "scope": "openid email"}));
        let id = jwt(serde_json::json!({"token_use": "id", "aud": "client"}));
        assert!(jwt_has_api_scope(&access));
        assert!(!jwt_has_api_scope(&id));
        assert!(!jwt_has_api_scope("not-a-jwt"));
    }

    #[test]
    fn request_context_carries_the_claims() {
        let RequestContext::ApiGatewayV2(ctx) = request_context(&[("sub", "abc")]) else {
            panic!("not v2");
        };
        assert_eq!(ctx.authorizer.unwrap().jwt.unwrap().claims["sub"], "abc");
    }
}
