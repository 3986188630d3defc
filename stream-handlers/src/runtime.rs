//! What every stream-handler binary does before handing over to the Lambda
//! runtime: JSON logs, AWS configuration, settings from the environment.

use aws_config::{BehaviorVersion, SdkConfig};

/// A required setting is missing or unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An environment variable is not set (or empty).
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    /// Reading the secret from SSM Parameter Store failed.
    #[error("reading SSM parameter {name}: {message}")]
    Ssm {
        /// The parameter name.
        name: String,
        /// What SSM said.
        message: String,
    },
}

/// JSON logs for CloudWatch (level from `RUST_LOG`, default `info`), without
/// ANSI colours or the time (Lambda adds it).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .init();
}

/// The AWS configuration from the Lambda environment (region, role credentials).
pub async fn aws_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// The value of environment variable `name`, required.
pub fn env(name: &'static str) -> Result<String, ConfigError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or(ConfigError::Missing(name))
}

/// The Stripe secret key: from the SSM parameter named by
/// `STRIPE_SECRET_PARAM` (a `SecureString`, decrypted), else from
/// `STRIPE_SECRET_KEY` (local runs).
pub async fn stripe_secret(config: &SdkConfig) -> Result<String, ConfigError> {
    if let Ok(name) = env("STRIPE_SECRET_PARAM") {
        let out = aws_sdk_ssm::Client::new(config)
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| ConfigError::Ssm {
                name: name.clone(),
                message: aws_sdk_ssm::error::DisplayErrorContext(&e).to_string(),
            })?;
        return out.parameter.and_then(|p| p.value).ok_or(ConfigError::Ssm {
            name,
            message: "parameter has no value".into(),
        });
    }
    env("STRIPE_SECRET_KEY").map_err(|_| ConfigError::Missing("STRIPE_SECRET_PARAM"))
}
