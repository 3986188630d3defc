//! The Lambdas' secrets: each is taken from its own variable when set (local runs), else from
//! the SSM parameter (a `SecureString`, decrypted) named by its `…_PARAM` variable (AWS), with
//! `shop::config`'s rules (blank is unset).
//!
//! | variable | meaning |
//! |---|---|
//! | `STRIPE_SECRET_PARAM` / `STRIPE_SECRET_KEY` | the SSM parameter holding the Stripe secret key, or the key |
//! | `STRIPE_API_BASE` | Stripe's base URL (default `https://api.stripe.com`; localstripe locally) |
//! | `SSM_ENDPOINT` | endpoint override for a stand-in (optional) |

use aws_config::SdkConfig;
use shop::config::optional;
use shop::payments::{Payments, STRIPE_API};

/// A secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// A secret has neither its variable nor its parameter.
    #[error("set {param} (an SSM parameter name) or {direct}")]
    Unset {
        /// The variable holding the value itself.
        direct: String,
        /// The variable naming the SSM parameter.
        param: String,
    },
    /// Reading an SSM parameter failed.
    #[error("reading SSM parameter {name}: {message}")]
    Ssm {
        /// The parameter.
        name: String,
        /// What SSM said.
        message: String,
    },
}

/// A secret: the value of `direct` when set (local runs), else the SSM parameter (a
/// `SecureString`, decrypted) named by `param`.
pub async fn secret(sdk: &SdkConfig, direct: &str, param: &str) -> Result<String, SecretError> {
    if let Some(v) = optional(direct) {
        return Ok(v);
    }
    let Some(name) = optional(param) else {
        return Err(SecretError::Unset {
            direct: direct.to_owned(),
            param: param.to_owned(),
        });
    };
    let mut conf = aws_sdk_ssm::config::Builder::from(sdk);
    if let Some(endpoint) = optional("SSM_ENDPOINT") {
        conf = conf.endpoint_url(endpoint);
    }
    let out = aws_sdk_ssm::Client::from_conf(conf.build())
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .map_err(|e| SecretError::Ssm {
            name: name.clone(),
            message: aws_sdk_ssm::error::DisplayErrorContext(&e).to_string(),
        })?;
    out.parameter.and_then(|p| p.value).ok_or(SecretError::Ssm {
        name,
        message: "the parameter has no value".into(),
    })
}

/// Stripe (`STRIPE_API_BASE`, the secret key).
pub async fn payments(sdk: &SdkConfig) -> Result<Payments, SecretError> {
    let key = secret(sdk, "STRIPE_SECRET_KEY", "STRIPE_SECRET_PARAM").await?;
    let base = optional("STRIPE_API_BASE").unwrap_or_else(|| STRIPE_API.to_owned());
    Ok(Payments::new(&base, key))
}
