//! The config-injection custom resource of the SAM template, as plain functions.
//!
//! Lambda@Edge has no environment variables, so the edge function's configuration (user
//! pool, app client, hosted-UI endpoints, path rules, a generated state-signing secret) and
//! the user pool's JWKS are written into `config.json` inside its package at deploy time.
//! [`resource`] does the I/O (CloudFormation, Lambda, Cognito, HTTP) under the invocation's
//! deadline; the rest of this library is what
//! can be tested without it: the CloudFormation request and response shapes, the config
//! document, and the zip rewrite.

pub mod resource;

use std::io::{Cursor, Read, Write};

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// Name of the configuration file inside the edge package (read by `edge/index.mjs`).
pub const CONFIG_FILE: &str = "config.json";

/// A CloudFormation custom-resource request (the parts this resource reads).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Request {
    /// `Create`, `Update` or `Delete`.
    pub request_type: String,
    /// Presigned S3 URL the answer is PUT to.
    #[serde(rename = "ResponseURL")]
    pub response_url: String,
    /// The stack's id.
    pub stack_id: String,
    /// This request's id.
    pub request_id: String,
    /// The resource's logical id in the template.
    pub logical_resource_id: String,
    /// The resource type, e.g. `Custom::EdgeConfig`.
    pub resource_type: String,
    /// Set on `Update` and `Delete`: the id returned by the last create/update.
    #[serde(default)]
    pub physical_resource_id: Option<String>,
    /// The resource's properties (all values are strings).
    #[serde(default)]
    pub resource_properties: Value,
}

/// The answer PUT to [`Request::response_url`].
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    /// `SUCCESS` or `FAILED`.
    pub status: &'static str,
    /// Why it failed (shown in the stack events).
    pub reason: String,
    /// The resource's physical id (a changed id makes CloudFormation delete the old one).
    pub physical_resource_id: String,
    /// Copied from the request.
    pub stack_id: String,
    /// Copied from the request.
    pub request_id: String,
    /// Copied from the request.
    pub logical_resource_id: String,
    /// Never hide `Data` here: it carries no secret (the state secret stays in the package).
    pub no_echo: bool,
    /// Attributes for `Fn::GetAtt`.
    pub data: Value,
}

impl Response {
    /// A success answer with `data` for `Fn::GetAtt`.
    pub fn success(req: &Request, physical_id: String, data: Value) -> Self {
        Self {
            status: "SUCCESS",
            reason: String::new(),
            physical_resource_id: physical_id,
            stack_id: req.stack_id.clone(),
            request_id: req.request_id.clone(),
            logical_resource_id: req.logical_resource_id.clone(),
            no_echo: false,
            data: json!({}),
        }
        .with_data(data)
    }

    /// A failure answer; keeps the old physical id so a failed update does not replace.
    pub fn failed(req: &Request, reason: &str) -> Self {
        let physical = req
            .physical_resource_id
            .clone()
            .unwrap_or_else(|| format!("{}-failed", req.logical_resource_id));
        // CloudFormation caps the whole answer at 4 KB.
        let reason: String = reason.chars().take(1000).collect();
        Self {
            status: "FAILED",
            reason,
            physical_resource_id: physical,
            stack_id: req.stack_id.clone(),
            request_id: req.request_id.clone(),
            logical_resource_id: req.logical_resource_id.clone(),
            no_echo: false,
            data: json!({}),
        }
    }

    fn with_data(mut self, data: Value) -> Self {
        self.data = data;
        self
    }
}

/// The `Custom::EdgeConfig` resource's properties.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EdgeSettings {
    /// The edge function's name.
    pub function_name: String,
    /// The version SAM published from the unconfigured package.
    pub source_version_arn: String,
    /// The user pool's region.
    pub region: String,
    /// The user pool id.
    pub user_pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The hosted UI's host name (`<prefix>.auth.<region>.amazoncognito.com`).
    pub auth_domain: String,
    /// The shop's public origin (`https://shop.example`); empty: the Host header.
    #[serde(default)]
    pub base_url: String,
    /// The Cognito group of shop staff.
    #[serde(default = "default_admin_group")]
    pub admin_group: String,
}

fn default_admin_group() -> String {
    "admin".into()
}

/// The `Custom::UserPoolClientUrls` resource's properties.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ClientUrlSettings {
    /// The user pool id.
    pub user_pool_id: String,
    /// The app client id.
    pub client_id: String,
    /// The OAuth callback (`https://<distribution>/auth/callback`).
    pub callback_url: String,
    /// Where the hosted UI's `/logout` may send the browser.
    pub logout_url: String,
}

impl EdgeSettings {
    /// The token issuer (`iss`).
    pub fn issuer(&self) -> String {
        format!(
            "https://cognito-idp.{}.amazonaws.com/{}",
            self.region, self.user_pool_id
        )
    }

    /// Where the user pool publishes its signing keys.
    pub fn jwks_url(&self) -> String {
        format!("{}/.well-known/jwks.json", self.issuer())
    }
}

