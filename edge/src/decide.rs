//! The decision procedure: what to do with one viewer request, and how to go on once the
//! token endpoint has answered.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{Access, Config};
use crate::cookies::{self, AuthCookies, FLOW_PREFIX};
use crate::form;
use crate::keys::KeySet;
use crate::paths::{encode_path, normalize_path};
use crate::redirect::safe_local_path;
use crate::responses::{Way, json_error, page, page_with, redirect};
use crate::state::{self, FlowState, StateError};
use crate::token::{Refusal, TokenKind, User, header_kid, verify};

/// The parts of a viewer request the core looks at (CloudFront's or `shop-local`'s).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path as received (not decoded), e.g. `/account/orders`.
    pub uri: String,
    /// The query string without `?` (CloudFront's `querystring`).
    pub querystring: String,
    /// The `Host` header.
    pub host: String,
    /// All `Cookie` headers joined with `"; "` (empty when none).
    pub cookie: String,
    /// The `Origin` header (empty when none): sign-out accepts only this site's.
    #[serde(default)]
    pub origin: String,
    /// The `Sec-Fetch-Site` header (empty when none): sign-out accepts only `same-origin`.
    #[serde(default)]
    pub sec_fetch_site: String,
    /// The `Authorization` header (empty when none): an API client's own `Bearer` token is
    /// forwarded untouched when it sends no auth cookies.
    #[serde(default)]
    pub authorization: String,
}

impl Request {
    /// Builds a request from its parts.
    pub fn new(method: &str, uri: &str, querystring: &str, host: &str, cookie: &str) -> Self {
        Request {
            method: method.into(),
            uri: uri.into(),
            querystring: querystring.into(),
            host: host.into(),
            cookie: cookie.into(),
            ..Request::default()
        }
    }

    /// The same request with the `Origin`, `Sec-Fetch-Site` and `Authorization` headers.
    pub fn with_headers(mut self, origin: &str, sec_fetch_site: &str, authorization: &str) -> Self {
        self.origin = origin.into();
        self.sec_fetch_site = sec_fetch_site.into();
        self.authorization = authorization.into();
        self
    }

    /// Whether a field holds a control character (CR, LF, NUL, ...): such a request is
    /// refused before anything else, so no header value the edge forwards or sets can carry
    /// a line break across the addon boundary or into a response.
    fn has_control_chars(&self) -> bool {
        [
            &self.method,
            &self.uri,
            &self.querystring,
            &self.host,
            &self.cookie,
            &self.origin,
            &self.sec_fetch_site,
            &self.authorization,
        ]
        .iter()
        .any(|f| form::has_control(f))
    }

    fn path_and_query(&self) -> String {
        if self.querystring.is_empty() {
            self.uri.clone()
        } else {
            format!("{}?{}", self.uri, self.querystring)
        }
    }
}

/// What to do with a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// Pass it on to the origin with these header changes.
    Forward(Forward),
    /// Answer it here.
    Respond(Respond),
    /// POST a form to the token (or revoke) endpoint, then call [`resume`] with the reply.
    TokenRequest(TokenRequest),
    /// A token names a `kid` the key set does not have (key rotation): GET the JWKS at `url`,
    /// give it to [`KeySet::replace_from_jwks_json`] (skip that if the fetch failed), then
    /// call [`retry`]. Asked at most once per unknown kid and once a minute per [`KeySet`];
    /// [`retry`] never asks again.
    FetchKeys(FetchKeys),
}

/// Changes for a forwarded request (header names lower-case).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Forward {
    /// Headers to set, replacing any present (`cookie` without auth cookies, `authorization`).
    pub set_headers: Vec<(String, String)>,
    /// Headers to remove (`cookie` when only auth cookies were sent).
    pub remove_headers: Vec<String>,
    /// The request's new path, when it changes: the directory index appended to a page path
    /// ending in `/` (`/p/sku-1/` → `/p/sku-1/index.html`), percent-encoded, query not
    /// included. `None`: keep the request's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
}

/// A JWKS fetch the caller must make on the core's behalf (see [`Decision::FetchKeys`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchKeys {
    /// The JWKS URL ([`Config::jwks_url`]): GET it, no credentials.
    pub url: String,
    /// The unknown `kid` (for logs).
    pub kid: String,
    /// Hand this to [`retry`] once the fetch is done (or failed). Holds tokens: memory only.
    pub retry: Retry,
}

