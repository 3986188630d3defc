//! Building the routers' state from the Lambda's environment, once per cold start.
//!
//! | variable | meaning |
//! |---|---|
//! | `TABLE_NAME` | the shop's DynamoDB table (required) |
//! | `STRIPE_API_BASE` | Stripe's base URL (default `https://api.stripe.com`; localstripe locally) |
//! | `STRIPE_SECRET_PARAM` | SSM parameter (SecureString) holding the Stripe secret key |
//! | `STRIPE_SECRET_KEY` | the key itself, for local runs (wins over the parameter) |
//! | `STRIPE_WEBHOOK_SECRET_PARAM` | SSM parameter holding the webhook signing secret |
//! | `STRIPE_WEBHOOK_SECRET` | the secret itself, for local runs |
//! | `DYNAMODB_ENDPOINT`, `SSM_ENDPOINT` | endpoint overrides for stand-ins (optional) |
//! | `USER_POOL_ID` | the Cognito user pool (admin API: required; shopper API: optional, for the email lookup) |
//! | `ADMIN_GROUP` | the group whose members may use the admin API (default `admin`) |
//! | `SITE_BUCKET` | the site bucket; presigned image uploads go to `images/` in it (admin API) |
//!
//! Other endpoints (Cognito, S3) follow the SDK's own `AWS_ENDPOINT_URL_<SERVICE>` variables.

use anyhow::{Context, Result, bail};
use aws_config::{BehaviorVersion, SdkConfig};
use shop::Store;
use shop::payments::{Payments, STRIPE_API};

use crate::admin::{ADMIN_GROUP, AdminState};
use crate::shopper::ShopperState;
use crate::users::UserDirectory;
use crate::webhook::WebhookState;

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// JSON logs for CloudWatch, level from `RUST_LOG` (default `info`).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .without_time()
        .with_target(false)
        .init();
}

async fn sdk() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// A secret from `direct` if set, else from the SSM parameter named by `param`.
async fn secret(sdk: &SdkConfig, direct: &str, param: &str) -> Result<String> {
    if let Some(v) = var(direct) {
        return Ok(v);
    }
    let Some(name) = var(param) else {
        bail!("set {param} (an SSM parameter name) or {direct}");
    };
    let mut conf = aws_sdk_ssm::config::Builder::from(sdk);
    if let Some(endpoint) = var("SSM_ENDPOINT") {
        conf = conf.endpoint_url(endpoint);
    }
    let out = aws_sdk_ssm::Client::from_conf(conf.build())
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .with_context(|| format!("reading SSM parameter {name}"))?;
    out.parameter
        .and_then(|p| p.value)
        .with_context(|| format!("SSM parameter {name} has no value"))
}

async fn store(sdk: &SdkConfig) -> Result<Store> {
    let table = var("TABLE_NAME").context("TABLE_NAME is not set")?;
    let mut conf = aws_sdk_dynamodb::config::Builder::from(sdk);
    if let Some(endpoint) = var("DYNAMODB_ENDPOINT") {
        conf = conf.endpoint_url(endpoint);
    }
    Ok(Store::new(
        aws_sdk_dynamodb::Client::from_conf(conf.build()),
        table,
    ))
}

async fn payments(sdk: &SdkConfig) -> Result<Payments> {
    let key = secret(sdk, "STRIPE_SECRET_KEY", "STRIPE_SECRET_PARAM").await?;
    let base = var("STRIPE_API_BASE").unwrap_or_else(|| STRIPE_API.to_owned());
    Ok(Payments::new(&base, key))
}

/// The shopper API's state from the environment.
pub async fn shopper_state() -> Result<ShopperState> {
    let sdk = sdk().await;
    Ok(ShopperState {
        store: store(&sdk).await?,
        payments: payments(&sdk).await?,
        users: var("USER_POOL_ID").map(|pool| UserDirectory::new(cognito(&sdk), pool)),
    })
}

fn cognito(sdk: &SdkConfig) -> aws_sdk_cognitoidentityprovider::Client {
    aws_sdk_cognitoidentityprovider::Client::new(sdk)
}

/// The admin API's state from the environment.
pub async fn admin_state() -> Result<AdminState> {
    let sdk = sdk().await;
    let pool = var("USER_POOL_ID").context("USER_POOL_ID is not set")?;
    Ok(AdminState {
        store: store(&sdk).await?,
        payments: payments(&sdk).await?,
        users: UserDirectory::new(cognito(&sdk), pool),
        s3: aws_sdk_s3::Client::new(&sdk),
        site_bucket: var("SITE_BUCKET").context("SITE_BUCKET is not set")?,
        admin_group: var("ADMIN_GROUP").unwrap_or_else(|| ADMIN_GROUP.to_owned()),
    })
}

/// The webhook's state from the environment.
pub async fn webhook_state() -> Result<WebhookState> {
    let sdk = sdk().await;
    Ok(WebhookState {
        store: store(&sdk).await?,
        payments: payments(&sdk).await?,
        secret: secret(&sdk, "STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET_PARAM").await?,
    })
}
