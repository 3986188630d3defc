//! Order mail goes only to a verified address: the user directory against
//! cognito-local (an email-alias pool, as in the template: UUID usernames,
//! the address in the `email` attribute).

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, MessageActionType, UsernameAttributeType,
};
use functions::identity::Identity;
use functions::users::UserDirectory;

async fn pool() -> (Client, String) {
    let sdk = standins::aws::sdk_config(&standins::services::cognito().endpoint()).await;
    let client = Client::new(&sdk);
    let pool = client
        .create_user_pool()
        .pool_name(format!("verified-email-{}", ulid::Ulid::new()))
        .username_attributes(UsernameAttributeType::Email)
        .send()
        .await
        .unwrap();
    let id = pool.user_pool().unwrap().id().unwrap().to_owned();
    (client, id)
}

/// Creates a user; returns the identity an access token would give (no email claim).
async fn user(client: &Client, pool: &str, email: &str, verified: Option<&str>) -> Identity {
    let attr = |k: &str, v: &str| AttributeType::builder().name(k).value(v).build().unwrap();
    let mut req = client
        .admin_create_user()
        .user_pool_id(pool)
        .username(email)
        .user_attributes(attr("email", email))
        .message_action(MessageActionType::Suppress);
    if let Some(v) = verified {
        req = req.user_attributes(attr("email_verified", v));
    }
    let out = req.send().await.unwrap();
    let created = out.user().unwrap();
    let sub = created
        .attributes()
        .iter()
        .find(|a| a.name() == "sub")
        .and_then(|a| a.value())
        .unwrap()
        .to_owned();
    Identity {
        sub,
        email: None,
        username: created.username().unwrap().to_owned(),
        groups: vec![],
    }
}

#[tokio::test]
async fn only_a_verified_email_is_where_order_mail_goes() {
    let (client, pool) = pool().await;
    let users = UserDirectory::new(client.clone(), &pool);
    let verified = user(&client, &pool, "ada@example.com", Some("true")).await;
    assert_eq!(
        users.email_of(&verified).await.unwrap().as_deref(),
        Some("ada@example.com")
    );
    for (email, flag) in [
        ("bob@example.com", None),
        ("eve@example.com", Some("false")),
    ] {
        let unverified = user(&client, &pool, email, flag).await;
        assert_eq!(
            users.email_of(&unverified).await.unwrap(),
            None,
            "{email} with email_verified {flag:?}"
        );
    }
}
