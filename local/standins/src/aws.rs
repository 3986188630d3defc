//! AWS SDK configuration pointing at a stand-in: same clients as production,
//! only the endpoint differs.

use aws_config::{BehaviorVersion, Region, SdkConfig};

/// Region used for every local stand-in.
pub const REGION: &str = "us-east-1";

/// An SDK config for a local endpoint, with dummy static credentials (the
/// stand-ins want a SigV4 header but check no secret).
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local",
            "local",
            None,
            None,
            "edge-shop-local",
        ))
        .load()
        .await
}

/// The SDK's HTTP client as the Lambdas build it (`shop::config::https_client`: hyper +
/// rustls on ring; the workspace builds the SDK without a default client), with no root
/// trusted: the stand-ins speak plain HTTP, so nothing here ever needs one.
fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore, rustls_provider::CryptoMode};
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::empty())
        .build()
        .expect("a TLS context is only data: building it cannot fail");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https()
}

/// A DynamoDB client for a local endpoint.
pub async fn dynamodb_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&sdk_config(endpoint).await)
}

/// An S3 client for a local endpoint (path-style addressing, as moto wants).
pub async fn s3_client(endpoint: &str) -> aws_sdk_s3::Client {
    let conf = sdk_config(endpoint).await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&conf)
            .force_path_style(true)
            .build(),
    )
}
