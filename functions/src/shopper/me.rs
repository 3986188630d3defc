//! `GET /api/me`: the signed-in shopper, for the page header and the admin link.

use axum::Json;
use axum::extract::State;

use super::ShopperState;
use crate::error::ApiError;
use crate::identity::Identity;

/// The caller's identity as the authorizer saw it, with the email filled in
/// from the user pool when the token has none.
pub(super) async fn me(
    State(state): State<ShopperState>,
    mut identity: Identity,
) -> Result<Json<Identity>, ApiError> {
    if let Some(users) = &state.users {
        identity.email = users.email_of(&identity).await?;
    }
    Ok(Json(identity))
}
