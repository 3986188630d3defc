//! The login flow's state: a nonce and the requested path+query, HMAC-signed with a max age,
//! and the PKCE S256 verifier/challenge pair.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::{SecureRandom, SystemRandom};
use ring::{digest, hmac};
use serde::{Deserialize, Serialize};

use crate::config::Config;

/// What the `state` parameter carries through the hosted UI and back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FlowState {
    /// Random; names this flow's cookie, so parallel logins do not clobber each other.
    #[serde(rename = "n")]
    pub(crate) nonce: String,
    /// The local path (and query) to land on after login.
    #[serde(rename = "p")]
    pub(crate) path: String,
    /// When the flow started (seconds since the epoch).
    #[serde(rename = "t")]
    pub(crate) issued: u64,
}

/// Why a returned `state` was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StateError {
    /// Not ours: bad shape or bad signature.
    Tampered,
    /// Older than `state_max_age` (or from the future).
    Expired,
}

fn key(config: &Config) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, config.state_secret.as_bytes())
}

/// `base64url(json)` + `.` + `base64url(HMAC-SHA256(secret, json part))`.
pub(crate) fn sign(config: &Config, state: &FlowState) -> String {
    let json = serde_json::to_vec(state).unwrap_or_default();
    let payload = B64.encode(json);
    let tag = hmac::sign(&key(config), payload.as_bytes());
    format!("{payload}.{}", B64.encode(tag.as_ref()))
}

/// Checks the signature and age of a returned state.
pub(crate) fn verify(config: &Config, now: u64, signed: &str) -> Result<FlowState, StateError> {
    let (payload, tag) = signed.split_once('.').ok_or(StateError::Tampered)?;
    let tag = B64.decode(tag).map_err(|_| StateError::Tampered)?;
    hmac::verify(&key(config), payload.as_bytes(), &tag).map_err(|_| StateError::Tampered)?;
    let json = B64.decode(payload).map_err(|_| StateError::Tampered)?;
    let state: FlowState = serde_json::from_slice(&json).map_err(|_| StateError::Tampered)?;
    let age_ok = state.issued <= now.saturating_add(config.leeway)
        && now.saturating_sub(state.issued) <= config.state_max_age;
    if !age_ok {
        return Err(StateError::Expired);
    }
    Ok(state)
}

/// `n` random bytes, base64url encoded.
pub(crate) fn random_token(n: usize) -> String {
    let mut buf = vec![0u8; n];
    // The OS RNG failing leaves the buffer zeroed; a constant nonce would still be signed and
    // bound to a cookie, and getrandom does not fail on Linux.
    let _ = SystemRandom::new().fill(&mut buf);
    B64.encode(buf)
}

/// The PKCE S256 challenge for a verifier.
pub(crate) fn pkce_challenge(verifier: &str) -> String {
    B64.encode(digest::digest(&digest::SHA256, verifier.as_bytes()).as_ref())
}