/// What to run again after a JWKS fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Retry {
    /// [`decide`] this request again.
    Decide {
        /// The request.
        request: Request,
    },
    /// [`resume`] again with the same token-endpoint reply (its tokens named the new kid).
    Resume {
        /// The continuation.
        continuation: Continuation,
        /// The reply.
        reply: TokenReply,
    },
}

/// A generated response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Respond {
    /// HTTP status.
    pub status: u16,
    /// Headers (names lower-case), `set-cookie` excluded.
    pub headers: Vec<(String, String)>,
    /// `Set-Cookie` values.
    pub cookies: Vec<String>,
    /// Body (HTML or JSON), possibly empty.
    pub body: String,
}

impl Respond {
    /// The value of a header, by lower-case name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A form POST the caller must make on the core's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRequest {
    /// The endpoint.
    pub url: String,
    /// Request headers (`content-type`, and `authorization` for clients with a secret).
    pub headers: Vec<(String, String)>,
    /// The `application/x-www-form-urlencoded` body.
    pub body: String,
    /// Hand this back to [`resume`] with the reply. Holds tokens: keep it in memory only.
    pub continuation: Continuation,
}

/// What the core was doing when it asked for a token-endpoint call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Continuation {
    /// Exchanging an authorization code at `/auth/callback`.
    Callback {
        /// The local path+query to land on.
        target: String,
        /// The flow cookie to clear.
        flow_cookie: String,
    },
    /// Refreshing expired tokens for a request.
    Refresh {
        /// The request's path+query, replayed with a 307.
        target: String,
        /// The request's `Host` (for the login redirect if the refresh is refused).
        host: String,
        /// The refresh token used (kept when the reply brings no new one).
        refresh_token: String,
        /// Whether the request was for the JSON API.
        api: bool,
        /// Every auth cookie the browser sent (cleared if the refresh is refused).
        names: Vec<String>,
    },
    /// Revoking the refresh token at sign-out.
    Revoke {
        /// Every auth cookie the browser sent.
        names: Vec<String>,
    },
}

/// The token endpoint's answer: HTTP status (0 when the call failed) and body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenReply {
    /// HTTP status, or 0 when there was no answer.
    pub status: u16,
    /// The response body.
    pub body: String,
}

/// Decides what to do with a viewer request at time `now` (seconds since the epoch).
pub fn decide(config: &Config, keys: &KeySet, now: u64, req: &Request) -> Decision {
    decide_with(config, keys, now, req, true)
}

/// Goes on after a [`Decision::FetchKeys`]: decides or resumes again with the key set as it
/// is now (replaced or not). Answers `Forward`, `Respond` or `TokenRequest`, never
/// `FetchKeys`.
pub fn retry(config: &Config, keys: &KeySet, now: u64, retry: Retry) -> Decision {
    match retry {
        Retry::Decide { request } => decide_with(config, keys, now, &request, false),
        Retry::Resume {
            continuation,
            reply,
        } => resume_with(config, keys, now, continuation, &reply, false),
    }
}

/// A [`Decision::FetchKeys`] when `token` names a kid that may be fetched now (recorded in
/// the key set), `None` otherwise.
fn fetch_keys(
    config: &Config,
    keys: &KeySet,
    now: u64,
    token: Option<&str>,
    retry: impl FnOnce() -> Retry,
) -> Option<Decision> {
    let kid = header_kid(token?).ok()?;
    keys.claim_fetch(&kid, now).then(|| {
        Decision::FetchKeys(FetchKeys {
            url: config.jwks_url(),
            kid,
            retry: retry(),
        })
    })
}

