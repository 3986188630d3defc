//! Verifying Cognito id and access tokens: RS256 only, known `kid`, `iss`, `exp`/`nbf` with
//! leeway, `token_use`, and `aud` (id token) or `client_id` (access token).

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde::Deserialize;

use crate::config::Config;
use crate::keys::{Cached, KeySet};

/// Which of Cognito's two JWTs a cookie should hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The id token: `token_use` `id`, `aud` = client id.
    Id,
    /// The access token: `token_use` `access`, `client_id` = client id.
    Access,
}

impl TokenKind {
    fn token_use(self) -> &'static str {
        match self {
            TokenKind::Id => "id",
            TokenKind::Access => "access",
        }
    }
}

/// Who a verified token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The Cognito user name (`cognito:username` or `username`); part of the cookie names.
    pub username: String,
    /// The user's stable id.
    pub sub: String,
    /// Cognito groups (`cognito:groups`).
    pub groups: Vec<String>,
    /// When the token stops being valid (seconds since the epoch).
    pub exp: u64,
}

/// Why a token (or the cookie carrying it) was refused. Every refusal is a reason, never a
/// panic; [`Refusal::Expired`] alone may be cured by a refresh.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The token is not three base64url parts of JSON.
    Malformed,
    /// The header names an algorithm other than RS256 (`none`, `HS256`, ...).
    Algorithm,
    /// The header has no `kid`, or one not in the key set.
    UnknownKid,
    /// The signature does not match.
    BadSignature,
    /// `exp` (plus leeway) is in the past.
    Expired,
    /// `nbf` (minus leeway) is in the future.
    NotYetValid,
    /// `iss` is not the configured issuer.
    Issuer,
    /// An id token's `aud` is not the client id.
    Audience,
    /// An access token's `client_id` is not the client id.
    ClientId,
    /// `token_use` is not the expected one.
    TokenUse,
    /// A cookie is larger than 8 KB.
    Oversized,
    /// The `Cookie` header holds more cookies than a browser sends (see `MAX_COOKIES`).
    TooMany,
    /// The same auth cookie was sent more than once.
    Duplicate,
    /// A required cookie is absent.
    Missing,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::Malformed => "malformed token",
            Refusal::Algorithm => "algorithm not allowed (RS256 only)",
            Refusal::UnknownKid => "unknown or missing kid",
            Refusal::BadSignature => "bad signature",
            Refusal::Expired => "token expired",
            Refusal::NotYetValid => "token not yet valid (nbf)",
            Refusal::Issuer => "wrong issuer",
            Refusal::Audience => "wrong audience",
            Refusal::ClientId => "wrong client_id",
            Refusal::TokenUse => "wrong token_use",
            Refusal::Oversized => "cookie larger than 8 KB",
            Refusal::TooMany => "too many cookies",
            Refusal::Duplicate => "duplicate auth cookie",
            Refusal::Missing => "no token",
        })
    }
}

impl std::error::Error for Refusal {}

#[derive(Deserialize)]
struct Claims {
    exp: u64,
    #[serde(default)]
    nbf: Option<u64>,
    token_use: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    sub: String,
    #[serde(default, rename = "cognito:username")]
    cognito_username: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default, rename = "cognito:groups")]
    groups: Vec<String>,
}

#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    alg: std::borrow::Cow<'a, str>,
    #[serde(borrow, default)]
    kid: Option<std::borrow::Cow<'a, str>>,
}

/// Verifies one token at time `now`, answering from the key set's cache when this exact token
/// was verified before.
pub fn verify(
    config: &Config,
    keys: &KeySet,
    now: u64,
    token: &str,
    kind: TokenKind,
) -> Result<Arc<User>, Refusal> {
    if let Some((exp, user)) = keys.cached(token, kind) {
        return if exp.saturating_add(config.leeway) < now {
            Err(Refusal::Expired)
        } else {
            Ok(user)
        };
    }
    let user = Arc::new(verify_uncached(config, keys, now, token, kind)?);
    keys.remember(
        Cached {
            token: Arc::from(token),
            kind,
            exp: user.exp,
            user: user.clone(),
        },
        now,
    );
    Ok(user)
}

fn verify_uncached(
    config: &Config,
    keys: &KeySet,
    now: u64,
    token: &str,
    kind: TokenKind,
) -> Result<User, Refusal> {
    let kid = header_kid(token)?;
    let key_list = keys.key_list();
    let key = key_list
        .iter()
        .find(|(k, _)| *k == kid)
        .map(|(_, key)| key)
        .ok_or(Refusal::UnknownKid)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false; // checked below against `now`, not the system clock
    validation.validate_nbf = false;
    validation.leeway = config.leeway;
    validation.set_issuer(&[config.issuer.as_str()]);
    validation.set_required_spec_claims(&["exp", "iss"]);
    match kind {
        TokenKind::Id => validation.set_audience(&[config.client_id.as_str()]),
        TokenKind::Access => validation.validate_aud = false,
    }
    let data =
        jsonwebtoken::decode::<Claims>(token, key, &validation).map_err(|e| match e.kind() {
            ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm => Refusal::Algorithm,
            ErrorKind::InvalidSignature => Refusal::BadSignature,
            ErrorKind::InvalidIssuer => Refusal::Issuer,
            ErrorKind::InvalidAudience => Refusal::Audience,
            ErrorKind::MissingRequiredClaim(c) if c == "iss" => Refusal::Issuer,
            ErrorKind::MissingRequiredClaim(c) if c == "aud" => Refusal::Audience,
            _ => Refusal::Malformed,
        })?;
    let c = data.claims;
    if c.token_use != kind.token_use() {
        return Err(Refusal::TokenUse);
    }
    if kind == TokenKind::Access && c.client_id.as_deref() != Some(config.client_id.as_str()) {
        return Err(Refusal::ClientId);
    }
    if c.exp.saturating_add(config.leeway) < now {
        return Err(Refusal::Expired);
    }
    if c.nbf
        .is_some_and(|nbf| nbf > now.saturating_add(config.leeway))
    {
        return Err(Refusal::NotYetValid);
    }
    let username = c
        .cognito_username
        .or(c.username)
        .unwrap_or_else(|| c.sub.clone());
    Ok(User {
        username,
        sub: c.sub,
        groups: c.groups,
        exp: c.exp,
    })
}

/// The `kid` of a token's header, refusing anything that is not an RS256 JWS header.
pub(crate) fn header_kid(token: &str) -> Result<String, Refusal> {
    use base64::Engine as _;
    let mut parts = token.split('.');
    let (Some(header_b64), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Refusal::Malformed);
    };
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header_b64)
        .map_err(|_| Refusal::Malformed)?;
    let header: Header<'_> = serde_json::from_slice(&raw).map_err(|_| Refusal::Malformed)?;
    if header.alg != "RS256" {
        return Err(Refusal::Algorithm);
    }
    header
        .kid
        .map(|k| k.into_owned())
        .ok_or(Refusal::UnknownKid)
}
