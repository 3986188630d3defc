//! What the SAM template creates in Cognito, made in cognito-local: the user
//! pool, its app client (code flow, PKCE, callback URLs), the `admin` group
//! and two demo users.

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, MessageActionType, OAuthFlowType, VerifiedAttributeType,
};

/// A demo account printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoUser {
    /// Sign-in name (an email address; it is also the Cognito username).
    pub email: String,
    /// Password.
    pub password: String,
    /// Member of `admin`.
    pub admin: bool,
}

/// The demo shopper and the demo owner.
pub fn demo_users() -> Vec<DemoUser> {
    vec![
        DemoUser {
            email: "shopper@example.com".into(),
            password: "Shopper-Passw0rd!".into(),
            admin: false,
        },
        DemoUser {
            email: "owner@example.com".into(),
            password: "Owner-Passw0rd!".into(),
            admin: true,
        },
    ]
}

/// The pool and client made for the local shop.
#[derive(Debug, Clone)]
pub struct UserPool {
    /// Pool id.
    pub pool_id: String,
    /// App client id (public client, no secret: PKCE).
    pub client_id: String,
}

/// Creates the pool, client, `admin` group and the given users.
///
/// Usernames are the email addresses themselves: cognito-local stores a UUID
/// username for email-alias pools, and the access token (which has no email
/// claim) then still tells the API who the shopper is.
pub async fn create_user_pool(
    client: &Client,
    site_url: &str,
    users: &[DemoUser],
) -> anyhow::Result<UserPool> {
    let pool = client
        .create_user_pool()
        .pool_name("edge-shop")
        // As the template: sign-up sends an email code (the hosted UI delivers it locally).
        .auto_verified_attributes(VerifiedAttributeType::Email)
        .send()
        .await?;
    let pool_id = pool
        .user_pool()
        .and_then(|p| p.id())
        .ok_or_else(|| anyhow::anyhow!("no pool id"))?
        .to_owned();
    let app = client
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("edge-shop-web")
        .generate_secret(false)
        .allowed_o_auth_flows(OAuthFlowType::Code)
        .allowed_o_auth_flows_user_pool_client(true)
        .allowed_o_auth_scopes("openid")
        .allowed_o_auth_scopes("email")
        .allowed_o_auth_scopes("profile")
        .callback_urls(format!("{site_url}/auth/callback"))
        .logout_urls(format!("{site_url}/"))
        .supported_identity_providers("COGNITO")
        .send()
        .await?;
    let client_id = app
        .user_pool_client()
        .and_then(|c| c.client_id())
        .ok_or_else(|| anyhow::anyhow!("no client id"))?
        .to_owned();
    client
        .create_group()
        .user_pool_id(&pool_id)
        .group_name("admin")
        .description("Shop owners and staff")
        .send()
        .await?;
    for user in users {
        let attr = |k: &str, v: &str| AttributeType::builder().name(k).value(v).build();
        client
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(&user.email)
            .user_attributes(attr("email", &user.email)?)
            .user_attributes(attr("email_verified", "true")?)
            .temporary_password(&user.password)
            .message_action(MessageActionType::Suppress)
            .send()
            .await?;
        client
            .admin_set_user_password()
            .user_pool_id(&pool_id)
            .username(&user.email)
            .password(&user.password)
            .permanent(true)
            .send()
            .await?;
        if user.admin {
            client
                .admin_add_user_to_group()
                .user_pool_id(&pool_id)
                .username(&user.email)
                .group_name("admin")
                .send()
                .await?;
        }
    }
    Ok(UserPool { pool_id, client_id })
}