fn decide_with(
    config: &Config,
    keys: &KeySet,
    now: u64,
    req: &Request,
    allow_fetch: bool,
) -> Decision {
    let path = normalize_path(&req.uri);
    let api = config.is_api(&path);
    if req.has_control_chars() || form::has_control(&path) {
        return Decision::Respond(if api {
            json_error(
                config,
                400,
                "bad_request",
                "control characters in the request",
            )
        } else {
            page(
                config,
                400,
                "Bad request",
                "The request holds control characters.",
            )
        });
    }
    let paths = &config.paths;
    if path == paths.callback {
        return callback(config, keys, now, req);
    }
    if path == paths.signout {
        return signout(config, req);
    }
    if path == paths.signin || path == paths.signup {
        let next = form::query_param(&req.querystring, "next")
            .and_then(|n| safe_local_path(&n))
            .unwrap_or_else(|| "/".into());
        let endpoint = if path == paths.signup {
            config.signup_url()
        } else {
            config.authorize_url.clone()
        };
        return Decision::Respond(login_at(config, &endpoint, now, req, next, Vec::new()));
    }
    let access = config.access_for(&path);
    if *access == Access::Public {
        return directory_index(config, req, &path, api, forward(req, &path, None));
    }
    // An API client with its own bearer token and no session cookies: forwarded as is, the
    // API's JWT authorizer (API Gateway in AWS, shop-local's gateway locally) verifies it.
    if api
        && req.authorization.starts_with("Bearer ")
        && !req.cookie.contains(cookies::AMPLIFY_PREFIX)
    {
        return Decision::Forward(forward(req, &path, None));
    }
    let parsed = AuthCookies::parse(config, &req.cookie);
    let session = parsed
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|c| session(config, keys, now, c, api));
    match session {
        Ok((user, token)) => {
            if let Access::Group(group) = access
                && !user.groups.iter().any(|g| g == group)
            {
                return Decision::Respond(if api {
                    json_error(config, 403, "forbidden", "this needs the admin group")
                } else {
                    page_with(
                        config,
                        403,
                        "Not allowed",
                        "Your account may not open this page. To use another account, sign out \
                         first.",
                        &[Way::SignOut(&config.paths.signout)],
                    )
                });
            }
            let bearer = api.then_some(token);
            directory_index(config, req, &path, api, forward(req, &path, bearer))
        }
        Err(Refusal::Expired) => match parsed {
            Ok(AuthCookies {
                refresh: Some(refresh),
                ..
            }) => refresh_request(config, req, refresh.to_owned(), api),
            _ => unauthenticated(config, now, req, api, cookies::auth_names(&req.cookie)),
        },
        Err(Refusal::UnknownKid) if allow_fetch => {
            let token = parsed
                .as_ref()
                .ok()
                .and_then(|c| if api { c.access } else { c.id });
            fetch_keys(config, keys, now, token, || Retry::Decide {
                request: req.clone(),
            })
            .unwrap_or_else(|| {
                unauthenticated(config, now, req, api, cookies::auth_names(&req.cookie))
            })
        }
        Err(_) => unauthenticated(config, now, req, api, cookies::auth_names(&req.cookie)),
    }
}

/// The S3 origin serves no index document for sub-folders: a page path ending in `/` is
/// forwarded as `<path><index_document>`; a GET/HEAD whose last segment has no dot is
/// redirected (301) to the path with a trailing slash, query kept. Never for the API or the
/// edge's own paths, nor when `index_document` is empty.
fn directory_index(
    config: &Config,
    req: &Request,
    path: &str,
    api: bool,
    mut f: Forward,
) -> Decision {
    let index = &config.index_document;
    if api || index.is_empty() || config.is_auth_area(path) {
        return Decision::Forward(f);
    }
    if path.ends_with('/') {
        let mut uri = encode_path(path);
        uri.push_str(index);
        f.uri = Some(uri);
        return Decision::Forward(f);
    }
    let last = path.rsplit('/').next().unwrap_or_default();
    if last.contains('.') || !matches!(req.method.as_str(), "GET" | "HEAD") {
        return Decision::Forward(f);
    }
    let mut location = encode_path(path);
    location.push('/');
    if !req.querystring.is_empty() {
        location.push('?');
        location.push_str(&req.querystring);
    }
    match safe_local_path(&location) {
        Some(location) => Decision::Respond(redirect(config, 301, &location)),
        None => Decision::Forward(f),
    }
}

