//! The error answers many endpoints share, named once for their OpenAPI documentation.
//!
//! A handler's `#[utoipa::path(responses(…))]` lists its own answers and then these sets, e.g.
//! `responses((status = 200, …), AdminChange, JsonBody)`.

use bakery_wire::ErrorBody;
use utoipa::IntoResponses;

/// An admin's read: who may ask, and the database.
#[allow(dead_code)] // only its documentation is used
#[derive(IntoResponses)]
pub enum AdminRead {
    #[response(status = 401, description = "Not signed in")]
    NotSignedIn(ErrorBody),
    #[response(status = 403, description = "Role not allowed")]
    RoleNotAllowed(ErrorBody),
    #[response(status = 503, description = "The database cannot be reached")]
    DatabaseDown(ErrorBody),
}

/// An admin's change: who may ask (with the session's CSRF token), and the database.
#[allow(dead_code)] // only its documentation is used
#[derive(IntoResponses)]
pub enum AdminChange {
    #[response(status = 401, description = "Not signed in")]
    NotSignedIn(ErrorBody),
    #[response(
        status = 403,
        description = "Role not allowed, or no valid X-CSRF-Token"
    )]
    RoleNotAllowed(ErrorBody),
    #[response(status = 503, description = "The database cannot be reached")]
    DatabaseDown(ErrorBody),
}

/// A JSON body that is too large, too slow, or not JSON.
#[allow(dead_code)] // only its documentation is used
#[derive(IntoResponses)]
pub enum JsonBody {
    #[response(
        status = 408,
        description = "The body did not arrive within the time limit"
    )]
    TooSlow(ErrorBody),
    #[response(status = 413, description = "Body too large")]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "Not JSON")]
    NotJson(ErrorBody),
}
