//! `GET /api/admin/actors`: what each supervised actor and loop of the answering process is
//! doing (admins). Each replica answers for itself; `/metrics` has the same figures per process.

use actix_web::{HttpResponse, get, web};
use bakery_wire::staff::ActorReport;

use super::AppState;
use super::errors::ApiError;
use super::shared_answers::AdminRead;
use super::staff::{ADMIN, Staff};

/// The roster of the process that answers, in the order its parts were built.
#[utoipa::path(
    tag = "admin",
    summary = "The actors and loops of this process: state, restarts, last error (admin)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "Every supervised actor and loop of the answering process", body = Vec<ActorReport>),
        AdminRead,
    )
)]
#[get("/admin/actors")]
pub async fn actors(staff: Staff, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    Ok(HttpResponse::Ok().json(state.roster.reports()))
}
