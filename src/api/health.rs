//! `GET /health`: the seed's shape; 503 with `degraded` when the database cannot be reached.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use bakery_wire::{Health, HealthServices};

use super::AppState;

/// A database that takes longer than this to answer counts as down.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Checks each backing service for real.
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let ping = tokio::time::timeout(PING_TIMEOUT, state.db.ping());
    let database_ok = matches!(ping.await, Ok(Ok(())));
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
