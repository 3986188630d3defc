//! The `catalogue-publisher` Lambda: builds its state from the environment
//! and runs [`stream_handlers::catalogue_publisher::handle`] on the table's
//! `PRODUCT` stream records. Environment: see the module's docs.

use lambda_runtime::{LambdaEvent, service_fn};
use shop::config;
use stream_handlers::catalogue_publisher::{DEFAULT_WORK_DIR, State, handle, site_config_from_env};
use stream_handlers::records;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = config::lambda_sdk_config().await;
    let work_dir = config::optional("WORK_DIR").unwrap_or_else(|| DEFAULT_WORK_DIR.to_owned());
    let state = State::new(
        config::store(&sdk)?,
        config::LazyClient::new(&sdk, aws_sdk_s3::Client::new),
        config::LazyClient::new(&sdk, aws_sdk_cloudfront::Client::new),
        config::required("SITE_BUCKET")?,
        config::required("DISTRIBUTION_ID")?,
        site_config_from_env()?,
        work_dir,
    );
    let state = &state;
    // The event is decoded record by record (`records`): one unreadable record is reported as
    // failed on its own instead of failing the whole batch.
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let (batch, unreadable) = records::decode_event(event.payload).into_event();
            // Boxed: the publisher's future is deep enough to overflow rustc's layout queries
            // when nested in the runtime's own.
            let response = Box::pin(handle(state, batch)).await;
            Ok::<_, lambda_runtime::Error>(records::report_unreadable(response, unreadable))
        },
    ))
    .await
}