/// A fresh state-signing secret: 32 random bytes, base64url (43 characters).
pub fn generate_state_secret() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Percent-encodes a query-string value (RFC 3986 unreserved characters kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The edge's `config.json` (format: `edge/README.md`, `edge/config.example.json`).
pub fn edge_config(settings: &EdgeSettings, jwks: Value, state_secret: &str) -> Value {
    let hosted = format!("https://{}", settings.auth_domain);
    let base_url = settings.base_url.trim_end_matches('/');
    // The access rules are the routing table's (edge/routes.json), with the stack's group.
    let rules = edge::RoutingTable::builtin().rules(&settings.admin_group);
    let mut config = json!({
        "client_id": settings.client_id,
        "issuer": settings.issuer(),
        "authorize_url": format!("{hosted}/oauth2/authorize"),
        "token_url": format!("{hosted}/oauth2/token"),
        "revoke_url": format!("{hosted}/oauth2/revoke"),
        "scopes": ["openid", "email", "profile"],
        "state_secret": state_secret,
        "cookie_secure": true,
        "paths": {
            "callback": "/auth/callback",
            "signout": "/auth/signout",
            "signin": "/auth/signin",
            "signup": "/auth/signup",
            "after_signout": "/"
        },
        "rules": rules,
        "default_access": "public",
        "api_prefixes": ["/api/"],
        "jwks": jwks,
    });
    if !base_url.is_empty() {
        config["base_url"] = json!(base_url);
        config["logout_url"] = json!(format!(
            "{hosted}/logout?client_id={}&logout_uri={}",
            url_encode(&settings.client_id),
            url_encode(&format!("{base_url}/"))
        ));
    }
    config
}

/// Checks that a JWKS document has at least one RSA key.
pub fn check_jwks(jwks: &Value) -> anyhow::Result<()> {
    let keys = jwks
        .get("keys")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow::anyhow!("JWKS has no `keys` array"))?;
    if !keys.iter().any(|k| k.get("kty") == Some(&json!("RSA"))) {
        anyhow::bail!("JWKS has no RSA key");
    }
    Ok(())
}

/// Returns a copy of the zip `package` with `config.json` replaced by (or added as) `config`.
/// Other entries keep their names, order, contents and permissions.
pub fn inject_config(package: &[u8], config: &Value) -> anyhow::Result<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(package))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflate = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.into_owned();
        if name == CONFIG_FILE || entry.is_dir() {
            continue;
        }
        let mode = entry.unix_mode().unwrap_or(0o644);
        let mut body = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry.read_to_end(&mut body)?;
        out.start_file(name, deflate.unix_permissions(mode))?;
        out.write_all(&body)?;
    }
    out.start_file(CONFIG_FILE, deflate)?;
    out.write_all(&serde_json::to_vec(config)?)?;
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(base_url: &str) -> EdgeSettings {
        EdgeSettings {
            function_name: "edge".into(),
            source_version_arn: "arn:aws:lambda:us-east-1:123456789012:function:edge:1".into(),
            region: "us-east-1".into(),
            user_pool_id: "us-east-1_AbC".into(),
            client_id: "client123".into(),
            auth_domain: "shop.auth.us-east-1.amazoncognito.com".into(),
            base_url: base_url.into(),
            admin_group: "admin".into(),
        }
    }

    #[test]
    fn config_without_domain_uses_the_host_header() {
        let c = edge_config(&settings(""), json!({"keys": []}), "s");
        assert!(c.get("base_url").is_none());
        assert!(c.get("logout_url").is_none());
        assert_eq!(
            c["issuer"],
            "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC"
        );
        assert_eq!(
            c["token_url"],
            "https://shop.auth.us-east-1.amazoncognito.com/oauth2/token"
        );
    }

    #[test]
    fn config_with_domain_has_the_logout_url() {
        let c = edge_config(&settings("https://shop.example/"), json!({"keys": []}), "s");
        assert_eq!(c["base_url"], "https://shop.example");
        assert_eq!(
            c["logout_url"],
            "https://shop.auth.us-east-1.amazoncognito.com/logout?client_id=client123&logout_uri=https%3A%2F%2Fshop.example%2F"
        );
    }

    #[test]
    fn rules_come_from_the_routing_table_with_the_stack_group() {
        let mut s = settings("");
        s.admin_group = "staff".into();
        let c = edge_config(&s, json!({"keys": []}), "s");
        let rules = c["rules"].as_array().cloned().unwrap_or_default();
        let table = edge::RoutingTable::builtin();
        assert_eq!(rules.len(), table.routes.len() - 1);
        assert!(rules.contains(&json!({"path": "/admin/*", "access": "group:staff"})));
        assert!(rules.contains(&json!({"path": "/api/catalogue/*", "access": "public"})));
        // What the custom resource writes is a config the edge accepts, with those rules.
        let mut c = c;
        c["state_secret"] = json!("0123456789abcdef0123456789abcdef");
        let parsed = edge::Config::from_json(&c.to_string()).map_err(|e| e.to_string());
        let parsed = parsed.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            parsed.access_for("/admin/x"),
            &edge::Access::Group("staff".into())
        );
    }

    #[test]
    fn state_secrets_are_long_and_fresh() {
        let a = generate_state_secret();
        assert!(a.len() >= 32);
        assert_ne!(a, generate_state_secret());
    }

    #[test]
    fn jwks_needs_an_rsa_key() {
        assert!(check_jwks(&json!({"keys": [{"kty": "RSA"}]})).is_ok());
        assert!(check_jwks(&json!({"keys": []})).is_err());
        assert!(check_jwks(&json!({})).is_err());
    }

    #[test]
    fn requests_parse_from_cloudformation_json() -> anyhow::Result<()> {
        let req: Request = serde_json::from_value(json!({
            "RequestType": "Create",
            "ResponseURL": "https://example.invalid/r",
            "StackId": "s", "RequestId": "r", "LogicalResourceId": "EdgeConfig",
            "ResourceType": "Custom::EdgeConfig",
            "ResourceProperties": {"ServiceToken": "x", "FunctionName": "f"}
        }))?;
        assert_eq!(req.request_type, "Create");
        let failed = serde_json::to_value(Response::failed(&req, "boom"))?;
        assert_eq!(failed["Status"], "FAILED");
        assert_eq!(failed["PhysicalResourceId"], "EdgeConfig-failed");
        assert_eq!(failed["LogicalResourceId"], "EdgeConfig");
        Ok(())
    }
}
