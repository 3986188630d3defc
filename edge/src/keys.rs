//! The user pool's signing keys (from its JWKS) and the cache of tokens already verified.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use crate::token::{TokenKind, User};

/// How many verified tokens a warm container remembers before it starts forgetting.
const CACHE_CAPACITY: usize = 4096;

/// Seconds between two JWKS fetches, whatever the kids (an attacker can mint kids freely).
pub const JWKS_FETCH_INTERVAL: u64 = 60;

/// Longer `kid`s never trigger a fetch (Cognito's are 44 characters).
const MAX_KID_LEN: usize = 128;

/// How many unknown kids a key set remembers having fetched for.
const TRIED_CAPACITY: usize = 1024;

/// The RSA keys that may sign tokens, by `kid`, plus a cache of verified tokens so a warm
/// container does not re-verify the same cookie on every request.
///
/// The cache is keyed by a cheap hash of the token's tail (its signature) and each entry keeps
/// the whole token: a hit counts only when the presented token is byte-for-byte the verified
/// one, so a hash collision costs a verification, never a forgery.
///
/// The keys can be replaced in place ([`KeySet::replace_from_jwks_json`]) after a JWKS fetch
/// that [`crate::Decision::FetchKeys`] asked for; the key set also remembers which unknown
/// kids it already asked for and when, so each kid causes at most one fetch and there is at
/// most one fetch every [`JWKS_FETCH_INTERVAL`] seconds.
pub struct KeySet {
    keys: RwLock<Arc<[(String, DecodingKey)]>>,
    cache: Mutex<HashMap<u64, Cached>>,
    fetches: Mutex<FetchLog>,
}

#[derive(Default)]
struct FetchLog {
    tried: HashSet<String>,
    last: Option<u64>,
}

#[derive(Clone)]
pub(crate) struct Cached {
    pub(crate) token: Arc<str>,
    pub(crate) kind: TokenKind,
    pub(crate) exp: u64,
    pub(crate) user: Arc<User>,
}

fn cache_key(token: &str, kind: TokenKind) -> u64 {
    use std::hash::{Hash, Hasher};
    let tail = &token.as_bytes()[token.len().saturating_sub(64)..];
    let mut h = std::collections::hash_map::DefaultHasher::new();
    tail.hash(&mut h);
    token.len().hash(&mut h);
    (kind == TokenKind::Id).hash(&mut h);
    h.finish()
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys = self.key_list();
        let kids: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("KeySet").field("kids", &kids).finish()
    }
}

/// Why a JWKS was rejected.
#[derive(Debug)]
pub enum KeyError {
    /// Not a JWKS document.
    Json(String),
    /// A key's modulus or exponent is not base64url.
    BadKey(String),
    /// No usable RS256 signing key (a replacement must not empty the key set).
    NoKeys,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Json(e) => write!(f, "not a JWKS document: {e}"),
            KeyError::BadKey(kid) => write!(f, "key {kid:?} has a malformed n or e"),
            KeyError::NoKeys => f.write_str("no usable RS256 signing key"),
        }
    }
}

impl std::error::Error for KeyError {}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kty: String,
    kid: String,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default, rename = "use")]
    use_: Option<String>,
    #[serde(default)]
    n: String,
    #[serde(default)]
    e: String,
}

impl KeySet {
    /// A key set with no keys: every token is refused with "unknown kid".
    pub fn empty() -> Self {
        crate::provider::install();
        KeySet {
            keys: RwLock::new(Arc::from(Vec::new())),
            cache: Mutex::new(HashMap::new()),
            fetches: Mutex::new(FetchLog::default()),
        }
    }

    /// Parses a JWKS document (`{"keys":[...]}`), keeping the RSA signing keys. Keys of other
    /// types or algorithms are skipped: only RS256 is ever accepted.
    pub fn from_jwks_json(json: &str) -> Result<Self, KeyError> {
        let jwks: Jwks = serde_json::from_str(json).map_err(|e| KeyError::Json(e.to_string()))?;
        Self::from_jwks(jwks)
    }

