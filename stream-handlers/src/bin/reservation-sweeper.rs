//! The `reservation-sweeper` Lambda (EventBridge schedule): builds its state
//! from the environment and runs [`stream_handlers::sweeper::sweep`].
//!
//! Environment: `TABLE_NAME`, `STRIPE_API_BASE` (default Stripe's API), and
//! the Stripe secret from the SSM parameter named by `STRIPE_SECRET_PARAM`
//! or, locally, `STRIPE_SECRET_KEY`.

use lambda_runtime::{LambdaEvent, service_fn};
use shop::Store;
use shop::payments::{Payments, STRIPE_API};
use stream_handlers::runtime;
use stream_handlers::sweeper::{State, sweep};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    runtime::init_tracing();
    let config = runtime::aws_config().await;
    let base = runtime::env("STRIPE_API_BASE").unwrap_or_else(|_| STRIPE_API.to_owned());
    let state = State {
        store: Store::new(
            aws_sdk_dynamodb::Client::new(&config),
            runtime::env("TABLE_NAME")?,
        ),
        payments: Payments::new(&base, runtime::stripe_secret(&config).await?),
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
