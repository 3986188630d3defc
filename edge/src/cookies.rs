//! Reading and writing the auth cookies with the `cookie` crate: Amplify-compatible token
//! cookies (`CognitoIdentityServiceProvider.<client>.<user>.idToken` and friends), the
//! per-flow login cookies and the signed-in hint.
//!
//! Reading splits the header on `;` once and hands only the pieces that may be the edge's own
//! (by prefix) to [`Cookie::parse`], which borrows their name and value from the header: a
//! browser's other cookies (analytics, consent: most of a 4 KB header) are neither parsed nor
//! copied but passed through as sent, no allocation per cookie, one pass however many cookies
//! are auth-prefixed, so the work is linear in the number of cookies. A session or flow
//! cookie is looked for only in a header of at most [`MAX_COOKIES`] cookies, none over
//! [`MAX_COOKIE`]; and the four a session reads by name (`LastAuthUser` and the user's
//! tokens) must each come once. Control characters never get this far: [`crate::decide`]
//! refuses a request holding one.
//!
//! Writing is [`Cookie::build`], after checking that the name is an HTTP token and the value
//! RFC 6265 cookie-octets (no control characters, whitespace, `"`, `,`, `;` or `\`): a value
//! that could end the header, or add an attribute, is never written.

use std::borrow::Cow;
use std::collections::HashSet;

use cookie::time::{Duration, OffsetDateTime};
use cookie::{Cookie, CookieBuilder, SameSite};

use crate::config::Config;
use crate::form;
use crate::token::Refusal;

/// Prefix of every Amplify-style token cookie.
pub(crate) const AMPLIFY_PREFIX: &str = "CognitoIdentityServiceProvider.";
/// Prefix of the per-login-flow cookies (one per nonce, holding the PKCE verifier).
pub(crate) const FLOW_PREFIX: &str = "EdgeAuthFlow.";
/// Browsers cap a cookie at 4 KB; a cookie past 8 KB is refused outright.
pub const MAX_COOKIE: usize = 8 * 1024;
/// Chrome and Firefox keep at most 180 cookies per site; a header with more than this (room
/// for a parent domain's too) was not sent by a browser, and its session is refused.
pub const MAX_COOKIES: usize = 300;

/// The "signed in" hint: readable by the page's script (not HttpOnly), carries no token, set
/// and cleared with the token cookies, so a signed-out page never asks `/api/me`.
pub const HINT_COOKIE: &str = "es_signed_in";

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

/// The cookies of a `Cookie` header (several headers joined with `"; "`): its `;`-separated
/// pieces, trimmed, empty ones skipped, in order.
fn pieces(header: &str) -> impl Iterator<Item = &str> {
    header.split(';').map(str::trim).filter(|p| !p.is_empty())
}

/// A piece parsed by the `cookie` crate: name and value, borrowed from the header. `None` for
/// a piece that is not a pair (no `=`, or no name): the edge writes no cookie that way.
fn parse(piece: &str) -> Option<(&str, &str)> {
    let c = Cookie::parse(piece).ok()?;
    Some((c.name_raw()?, c.value_raw()?))
}

/// The cookies whose piece starts with `prefix`, parsed, refusing a header with more than
/// [`MAX_COOKIES`] cookies or one cookie over [`MAX_COOKIE`] (whoever's they are): `each`
/// sees every such pair, and may refuse too.
fn read<'a>(
    header: &'a str,
    prefix: &str,
    mut each: impl FnMut(&'a str, &'a str) -> Result<(), Refusal>,
) -> Result<(), Refusal> {
    for (count, piece) in pieces(header).enumerate() {
        if count == MAX_COOKIES {
            return Err(Refusal::TooMany);
        }
        if piece.len() > MAX_COOKIE {
            return Err(Refusal::Oversized);
        }
        if piece.starts_with(prefix)
            && let Some((name, value)) = parse(piece)
        {
            each(name, value)?;
        }
    }
    Ok(())
}

/// A value without the pair of double quotes RFC 6265 allows around it.
fn unquote(value: &str) -> &str {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
}

