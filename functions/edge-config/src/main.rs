//! `edge-config`: the SAM template's custom resource Lambda (`Custom::EdgeConfig` and
//! `Custom::UserPoolClientUrls`). `main` builds the clients, with timeouts, and hands each
//! request to [`edge_config::resource::handle`], which always answers CloudFormation before the
//! invocation's deadline, also on failure, so a stack never waits an hour for it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::timeout::TimeoutConfig;
use edge_config::resource::{Clients, handle};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;
use shop::config::LazyClient;

/// Time kept before the invocation's deadline to answer CloudFormation.
const ANSWER_MARGIN: Duration = Duration::from_secs(15);

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let aws = shop::config::lambda_sdk_loader()
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(60))
                .operation_attempt_timeout(Duration::from_secs(20))
                .build(),
        )
        .load()
        .await;
    let clients = Clients {
        lambda: LazyClient::new(&aws, aws_sdk_lambda::Client::new),
        cognito: LazyClient::new(&aws, aws_sdk_cognitoidentityprovider::Client::new),
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        answer_margin: ANSWER_MARGIN,
    };
    let clients = &clients;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = instant_of(event.context.deadline);
        handle(clients, event.payload, deadline).await
    }))
    .await
}

/// The invocation's deadline (milliseconds since the epoch) as a monotonic instant.
fn instant_of(deadline_ms: u64) -> tokio::time::Instant {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    tokio::time::Instant::now() + Duration::from_millis(deadline_ms.saturating_sub(now_ms))
}
