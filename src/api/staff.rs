//! Staff sign-in, sign-out and `me`, and the [`Staff`] extractor that authenticates every back-office request.
//!
//! A browser signs in and gets an `HttpOnly`, `SameSite=Strict` session cookie plus a CSRF token
//! to send in `X-CSRF-Token` on every state-changing request; automation sends
//! `Authorization: Bearer <token>` instead (no cookie, so no CSRF to guard against).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, dev::Payload, get, post, web};
use bakery_wire::ErrorBody;
use bakery_wire::staff::{CSRF_HEADER, SESSION_COOKIE, SignIn, StaffRole, StaffSession};
use serde_json::json;

use super::AppState;
use super::body::read_json;
use super::client::ClientAddress;
use super::errors::ApiError;
use super::shared_answers::JsonBody;
use crate::staff::accounts::{self, Principal};
use crate::staff::audit;
use crate::staff::rate_limit::SignInRefusal;
use crate::staff::secrets::{decoy_hash, same};
use crate::staff::{sessions, tokens};

/// An authenticated staff member (or bearer token); CSRF is already checked for unsafe methods.
#[derive(Debug, Clone)]
pub struct Staff(pub Principal);

impl Staff {
    /// Refuses (403) unless the principal has one of `roles`.
    pub fn require(&self, roles: &[StaffRole]) -> Result<&Principal, ApiError> {
        if roles.contains(&self.0.role) {
            Ok(&self.0)
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// Any staff role.
    pub fn any(&self) -> &Principal {
        &self.0
    }
}

/// Admins only.
pub const ADMIN: &[StaffRole] = &[StaffRole::Admin];
/// Admins and bakers.
pub const BAKERS: &[StaffRole] = &[StaffRole::Admin, StaffRole::Baker];

/// What a session whose password was reset may still do: see who it is, change the password,
/// sign out.
const WHILE_PASSWORD_RESET: &[&str] = &[
    "/api/staff/me",
    "/api/staff/password",
    "/api/staff/sign-out",
];

impl FromRequest for Staff {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Staff, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned());
        let session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        let csrf = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        let reset_allows = WHILE_PASSWORD_RESET.contains(&req.path());
        Box::pin(async move {
            let state = state.ok_or(ApiError::Unauthenticated)?;
            if let Some(token) = bearer {
                return tokens::token_principal(&state.db, &token)
                    .await?
                    .map(Staff)
                    .ok_or(ApiError::Unauthenticated);
            }
            let token = session.ok_or(ApiError::Unauthenticated)?;
            let principal = sessions::session_principal(&state.db, state.sessions(), &token)
                .await?
                .ok_or(ApiError::Unauthenticated)?;
            if principal.must_change_password && !reset_allows {
                return Err(ApiError::PasswordChangeRequired);
            }
            if !safe {
                let expected = principal.csrf_token.as_deref().unwrap_or_default();
                let given = csrf.as_deref().unwrap_or_default();
                if expected.is_empty() || !same(expected, given) {
                    return Err(ApiError::CsrfFailed);
                }
            }
            Ok(Staff(principal))
        })
    }
}

pub(super) fn session_cookie(
    value: String,
    secure: bool,
    max_age: CookieDuration,
) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(max_age)
        .finish()
}

