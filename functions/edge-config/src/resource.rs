//! What the custom resource does with one CloudFormation request, always answering it before
//! the invocation's deadline (`Custom::EdgeConfig` and `Custom::UserPoolClientUrls`).
//!
//! The work runs under one deadline: the invocation's, less [`Clients::answer_margin`] kept
//! for the answer. Work still running then (a slow download, an update poll, a call that hangs)
//! is abandoned and CloudFormation is told FAILED, instead of getting no answer and waiting
//! about an hour. The SDK clients carry their own operation timeouts too (`main`).

use std::time::Duration;

use anyhow::{Context, bail};
use aws_sdk_lambda::types::LastUpdateStatus;
use serde_json::{Value, json};
use tokio::time::Instant;

use shop::config::LazyClient;

use crate::{
    ClientUrlSettings, EdgeSettings, Request, Response, check_jwks, edge_config,
    generate_state_secret, inject_config,
};

/// What a request needs to reach.
pub struct Clients {
    /// Lambda (the edge function's code and versions; made on first use: a Delete needs none).
    pub lambda: LazyClient<aws_sdk_lambda::Client>,
    /// Cognito (the app client's URLs; likewise).
    pub cognito: LazyClient<aws_sdk_cognitoidentityprovider::Client>,
    /// Plain HTTPS: the JWKS, the package download, CloudFormation's response URL.
    pub http: reqwest::Client,
    /// Time kept before the invocation's deadline to answer CloudFormation.
    pub answer_margin: Duration,
}

/// Handles one request and answers CloudFormation at its response URL before `deadline` (the
/// invocation's).
pub async fn handle(
    clients: &Clients,
    payload: Value,
    deadline: Instant,
) -> Result<(), lambda_runtime::Error> {
    let req: Request = serde_json::from_value(payload).context("not a CloudFormation request")?;
    tracing::info!(
        request_type = %req.request_type,
        resource_type = %req.resource_type,
        logical_id = %req.logical_resource_id,
        "custom resource request"
    );
    let work_deadline = deadline
        .checked_sub(clients.answer_margin)
        .unwrap_or_else(Instant::now);
    let answer = match tokio::time::timeout_at(work_deadline, run(clients, &req)).await {
        Ok(Ok((physical, data))) => Response::success(&req, physical, data),
        Ok(Err(err)) => {
            tracing::error!(error = format!("{err:#}"), "custom resource failed");
            Response::failed(&req, &format!("{err:#}"))
        }
        Err(_) => {
            tracing::error!("custom resource ran out of time");
            Response::failed(
                &req,
                "the custom resource ran out of time before its Lambda deadline; see its logs",
            )
        }
    };
    // The presigned URL is signed without a content type: send none.
    let put = clients
        .http
        .put(&req.response_url)
        .body(serde_json::to_vec(&answer)?)
        .send();
    let status = tokio::time::timeout_at(deadline, put)
        .await
        .map_err(|_| "answering CloudFormation ran out of time")?
        .context("answering CloudFormation")?
        .status();
    if !status.is_success() {
        return Err(format!("CloudFormation's response URL answered {status}").into());
    }
    Ok(())
}

async fn run(clients: &Clients, req: &Request) -> anyhow::Result<(String, Value)> {
    if req.request_type == "Delete" {
        // Published versions go with the function (Lambda@Edge replicas cannot be deleted
        // by hand anyway); the app client goes with the pool. Nothing to undo.
        let physical = req
            .physical_resource_id
            .clone()
            .unwrap_or_else(|| req.logical_resource_id.clone());
        return Ok((physical, json!({})));
    }
    match req.resource_type.as_str() {
        "Custom::EdgeConfig" => {
            let settings: EdgeSettings = serde_json::from_value(req.resource_properties.clone())
                .context("Custom::EdgeConfig properties")?;
            let arn = publish_configured_version(clients, &settings).await?;
            Ok((arn.clone(), json!({ "VersionArn": arn })))
        }
        "Custom::UserPoolClientUrls" => {
            let settings: ClientUrlSettings =
                serde_json::from_value(req.resource_properties.clone())
                    .context("Custom::UserPoolClientUrls properties")?;
            set_client_urls(clients, &settings).await?;
            Ok((
                format!("{}:urls", settings.client_id),
                json!({ "CallbackUrl": settings.callback_url }),
            ))
        }
        other => bail!("unknown resource type {other}"),
    }
}

