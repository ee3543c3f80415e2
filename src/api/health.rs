//! `GET /health`: the seed's shape; each backing service checked for real; 503 when the database is down.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use bakery_wire::{Health, HealthServices};

use super::AppState;

/// A service that takes longer than this to answer counts as down.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// `Some(true)` healthy, `Some(false)` unhealthy, `None` embedded (not a separate service).
async fn check(probe: Option<impl Future<Output = bool>>) -> Option<bool> {
    match probe {
        None => None,
        Some(probe) => Some(
            tokio::time::timeout(CHECK_TIMEOUT, probe)
                .await
                .unwrap_or(false),
        ),
    }
}

fn word(state: Option<bool>) -> String {
    match state {
        None => "embedded",
        Some(true) => "healthy",
        Some(false) => "unhealthy",
    }
    .to_owned()
}

/// Checks the database, RabbitMQ and Redis at once.
#[utoipa::path(
    tag = "operations",
    summary = "Check the database, broker and cache",
    responses(
        (status = 200, description = "The database answers", body = Health),
        (status = 503, description = "The database does not answer", body = Health),
    )
)]
#[get("/health")]
pub async fn health(state: web::Data<AppState>) -> HttpResponse {
    let database = check(Some(async { state.db.ping().await.is_ok() }));
    let broker = check(state.broker.as_ref().map(|b| b.is_healthy()));
    let redis = check(state.redis.as_ref().map(|r| r.is_healthy()));
    let (database, broker, redis) = tokio::join!(database, broker, redis);
    let all_up = [database, broker, redis].iter().all(|s| *s != Some(false));
    let body = Health {
        status: if all_up { "ok" } else { "degraded" }.to_owned(),
        services: HealthServices {
            database: word(database),
            rabbitmq: word(broker),
            redis: word(redis),
        },
    };
    if database == Some(true) {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
