//! The back-office's accounts under `/api/admin`: listing and adding staff users, bearer tokens
//! and the audit log. Admins only; every change is audited.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use bakery_wire::ErrorBody;
use bakery_wire::staff::{ApiToken, AuditEntry, NewApiToken, NewStaffUser, StaffUser};
use serde_json::Value;

use super::AppState;
use super::body::read_body as body;
use super::errors::ApiError;
use super::extract::positive_id;
use super::shared_answers::{AdminChange, AdminRead, JsonBody};
use super::staff::{ADMIN, Staff};
use crate::staff::accounts;
use crate::staff::{audit, tokens};
use crate::store::wire_time;

/// A role as stored; one the code no longer knows shows as the lesser role, baker.
fn stored_role(raw: &str) -> bakery_wire::staff::StaffRole {
    bakery_wire::staff::StaffRole::parse(raw).unwrap_or(bakery_wire::staff::StaffRole::Baker)
}

/// An account as the API shows it.
pub(super) fn staff_user(u: entity::staff_user::Model) -> StaffUser {
    StaffUser {
        id: u.id,
        role: stored_role(&u.role),
        email: u.email,
        active: u.active,
        must_change_password: u.must_change_password,
    }
}

/// `GET /api/admin/users` (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Staff accounts (admin)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The accounts", body = Vec<StaffUser>),
        AdminRead,
    )
)]
#[get("/admin/users")]
pub async fn list_users(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let users = accounts::users(&state.db).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(staff_user).collect::<Vec<_>>()))
}

/// `POST /api/admin/users`: a new staff account (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Add a staff account (admin)",
    security(("session" = []), ("bearer" = [])),
    request_body(content = NewStaffUser, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = StaffUser),
        (status = 400, description = "Invalid JSON, an invalid e-mail, or a password under 10 characters", body = ErrorBody),
        (status = 409, description = "The e-mail has an account", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/users")]
pub async fn add_user(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let new: NewStaffUser = body(&req, payload, state.body).await?;
    let password = new.password;
    let user =
        accounts::create_user_audited(&state.db, &who.actor, &new.email, &password, new.role)
            .await?;
    Ok(HttpResponse::Created().json(staff_user(user)))
}

fn api_token(t: entity::api_token::Model, token: Option<String>) -> ApiToken {
    ApiToken {
        id: t.id,
        name: t.name,
        role: stored_role(&t.role),
        created_at: wire_time(t.created_at),
        revoked_at: t.revoked_at.map(wire_time),
        token,
        expires_at: t.expires_at.map(wire_time),
        last_used_at: t.last_used_at.map(wire_time),
    }
}

/// `GET /api/admin/tokens` (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Bearer tokens (admin)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The tokens, without their secrets", body = Vec<ApiToken>),
        AdminRead,
    )
)]
#[get("/admin/tokens")]
pub async fn list_tokens(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let listed = tokens::api_tokens(&state.db).await?;
    Ok(HttpResponse::Ok().json(
        listed
            .into_iter()
            .map(|t| api_token(t, None))
            .collect::<Vec<_>>(),
    ))
}

/// `POST /api/admin/tokens`: creates a bearer token, shown once (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Create a bearer token (admin); shown once",
    description = "The token acts for your account: it stops working when the account is deactivated and never acts above its role. With `expires_in` it stops working that many seconds from now.",
    security(("session" = []), ("bearer" = [])),
    request_body(content = NewApiToken, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; `token` is shown only now", body = ApiToken),
        (status = 400, description = "Invalid JSON or fields", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/tokens")]
pub async fn add_token(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let new: NewApiToken = body(&req, payload, state.body).await?;
    let new = tokens::NewToken {
        name: &new.name,
        role: new.role,
        expires_in: new.expires_in,
    };
    let (model, token) = tokens::create_api_token_audited(&state.db, &new, &who).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(api_token(model, Some(token))))
}

/// `DELETE /api/admin/tokens/{id}`: revokes a token (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Revoke a bearer token (admin)",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The token")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, description = "`id` is not a positive number", body = ErrorBody),
        (status = 404, description = "No such (unrevoked) token", body = ErrorBody),
        AdminChange,
    )
)]
#[delete("/admin/tokens/{id}")]
pub async fn revoke_token(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let id = positive_id(&path)?;
    if !tokens::revoke_api_token_audited(&state.db, id, &who.actor).await? {
        return Err(ApiError::TokenNotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/admin/audit`: the latest 500 entries, newest first (admins).
#[utoipa::path(
    tag = "admin",
    summary = "The latest 500 staff actions (admin)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Newest first", body = Vec<AuditEntry>),
        AdminRead,
    )
)]
#[get("/admin/audit")]
pub async fn audit_log(staff: Staff, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let entries = audit::latest(&state.db, 500).await?;
    Ok(HttpResponse::Ok().json(
        entries
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                actor: e.actor,
                action: e.action,
                target: e.target,
                details: serde_json::from_str(&e.details).unwrap_or(Value::Null),
                at: wire_time(e.at),
            })
            .collect::<Vec<_>>(),
    ))
}