/// Verifies the token the request will use: the access token for the API (it becomes the
/// bearer token), the id token for pages. Groups come from that token's `cognito:groups`.
fn session<'a>(
    config: &Config,
    keys: &KeySet,
    now: u64,
    c: &AuthCookies<'a>,
    api: bool,
) -> Result<(Arc<User>, &'a str), Refusal> {
    let (token, kind) = if api {
        (c.access, TokenKind::Access)
    } else {
        (c.id, TokenKind::Id)
    };
    let token = token.ok_or(Refusal::Missing)?;
    Ok((verify(config, keys, now, token, kind)?, token))
}

/// The forward decision: auth cookies stripped, the bearer token set for the API, and the
/// normalised path re-encoded as the URI whenever it differs from the one received, so the
/// origin is asked for exactly the path the access rule was checked against
/// (`/api/admin/%2e%2e/orders` reaches the origin as `/api/orders`).
fn forward(req: &Request, path: &str, bearer: Option<&str>) -> Forward {
    let mut f = Forward::default();
    if path != req.uri {
        let uri = encode_path(path);
        if uri != req.uri {
            f.uri = Some(uri);
        }
    }
    match cookies::strip_auth(&req.cookie) {
        Some(rest) if rest.is_empty() => f.remove_headers.push("cookie".into()),
        Some(rest) => f.set_headers.push(("cookie".into(), rest)),
        None => {}
    }
    if let Some(token) = bearer {
        f.set_headers
            .push(("authorization".into(), format!("Bearer {token}")));
    }
    f
}

fn unauthenticated(
    config: &Config,
    now: u64,
    req: &Request,
    api: bool,
    names: Vec<String>,
) -> Decision {
    let mut clears: Vec<String> = names
        .iter()
        .filter_map(|n| cookies::clear(config, n, "/"))
        .collect();
    if !clears.is_empty() || cookies::has_hint(&req.cookie) {
        clears.push(cookies::clear_hint(config));
    }
    if api {
        let mut r = json_error(config, 401, "unauthorized", "sign in first");
        r.cookies = clears;
        return Decision::Respond(r);
    }
    let target = safe_local_path(&req.path_and_query()).unwrap_or_else(|| "/".into());
    Decision::Respond(login(config, now, req, target, clears))
}

/// A redirect to the hosted UI, with a fresh nonce, signed state and PKCE pair, and the flow
/// cookie holding the verifier.
fn login(
    config: &Config,
    now: u64,
    req: &Request,
    target: String,
    cookies_out: Vec<String>,
) -> Respond {
    login_at(config, &config.authorize_url, now, req, target, cookies_out)
}

/// [`login`] at another hosted-UI page taking the same parameters (`/signup`).
fn login_at(
    config: &Config,
    endpoint: &str,
    now: u64,
    req: &Request,
    target: String,
    mut cookies_out: Vec<String>,
) -> Respond {
    let nonce = state::random_token(16);
    let verifier = state::random_token(32);
    let signed = state::sign(
        config,
        &FlowState {
            nonce: nonce.clone(),
            path: target,
            issued: now,
        },
    );
    let scope = config.scopes.join(" ");
    let redirect_uri = config.redirect_uri(&req.host);
    let challenge = state::pkce_challenge(&verifier);
    let query = form::pairs(&[
        ("response_type", "code"),
        ("client_id", &config.client_id),
        ("redirect_uri", &redirect_uri),
        ("scope", &scope),
        ("state", &signed),
        ("code_challenge_method", "S256"),
        ("code_challenge", &challenge),
    ]);
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    let mut r = redirect(config, 302, &format!("{endpoint}{sep}{query}"));
    // The nonce and verifier are base64url: always a cookie's name and value.
    cookies_out.extend(cookies::set(
        config,
        &format!("{FLOW_PREFIX}{nonce}"),
        &verifier,
        config.state_max_age,
        &config.paths.callback,
    ));
    r.cookies = cookies_out;
    r
}