/// `POST /api/staff/sign-in`: e-mail and password → session cookie and CSRF token.
#[utoipa::path(
    tag = "staff",
    summary = "Sign in",
    description = "Sets the `bakery_session` cookie (HttpOnly, SameSite=Strict). The session ends after `sessions.idle_timeout` unused (30 minutes by default) or `sessions.lifetime` after sign-in (12 hours), at sign-out, or when the account is signed out everywhere, deactivated or its password changed or reset. With `must_change_password` (an admin reset the password) every staff request but `GET /api/staff/me`, `POST /api/staff/password` and `POST /api/staff/sign-out` answers 403 `password_change_required` until the password is changed. Each try takes a failure slot before the \
        password is checked (a good password gives it back): five failures of one account from one client address, or twenty \
        from one address, in 15 minutes block further tries from that address (429 with `Retry-After`). Password checks run a \
        few at a time; a sign-in that cannot start one within a second gets 503 `busy` with `Retry-After`.",
    request_body(content = SignIn, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in; send `csrf_token` as `X-CSRF-Token` on changes", body = StaffSession,
            headers(("Set-Cookie" = String, description = "The session cookie"))),
        (status = 400, description = "Not JSON, or no e-mail and password", body = ErrorBody),
        (status = 401, description = "Wrong e-mail or password", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins from this address", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a try may succeed"))),
        (status = 503, description = "The database cannot be reached, or too many passwords are being checked (`busy`, with `Retry-After`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait, when `busy`"))),
        JsonBody,
    )
)]
#[post("/staff/sign-in")]
pub async fn sign_in(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = read_json(&req, payload, state.body).await?;
    let text = |field: &str| body.get(field).and_then(|v| v.as_str()).map(str::to_owned);
    let (Some(email), Some(password)) = (text("email"), text("password")) else {
        return Err(ApiError::invalid(
            "body",
            "needs \"email\" and \"password\" strings",
        ));
    };
    let address = ClientAddress::of(&req).0;
    // The failure slot is taken before the password is checked, and given back on success.
    let attempt = state
        .sign_ins
        .begin(&email, address)
        .await
        .map_err(refused)?;
    let user = accounts::active_user(&state.db, &email).await?;
    let stored = user
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    let matches = match state.sign_ins.check_password(password, stored).await {
        Ok(matches) => matches,
        Err(busy) => {
            state.sign_ins.release(attempt).await;
            return Err(refused(busy));
        }
    };
    let Some(user) = user.filter(|_| matches) else {
        tracing::warn!(%address, "failed staff sign-in");
        let _ = audit::record(
            &state.db,
            &email,
            "staff.sign_in_failed",
            "staff",
            json!({ "address": address.to_string() }),
        )
        .await;
        return Err(ApiError::InvalidCredentials);
    };
    state.sign_ins.succeeded(attempt).await;
    let role = StaffRole::parse(&user.role).ok_or(ApiError::Forbidden)?;
    let (token, csrf_token) = sessions::open_session(&state.db, state.sessions(), &user).await?;
    audit::record(
        &state.db,
        &user.email,
        "staff.sign_in",
        "staff",
        json!({ "address": address.to_string() }),
    )
    .await?;
    Ok(signed_in(
        &state,
        token,
        StaffSession {
            email: user.email,
            role,
            csrf_token,
            must_change_password: user.must_change_password,
        },
    ))
}

/// The answer that hands a browser its new session: the cookie (for the session's lifetime) and
/// who it is.
pub(super) fn signed_in(state: &AppState, token: String, session: StaffSession) -> HttpResponse {
    let lifetime = state.session_policy.lifetime.as_secs();
    let max_age = CookieDuration::seconds(i64::try_from(lifetime).unwrap_or(i64::MAX));
    HttpResponse::Ok()
        .cookie(session_cookie(token, state.secure_cookies, max_age))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(session)
}

/// A sign-in the limiter would not try: 429 after too many failures, 503 when too many
/// passwords are being checked at once.
fn refused(refusal: SignInRefusal) -> ApiError {
    let seconds = crate::limits::retry_after_secs;
    match refusal {
        SignInRefusal::TooManyFailures(wait) => ApiError::TooManyAttempts {
            retry_after_secs: seconds(wait),
        },
        SignInRefusal::Busy(wait) => ApiError::Busy {
            limit: "password_checks",
            retry_after_secs: seconds(wait),
        },
    }
}

/// `POST /api/staff/sign-out`: ends the session and clears the cookie.
#[utoipa::path(
    tag = "staff",
    summary = "Sign out",
    description = "Ends the session of the cookie and clears it; with a bearer token there is no session and nothing changes.",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "No valid X-CSRF-Token", body = ErrorBody),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
    )
)]
#[post("/staff/sign-out")]
pub async fn sign_out(
    req: HttpRequest,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if let Some(cookie) = req.cookie(SESSION_COOKIE) {
        sessions::close_session(&state.db, state.sessions(), cookie.value()).await?;
    }
    audit::record(
        &state.db,
        &staff.any().actor,
        "staff.sign_out",
        "staff",
        json!({}),
    )
    .await?;
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie(
            String::new(),
            state.secure_cookies,
            CookieDuration::ZERO,
        ))
        .finish())
}

/// `GET /api/staff/me`: who is signed in, with the CSRF token.
#[utoipa::path(
    tag = "staff",
    summary = "Who is signed in",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in staff member (a bearer token's `csrf_token` is empty)", body = StaffSession),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
    )
)]
#[get("/staff/me")]
pub async fn me(staff: Staff) -> Result<HttpResponse, ApiError> {
    let principal = staff.any();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(StaffSession {
            email: principal.actor.clone(),
            role: principal.role,
            csrf_token: principal.csrf_token.clone().unwrap_or_default(),
            must_change_password: principal.must_change_password,
        }))
}
