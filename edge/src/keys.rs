//! The user pool's signing keys (from its JWKS) and the cache of tokens already verified.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use jsonwebtoken::DecodingKey;
use serde::Deserialize;

use crate::token::{TokenKind, User};

/// How many verified tokens a warm container remembers before it starts forgetting.
const CACHE_CAPACITY: usize = 4096;

/// The RSA keys that may sign tokens, by `kid`, plus a cache of verified tokens so a warm
/// container does not re-verify the same cookie on every request.
///
/// The cache is keyed by a cheap hash of the token's tail (its signature) and each entry keeps
/// the whole token: a hit counts only when the presented token is byte-for-byte the verified
/// one, so a hash collision costs a verification, never a forgery.
pub struct KeySet {
    keys: Vec<(String, DecodingKey)>,
    cache: Mutex<HashMap<u64, Cached>>,
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
        let kids: Vec<&str> = self.keys.iter().map(|(k, _)| k.as_str()).collect();
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
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Json(e) => write!(f, "not a JWKS document: {e}"),
            KeyError::BadKey(kid) => write!(f, "key {kid:?} has a malformed n or e"),
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
            keys: Vec::new(),
            cache: Mutex::new(HashMap::new()),
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
        let mut set = Self::empty();
        for k in jwks.keys {
            let usable = k.kty == "RSA"
                && k.alg.as_deref().is_none_or(|a| a == "RS256")
                && k.use_.as_deref().is_none_or(|u| u == "sig");
            if !usable {
                continue;
            }
            let key = DecodingKey::from_rsa_components(&k.n, &k.e)
                .map_err(|_| KeyError::BadKey(k.kid.clone()))?;
            set.keys.push((k.kid, key));
        }
        Ok(set)
    }

    /// The number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there are no usable keys.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Whether a key with this `kid` is known.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.key(kid).is_some()
    }

    pub(crate) fn key(&self, kid: &str) -> Option<&DecodingKey> {
        self.keys.iter().find(|(k, _)| k == kid).map(|(_, key)| key)
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