    /// Like [`KeySet::from_jwks_json`], from an already parsed value (the config's `jwks`).
    pub fn from_jwks_value(value: &serde_json::Value) -> Result<Self, KeyError> {
        let jwks = Jwks::deserialize(value).map_err(|e| KeyError::Json(e.to_string()))?;
        Self::from_jwks(jwks)
    }

    fn from_jwks(jwks: Jwks) -> Result<Self, KeyError> {
        let set = Self::empty();
        *set.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::from(parse_keys(jwks)?);
        Ok(set)
    }

    /// Replaces the keys with those of a freshly fetched JWKS document, after a
    /// [`crate::Decision::FetchKeys`]; answers the number of usable keys. On an error (not a
    /// JWKS, a malformed key, no usable key at all) the current keys stay. Tokens verified
    /// with the old keys are forgotten (a key that left the JWKS must stop counting).
    pub fn replace_from_jwks_json(&self, json: &str) -> Result<usize, KeyError> {
        let jwks: Jwks = serde_json::from_str(json).map_err(|e| KeyError::Json(e.to_string()))?;
        let keys = parse_keys(jwks)?;
        if keys.is_empty() {
            return Err(KeyError::NoKeys);
        }
        let n = keys.len();
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::from(keys);
        if let Ok(mut cache) = self.cache.lock() {
            cache.clear();
        }
        Ok(n)
    }

    /// The current keys, shared: a concurrent replacement does not disturb a verification.
    pub(crate) fn key_list(&self) -> Arc<[(String, DecodingKey)]> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.key_list().len()
    }

    /// Whether there are no usable keys.
    pub fn is_empty(&self) -> bool {
        self.key_list().is_empty()
    }

    /// Whether a key with this `kid` is known.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.key_list().iter().any(|(k, _)| k == kid)
    }

    /// Whether an unknown `kid` may cause a JWKS fetch at time `now`, recording the fetch if
    /// so: never twice for one kid, never twice within [`JWKS_FETCH_INTERVAL`] seconds.
    pub(crate) fn claim_fetch(&self, kid: &str, now: u64) -> bool {
        if kid.is_empty() || kid.len() > MAX_KID_LEN || self.has_kid(kid) {
            return false;
        }
        let Ok(mut log) = self.fetches.lock() else {
            return false;
        };
        let recent = log
            .last
            .is_some_and(|last| now.saturating_sub(last) < JWKS_FETCH_INTERVAL);
        if recent || log.tried.contains(kid) {
            return false;
        }
        if log.tried.len() >= TRIED_CAPACITY {
            log.tried.clear();
        }
        log.tried.insert(kid.to_owned());
        log.last = Some(now);
        true
    }

    /// The cached verification of exactly this token, if any.
    pub(crate) fn cached(&self, token: &str, kind: TokenKind) -> Option<(u64, Arc<User>)> {
        let cache = self.cache.lock().ok()?;
        let hit = cache.get(&cache_key(token, kind))?;
        (hit.kind == kind && *hit.token == *token).then(|| (hit.exp, hit.user.clone()))
    }

    pub(crate) fn remember(&self, entry: Cached, now: u64) {
        let hash = cache_key(&entry.token, entry.kind);
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.retain(|_, c| c.exp > now);
                if cache.len() >= CACHE_CAPACITY {
                    cache.clear();
                }
            }
            cache.insert(hash, entry);
        }
    }
}

/// The usable keys of a JWKS: RSA, RS256 (or no `alg`), `use` `sig` (or none). Keys of other
/// types or algorithms are skipped: only RS256 is ever accepted.
fn parse_keys(jwks: Jwks) -> Result<Vec<(String, DecodingKey)>, KeyError> {
    let mut keys = Vec::with_capacity(jwks.keys.len());
    for k in jwks.keys {
        let usable = k.kty == "RSA"
            && k.alg.as_deref().is_none_or(|a| a == "RS256")
            && k.use_.as_deref().is_none_or(|u| u == "sig");
        if !usable {
            continue;
        }
        let key = DecodingKey::from_rsa_components(&k.n, &k.e)
            .map_err(|_| KeyError::BadKey(k.kid.clone()))?;
        keys.push((k.kid, key));
    }
    Ok(keys)
}
