//! `GET /metrics`: Prometheus text, with the gauges that are cheaper to count at scrape time (orders by status, outbox backlog, actor restarts) refreshed first.

use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use bakery_wire::OrderStatus;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use super::AppState;
use crate::actors::supervision::restart_counts;
use crate::metrics;

/// A slow database must not make Prometheus time out: the gauges then keep their last values.
const COUNT_TIMEOUT: Duration = Duration::from_secs(2);

/// The content type Prometheus expects for the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Serves the metrics of this process.
#[utoipa::path(
    tag = "operations",
    summary = "Prometheus metrics of this process",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String))
)]
#[get("/metrics")]
pub async fn metrics_text(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(scrape(Some(&state.db)).await)
}

/// Refreshes the scrape-time values and renders every metric; `db` is `None` where the process
/// has no database to count in.
pub async fn scrape(db: Option<&DatabaseConnection>) -> String {
    if let Some(db) = db {
        match tokio::time::timeout(COUNT_TIMEOUT, count_in_database(db)).await {
            Ok(Ok(())) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "metrics: cannot count orders"),
            Err(_) => tracing::warn!("metrics: counting orders timed out"),
        }
    }
    let restarts = restart_counts();
    metrics::set_actor_restarts(restarts.iter().map(|(actor, n)| (*actor, *n)));
    metrics::render()
}

async fn count_in_database(db: &DatabaseConnection) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT status, COUNT(*) FROM orders GROUP BY status",
        ))
        .await?;
    let mut by_status = Vec::with_capacity(rows.len());
    for row in rows {
        let status: String = row.try_get_by_index(0)?;
        let count: i64 = row.try_get_by_index(1)?;
        if let Some(status) = OrderStatus::parse(&status) {
            by_status.push((status, u64::try_from(count).unwrap_or(0)));
        }
    }
    metrics::set_orders_by_status(&by_status);
    let backlog = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL",
        ))
        .await?;
    if let Some(row) = backlog {
        let n: i64 = row.try_get_by_index(0)?;
        metrics::set_outbox_backlog(u64::try_from(n).unwrap_or(0));
    }
    Ok(())
}
