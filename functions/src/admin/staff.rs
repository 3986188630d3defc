//! `/api/admin/staff…`: the pool's users, and the admin right granted or
//! revoked (`AdminAddUserToGroup` / `AdminRemoveUserFromGroup`). An admin
//! cannot revoke their own right (409 `cannot_revoke_self`), so the shop
//! cannot be left without anyone able to run it by accident.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::json;
use shop::Page;

use super::{AdminState, audit, conflict};
use crate::error::ApiError;
use crate::extract::QueryPairs;
use crate::identity::Identity;
use crate::users::{attribute, cognito_error};

/// Users per page (Cognito's `ListUsers` maximum).
pub(super) const PAGE_SIZE: i32 = 60;

/// A user of the pool as the staff page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StaffMember {
    /// Cognito username (what grant/revoke take).
    pub username: String,
    /// Cognito `sub`.
    pub sub: Option<String>,
    /// The `email` attribute.
    pub email: Option<String>,
    /// Cognito's account status (`CONFIRMED`, `FORCE_CHANGE_PASSWORD`, …).
    pub status: Option<String>,
    /// Whether the account may sign in.
    pub enabled: bool,
    /// Member of the admin group.
    pub admin: bool,
}

/// Every member of the admin group (few: all pages are read).
async fn admins(state: &AdminState) -> Result<HashSet<String>, ApiError> {
    let mut out = HashSet::new();
    let mut token: Option<String> = None;
    loop {
        let page = state
            .users
            .client()
            .list_users_in_group()
            .user_pool_id(state.users.pool_id())
            .group_name(&state.admin_group)
            .limit(60)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(cognito_error)?;
        out.extend(
            page.users()
                .iter()
                .filter_map(|u| u.username())
                .map(str::to_owned),
        );
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => return Ok(out),
        }
    }
}

/// `GET /api/admin/staff?cursor=`: the pool's users, 60 a page, each marked
/// admin or not.
pub(super) async fn list(
    State(state): State<AdminState>,
    query: QueryPairs,
) -> Result<Json<Page<StaffMember>>, ApiError> {
    let out = state
        .users
        .client()
        .list_users()
        .user_pool_id(state.users.pool_id())
        .limit(PAGE_SIZE)
        .set_pagination_token(query.first("cursor").map(str::to_owned))
        .send()
        .await
        .map_err(|e| {
            use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
            if e.code() == Some("InvalidParameterException") {
                ApiError::bad_request("invalid_cursor", "invalid page cursor")
            } else {
                cognito_error(e)
            }
        })?;
    let admins = admins(&state).await?;
    let items = out
        .users()
        .iter()
        .map(|u| {
            let username = u.username().unwrap_or_default().to_owned();
            StaffMember {
                sub: attribute(u.attributes(), "sub"),
                email: attribute(u.attributes(), "email"),
                status: u.user_status().map(|s| s.as_str().to_owned()),
                enabled: u.enabled(),
                admin: admins.contains(&username),
                username,
            }
        })
        .collect();
    Ok(Json(Page {
        items,
        next: out
            .pagination_token()
            .filter(|t| !t.is_empty())
            .map(str::to_owned),
    }))
}

/// The answer to grant and revoke.
#[derive(Serialize)]
pub(super) struct AdminRight {
    username: String,
    admin: bool,
}

/// `PUT /api/admin/staff/{username}/admin`: grant (idempotent).
pub(super) async fn grant(
    State(state): State<AdminState>,
    identity: Identity,
    Path(username): Path<String>,
) -> Result<Json<AdminRight>, ApiError> {
    set_admin(&state, &identity, &username, true).await
}

/// `DELETE /api/admin/staff/{username}/admin`: revoke (idempotent), never
/// one's own; the user is signed out everywhere (`AdminUserGlobalSignOut`).
pub(super) async fn revoke(
    State(state): State<AdminState>,
    identity: Identity,
    Path(username): Path<String>,
) -> Result<Json<AdminRight>, ApiError> {
    set_admin(&state, &identity, &username, false).await
}

/// Grants (`admin`) or revokes the admin right of `username`: the group membership, this
/// container's cached memberships, on a revoke every session of theirs, and the audit entry.
async fn set_admin(
    state: &AdminState,
    identity: &Identity,
    username: &str,
    admin: bool,
) -> Result<Json<AdminRight>, ApiError> {
    let user = state.users.get_user(username).await?;
    let client = state.users.client();
    let pool = state.users.pool_id();
    // The two group calls differ only in their operation (each has its own builder type).
    macro_rules! membership {
        ($operation:ident) => {
            client
                .$operation()
                .user_pool_id(pool)
                .username(&user.username)
                .group_name(&state.admin_group)
                .send()
                .await
                .map_err(cognito_error)?
        };
    }
    if admin {
        membership!(admin_add_user_to_group);
    } else {
        let is_self = user.sub.as_deref() == Some(identity.sub.as_str())
            || (!identity.username.is_empty() && user.username == identity.username);
        if is_self {
            return Err(conflict(
                "cannot_revoke_self",
                "you cannot remove your own admin right; ask another admin to do it",
            ));
        }
        membership!(admin_remove_user_from_group);
    }
    // This container sees the change at once; others within `MEMBERSHIP_TTL`.
    state.users.forget_groups(&user.username);
    if !admin {
        // Every session of theirs ends: refresh tokens revoked, so they sign in again (and
        // their new tokens carry no admin group).
        client
            .admin_user_global_sign_out()
            .user_pool_id(pool)
            .username(&user.username)
            .send()
            .await
            .map_err(cognito_error)?;
    }
    audit(
        state,
        identity,
        if admin { "staff.grant" } else { "staff.revoke" },
        &user.username,
        json!({"group": state.admin_group, "email": user.email}),
    )
    .await;
    Ok(Json(AdminRight {
        username: user.username,
        admin,
    }))
}
