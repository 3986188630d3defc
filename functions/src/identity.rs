//! Who is calling: the claims API Gateway's JWT authorizer checked.
//!
//! In AWS the HTTP API's JWT authorizer verifies the Cognito access token and
//! `lambda_http` puts its claims in the request extension
//! [`RequestContext::ApiGatewayV2`]. `shop-local` verifies the bearer token
//! itself and inserts the same extension ([`request_context`] builds it), so
//! the routers never look at the token.
//!
//! **Email.** A Cognito *access* token carries no `email` claim. The shopper's
//! email here is the `email` claim when present (an ID token, or a pre-token
//! generation trigger adding it), otherwise the Cognito `username` when it is
//! an email address. Email-alias pools (and cognito-local) store a UUID
//! username, so otherwise [`crate::users::UserDirectory::email_of`] asks the
//! pool (`AdminGetUser`, cached per container); the checkout and `/api/me`
//! do. A shopper with no email at all cannot check out (`email_required`).

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use serde::Serialize;

use crate::error::ApiError;

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
        let email = claims
            .get("email")
            .filter(|e| looks_like_email(e))
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
/// separated in brackets); a JSON array or a comma list is accepted too.
fn parse_groups(raw: &str) -> Vec<String> {
    if let Ok(list) = serde_json::from_str::<Vec<String>>(raw) {
        return list;
    }
    raw.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|g| g.trim_matches('"'))
        .filter(|g| !g.is_empty())
        .map(str::to_owned)
        .collect()
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
    #[allow(clippy::expect_used)]
    let ctx = serde_json::from_value(ctx).expect("a valid API Gateway v2 request context");
    RequestContext::ApiGatewayV2(ctx)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
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
        ]))
        .unwrap();
        assert_eq!(id.email.as_deref(), Some("ada@example.com"));
        let id = Identity::from_claims(&claims(&[("sub", "s1"), ("username", "uuid")])).unwrap();
        assert_eq!(id.email, None);
        assert!(id.groups.is_empty());
        assert_eq!(Identity::from_claims(&claims(&[("username", "x")])), None);
        assert_eq!(parse_groups(r#"["a","b"]"#), vec!["a", "b"]);
    }

    #[test]
    fn request_context_carries_the_claims() {
        let RequestContext::ApiGatewayV2(ctx) = request_context(&[("sub", "abc")]) else {
            panic!("not v2");
        };
        assert_eq!(ctx.authorizer.unwrap().jwt.unwrap().claims["sub"], "abc");
    }
}