impl<'a> AuthCookies<'a> {
    /// Finds the token cookies for `config.client_id` in a `Cookie` header (see [`read`] for
    /// what is refused): `LastAuthUser` names the user, whose `idToken`, `accessToken` and
    /// `refreshToken` are taken; a second copy of any of those four is refused
    /// ([`Refusal::Duplicate`]: which one the browser meant is unknown). Other clients' and
    /// users' cookies are ignored.
    pub fn parse(config: &Config, header: &'a str) -> Result<AuthCookies<'a>, Refusal> {
        let mut user: Option<&'a str> = None;
        // This client's `<user>.<field>` cookies; whose they are is known once `LastAuthUser`
        // has been read, which may come anywhere in the header.
        let mut fields: Vec<(&'a str, &'a str)> = Vec::new();
        read(header, AMPLIFY_PREFIX, |name, value| {
            let Some(rest) = name
                .strip_prefix(AMPLIFY_PREFIX)
                .and_then(|r| r.strip_prefix(config.client_id.as_str()))
                .and_then(|r| r.strip_prefix('.'))
            else {
                return Ok(());
            };
            if rest == "LastAuthUser" {
                if user.replace(unquote(value)).is_some() {
                    return Err(Refusal::Duplicate);
                }
            } else {
                fields.push((rest, value));
            }
            Ok(())
        })?;
        let mut out = AuthCookies::default();
        let Some(user) = user.filter(|u| !u.is_empty()) else {
            return Ok(out);
        };
        let user = if user.contains('%') {
            Cow::Owned(form::decode(user, false))
        } else {
            Cow::Borrowed(user)
        };
        let encoded = form::encode(&user);
        let mut seen = [false; 3];
        for (rest, value) in fields {
            let Some(field) = rest
                .strip_prefix(encoded.as_str())
                .and_then(|r| r.strip_prefix('.'))
            else {
                continue;
            };
            let (i, slot) = match field {
                "idToken" => (0, &mut out.id),
                "accessToken" => (1, &mut out.access),
                "refreshToken" => (2, &mut out.refresh),
                _ => continue,
            };
            if std::mem::replace(&mut seen[i], true) {
                return Err(Refusal::Duplicate);
            }
            let value = unquote(value);
            *slot = (!value.is_empty()).then_some(value);
        }
        out.user = Some(user);
        Ok(out)
    }
}

/// Every auth cookie name in a header, once each, for clearing a broken session (at most
/// [`MAX_COOKIES`] looked at; names a `Set-Cookie` cannot carry are left out).
pub(crate) fn auth_names(header: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    pieces(header)
        .take(MAX_COOKIES)
        .filter(|p| p.starts_with(AMPLIFY_PREFIX))
        .filter_map(parse)
        .filter(|&(n, _)| n.starts_with(AMPLIFY_PREFIX) && is_name(n) && seen.insert(n))
        .map(|(n, _)| n.to_owned())
        .collect()
}

/// The value of a cookie that must appear exactly once (the login flow's).
pub(crate) fn single(header: &str, name: &str) -> Result<String, Refusal> {
    let mut found = None;
    read(header, name, |n, v| {
        if n == name && found.replace(v).is_some() {
            return Err(Refusal::Duplicate);
        }
        Ok(())
    })?;
    found.map(|v| unquote(v).to_owned()).ok_or(Refusal::Missing)
}

/// Whether a piece is one of the edge's cookies (auth, flow or hint): no origin needs them.
fn is_edge_cookie(piece: &str) -> bool {
    piece.starts_with(AMPLIFY_PREFIX)
        || piece.starts_with(FLOW_PREFIX)
        || piece.starts_with(HINT_COOKIE) && parse(piece).is_some_and(|(n, _)| n == HINT_COOKIE)
}

/// The `Cookie` header without auth, flow or hint cookies (no origin needs them), the others
/// as sent: `None` when none of ours was sent, `Some("")` when nothing is left.
pub(crate) fn strip_auth(header: &str) -> Option<String> {
    if !header.contains(AMPLIFY_PREFIX)
        && !header.contains(FLOW_PREFIX)
        && !header.contains(HINT_COOKIE)
    {
        return None;
    }
    let mut kept = String::with_capacity(header.len());
    for piece in pieces(header).filter(|p| !is_edge_cookie(p)) {
        if !kept.is_empty() {
            kept.push_str("; ");
        }
        kept.push_str(piece);
    }
    Some(kept)
}

/// Whether a `Cookie` header carries the hint.
pub(crate) fn has_hint(header: &str) -> bool {
    header.contains(HINT_COOKIE)
        && pieces(header)
            .filter(|p| p.starts_with(HINT_COOKIE))
            .filter_map(parse)
            .any(|(n, _)| n == HINT_COOKIE)
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

/// Whether `name` is an HTTP token (RFC 9110's `tchar`s), as a cookie name must be.
fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `value` is RFC 6265 cookie-octets: printable ASCII but `"`, `,`, `;`, `\`, space.
pub(crate) fn is_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e))
}

/// Whether `path` can be a `Path` attribute: printable ASCII but `;`.
fn is_path(path: &str) -> bool {
    path.starts_with('/') && path.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b';')
}

/// A cookie with the house attributes (`SameSite=Lax`, `Secure` per config), or `None` when
/// the name, value or path cannot be written safely.
fn house<'c>(
    config: &Config,
    name: &'c str,
    value: &'c str,
    path: &'c str,
) -> Option<CookieBuilder<'c>> {
    (is_name(name) && is_value(value) && is_path(path)).then(|| {
        Cookie::build((name, value))
            .path(path)
            .secure(config.cookie_secure)
            .same_site(SameSite::Lax)
    })
}

/// Seconds as a `Max-Age`.
fn seconds(s: u64) -> Duration {
    Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX))
}

/// A `Set-Cookie` value with the house attributes and `HttpOnly`; `None` for a name, value
/// or path a `Set-Cookie` cannot carry (see [`is_value`]).
pub(crate) fn set(
    config: &Config,
    name: &str,
    value: &str,
    max_age: u64,
    path: &str,
) -> Option<String> {
    let cookie = house(config, name, value, path)?;
    Some(cookie.http_only(true).max_age(seconds(max_age)).to_string())
}

/// A `Set-Cookie` value that deletes a cookie (`Max-Age=0` and an `Expires` in 1970); `None`
/// for a name a `Set-Cookie` cannot carry.
pub(crate) fn clear(config: &Config, name: &str, path: &str) -> Option<String> {
    let cookie = house(config, name, "", path)?;
    Some(
        cookie
            .http_only(true)
            .max_age(Duration::ZERO)
            .expires(OffsetDateTime::UNIX_EPOCH)
            .to_string(),
    )
}

/// `Set-Cookie` for the hint (`es_signed_in=1`), lasting as long as the session may.
pub(crate) fn set_hint(config: &Config, max_age: u64) -> String {
    Cookie::build((HINT_COOKIE, "1"))
        .path("/")
        .secure(config.cookie_secure)
        .same_site(SameSite::Lax)
        .max_age(seconds(max_age))
        .to_string()
}

/// `Set-Cookie` deleting the hint.
pub(crate) fn clear_hint(config: &Config) -> String {
    Cookie::build((HINT_COOKIE, ""))
        .path("/")
        .secure(config.cookie_secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::ZERO)
        .expires(OffsetDateTime::UNIX_EPOCH)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_that_could_end_or_extend_a_header_are_not_cookie_octets() {
        for bad in [
            "a\r\nb", "a\nb", "a;b", "a b", "a,b", "a\"b", "a\\b", "a\u{7f}", "é",
        ] {
            assert!(!is_value(bad), "{bad:?}");
        }
        for good in [
            "",
            "1",
            "eyJhbGciOi.eyJzdWIi.sig-_",
            "alice%40example.com",
            "a=b+/",
        ] {
            assert!(is_value(good), "{good:?}");
        }
        assert!(!is_name("") && !is_name("a=b") && !is_name("a b") && !is_name("a\r"));
        assert!(!is_path("/a;b") && !is_path("/a\nb") && !is_path("a") && is_path("/auth/x"));
    }

    #[test]
    fn quotes_come_off_only_as_a_pair() {
        assert_eq!(unquote("\"abc\""), "abc");
        assert_eq!(unquote("\"abc"), "\"abc");
        assert_eq!(unquote("abc\""), "abc\"");
        assert_eq!(unquote("\""), "\"");
        assert_eq!(unquote("\"\""), "");
    }
}
