//! Configuration every Lambda reads from its environment, with one rule for each kind of
//! value: a variable set to nothing (or only white space) is unset; a required one that is
//! unset is an error naming it. Secrets (the Stripe keys, in SSM) are read by the Lambdas'
//! mains (the `bootstrap` crate), so that nothing else links the SSM client.
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the shop's DynamoDB table |
//! | `DYNAMODB_ENDPOINT` | endpoint override for a stand-in (optional; other services follow the SDK's `AWS_ENDPOINT_URL_<SERVICE>`) |
//!
//! Every HTTPS client of the Lambdas trusts one compiled-in root store ([`trusted_roots`]:
//! Mozilla's set from `webpki-root-certs`) and runs rustls on `ring`: nothing is read from
//! `/etc/ssl` at start (reading it was most of a Lambda's init), and no C crypto library is
//! built. The AWS SDK's clients get it through [`https_client`] (set by [`sdk_loader`]);
//! reqwest and the Stripe client use `webpki-roots`, the same set as trust anchors. A test
//! (`tests/trust_store.rs`) holds both sets to the real roots of AWS's and Stripe's chains.
//!
//! Logs are set up by the runtime's own helper (`lambda_runtime::tracing::init_default_subscriber`:
//! `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else `info`; JSON when `AWS_LAMBDA_LOG_FORMAT` is
//! `JSON`, as the template's `LoggingConfig` sets it).

use std::sync::{Arc, LazyLock};

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use base64::Engine as _;
use rustls_pki_types::CertificateDer;

use crate::Store;

/// A setting is missing or unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is not set (or empty).
    #[error("environment variable {0} is not set")]
    Missing(String),
}

/// The value of `name`, or `None` when unset or blank.
pub fn optional(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The value of `name`, which must be set.
pub fn required(name: &str) -> Result<String, ConfigError> {
    optional(name).ok_or_else(|| ConfigError::Missing(name.to_owned()))
}

/// The root certificates every HTTPS client of the shop trusts: Mozilla's root program's set,
/// compiled in (`webpki-root-certs`), so no Lambda reads a CA bundle at start.
pub fn trusted_roots() -> &'static [CertificateDer<'static>] {
    webpki_root_certs::TLS_SERVER_ROOT_CERTS
}

/// The HTTP client of every AWS SDK client: hyper 1 + rustls on `ring`, trusting exactly
/// [`trusted_roots`] (the platform's store is off). Built through the SDK's own builder
/// (`aws-smithy-http-client`), which keeps the SDK's timeouts, pooling and cipher choice.
pub fn https_client() -> SharedHttpClient {
    // The SDK's trust store takes PEM (it decodes it when the first connection is made).
    let mut store = TrustStore::empty().with_native_roots(false);
    for cert in trusted_roots() {
        store.add_pem_certificate(pem(cert));
    }
    let context = TlsContext::builder()
        .with_trust_store(store)
        .build()
        .expect("a TLS context is only data: building it cannot fail");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https()
}

/// A DER certificate as one PEM block (base64 in 64-character lines). Encoded in one pass
/// per certificate: the store is built at every cold start.
fn pem(cert: &CertificateDer<'_>) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
    let mut pem = String::with_capacity(body.len() + body.len() / 64 + 64);
    pem.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        // Base64 is ASCII: every chunk is a whole `str`.
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

/// The SDK's configuration loader with the shop's [`https_client`]: every SDK configuration
/// (Lambdas, the CLI, the stand-ins' clients) starts here.
pub fn sdk_loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
}

/// The AWS configuration of a process outside Lambda (the CLI): the SDK's whole default chain
/// of credentials and region (profiles, SSO, instance roles…).
pub async fn sdk_config() -> SdkConfig {
    sdk_loader().load().await
}

/// [`sdk_loader`] as a Lambda needs it: the role's credentials and the region are always in
/// the function's environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, `AWS_REGION`), so the SDK's default chains (profile files, SSO, web
/// identity, container and instance metadata) are not built: that was 1.1 of a cold start's
/// ~4 ms of init over a hello-world (`make bench-init`).
pub fn lambda_sdk_loader() -> ConfigLoader {
    sdk_loader()
        .credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        )
        .region(aws_config::environment::EnvironmentVariableRegionProvider::new())
}

/// The AWS configuration of a Lambda's environment ([`lambda_sdk_loader`]).
pub async fn lambda_sdk_config() -> SdkConfig {
    lambda_sdk_loader().load().await
}

/// An AWS SDK client made on its first use: a Lambda's init builds only the clients every
/// invocation needs. Building an SDK crate's first client costs ~0.75 ms (it compiles the
/// crate's endpoint partition rules), so the owner's photo uploads (S3) or a stock-only
/// catalogue change (no S3, no CloudFront) do not make every cold start pay for them.
/// Derefs to the client; [`LazyClient::from`] wraps one already made (tests, shop-local).
pub struct LazyClient<C>(Arc<LazyLock<C, Box<dyn FnOnce() -> C + Send>>>);

impl<C: Send + 'static> LazyClient<C> {
    /// `make(sdk)` on first use (e.g. `LazyClient::new(&sdk, aws_sdk_s3::Client::new)`).
    pub fn new(sdk: &SdkConfig, make: fn(&SdkConfig) -> C) -> Self {
        let sdk = sdk.clone();
        LazyClient(Arc::new(LazyLock::new(Box::new(move || make(&sdk)))))
    }
}

impl<C: Send + 'static> From<C> for LazyClient<C> {
    fn from(client: C) -> Self {
        LazyClient(Arc::new(LazyLock::new(Box::new(move || client))))
    }
}

impl<C> std::ops::Deref for LazyClient<C> {
    type Target = C;
    fn deref(&self) -> &C {
        LazyLock::force(&self.0)
    }
}

impl<C> Clone for LazyClient<C> {
    fn clone(&self) -> Self {
        LazyClient(self.0.clone())
    }
}

impl<C: std::fmt::Debug> std::fmt::Debug for LazyClient<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The table (`TABLE_NAME`, `DYNAMODB_ENDPOINT`).
pub fn store(sdk: &SdkConfig) -> Result<Store, ConfigError> {
    let mut conf = aws_sdk_dynamodb::config::Builder::from(sdk);
    if let Some(endpoint) = optional("DYNAMODB_ENDPOINT") {
        conf = conf.endpoint_url(endpoint);
    }
    Ok(Store::new(
        aws_sdk_dynamodb::Client::from_conf(conf.build()),
        required("TABLE_NAME")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_root_goes_to_the_sdk_as_the_same_certificate() {
        use rustls_pki_types::pem::PemObject;
        for cert in trusted_roots() {
            let pem = pem(cert);
            assert!(pem.lines().all(|l| l.len() <= 64), "{pem}");
            let back = CertificateDer::from_pem_slice(pem.as_bytes()).expect("valid PEM");
            assert_eq!(back.as_ref(), cert.as_ref());
        }
    }

    #[test]
    fn blank_is_unset_and_values_are_trimmed() {
        // (Setting variables is `unsafe` in edition 2024, which the workspace denies: only the
        // unset case is tested here; the state builders' tests cover set values.)
        let name = "EDGE_SHOP_CONFIG_TEST_UNSET_7f3a";
        assert_eq!(optional(name), None);
        let e = required(name).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
    }
}