fn callback(config: &Config, keys: &KeySet, now: u64, req: &Request) -> Decision {
    let q = &req.querystring;
    if let Some(err) = form::query_param(q, "error") {
        return Decision::Respond(page(
            config,
            401,
            "Sign-in failed",
            &format!("The sign-in service answered: {err}."),
        ));
    }
    let (Some(code), Some(signed)) = (form::query_param(q, "code"), form::query_param(q, "state"))
    else {
        return Decision::Respond(page(
            config,
            400,
            "Sign-in failed",
            "The sign-in link is incomplete.",
        ));
    };
    let flow = match state::verify(config, now, &signed) {
        Ok(flow) => flow,
        Err(StateError::Expired) => {
            return Decision::Respond(page(
                config,
                400,
                "Sign-in expired",
                "The sign-in took too long. Please try again.",
            ));
        }
        Err(StateError::Tampered) => {
            return Decision::Respond(page(
                config,
                400,
                "Sign-in failed",
                "The sign-in state is not valid.",
            ));
        }
    };
    let flow_cookie = format!("{FLOW_PREFIX}{}", flow.nonce);
    let verifier = match cookies::single(&req.cookie, &flow_cookie) {
        Ok(v) => v,
        Err(_) => return Decision::Respond(flow_ended(config, keys, now, req, &flow.path)),
    };
    let redirect_uri = config.redirect_uri(&req.host);
    let body = form::pairs(&[
        ("grant_type", "authorization_code"),
        ("client_id", &config.client_id),
        ("code", &code),
        ("redirect_uri", &redirect_uri),
        ("code_verifier", &verifier),
    ]);
    Decision::TokenRequest(TokenRequest {
        url: config.token_url.clone(),
        headers: token_headers(config),
        body,
        continuation: Continuation::Callback {
            target: flow.path,
            flow_cookie,
        },
    })
}

/// A callback whose flow cookie is gone: its sign-in already ended in this browser (the login
/// page came back with Back, or a second tab signed in first), or it was started in another
/// browser. Someone signed in goes on to where the sign-in was going: the code is not redeemed,
/// so nobody is signed in who was not already, and the state's path was signed by this edge.
/// Anyone else is offered a fresh sign-in to that place.
fn flow_ended(config: &Config, keys: &KeySet, now: u64, req: &Request, path: &str) -> Respond {
    let target = safe_local_path(path).unwrap_or_else(|| "/".into());
    let signed_in = AuthCookies::parse(config, &req.cookie)
        .is_ok_and(|c| session(config, keys, now, &c, false).is_ok());
    if signed_in {
        return redirect(config, 302, &target);
    }
    let again = format!(
        "{}?{}",
        config.paths.signin,
        form::pairs(&[("next", &target)])
    );
    page_with(
        config,
        400,
        "Sign-in failed",
        "This sign-in was already used, or was started in another browser.",
        &[Way::Link(&again, "Sign in again")],
    )
}

fn refresh_request(config: &Config, req: &Request, refresh: String, api: bool) -> Decision {
    let body = form::pairs(&[
        ("grant_type", "refresh_token"),
        ("client_id", &config.client_id),
        ("refresh_token", &refresh),
    ]);
    Decision::TokenRequest(TokenRequest {
        url: config.token_url.clone(),
        headers: token_headers(config),
        body,
        continuation: Continuation::Refresh {
            target: safe_local_path(&req.path_and_query()).unwrap_or_else(|| "/".into()),
            host: req.host.clone(),
            refresh_token: refresh,
            api,
            names: cookies::auth_names(&req.cookie),
        },
    })
}

/// Sign-out changes state (it revokes the refresh token), so it is a POST from this site's
/// own pages only: a GET answers a page with the sign-out button (a cross-site link signs
/// nobody out), and a POST must come with `Sec-Fetch-Site: same-origin` or, from browsers
/// that do not send it, an `Origin` equal to this site's.
fn signout(config: &Config, req: &Request) -> Decision {
    match req.method.as_str() {
        "POST" => {}
        "GET" | "HEAD" => {
            return Decision::Respond(page_with(
                config,
                200,
                "Sign out",
                "Sign out of the shop on this browser?",
                &[Way::SignOut(&config.paths.signout)],
            ));
        }
        _ => {
            let mut r = page(config, 405, "Not allowed", "Sign out with the button.");
            r.headers.push(("allow".into(), "GET, HEAD, POST".into()));
            return Decision::Respond(r);
        }
    }
    if !same_origin(config, req) {
        return Decision::Respond(page(
            config,
            403,
            "Not allowed",
            "Sign-out must come from the shop's own page.",
        ));
    }
    let names = cookies::auth_names(&req.cookie);
    let refresh = AuthCookies::parse(config, &req.cookie)
        .ok()
        .and_then(|c| c.refresh.map(str::to_owned));
    match (&config.revoke_url, refresh) {
        (Some(url), Some(token)) => Decision::TokenRequest(TokenRequest {
            url: url.clone(),
            headers: token_headers(config),
            body: form::pairs(&[("token", &token), ("client_id", &config.client_id)]),
            continuation: Continuation::Revoke { names },
        }),
        _ => Decision::Respond(signed_out(config, &names)),
    }
}

