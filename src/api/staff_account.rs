//! One's own account under `/api/staff`: changing the password and signing out everywhere.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::{HttpRequest, HttpResponse, post, web};
use bakery_wire::ErrorBody;
use bakery_wire::staff::{PasswordChange, StaffRole, StaffSession};

use super::AppState;
use super::body::read_body as body;
use super::errors::ApiError;
use super::shared_answers::JsonBody;
use super::staff::{Staff, session_cookie, signed_in};
use crate::staff::lifecycle::{self, AccountChange};
use crate::staff::sessions;

/// `POST /api/staff/password`: a signed-in staff member changes their own password.
#[utoipa::path(
    tag = "staff",
    summary = "Change your password",
    description = "Needs the current password; the new one has at least 10 characters and differs from it. Clears a reset by an admin (`must_change_password`). Every session of the account ends, this one too: the answer carries a new session cookie and CSRF token. A signed-in browser only (a bearer token is refused with 403).",
    security(("session" = [])),
    request_body(content = PasswordChange, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed; send the new `csrf_token` from now on", body = StaffSession,
            headers(("Set-Cookie" = String, description = "The new session cookie"))),
        (status = 400, description = "Invalid JSON, a new password under 10 characters, or the same as the current one", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The current password is not right (`wrong_password`), a bearer token, or no valid X-CSRF-Token", body = ErrorBody),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
        JsonBody,
    )
)]
#[post("/staff/password")]
pub async fn change_password(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.any();
    let (Some(user_id), Some(_)) = (who.user_id, &who.csrf_token) else {
        return Err(ApiError::Forbidden);
    };
    let change: PasswordChange = body(&req, payload, state.body).await?;
    let user = lifecycle::change_own_password(
        &state.db,
        user_id,
        &change.current_password,
        &change.new_password,
    )
    .await?;
    let role = StaffRole::parse(&user.role).ok_or(ApiError::Forbidden)?;
    let (token, csrf_token) = sessions::open_session(&state.db, state.sessions(), &user).await?;
    Ok(signed_in(
        &state,
        token,
        StaffSession {
            email: user.email,
            role,
            csrf_token,
            must_change_password: false,
        },
    ))
}

/// `POST /api/staff/sign-out-everywhere`: ends every session of one's own account.
#[utoipa::path(
    tag = "staff",
    summary = "Sign out everywhere",
    description = "Ends every session of the signed-in account, on every device, this one too, and clears the cookie. With a bearer token: the sessions of the token's owner (the token keeps working).",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Every session ended; the cookie is cleared"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A token with no owner account, or no valid X-CSRF-Token", body = ErrorBody),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
    )
)]
#[post("/staff/sign-out-everywhere")]
pub async fn sign_out_everywhere(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.any();
    let user_id = who.user_id.ok_or(ApiError::Forbidden)?;
    lifecycle::change_account(&state.db, who, user_id, AccountChange::SignOutEverywhere).await?;
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie(
            String::new(),
            state.secure_cookies,
            CookieDuration::ZERO,
        ))
        .finish())
}
