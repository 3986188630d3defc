//! The edge function's configuration, baked into `config.json` at deploy time.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::keys::{KeyError, KeySet};

/// Everything the edge needs to know about the user pool, its app client, the hosted UI and
/// the shop's paths. Lambda@Edge has no environment variables, so this is read from the
/// bundle's `config.json` (format documented in `edge/README.md`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The app client id: `aud` of id tokens, `client_id` of access tokens, cookie names.
    pub client_id: String,
    /// The app client secret, when the client has one (sent as HTTP Basic auth).
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Expected `iss` of every token, e.g. `https://cognito-idp.us-east-1.amazonaws.com/<pool>`.
    pub issuer: String,
    /// The hosted UI's `/oauth2/authorize` endpoint.
    pub authorize_url: String,
    /// The hosted UI's sign-up page, taking the same query as `authorize_url`; by default
    /// `authorize_url` with `/oauth2/authorize` replaced by `/signup` (Cognito's hosted UI).
    #[serde(default)]
    pub signup_url: Option<String>,
    /// The hosted UI's `/oauth2/token` endpoint.
    pub token_url: String,
    /// The hosted UI's `/oauth2/revoke` endpoint; sign-out skips revocation without it.
    #[serde(default)]
    pub revoke_url: Option<String>,
    /// Where sign-out finally sends the browser (the hosted UI `/logout?...` URL); the
    /// `after_signout` path on this host when absent (the local stack has no `/logout`).
    #[serde(default)]
    pub logout_url: Option<String>,
    /// The shop's public origin (`https://shop.example`), used for the OAuth `redirect_uri`;
    /// `https://<Host header>` when absent.
    #[serde(default)]
    pub base_url: Option<String>,
    /// OAuth scopes asked for at login.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Secret for signing the login state (HMAC-SHA256); at least 32 characters.
    pub state_secret: String,
    /// Whether cookies carry `Secure` (false only for the local stack on plain http).
    #[serde(default = "default_true")]
    pub cookie_secure: bool,
    /// Seconds a login flow (state + PKCE verifier) stays valid.
    #[serde(default = "default_state_max_age")]
    pub state_max_age: u64,
    /// `Max-Age` of the token cookies: how long a session may be refreshed.
    #[serde(default = "default_session_max_age")]
    pub session_max_age: u64,
    /// Allowed clock skew for `exp`/`nbf`, in seconds.
    #[serde(default = "default_leeway")]
    pub leeway: u64,
    /// The paths the edge itself answers.
    #[serde(default)]
    pub paths: AuthPaths,
    /// Path rules, first match wins; the routing table's (`edge/routes.json`) when absent.
    #[serde(default = "default_rules")]
    pub rules: Vec<Rule>,
    /// Access for paths no rule matches.
    #[serde(default = "default_access")]
    pub default_access: Access,
    /// Path prefixes of the JSON API: bearer token added, JSON 401 instead of redirects.
    #[serde(default = "default_api_prefixes")]
    pub api_prefixes: Vec<String>,
    /// Security headers for generated responses and the origin-response handler; the
    /// built-in defaults when absent.
    #[serde(default)]
    pub security_headers: Option<BTreeMap<String, String>>,
    /// The user pool's JWKS (`{"keys":[...]}`), baked in so a cold start makes no network call.
    #[serde(default)]
    pub jwks: Option<serde_json::Value>,
    /// Where to fetch the JWKS when a token names an unknown `kid` (key rotation);
    /// `<issuer>/.well-known/jwks.json` when absent. See [`Config::jwks_url`].
    #[serde(default)]
    pub jwks_url: Option<String>,
    /// The directory index of the S3 origin (`index.html`): a forwarded page path ending in
    /// `/` gets it appended, a GET/HEAD of a dotless last segment is redirected (301) to the
    /// path with a trailing slash. Empty disables both.
    #[serde(default = "default_index_document")]
    pub index_document: String,
}

/// The paths the edge answers itself instead of forwarding.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthPaths {
    /// The OAuth redirect target: exchanges the code and sets the cookies.
    pub callback: String,
    /// Revokes the refresh token, clears the cookies and ends the hosted-UI session.
    pub signout: String,
    /// Starts a login; `?next=/path` says where to land afterwards.
    pub signin: String,
    /// Starts the same flow at the hosted UI's sign-up page (`?next=` as for `signin`).
    pub signup: String,
    /// Where the browser lands after sign-out when no `logout_url` is configured.
    pub after_signout: String,
}

impl Default for AuthPaths {
    fn default() -> Self {
        Self {
            callback: "/auth/callback".into(),
            signout: "/auth/signout".into(),
            signin: "/auth/signin".into(),
            signup: "/auth/signup".into(),
            after_signout: "/".into(),
        }
    }
}

/// One path rule: a pattern and who may pass.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// `/exact/path`, `/prefix/*` (also matches `/prefix`), or `/prefix*`.
    pub path: String,
    /// Who may pass.
    pub access: Access,
}

impl Rule {
    /// Whether this rule applies to a normalised path.
    pub fn matches(&self, path: &str) -> bool {
        if let Some(dir) = self.path.strip_suffix("/*") {
            path == dir || (path.starts_with(dir) && path[dir.len()..].starts_with('/'))
        } else if let Some(prefix) = self.path.strip_suffix('*') {
            path.starts_with(prefix)
        } else {
            path == self.path
        }
    }
}

/// Who may pass a path. In JSON: `"public"`, `"signed_in"` or `"group:<name>"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(try_from = "String", into = "String")]
pub enum Access {
    /// Anyone; auth cookies are still stripped.
    Public,
    /// Anyone with valid tokens.
    SignedIn,
    /// Signed in and a member of this Cognito group.
    Group(String),
}

