//! The `reservation-sweeper` Lambda (EventBridge schedule): builds its state
//! from the environment and runs [`stream_handlers::sweeper::sweep`].
//!
//! Environment: `TABLE_NAME`, `STRIPE_API_BASE` (default Stripe's API), and
//! the Stripe secret from the SSM parameter named by `STRIPE_SECRET_PARAM`
//! or, locally, `STRIPE_SECRET_KEY`.

use lambda_runtime::{LambdaEvent, service_fn};
use shop::config;
use stream_handlers::sweeper::{State, sweep};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = config::lambda_sdk_config().await;
    let state = State {
        store: config::store(&sdk)?,
        payments: bootstrap::secrets::payments(&sdk).await?,
    };
    let state = &state;
    lambda_runtime::run(service_fn(
        move |_event: LambdaEvent<serde_json::Value>| async move {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            let report = sweep(state, now).await?;
            Ok::<_, lambda_runtime::Error>(report.to_json())
        },
    ))
    .await
}
