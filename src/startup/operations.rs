//! The operations listener on `metrics_bind`, apart from the public API: Prometheus `/metrics`,
//! `/health` (the database answers), `/livez` (the process answers), `/actors` (the roster, for
//! `bakery actors`), `/reload` (for `bakery reload`), and the count of orders by status that
//! seeds and corrects its gauges.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use sea_orm::DatabaseConnection;

use super::error::StartupError;
use super::reload::Reloader;
use crate::actors::roster::Roster;
use crate::metrics::OrderGauges;
use crate::{metrics, store};

/// The content type Prometheus expects for the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A slow database must not pile up counts: the gauges then keep their last values.
const COUNT_TIMEOUT: Duration = Duration::from_secs(5);
/// Counts tried while orders move during them (which moves a count saw is then not known)
/// before one is taken anyway, and the pause between them.
const QUIET_TRIES: u32 = 5;
const QUIET_PAUSE: Duration = Duration::from_millis(200);
/// How soon a count that failed before the gauges were ever seeded is tried again.
const SEED_RETRY: Duration = Duration::from_secs(1);

/// Starts the operations server on `bind` (one HTTP worker) in the background; returns its port.
pub(super) fn operations_server(
    bind: &str,
    db: DatabaseConnection,
    (gauges, reloader, roster): (Arc<OrderGauges>, Arc<Reloader>, Arc<Roster>),
) -> Result<u16, StartupError> {
    let bind_error = |source| StartupError::Bind {
        address: bind.to_owned(),
        source,
    };
    let listener = TcpListener::bind(bind).map_err(bind_error)?;
    let port = listener.local_addr().map_err(bind_error)?.port();
    let db = web::Data::new(db);
    let gauges = web::Data::from(gauges);
    let reloader = web::Data::from(reloader);
    let roster = web::Data::from(roster);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(db.clone())
            .app_data(gauges.clone())
            .app_data(reloader.clone())
            .app_data(roster.clone())
            .route("/metrics", web::get().to(metrics_text))
            .route("/health", web::get().to(health))
            .route("/livez", web::get().to(livez))
            .route("/actors", web::get().to(actors))
            .route("/reload", web::post().to(reload))
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
async fn metrics_text(gauges: web::Data<OrderGauges>, roster: web::Data<Roster>) -> HttpResponse {
    metrics::set_actor_figures(roster.reports().iter().map(|r| metrics::ActorFigures {
        actor: &r.actor,
        restarts: r.restarts,
        up: r.state == bakery_wire::staff::ActorState::Running,
        queue_depth: r.queue_depth,
    }));
    let mut text = metrics::render();
    text.push_str(&gauges.render());
    HttpResponse::Ok().content_type(CONTENT_TYPE).body(text)
}

/// Reloads the settings (what `bakery reload` asks): 200 with the settings changed live and
/// those that need a restart, or 422 with why the settings do not load.
async fn reload(reloader: web::Data<Reloader>) -> HttpResponse {
    match reloader.reload() {
        Ok(changes) => HttpResponse::Ok().json(serde_json::json!({
            "changed_live": changes.live.iter().map(|(k, _, _)| k).collect::<Vec<_>>(),
            "need_restart": changes.need_restart,
        })),
        Err(error) => HttpResponse::UnprocessableEntity().json(serde_json::json!({
            "error": error,
            "code": "invalid_settings",
            "details": null,
        })),
    }
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

/// Counts orders by status and the outbox backlog into `gauges`: tried again a moment later
/// while orders move during the count, and taken anyway after a few tries.
pub(super) async fn recount(db: &DatabaseConnection, gauges: &OrderGauges) {
    for attempt in 1..=QUIET_TRIES {
        let mark = gauges.mark();
        match tokio::time::timeout(COUNT_TIMEOUT, store::order_counts::count(db)).await {
            Ok(Ok(counts)) => {
                if gauges.counted(&counts, mark, attempt == QUIET_TRIES) {
                    return;
                }
                tokio::time::sleep(QUIET_PAUSE).await;
            }
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "metrics: cannot count orders");
                return;
            }
            Err(_) => {
                tracing::warn!("metrics: counting orders timed out");
                return;
            }
        }
    }
}

/// Recounts into `gauges` every `every` (every second until a first count succeeded). Where the
/// gauges follow each move this only corrects drift; elsewhere it is what they show.
pub(super) async fn keep_order_counts(
    db: DatabaseConnection,
    every: Duration,
    gauges: Arc<OrderGauges>,
) {
    loop {
        let wait = if gauges.is_counted() {
            every
        } else {
            SEED_RETRY
        };
        tokio::time::sleep(wait).await;
        recount(&db, &gauges).await;
    }
}