impl From<Access> for String {
    fn from(a: Access) -> String {
        match a {
            Access::Public => "public".into(),
            Access::SignedIn => "signed_in".into(),
            Access::Group(g) => format!("group:{g}"),
        }
    }
}

impl TryFrom<String> for Access {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "public" => Ok(Access::Public),
            "signed_in" => Ok(Access::SignedIn),
            _ => match s.strip_prefix("group:") {
                Some(g) if !g.is_empty() => Ok(Access::Group(g.to_owned())),
                _ => Err(format!(
                    "access must be \"public\", \"signed_in\" or \"group:<name>\", not {s:?}"
                )),
            },
        }
    }
}

/// Why a configuration was rejected.
#[derive(Debug)]
pub enum ConfigError {
    /// Not valid JSON, or a field is missing or of the wrong type.
    Json(serde_json::Error),
    /// A value is present but unusable.
    Invalid(String),
    /// The baked-in JWKS is unusable.
    Keys(KeyError),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Json(e) => write!(f, "config: {e}"),
            ConfigError::Invalid(m) => write!(f, "config: {m}"),
            ConfigError::Keys(e) => write!(f, "config jwks: {e}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Parses and checks a `config.json`.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let config: Config = serde_json::from_str(json).map_err(ConfigError::Json)?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.state_secret.len() < 32 {
            return bad("state_secret must have at least 32 characters");
        }
        if self.client_id.is_empty() || self.issuer.is_empty() {
            return bad("client_id and issuer must not be empty");
        }
        for p in [
            &self.paths.callback,
            &self.paths.signout,
            &self.paths.signin,
            &self.paths.signup,
            &self.paths.after_signout,
        ] {
            if crate::redirect::safe_local_path(p).as_deref() != Some(p.as_str()) {
                return bad("paths must be plain local paths starting with '/'");
            }
        }
        if self
            .client_id
            .contains(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
        {
            return bad("client_id must be alphanumeric (it is part of cookie names)");
        }
        if self
            .index_document
            .contains(|c: char| !c.is_ascii_alphanumeric() && !matches!(c, '.' | '_' | '-'))
        {
            return bad("index_document must be a plain file name like \"index.html\" (or empty)");
        }
        if let Some(url) = &self.jwks_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return bad("jwks_url must be an http(s) URL");
        }
        Ok(())
    }

    /// The key set from the baked-in `jwks` (empty when there is none).
    pub fn key_set(&self) -> Result<KeySet, ConfigError> {
        match &self.jwks {
            Some(v) => KeySet::from_jwks_value(v).map_err(ConfigError::Keys),
            None => Ok(KeySet::empty()),
        }
    }

    /// The JWKS URL fetched when a token names an unknown `kid`: `jwks_url`, or
    /// `<issuer>/.well-known/jwks.json` (Cognito's, and cognito-local's).
    pub fn jwks_url(&self) -> String {
        match &self.jwks_url {
            Some(url) => url.clone(),
            None => format!(
                "{}/.well-known/jwks.json",
                self.issuer.trim_end_matches('/')
            ),
        }
    }

    /// The hosted UI's sign-up page (see [`Config::signup_url`]'s field).
    pub fn signup_url(&self) -> String {
        match &self.signup_url {
            Some(url) => url.clone(),
            None => match self.authorize_url.strip_suffix("/oauth2/authorize") {
                Some(base) => format!("{base}/signup"),
                None => self.authorize_url.clone(),
            },
        }
    }

    /// Whether a normalised path lies in the edge's own area: the directory of the callback,
    /// sign-in and sign-out paths (`/auth/` by default), the directory itself included.
    pub fn is_auth_area(&self, path: &str) -> bool {
        [
            &self.paths.callback,
            &self.paths.signin,
            &self.paths.signup,
            &self.paths.signout,
        ]
        .into_iter()
        .any(|p| match p.rfind('/') {
            Some(i) if i > 0 => path.starts_with(&p[..=i]) || path == &p[..i],
            _ => path == p.as_str(),
        })
    }

    /// The access rule for a normalised path.
    pub fn access_for(&self, path: &str) -> &Access {
        self.rules
            .iter()
            .find(|r| r.matches(path))
            .map_or(&self.default_access, |r| &r.access)
    }

    /// Whether a normalised path belongs to the JSON API.
    pub fn is_api(&self, path: &str) -> bool {
        self.api_prefixes
            .iter()
            .any(|p| path.starts_with(p.as_str()) || p.strip_suffix('/').is_some_and(|d| path == d))
    }

    /// The OAuth `redirect_uri` for a request arriving with this `Host`.
    pub fn redirect_uri(&self, host: &str) -> String {
        match &self.base_url {
            Some(base) => format!("{}{}", base.trim_end_matches('/'), self.paths.callback),
            None => format!("https://{host}{}", self.paths.callback),
        }
    }
}

fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}
fn default_true() -> bool {
    true
}
fn default_state_max_age() -> u64 {
    600
}
fn default_session_max_age() -> u64 {
    30 * 24 * 3600
}
fn default_leeway() -> u64 {
    30
}
fn default_rules() -> Vec<Rule> {
    crate::routes::RoutingTable::builtin().rules("admin")
}
fn default_access() -> Access {
    Access::Public
}
fn default_index_document() -> String {
    "index.html".into()
}
fn default_api_prefixes() -> Vec<String> {
    vec!["/api/".into()]
}
