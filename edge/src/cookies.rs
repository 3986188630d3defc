//! Reading and writing the auth cookies: Amplify-compatible token cookies
//! (`CognitoIdentityServiceProvider.<client>.<user>.idToken` and friends) and the per-flow
//! login cookies.

use std::borrow::Cow;

use crate::config::Config;
use crate::form;
use crate::token::Refusal;

/// Prefix of every Amplify-style token cookie.
pub(crate) const AMPLIFY_PREFIX: &str = "CognitoIdentityServiceProvider.";
/// Prefix of the per-login-flow cookies (one per nonce, holding the PKCE verifier).
pub(crate) const FLOW_PREFIX: &str = "EdgeAuthFlow.";
/// Browsers cap a cookie at 4 KB; anything past 8 KB is refused outright.
pub(crate) const MAX_COOKIE: usize = 8 * 1024;

/// The token cookies of the last signed-in user, borrowed from the `Cookie` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthCookies<'a> {
    /// The user the cookies are for (`LastAuthUser`, percent-decoded).
    pub user: Option<Cow<'a, str>>,
    /// The id token.
    pub id: Option<&'a str>,
    /// The access token.
    pub access: Option<&'a str>,
    /// The refresh token.
    pub refresh: Option<&'a str>,
}

/// Splits a `Cookie` header into `(name, value)` pairs.
pub(crate) fn pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|p| {
        let p = p.trim();
        if p.is_empty() {
            return None;
        }
        let (n, v) = p.split_once('=').unwrap_or((p, ""));
        Some((n.trim(), v.trim()))
    })
}

impl<'a> AuthCookies<'a> {
    /// Finds the token cookies for `config.client_id` in a `Cookie` header, refusing
    /// duplicated or oversized auth cookies.
    pub fn parse(config: &Config, header: &'a str) -> Result<AuthCookies<'a>, Refusal> {
        let mut out = AuthCookies::default();
        let mut seen: Vec<&str> = Vec::new();
        let mut fields: Vec<(&str, &str)> = Vec::new();
        for (name, value) in pairs(header) {
            let Some(rest) = name.strip_prefix(AMPLIFY_PREFIX) else {
                continue;
            };
            if seen.contains(&name) {
                return Err(Refusal::Duplicate);
            }
            if value.len() > MAX_COOKIE {
                return Err(Refusal::Oversized);
            }
            seen.push(name);
            let Some(rest) = rest
                .strip_prefix(config.client_id.as_str())
                .and_then(|r| r.strip_prefix('.'))
            else {
                continue;
            };
            if rest == "LastAuthUser" {
                out.user = Some(if value.contains('%') {
                    Cow::Owned(form::decode(value, false))
                } else {
                    Cow::Borrowed(value)
                });
            } else {
                fields.push((rest, value));
            }
        }
        if let Some(user) = &out.user {
            let user = form::encode(user);
            for (rest, value) in fields {
                let Some(field) = rest
                    .strip_prefix(user.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                else {
                    continue;
                };
                let slot = match field {
                    "idToken" => &mut out.id,
                    "accessToken" => &mut out.access,
                    "refreshToken" => &mut out.refresh,
                    _ => continue,
                };
                if !value.is_empty() {
                    *slot = Some(value);
                }
            }
        }
        Ok(out)
    }
}

/// Every auth cookie name in a header, duplicates and all, for clearing a broken session.
pub(crate) fn auth_names(header: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (n, _) in pairs(header) {
        if n.starts_with(AMPLIFY_PREFIX) && !names.iter().any(|x| x == n) {
            names.push(n.to_owned());
        }
    }
    names
}

/// The value of a cookie that must appear exactly once (the login flow's).
pub(crate) fn single(header: &str, name: &str) -> Result<String, Refusal> {
    let mut found = None;
    for (n, v) in pairs(header) {
        if n == name {
            if found.is_some() {
                return Err(Refusal::Duplicate);
            }
            if v.len() > MAX_COOKIE {
                return Err(Refusal::Oversized);
            }
            found = Some(v.to_owned());
        }
    }
    found.ok_or(Refusal::Missing)
}

/// The `Cookie` header without auth, flow or hint cookies (no origin needs them):
/// `None` when nothing changed, `Some("")` when nothing is left.
pub(crate) fn strip_auth(header: &str) -> Option<String> {
    if !header.contains(AMPLIFY_PREFIX)
        && !header.contains(FLOW_PREFIX)
        && !header.contains(HINT_COOKIE)
    {
        return None;
    }
    let hint = hint_prefix();
    let kept: Vec<&str> = header
        .split(';')
        .map(str::trim)
        .filter(|p| {
            !p.is_empty()
                && !p.starts_with(AMPLIFY_PREFIX)
                && !p.starts_with(FLOW_PREFIX)
                && !p.starts_with(hint.as_str())
        })
        .collect();
    Some(kept.join("; "))
}

/// Name of a token cookie for a user: `CognitoIdentityServiceProvider.<client>.<user>.<field>`.
pub(crate) fn token_name(config: &Config, user: &str, field: &str) -> String {
    format!(
        "{AMPLIFY_PREFIX}{}.{}.{field}",
        config.client_id,
        form::encode(user)
    )
}

/// Name of the `LastAuthUser` cookie.
pub(crate) fn last_user_name(config: &Config) -> String {
    format!("{AMPLIFY_PREFIX}{}.LastAuthUser", config.client_id)
}

/// A `Set-Cookie` value with the house attributes (HttpOnly, SameSite=Lax, Secure per config).
pub(crate) fn set(config: &Config, name: &str, value: &str, max_age: u64, path: &str) -> String {
    let secure = if config.cookie_secure { "; Secure" } else { "" };
    format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly{secure}; SameSite=Lax")
}

/// A `Set-Cookie` value that deletes a cookie.
pub(crate) fn clear(config: &Config, name: &str, path: &str) -> String {
    let secure = if config.cookie_secure { "; Secure" } else { "" };
    format!(
        "{name}=; Path={path}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly{secure}; SameSite=Lax"
    )
}

/// The "signed in" hint: readable by the page's script (not HttpOnly), carries no token, set
/// and cleared with the token cookies, so a signed-out page never asks `/api/me`.
pub const HINT_COOKIE: &str = "es_signed_in";

/// `Set-Cookie` for the hint (`es_signed_in=1`), lasting as long as the session may.
pub(crate) fn set_hint(config: &Config, max_age: u64) -> String {
    let secure = if config.cookie_secure { "; Secure" } else { "" };
    format!("{HINT_COOKIE}=1; Path=/; Max-Age={max_age}{secure}; SameSite=Lax")
}

/// `Set-Cookie` deleting the hint.
pub(crate) fn clear_hint(config: &Config) -> String {
    let secure = if config.cookie_secure { "; Secure" } else { "" };
    format!(
        "{HINT_COOKIE}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT{secure}; SameSite=Lax"
    )
}

/// Whether a `Cookie` header carries the hint.
pub(crate) fn has_hint(header: &str) -> bool {
    header.contains(HINT_COOKIE) && pairs(header).any(|(n, _)| n == HINT_COOKIE)
}

/// `es_signed_in=`: the hint's prefix in a `Cookie` header.
fn hint_prefix() -> String {
    format!("{HINT_COOKIE}=")
}
