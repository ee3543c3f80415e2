//! The operations listener on `metrics_bind`, apart from the public API: Prometheus `/metrics`,
//! `/health` (the database answers), `/livez` (the process answers), `/actors` (the roster, for
//! `bakery actors`), and the periodic count of orders by status that its gauges show.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use sea_orm::DatabaseConnection;

use super::error::StartupError;
use crate::actors::roster::Roster;
use crate::{metrics, store};

/// The content type Prometheus expects for the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A slow database must not pile up counts: the gauges then keep their last values.
const COUNT_TIMEOUT: Duration = Duration::from_secs(5);

/// Starts the operations server on `bind` (one HTTP worker) in the background; returns its port.
pub(super) fn operations_server(
    bind: &str,
    db: DatabaseConnection,
    roster: Arc<Roster>,
) -> Result<u16, StartupError> {
    let bind_error = |source| StartupError::Bind {
        address: bind.to_owned(),
        source,
    };
    let listener = TcpListener::bind(bind).map_err(bind_error)?;
    let port = listener.local_addr().map_err(bind_error)?.port();
    let db = web::Data::new(db);
    let roster = web::Data::from(roster);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(db.clone())
            .app_data(roster.clone())
            .route("/metrics", web::get().to(metrics_text))
            .route("/health", web::get().to(health))
            .route("/livez", web::get().to(livez))
            .route("/actors", web::get().to(actors))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(StartupError::Server)?
    .run();
    actix_web::rt::spawn(server);
    Ok(port)
}

/// Every metric of this process as it stands; a scrape reads nothing from the database.
async fn metrics_text(roster: web::Data<Roster>) -> HttpResponse {
    metrics::set_actor_figures(roster.reports().iter().map(|r| metrics::ActorFigures {
        actor: &r.actor,
        restarts: r.restarts,
        up: r.state == bakery_wire::staff::ActorState::Running,
        queue_depth: r.queue_depth,
    }));
    HttpResponse::Ok()
        .content_type(CONTENT_TYPE)
        .body(metrics::render())
}

/// `{"status": "ok"}` while the database answers a ping within 2 s, else 503 `degraded`.
async fn health(db: web::Data<DatabaseConnection>) -> HttpResponse {
    let up = matches!(
        tokio::time::timeout(Duration::from_secs(2), db.ping()).await,
        Ok(Ok(()))
    );
    let mut res = if up {
        HttpResponse::Ok()
    } else {
        HttpResponse::ServiceUnavailable()
    };
    res.json(serde_json::json!({ "status": if up { "ok" } else { "degraded" } }))
}

/// `{"status": "alive"}` whenever the process answers at all: no database, broker or cache is
/// asked, so an outage of theirs does not get a healthy process restarted (a liveness probe).
async fn livez() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "alive" }))
}

/// The roster of this process's actors and loops, as `GET /api/admin/actors` shows it; for
/// `bakery actors` (the listener is for operators, like `/metrics`).
async fn actors(roster: web::Data<Roster>) -> HttpResponse {
    HttpResponse::Ok().json(roster.reports())
}

/// Counts orders by status and the outbox backlog every `every` into the gauges, so that their
/// cost does not grow with how often (or by how many) the metrics are scraped.
pub(super) async fn keep_order_counts(db: DatabaseConnection, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match tokio::time::timeout(COUNT_TIMEOUT, store::order_counts::count(&db)).await {
            Ok(Ok(counts)) => {
                metrics::set_orders_by_status(&counts.by_status);
                metrics::set_outbox_backlog(counts.outbox_backlog);
            }
            Ok(Err(err)) => tracing::warn!(error = %err, "metrics: cannot count orders"),
            Err(_) => tracing::warn!("metrics: counting orders timed out"),
        }
    }
}
