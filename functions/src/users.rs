//! The user pool as a directory: the shopper's email when the token has
//! none, and the staff list for the admin API.
//!
//! A Cognito *access* token carries no `email` claim, and pools that sign in
//! by email alias (and cognito-local) give users a UUID username, so
//! [`Identity::email`] can be empty. [`UserDirectory::email_of`] then asks the
//! pool (`AdminGetUser`, the pool id from `USER_POOL_ID`) and caches the
//! answer per `sub` for the life of the container (a user's email rarely
//! changes, and the order keeps the address it was placed with).
//!
//! Only a verified address is an answer: `email_verified` must be `true`.
//! The pool's `AttributesRequireVerificationBeforeUpdate: [email]` keeps the
//! old (verified) address in force while a new one awaits its code, so a
//! shopper cannot point the shop's mail at an address they do not own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_cognitoidentityprovider::Client;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use axum::http::StatusCode;
use shop::config::LazyClient;

use crate::error::ApiError;
use crate::identity::Identity;

/// Most cached emails per container (the cache is cleared when full).
const MAX_CACHED: usize = 10_000;

/// One user as the pool knows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PoolUser {
    /// Cognito username.
    pub username: String,
    /// Cognito `sub`.
    pub sub: Option<String>,
    /// The `email` attribute.
    pub email: Option<String>,
    /// `email_verified` is `true`: the user proved they read that address.
    pub email_verified: bool,
}

/// Group names by username, with when the pool was asked.
type Memberships = HashMap<String, (Instant, Vec<String>)>;

/// The user pool, with a per-container cache of emails by `sub`.
///
/// Cheap to clone (the client and the cache are shared).
#[derive(Clone, Debug)]
pub struct UserDirectory {
    client: LazyClient<Client>,
    pool_id: String,
    emails: Arc<Mutex<HashMap<String, String>>>,
    /// Group memberships read from the pool, by username, with when they were read.
    groups: Arc<Mutex<Memberships>>,
}

/// How long a group membership read from the pool is trusted: a revoked admin loses the back
/// office within this time in every container (at once in the one that revoked).
pub const MEMBERSHIP_TTL: Duration = Duration::from_secs(30);

/// The value of attribute `name`.
pub fn attribute(attributes: &[AttributeType], name: &str) -> Option<String> {
    attributes
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
        .map(str::to_owned)
}

/// A Cognito call that failed, in the API's error shape: an unknown user is
/// 404, throttling 503, anything else 500.
pub fn cognito_error<E, R>(err: aws_sdk_cognitoidentityprovider::error::SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match err.code() {
        Some("UserNotFoundException") => ApiError::not_found("user"),
        Some("TooManyRequestsException" | "LimitExceededException") => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the user pool is busy; please try again",
        ),
        _ => ApiError::internal(DisplayErrorContext(&err)),
    }
}

impl UserDirectory {
    /// The pool `pool_id` through `client`.
    pub fn new(client: impl Into<LazyClient<Client>>, pool_id: impl Into<String>) -> UserDirectory {
        UserDirectory {
            client: client.into(),
            pool_id: pool_id.into(),
            emails: Arc::default(),
            groups: Arc::default(),
        }
    }

    /// The Cognito client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The pool id.
    pub fn pool_id(&self) -> &str {
        &self.pool_id
    }

    /// `AdminGetUser`: the user's username, `sub` and email.
    pub async fn get_user(&self, username: &str) -> Result<PoolUser, ApiError> {
        let out = self
            .client
            .admin_get_user()
            .user_pool_id(&self.pool_id)
            .username(username)
            .send()
            .await
            .map_err(cognito_error)?;
        let attrs = out.user_attributes();
        Ok(PoolUser {
            username: out.username().to_owned(),
            sub: attribute(attrs, "sub"),
            email: attribute(attrs, "email"),
            email_verified: attribute(attrs, "email_verified").as_deref() == Some("true"),
        })
    }

    /// Where the shopper's emails go: the token's (verified) email if it has
    /// one, else the pool's `email` attribute when verified (cached per
    /// `sub`). `None` when the user has no verified email.
    pub async fn email_of(&self, identity: &Identity) -> Result<Option<String>, ApiError> {
        if let Some(email) = &identity.email {
            return Ok(Some(email.clone()));
        }
        if let Some(email) = lock(&self.emails).get(&identity.sub) {
            return Ok(Some(email.clone()));
        }
        if identity.username.is_empty() {
            return Ok(None);
        }
        let user = self.get_user(&identity.username).await?;
        if !user.email_verified {
            tracing::info!(sub = %identity.sub, "the user's email is not verified: no mail goes there");
            return Ok(None);
        }
        if let Some(email) = &user.email {
            let mut cache = lock(&self.emails);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
            cache.insert(identity.sub.clone(), email.clone());
        }
        Ok(user.email)
    }
}

impl UserDirectory {
    /// The groups `username` is in now, as the pool says (`AdminListGroupsForUser`), read at
    /// most once per [`MEMBERSHIP_TTL`] per user. A token's `cognito:groups` claim is what
    /// was true when it was issued (up to an hour ago); this is what is true now.
    pub async fn live_groups(&self, username: &str) -> Result<Vec<String>, ApiError> {
        if let Some((at, groups)) = lock(&self.groups).get(username)
            && at.elapsed() < MEMBERSHIP_TTL
        {
            return Ok(groups.clone());
        }
        let mut groups = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .admin_list_groups_for_user()
                .user_pool_id(&self.pool_id)
                .username(username)
                .limit(60)
                .set_next_token(token.take())
                .send()
                .await;
            let out = match out {
                Ok(out) => out,
                // A user deleted from the pool is in no group.
                Err(e) if e.code() == Some("UserNotFoundException") => break,
                Err(e) => return Err(cognito_error(e)),
            };
            groups.extend(
                out.groups()
                    .iter()
                    .filter_map(|g| g.group_name())
                    .map(str::to_owned),
            );
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                _ => break,
            }
        }
        let mut cache = lock(&self.groups);
        if cache.len() >= MAX_CACHED {
            cache.clear();
        }
        cache.insert(username.to_owned(), (Instant::now(), groups.clone()));
        Ok(groups)
    }

    /// Forgets what was read of `username`'s groups (after a grant or a revoke here).
    pub fn forget_groups(&self, username: &str) {
        lock(&self.groups).remove(username);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
