//! `GET /api/me`: the signed-in shopper, for the page header and the admin link.

use axum::Json;

use crate::identity::Identity;

/// The caller's identity as the authorizer saw it.
pub(super) async fn me(identity: Identity) -> Json<Identity> {
    Json(identity)
}