/// Whether a request comes from this site's own pages (see [`signout`]).
fn same_origin(config: &Config, req: &Request) -> bool {
    match req.sec_fetch_site.as_str() {
        "same-origin" => return true,
        "" => {}
        _ => return false,
    }
    if req.origin.is_empty() {
        return false;
    }
    let own = match &config.base_url {
        Some(base) => base.trim_end_matches('/').to_owned(),
        None => format!("https://{}", req.host),
    };
    req.origin == own
}

fn signed_out(config: &Config, names: &[String]) -> Respond {
    let location = config
        .logout_url
        .clone()
        .unwrap_or_else(|| config.paths.after_signout.clone());
    // 303: the browser follows a POST's redirect with a GET.
    let mut r = redirect(config, 303, &location);
    r.cookies = names
        .iter()
        .filter_map(|n| cookies::clear(config, n, "/"))
        .collect();
    r.cookies.push(cookies::clear_hint(config));
    r
}

fn token_headers(config: &Config) -> Vec<(String, String)> {
    let mut h = vec![(
        "content-type".to_owned(),
        "application/x-www-form-urlencoded".to_owned(),
    )];
    if let Some(secret) = &config.client_secret {
        use base64::Engine as _;
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{secret}", config.client_id));
        h.push(("authorization".into(), format!("Basic {basic}")));
    }
    h
}

#[derive(Deserialize)]
struct Tokens {
    id_token: String,
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: String,
}

/// Goes on with a [`Continuation`] once the token or revoke endpoint has replied. Answers
/// [`Decision::FetchKeys`] when the new tokens name an unknown kid (then [`retry`]).
pub fn resume(
    config: &Config,
    keys: &KeySet,
    now: u64,
    continuation: Continuation,
    reply: &TokenReply,
) -> Decision {
    resume_with(config, keys, now, continuation, reply, true)
}

fn resume_with(
    config: &Config,
    keys: &KeySet,
    now: u64,
    continuation: Continuation,
    reply: &TokenReply,
    allow_fetch: bool,
) -> Decision {
    if let Continuation::Revoke { names } = &continuation {
        return Decision::Respond(signed_out(config, names));
    }
    let verified = verified_tokens(config, keys, now, reply);
    if allow_fetch
        && let Err(failure) = &verified
        && let Some(kid) = &failure.unknown_kid
        && keys.claim_fetch(kid, now)
    {
        return Decision::FetchKeys(FetchKeys {
            url: config.jwks_url(),
            kid: kid.clone(),
            retry: Retry::Resume {
                continuation,
                reply: reply.clone(),
            },
        });
    }
    match continuation {
        Continuation::Revoke { names } => Decision::Respond(signed_out(config, &names)),
        Continuation::Callback {
            target,
            flow_cookie,
        } => {
            let clear_flow = cookies::clear(config, &flow_cookie, &config.paths.callback);
            let verified = verified.and_then(|(tokens, user)| {
                session_cookies(config, &user, &tokens, None)
                    .ok_or_else(|| Failure::from("token not usable in a cookie".to_owned()))
            });
            let mut r = match verified {
                Ok(session) => {
                    let target = safe_local_path(&target).unwrap_or_else(|| "/".into());
                    let mut r = redirect(config, 302, &target);
                    r.cookies = session;
                    r
                }
                Err(failure) => page(
                    config,
                    502,
                    "Sign-in failed",
                    &format!("The sign-in could not be completed ({}).", failure.why),
                ),
            };
            r.cookies.extend(clear_flow);
            Decision::Respond(r)
        }
        Continuation::Refresh {
            target,
            host,
            refresh_token,
            api,
            names,
        } => match verified.and_then(|(tokens, user)| {
            session_cookies(config, &user, &tokens, Some(&refresh_token))
                .ok_or_else(|| Failure::from("token not usable in a cookie".to_owned()))
        }) {
            Ok(mut cookies_out) => {
                let target = safe_local_path(&target).unwrap_or_else(|| "/".into());
                let mut r = redirect(config, 307, &target);
                let fresh: Vec<&str> = cookies_out
                    .iter()
                    .filter_map(|c| c.split('=').next())
                    .collect();
                let stale: Vec<String> = names
                    .iter()
                    .filter(|n| !fresh.contains(&n.as_str()))
                    .filter_map(|n| cookies::clear(config, n, "/"))
                    .collect();
                cookies_out.extend(stale);
                r.cookies = cookies_out;
                Decision::Respond(r)
            }
            Err(_) if reply.status == 0 || reply.status >= 500 => Decision::Respond(if api {
                json_error(
                    config,
                    502,
                    "auth_unavailable",
                    "sign-in service unavailable",
                )
            } else {
                page(
                    config,
                    502,
                    "Sign-in unavailable",
                    "The sign-in service did not answer. Please try again.",
                )
            }),
            Err(_) => {
                // invalid_grant (or tokens we cannot accept): start over, never loop.
                let req = Request {
                    uri: target.split('?').next().unwrap_or("/").to_owned(),
                    querystring: target
                        .split_once('?')
                        .map(|(_, q)| q.to_owned())
                        .unwrap_or_default(),
                    host,
                    ..Request::default()
                };
                unauthenticated(config, now, &req, api, names)
            }
        },
    }
}

