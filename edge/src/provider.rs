//! A verify-only RS256 `CryptoProvider` for `jsonwebtoken`, backed by `ring`.
//!
//! `jsonwebtoken`'s own backends are either slow (`rust_crypto`: ~300 µs per RSA-2048 verify)
//! or large (`aws_lc_rs`: ~800 KB zipped). `ring` verifies in tens of microseconds and adds
//! little code, and the edge never signs a JWT, so this provider only verifies RS256.

use std::sync::Once;

use jsonwebtoken::crypto::{CryptoProvider, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind};
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: |_, _| Err(ErrorKind::InvalidAlgorithm.into()),
    verifier_factory,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Installs the provider as `jsonwebtoken`'s process default (once; a provider installed
/// earlier by someone else stays, which is fine for verification).
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = PROVIDER.install_default();
    });
}

fn verifier_factory(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    if *alg != Algorithm::RS256 || key.family() != AlgorithmFamily::Rsa {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    Ok(Box::new(Rs256(key.clone())))
}

struct Rs256(DecodingKey);

impl signature::Verifier<Vec<u8>> for Rs256 {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        match self.0.kind() {
            DecodingKeyKind::RsaModulusExponent { n, e } => RsaPublicKeyComponents { n, e }
                .verify(&RSA_PKCS1_2048_8192_SHA256, msg, sig)
                .map_err(|_| signature::Error::new()),
            DecodingKeyKind::SecretOrDer(_) => Err(signature::Error::new()),
        }
    }
}

impl JwtVerifier for Rs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::RS256
    }
}
