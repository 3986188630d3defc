//! The `order-events` Lambda: builds its state from the environment and runs
//! [`stream_handlers::order_events::handle`] on the table's stream records.
//!
//! Environment: `TABLE_NAME`, `FROM_EMAIL`, `STRIPE_API_BASE` (default
//! Stripe's API), the Stripe secret from the SSM parameter named by
//! `STRIPE_SECRET_PARAM` or, locally, `STRIPE_SECRET_KEY`, and the site's
//! `SITE_CONFIG` (the catalogue publisher's: the emails' shop name and links), and
//! `ORDER_NOTIFICATION_EMAIL` ([`order_events::OWNER_EMAIL_VAR`]: the owner's address for
//! new-order notices; unset or empty, none are sent).

use lambda_runtime::{LambdaEvent, service_fn};
use shop::config;
use stream_handlers::order_events::{self, State, handle};
use stream_handlers::{catalogue_publisher, records};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let sdk = config::lambda_sdk_config().await;
    let letterhead = order_events::letterhead(&catalogue_publisher::site_config_from_env()?);
    let state = State {
        store: config::store(&sdk)?,
        payments: bootstrap::secrets::payments(&sdk).await?,
        mailer: order_events::mailer(
            config::LazyClient::new(&sdk, aws_sdk_sesv2::Client::new),
            &config::required("FROM_EMAIL")?,
            &letterhead,
        ),
        letterhead,
        owner_email: config::optional(order_events::OWNER_EMAIL_VAR),
    };
    let state = &state;
    // The event is decoded record by record (`records`): one unreadable record is reported as
    // failed on its own instead of failing the whole batch.
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let (batch, unreadable) = records::decode_event(event.payload).into_event();
            let response = handle(state, batch).await;
            Ok::<_, lambda_runtime::Error>(records::report_unreadable(response, unreadable))
        },
    ))
    .await
}
