//! The owner's back office under `/api/admin` (the contract in
//! `sam/openapi.yaml`): products and stock, orders (ship, refund), staff,
//! and the audit trail.
//!
//! Every route needs the `admin` group in the token's `cognito:groups`
//! ([`require_admin`]: no identity → 401, not in the group → 403), checked
//! here again although the edge checks it too. Every change is recorded as an
//! audit item in the table ([`shop::store::audit`]): who, what, when.
//!
//! Order status changes go through [`shop::OrderStatus::apply`] and are
//! written with the order's version; the emails they cause are sent by
//! `order-events` from the table's stream, never from here.

mod images;
mod numbers;
mod orders;
mod products;
mod staff;
mod trail;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shop::Store;
use shop::payments::Payments;
use shop::store::{AuditEntry, Modified};

use crate::error::ApiError;
use crate::identity::Identity;
use crate::users::UserDirectory;

pub use images::{CACHE_PHOTO, ImageUpload, MAX_IMAGE_BYTES};
pub use products::ProductInput;
pub use staff::StaffMember;

/// The group whose members may use the admin API (unless configured otherwise).
pub const ADMIN_GROUP: &str = "admin";

/// Largest request body the admin API accepts (a product with a long description).
pub const MAX_ADMIN_BODY_BYTES: usize = 64 * 1024;

/// What the admin API's handlers share.
#[derive(Clone, Debug)]
pub struct AdminState {
    /// The table.
    pub store: Store,
    /// Stripe (refunds).
    pub payments: Payments,
    /// The user pool (staff list, grant, revoke).
    pub users: UserDirectory,
    /// S3, for presigned image uploads (made on the first upload).
    pub s3: shop::config::LazyClient<aws_sdk_s3::Client>,
    /// The site bucket; images go under `images/`.
    pub site_bucket: String,
    /// The group that grants admin rights ([`ADMIN_GROUP`]).
    pub admin_group: String,
}

crate::routes::api_routes! { AdminState;
    get "/api/admin/products" => products::list,
    post "/api/admin/products" => products::create,
    get "/api/admin/products/{sku}" => products::get,
    put "/api/admin/products/{sku}" => products::update,
    post "/api/admin/products/{sku}/retire" => products::retire,
    post "/api/admin/products/{sku}/restore" => products::restore,
    put "/api/admin/products/{sku}/stock" => products::set_stock,
    post "/api/admin/products/{sku}/stock/adjust" => products::adjust_stock,
    post "/api/admin/products/{sku}/images" => images::image_upload,
    post "/api/admin/products/{sku}/images/{file}/complete" => images::complete_upload,
    get "/api/admin/orders" => orders::list,
    get "/api/admin/orders/{id}" => orders::get,
    post "/api/admin/orders/{id}/ship" => orders::ship,
    post "/api/admin/orders/{id}/refund" => orders::refund,
    post "/api/admin/orders/{id}/capture" => orders::capture,
    get "/api/admin/staff" => staff::list,
    put "/api/admin/staff/{username}/admin" => staff::grant,
    delete "/api/admin/staff/{username}/admin" => staff::revoke,
    get "/api/admin/audit" => trail::list,
}

/// The admin API as an axum router (paths include `/api/admin`), for
/// `lambda_http` in AWS and for `shop-local`.
pub fn router(state: AdminState) -> Router {
    // Unknown admin paths pass the admin check too: nobody else learns which exist.
    let guarded =
        routes()
            .fallback(crate::routes::no_route)
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                require_admin,
            ));
    crate::routes::api_layers(guarded, MAX_ADMIN_BODY_BYTES).with_state(state)
}

/// Middleware: only members of the admin group get past (401 without an
/// identity, 403 outside the group, by the token's claim and then by the pool's
/// live membership, so a revoke takes effect within [`crate::users::MEMBERSHIP_TTL`]). `cognito:groups` may arrive as
/// API Gateway's `[a b]`, a JSON array or a plain string
/// ([`Identity::from_claims`] reads all three).
pub async fn require_admin(State(state): State<AdminState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let identity = match Identity::from_request_parts(&mut parts, &state).await {
        Ok(identity) => identity,
        Err(e) => return e.into_response(),
    };
    let forbidden = || {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "the back office is for members of the {} group",
                state.admin_group
            ),
        )
        .into_response()
    };
    if !identity.in_group(&state.admin_group) {
        return forbidden();
    }
    // The token's groups were true when it was issued; a revoked admin keeps such a token
    // for up to an hour. The pool says what is true now (cached for seconds).
    match state.users.live_groups(&identity.username).await {
        Ok(groups) if groups.iter().any(|g| g == &state.admin_group) => {}
        Ok(_) => {
            tracing::warn!(username = %identity.username, "admin token of a user no longer in the group refused");
            return forbidden();
        }
        Err(e) => return e.into_response(),
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Records an admin change. The change has already happened, so a failure
/// to record it is logged with the whole entry (the log keeps it) and does
/// not turn the answer into an error a caller might retry.
pub(crate) async fn audit(
    state: &AdminState,
    who: &Identity,
    action: &str,
    target: &str,
    detail: serde_json::Value,
) {
    let mut entry = AuditEntry::now(&who.sub, &who.username, action, target, detail);
    // The pool lookup is cached per container; without it the entry still
    // names the admin by sub and username.
    entry.actor_email = match state.users.email_of(who).await {
        Ok(email) => email,
        Err(e) => {
            tracing::warn!(error = ?e, "admin email not found for the audit entry");
            None
        }
    };
    if let Err(e) = state.store.record_audit(&entry).await {
        tracing::error!(error = %e, entry = ?entry, "audit entry not recorded");
    } else {
        tracing::info!(actor = %entry.actor, action, target, "admin change");
    }
}

/// 409 with `code`.
pub(crate) fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

/// How many times a change retries after a version conflict with a
/// concurrent writer it does not compete with (order-events recording an
/// effect, a sale taking stock).
pub(crate) const RETRIES: usize = 5;

/// A read-modify-write's outcome ([`shop::Store::modify_order`], [`shop::Store::modify_product`])
/// as the back office answers it: the `what` and whether it was written, or 409 `busy` when it
/// kept changing.
pub(crate) fn modified<T>(outcome: Modified<T>, what: &str) -> Result<(T, bool), ApiError> {
    match outcome {
        Modified::Written(item) => Ok((item, true)),
        Modified::Kept(item) => Ok((item, false)),
        Modified::Busy => Err(conflict(
            "busy",
            format!("the {what} keeps changing; please try again"),
        )),
    }
}