/// Downloads the unconfigured package, adds `config.json`, uploads it and publishes a version.
async fn publish_configured_version(
    clients: &Clients,
    settings: &EdgeSettings,
) -> anyhow::Result<String> {
    let jwks: Value = clients
        .http
        .get(settings.jwks_url())
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("fetching {}", settings.jwks_url()))?
        .json()
        .await
        .context("JWKS is not JSON")?;
    check_jwks(&jwks)?;

    let source = clients
        .lambda
        .get_function()
        .function_name(&settings.source_version_arn)
        .send()
        .await
        .context("lambda:GetFunction on the source version")?;
    let location = source
        .code()
        .and_then(|c| c.location())
        .context("the source version has no code location")?;
    let package = clients
        .http
        .get(location)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .context("downloading the edge package")?
        .bytes()
        .await?;

    let config = edge_config(settings, jwks, &generate_state_secret());
    let configured = inject_config(&package, &config)?;
    tracing::info!(
        source_bytes = package.len(),
        configured_bytes = configured.len(),
        "config.json injected"
    );

    let updated = clients
        .lambda
        .update_function_code()
        .function_name(&settings.function_name)
        .zip_file(aws_sdk_lambda::primitives::Blob::new(configured))
        .send()
        .await
        .context("lambda:UpdateFunctionCode")?;
    let sha = updated
        .code_sha256()
        .context("no CodeSha256 in the update answer")?
        .to_owned();
    wait_until_updated(clients, &settings.function_name).await?;

    let published = clients
        .lambda
        .publish_version()
        .function_name(&settings.function_name)
        .code_sha256(sha)
        .description(format!(
            "config.json injected into {}",
            settings.source_version_arn
        ))
        .send()
        .await
        .context("lambda:PublishVersion")?;
    let arn = published
        .function_arn()
        .context("no FunctionArn in the publish answer")?
        .to_owned();
    tracing::info!(version_arn = %arn, "edge version published");
    Ok(arn)
}

/// Polls until the code update is done (bounded by the work deadline of [`handle`]).
async fn wait_until_updated(clients: &Clients, function: &str) -> anyhow::Result<()> {
    loop {
        let conf = clients
            .lambda
            .get_function_configuration()
            .function_name(function)
            .send()
            .await
            .context("lambda:GetFunctionConfiguration")?;
        match conf.last_update_status() {
            Some(LastUpdateStatus::Successful) | None => return Ok(()),
            Some(LastUpdateStatus::Failed) => bail!(
                "the code update failed: {}",
                conf.last_update_status_reason()
                    .unwrap_or("no reason given")
            ),
            _ => tokio::time::sleep(Duration::from_secs(2)).await,
        }
    }
}

/// Sets the app client's callback and sign-out URLs, keeping every other setting
/// (UpdateUserPoolClient resets what it is not given).
async fn set_client_urls(clients: &Clients, settings: &ClientUrlSettings) -> anyhow::Result<()> {
    let described = clients
        .cognito
        .describe_user_pool_client()
        .user_pool_id(&settings.user_pool_id)
        .client_id(&settings.client_id)
        .send()
        .await
        .context("cognito-idp:DescribeUserPoolClient")?;
    let c = described
        .user_pool_client
        .context("DescribeUserPoolClient returned no client")?;
    clients
        .cognito
        .update_user_pool_client()
        .user_pool_id(&settings.user_pool_id)
        .client_id(&settings.client_id)
        .set_client_name(c.client_name)
        .refresh_token_validity(c.refresh_token_validity)
        .set_access_token_validity(c.access_token_validity)
        .set_id_token_validity(c.id_token_validity)
        .set_token_validity_units(c.token_validity_units)
        .set_read_attributes(c.read_attributes)
        .set_write_attributes(c.write_attributes)
        .set_explicit_auth_flows(c.explicit_auth_flows)
        .set_supported_identity_providers(c.supported_identity_providers)
        .callback_urls(&settings.callback_url)
        .logout_urls(&settings.logout_url)
        .set_allowed_o_auth_flows(c.allowed_o_auth_flows)
        .set_allowed_o_auth_scopes(c.allowed_o_auth_scopes)
        .set_allowed_o_auth_flows_user_pool_client(c.allowed_o_auth_flows_user_pool_client)
        .set_analytics_configuration(c.analytics_configuration)
        .set_prevent_user_existence_errors(c.prevent_user_existence_errors)
        .set_enable_token_revocation(c.enable_token_revocation)
        .set_enable_propagate_additional_user_context_data(
            c.enable_propagate_additional_user_context_data,
        )
        .set_auth_session_validity(c.auth_session_validity)
        .send()
        .await
        .context("cognito-idp:UpdateUserPoolClient")?;
    Ok(())
}