/// Why a token reply was not accepted.
struct Failure {
    /// The OAuth error code, or the refusal.
    why: String,
    /// The kid of a token refused for naming an unknown kid.
    unknown_kid: Option<String>,
}

impl From<String> for Failure {
    fn from(why: String) -> Self {
        Failure {
            why,
            unknown_kid: None,
        }
    }
}

/// Parses a successful token reply and verifies both tokens, so a session the edge would
/// refuse is never set (that is what would make a redirect loop).
fn verified_tokens(
    config: &Config,
    keys: &KeySet,
    now: u64,
    reply: &TokenReply,
) -> Result<(Tokens, Arc<User>), Failure> {
    if reply.status != 200 {
        let code = serde_json::from_str::<OAuthError>(&reply.body)
            .map(|e| e.error)
            .unwrap_or_else(|_| format!("status {}", reply.status));
        return Err(code.into());
    }
    let tokens: Tokens =
        serde_json::from_str(&reply.body).map_err(|_| "unreadable token reply".to_owned())?;
    let check = |token: &str, kind| {
        verify(config, keys, now, token, kind).map_err(|e| Failure {
            why: e.to_string(),
            unknown_kid: (e == Refusal::UnknownKid)
                .then(|| header_kid(token).ok())
                .flatten(),
        })
    };
    check(&tokens.id_token, TokenKind::Id)?;
    let user = check(&tokens.access_token, TokenKind::Access)?;
    Ok((tokens, user))
}

/// The session's `Set-Cookie`s (`LastAuthUser`, the tokens, the hint). `None` when a token
/// cannot be a cookie value: the refresh token is opaque to the edge, and one holding `;`, a
/// space or a line break from a token endpoint is refused rather than written.
fn session_cookies(
    config: &Config,
    user: &User,
    tokens: &Tokens,
    old_refresh: Option<&str>,
) -> Option<Vec<String>> {
    let age = config.session_max_age;
    let name = |field: &str| cookies::token_name(config, &user.username, field);
    let mut out = vec![
        cookies::set(
            config,
            &cookies::last_user_name(config),
            &form::encode(&user.username),
            age,
            "/",
        )?,
        cookies::set(config, &name("idToken"), &tokens.id_token, age, "/")?,
        cookies::set(config, &name("accessToken"), &tokens.access_token, age, "/")?,
    ];
    if let Some(refresh) = tokens.refresh_token.as_deref().or(old_refresh) {
        out.push(cookies::set(
            config,
            &name("refreshToken"),
            refresh,
            age,
            "/",
        )?);
    }
    out.push(cookies::set_hint(config, age));
    Some(out)
}
