//! Admins changing staff accounts under `/api/admin/users/{id}`: deactivate, reactivate, change
//! the role, reset the password, sign out everywhere. Each change is audited with it.

use actix_web::{HttpRequest, HttpResponse, post, web};
use bakery_wire::ErrorBody;
use bakery_wire::staff::{PasswordReset, RoleChange, StaffUser};

use super::AppState;
use super::admin_accounts::staff_user;
use super::body::read_body as body;
use super::errors::ApiError;
use super::extract::positive_id;
use super::shared_answers::{AdminChange, JsonBody};
use super::staff::{ADMIN, Staff};
use crate::staff::accounts::password_hash;
use crate::staff::lifecycle::{self, AccountChange};

async fn change(
    path: &str,
    staff: &Staff,
    state: &AppState,
    change: AccountChange,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let id = positive_id(path)?;
    let user = lifecycle::change_account(&state.db, who, id, change).await?;
    Ok(HttpResponse::Ok().json(staff_user(user)))
}

/// `POST /api/admin/users/{id}/disable` (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Deactivate a staff account (admin)",
    description = "The account can no longer sign in; its sessions and the bearer tokens it made stop working at once (the next request answers 401). Not your own account, nor the last active admin (409). Disabling a disabled account changes nothing.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The account")),
    responses(
        (status = 200, description = "Deactivated", body = StaffUser),
        (status = 400, description = "`id` is not a positive number", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "Your own account, or the last active admin", body = ErrorBody),
        AdminChange,
    )
)]
#[post("/admin/users/{id}/disable")]
pub async fn disable_user(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change(&path, &staff, &state, AccountChange::Disable).await
}

/// `POST /api/admin/users/{id}/enable` (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Reactivate a staff account (admin)",
    description = "The account may sign in again, and the tokens it made work again (unless revoked or expired); its old sessions stay ended.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The account")),
    responses(
        (status = 200, description = "Active", body = StaffUser),
        (status = 400, description = "`id` is not a positive number", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        AdminChange,
    )
)]
#[post("/admin/users/{id}/enable")]
pub async fn enable_user(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change(&path, &staff, &state, AccountChange::Enable).await
}

/// `POST /api/admin/users/{id}/role` (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Change a staff account's role (admin)",
    description = "In force from the account's next request, for its sessions and its tokens (a token never acts above its owner's role). Not your own account, nor demoting the last active admin (409).",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The account")),
    request_body(content = RoleChange, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = StaffUser),
        (status = 400, description = "`id` is not a positive number, invalid JSON, or not a role", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "Your own account, or the last active admin", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/users/{id}/role")]
pub async fn change_role(
    req: HttpRequest,
    payload: web::Payload,
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    positive_id(&path)?;
    let new: RoleChange = body(&req, payload, state.body).await?;
    change(&path, &staff, &state, AccountChange::Role(new.role)).await
}

/// `POST /api/admin/users/{id}/password` (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Reset a staff account's password (admin)",
    description = "Sets a temporary password (tell it in person). Every session of the account ends; at its next sign-in the answer says `must_change_password` and only changing the password is allowed. Its tokens keep working. Not your own account (409: change it with `POST /api/staff/password`).",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The account")),
    request_body(content = PasswordReset, content_type = "application/json"),
    responses(
        (status = 200, description = "Reset", body = StaffUser),
        (status = 400, description = "`id` is not a positive number, invalid JSON, or a password under 10 characters", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 409, description = "Your own account", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/users/{id}/password")]
pub async fn reset_password(
    req: HttpRequest,
    payload: web::Payload,
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    positive_id(&path)?;
    let reset: PasswordReset = body(&req, payload, state.body).await?;
    // Argon2 takes tens of milliseconds: off the async workers.
    let hash = web::block(move || password_hash("password", &reset.password))
        .await
        .map_err(ApiError::internal)??;
    change(
        &path,
        &staff,
        &state,
        AccountChange::SetPassword {
            hash,
            must_change: true,
        },
    )
    .await
}

/// `POST /api/admin/users/{id}/sign-out` (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Sign a staff account out everywhere (admin)",
    description = "Ends every session of the account at once (the next request answers 401); its tokens keep working (revoke them separately).",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The account")),
    responses(
        (status = 200, description = "Signed out everywhere", body = StaffUser),
        (status = 400, description = "`id` is not a positive number", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        AdminChange,
    )
)]
#[post("/admin/users/{id}/sign-out")]
pub async fn sign_out_user(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    change(&path, &staff, &state, AccountChange::SignOutEverywhere).await
}
