//! The compiled-in trust store holds the roots that anchor the endpoints the Lambdas call,
//! checked offline against the real root certificates (`tests/fixtures/roots/`, copied from
//! Debian's `ca-certificates`, i.e. Mozilla's root program): each must be in the store by
//! subject AND by public key (SPKI), so a root dropped from the set, or a same-named root with
//! another key, fails the build instead of a checkout in production.
//!
//! Two lists are checked, because two crates carry Mozilla's set: `webpki-root-certs` (whole
//! certificates: the AWS SDK's client, `shop::config::https_client`) and `webpki-roots` (trust
//! anchors: reqwest's and the Stripe client's rustls).

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use webpki::anchor_from_trusted_cert;

/// AWS's endpoints chain to Amazon Trust Services' roots; Starfield Services Root G2 is the
/// cross-sign older clients follow to them.
const AWS_ROOTS: &[(&str, &str)] = &[
    ("Amazon_Root_CA_1.crt", "Amazon Root CA 1"),
    ("Amazon_Root_CA_2.crt", "Amazon Root CA 2"),
    ("Amazon_Root_CA_3.crt", "Amazon Root CA 3"),
    ("Amazon_Root_CA_4.crt", "Amazon Root CA 4"),
    (
        "Starfield_Services_Root_Certificate_Authority_-_G2.crt",
        "Starfield Services Root Certificate Authority - G2",
    ),
];

/// api.stripe.com's chain roots: DigiCert Global Root G2 (Stripe's chain through 2025) and
/// DigiCert's G5 roots, which Stripe announced moving to (its SDKs' CA bundles, December 2025).
const STRIPE_ROOTS: &[(&str, &str)] = &[
    ("DigiCert_Global_Root_G2.crt", "DigiCert Global Root G2"),
    (
        "DigiCert_TLS_RSA4096_Root_G5.crt",
        "DigiCert TLS RSA4096 Root G5",
    ),
    (
        "DigiCert_TLS_ECC_P384_Root_G5.crt",
        "DigiCert TLS ECC P384 Root G5",
    ),
];

/// A root's identity: its subject (DER) and its SubjectPublicKeyInfo (DER).
#[derive(Debug, PartialEq, Eq)]
struct Anchor {
    subject: Vec<u8>,
    spki: Vec<u8>,
}

fn anchor_of(cert: &CertificateDer<'_>) -> Anchor {
    let a = anchor_from_trusted_cert(cert).expect("a parsable root certificate");
    Anchor {
        subject: a.subject.as_ref().to_vec(),
        spki: a.subject_public_key_info.as_ref().to_vec(),
    }
}

/// The fixture's certificate, checked to be the root it is named for (a wrong file would
/// otherwise test another root).
fn fixture(file: &str, common_name: &str) -> Anchor {
    let path = format!("{}/tests/fixtures/roots/{file}", env!("CARGO_MANIFEST_DIR"));
    let cert = CertificateDer::from_pem_file(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let anchor = anchor_of(&cert);
    assert!(
        anchor
            .subject
            .windows(common_name.len())
            .any(|w| w == common_name.as_bytes()),
        "{file} is not {common_name}"
    );
    anchor
}

/// The SDK's store (whole certificates) and reqwest's/Stripe's (anchors), as identities.
fn stores() -> [(&'static str, Vec<Anchor>); 2] {
    let sdk = shop::config::trusted_roots()
        .iter()
        .map(anchor_of)
        .collect();
    let anchors = webpki_roots::TLS_SERVER_ROOTS
        .iter()
        .map(|a| Anchor {
            subject: a.subject.as_ref().to_vec(),
            spki: a.subject_public_key_info.as_ref().to_vec(),
        })
        .collect();
    [
        ("webpki-root-certs (AWS SDK)", sdk),
        ("webpki-roots (reqwest, Stripe)", anchors),
    ]
}

fn assert_trusted(roots: &[(&str, &str)]) {
    let stores = stores();
    for (file, name) in roots {
        let want = fixture(file, name);
        for (store, anchors) in &stores {
            let same_subject: Vec<&Anchor> = anchors
                .iter()
                .filter(|a| a.subject == want.subject)
                .collect();
            assert!(
                !same_subject.is_empty(),
                "{name}: no root with its subject in {store}"
            );
            assert!(
                same_subject.iter().any(|a| a.spki == want.spki),
                "{name}: in {store} by subject, but with another public key"
            );
        }
    }
}

#[test]
fn the_roots_anchoring_aws_endpoints_are_compiled_in() {
    assert_trusted(AWS_ROOTS);
}

#[test]
fn the_roots_anchoring_api_stripe_com_are_compiled_in() {
    assert_trusted(STRIPE_ROOTS);
}

/// The check itself can fail: a same-named root with another key is told apart.
#[test]
fn a_root_with_another_key_is_not_taken_for_the_real_one() {
    let real = fixture("Amazon_Root_CA_1.crt", "Amazon Root CA 1");
    let other = fixture("Amazon_Root_CA_2.crt", "Amazon Root CA 2");
    let forged = Anchor {
        subject: real.subject.clone(),
        spki: other.spki,
    };
    let [(_, sdk), _] = stores();
    assert!(sdk.contains(&real));
    assert!(!sdk.contains(&forged));
}

/// The SDK's store is not empty and holds only parsable roots (the SDK's client would panic
/// on a bad one when it makes its first connection).
#[test]
fn every_compiled_in_root_parses() {
    let roots = shop::config::trusted_roots();
    assert!(roots.len() > 100, "{} roots", roots.len());
    for cert in roots {
        anchor_of(cert);
    }
}
