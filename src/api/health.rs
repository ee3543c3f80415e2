//! `GET /health`: the seed's shape; 503 with `degraded` when the database cannot be reached.

use actix_web::{HttpResponse, web};
use bakery_wire::{Health, HealthServices};

use super::AppState;

/// Checks each backing service for real.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let database_ok = state.db.ping().await.is_ok();
    let word = |ok: bool| if ok { "healthy" } else { "unhealthy" }.to_owned();
    let embedded = || "embedded".to_owned();
    let body = Health {
        status: if database_ok { "ok" } else { "degraded" }.to_owned(),
        services: HealthServices {
            database: word(database_ok),
            rabbitmq: embedded(),
            redis: embedded(),
        },
    };
    if database_ok {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
