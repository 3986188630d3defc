//! Building the HTTP routers' state from the Lambda's environment, once per cold start, with
//! `shop::config`'s rules (blank is unset; a secret's own variable wins over its parameter,
//! [`crate::secrets`]).
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

use anyhow::Result;
use aws_config::SdkConfig;
use functions::admin::{ADMIN_GROUP, AdminState};
use functions::shopper::ShopperState;
use functions::users::UserDirectory;
use functions::webhook::WebhookState;
use shop::config::{LazyClient, lambda_sdk_config, optional, required, store};

use crate::secrets::{payments, secret};

/// The shopper API's state from the environment.
pub async fn shopper_state() -> Result<ShopperState> {
    let sdk = lambda_sdk_config().await;
    Ok(ShopperState {
        store: store(&sdk)?,
        payments: payments(&sdk).await?,
        users: optional("USER_POOL_ID").map(|pool| UserDirectory::new(cognito(&sdk), pool)),
    })
}

/// Cognito, made on first use (the shopper API asks it only for a checkout's email).
fn cognito(sdk: &SdkConfig) -> LazyClient<aws_sdk_cognitoidentityprovider::Client> {
    LazyClient::new(sdk, aws_sdk_cognitoidentityprovider::Client::new)
}

/// The admin API's state from the environment.
pub async fn admin_state() -> Result<AdminState> {
    let sdk = lambda_sdk_config().await;
    let pool = required("USER_POOL_ID")?;
    Ok(AdminState {
        store: store(&sdk)?,
        payments: payments(&sdk).await?,
        users: UserDirectory::new(cognito(&sdk), pool),
        s3: LazyClient::new(&sdk, aws_sdk_s3::Client::new),
        site_bucket: required("SITE_BUCKET")?,
        admin_group: optional("ADMIN_GROUP").unwrap_or_else(|| ADMIN_GROUP.to_owned()),
    })
}

/// The webhook's state from the environment.
pub async fn webhook_state() -> Result<WebhookState> {
    let sdk = lambda_sdk_config().await;
    // Both secrets at once: in AWS each is an SSM round trip at cold start, and one after the
    // other on the same connection the second waited ~45 ms more (`make bench-init`, ssm rows).
    let (payments, secret) = tokio::try_join!(
        payments(&sdk),
        secret(&sdk, "STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET_PARAM"),
    )?;
    Ok(WebhookState {
        store: store(&sdk)?,
        payments,
        secret,
    })
}
