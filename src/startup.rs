//! Builds the bakery from its settings: database, actors, and the HTTP server. `main` and the tests both use it.

use std::any::Any;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use actix::Supervisor;
use actix_cors::Cors;
use actix_files::{Files, NamedFile};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{Compress, Condition, DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpServer, Responder, web};
use arc_swap::ArcSwap;
use bakery_wire::OrderStatus;
use sea_orm::{DatabaseConnection, DbErr};

use crate::actors::catalog_cache::{
    CatalogCache, InvalidationListener, SharedCatalog, load_snapshot,
};
use crate::actors::notifier;
use crate::actors::order_consumer::OrderConsumer;
use crate::actors::order_processor::{Kitchen, OrderProcessor, Shift};
use crate::actors::order_store::{OrderStore, StoreStats};
use crate::actors::outbox_relay::OutboxRelay;
use crate::actors::oven::Oven;
use crate::actors::status_link::{StatusFanout, StatusListener};
use crate::actors::supervision::Restarts;
use crate::api::{self, AppState, errors};
use crate::cache::RedisCache;
use crate::config::{Settings, TlsFiles};
use crate::events::StatusBus;
use crate::order_views::OrderViews;
use crate::queue::amqp::{AmqpNames, AmqpPublisher};
use crate::queue::{Inbox, LocalQueue, OrderQueue};
use crate::staff::rate_limit::SignInLimiter;
use crate::store::{StoreError, connect, notifications, outbox, reads};

/// Memory for the order pages an API process keeps, packed (about 110 bytes an order with its
/// map slot, so about 110,000 orders): a busy day's orders are answered from memory.
const ORDER_VIEW_BYTES: usize = 12 << 20;

/// Which parts of the bakery this process runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// API and order processing in one process (the default).
    All,
    /// The HTTP API only.
    Serve,
    /// Order processing only.
    Worker,
}

/// Why the bakery could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[from] DbErr),
    #[error("cannot read or write the database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot hand pending orders to the queue: {0}")]
    Queue(#[from] crate::queue::QueueError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("cannot start the HTTP server: {0}")]
    Server(std::io::Error),
    #[error("bad BAKERY_REDIS_URL: {0}")]
    Redis(String),
    #[error("HTTPS: {0}")]
    Tls(String),
}

/// A built bakery, running once [`Application::run_until_stopped`] is awaited.
pub struct Application {
    port: Option<u16>,
    server: Option<Server>,
    /// Addresses of the supervised actors: holding them keeps the supervisors restarting them.
    _actors: Vec<Box<dyn Any>>,
    store_stats: Option<Arc<StoreStats>>,
    /// The processor pool's shift, to close it on shutdown (`None` without processors).
    shift: Option<Arc<Shift>>,
    shutdown_grace: Duration,
}

/// The connections to Redis and RabbitMQ of the distributed shape (none in the embedded one).
struct Links {
    redis: Option<Arc<RedisCache>>,
    broker: Option<Arc<AmqpPublisher>>,
    names: AmqpNames,
}

impl Links {
    fn open(settings: &Settings) -> Result<Links, StartupError> {
        let names = AmqpNames::new(&settings.names);
        let redis = match &settings.redis_url {
            Some(url) => Some(Arc::new(
                RedisCache::new(url, &settings.names)
                    .map_err(|e| StartupError::Redis(e.to_string()))?,
            )),
            None => None,
        };
        let broker = settings
            .amqp_url
            .as_deref()
            .map(|url| Arc::new(AmqpPublisher::new(url, names.clone())));
        Ok(Links {
            redis,
            broker,
            names,
        })
    }
}

impl Application {
    /// Opens the database (migrating it unless `role` is `Worker`), starts the actors the role
    /// needs and binds the HTTP listener. Must run inside an actix `System`.
    pub async fn build(settings: Settings, role: Role) -> Result<Application, StartupError> {
        let db = connect::connect(&settings.database_url, settings.database_pool).await?;
        if role != Role::Worker {
            connect::migrate(&db).await?;
        }
        if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
            actix::spawn(crate::store::wal::keep_short(db.clone()));
        } else {
            actix::spawn(crate::store::statistics::gather_when_missing(db.clone()));
        }
        let links = Links::open(&settings)?;
        let mut actors: Vec<Box<dyn Any>> = Vec::new();
        let restarts = |actor| {
            Restarts::new(
                actor,
                settings.worker.restart_initial,
                settings.worker.restart_max,
            )
        };

        let catalog: SharedCatalog = Arc::new(ArcSwap::from_pointee(load_snapshot(&db).await?));
        let catalog_actor = {
            let (db, catalog, redis) = (db.clone(), catalog.clone(), links.redis.clone());
            let restarts = restarts("catalog_cache");
            Supervisor::start(move |_| CatalogCache::new(db, catalog, redis, restarts))
        };
        actors.push(Box::new(catalog_actor.clone()));
        if let Some(redis) = links.redis.clone() {
            let catalog = catalog_actor.clone();
            let restarts = restarts("catalog_listener");
            let listener =
                Supervisor::start(move |_| InvalidationListener::new(redis, catalog, restarts));
            actors.push(Box::new(listener));
        }

        let order_views = Arc::new(OrderViews::new(ORDER_VIEW_BYTES));
        let mut bus = StatusBus::new(4096).dropping_changed(order_views.clone());
        if let (Some(url), Some(broker)) = (&settings.amqp_url, &links.broker) {
            {
                // Workers share the kitchen's moves, servers the staff's.
                let (broker, exchange) = (broker.clone(), links.names.status_exchange.clone());
                let restarts = restarts("status_fanout");
                let fanout =
                    Supervisor::start(move |_| StatusFanout::new(broker, exchange, restarts));
                bus = bus.shared_through(fanout.clone().recipient());
                actors.push(Box::new(fanout));
            }
            if role != Role::Worker {
                let (url, names, bus) = (url.clone(), links.names.clone(), bus.clone());
                let own = broker.app_id().to_owned();
                let restarts = restarts("status_listener");
                let listener =
                    Supervisor::start(move |_| StatusListener::new(url, names, own, bus, restarts));
                actors.push(Box::new(listener));
            }
        }

        // The order queue: RabbitMQ when configured, else this process's inbox (then the outbox
        // is drained where the processors run).
        let (inbox_tx, inbox) = Inbox::new();
        let queue: Arc<dyn OrderQueue> = match &links.broker {
            Some(broker) => broker.clone(),
            None => Arc::new(LocalQueue::new(inbox_tx.clone())),
        };
        let relay_here = match links.broker {
            Some(_) => role != Role::Worker,
            None => role != Role::Serve,
        };
        let topic = settings.names.orders_queue();
        let relay = relay_here.then(|| {
            let (db, queue, topic) = (db.clone(), queue.clone(), topic.clone());
            let restarts = restarts("outbox_relay");
            Supervisor::start(move |_| OutboxRelay::new(db, queue, topic, restarts))
        });
        actors.extend(relay.iter().map(|a| Box::new(a.clone()) as Box<dyn Any>));
        if role != Role::Worker {
            // Customer notifications (webhooks, e-mail) from the outbox; replicas share the rows.
            if settings.smtp_url.is_some() {
                // From now on every status move writes its notification for this process to mail.
                notifications::register_channel(&db, notifications::EMAIL).await?;
            }
            let (db, bus, smtp) = (db.clone(), bus.clone(), settings.smtp_url.as_deref());
            let restarts = restarts("notifier");
            let notifier = notifier::start(db, bus, smtp, &settings.smtp_from, restarts);
            actors.extend(notifier.map(|a| Box::new(a) as Box<dyn Any>));
        }

        let mut pool_shift = None;
        if role != Role::Serve {
            let oven = {
                let (db, bus) = (db.clone(), bus.clone());
                let restarts = restarts("oven");
                Supervisor::start(move |_| Oven::new(db, bus, restarts))
            };
            let shift = Arc::new(Shift::default());
            pool_shift = Some(shift.clone());
            let kitchen = Arc::new(Kitchen {
                db: db.clone(),
                prep_time: settings.worker.prep_time,
                max_attempts: settings.worker.max_attempts,
                failing_attempts: settings.chaos.failing_attempts,
                bus: bus.clone(),
                oven: oven.clone(),
                catalog: Some(catalog_actor.clone()),
                shift,
            });
            actors.push(Box::new(oven));
            for number in 0..settings.worker.pool {
                let (kitchen, inbox) = (kitchen.clone(), inbox.clone());
                let restarts = restarts("order_processor");
                actors.push(Box::new(Supervisor::start(move |_| {
                    OrderProcessor::new(number, kitchen, inbox, restarts)
                })));
            }
            match &settings.amqp_url {
                Some(url) => {
                    let (url, names) = (url.clone(), links.names.clone());
                    let (prefetch, inbox_tx) = (settings.worker.prefetch, inbox_tx.clone());
                    let restarts = restarts("order_consumer");
                    actors.push(Box::new(Supervisor::start(move |_| {
                        OrderConsumer::new(url, names, prefetch, inbox_tx, restarts)
                    })));
                }
                None => resume_pending_orders(&db, queue.as_ref()).await?,
            }
        }
        drop(inbox_tx);

        let mut store_stats = None;
        let (server, port) = if role == Role::Worker {
            let port = match &settings.metrics_bind {
                Some(bind) => Some(worker_metrics_server(bind, db.clone())?),
                None => None,
            };
            (None, port)
        } else {
            let store = {
                let (db, topic) = (db.clone(), topic.clone());
                let (max_batch, max_wait) = (
                    settings.order_store.max_batch,
                    settings.order_store.max_wait,
                );
                let restarts = restarts("order_store");
                let store = OrderStore::new(db, topic, max_batch, max_wait, relay, restarts);
                store_stats = Some(store.stats());
                Supervisor::start(move |_| store)
            };
            actors.push(Box::new(store.clone()));
            actix::spawn(crate::order_views::refresher::keep_fresh(
                order_views.clone(),
                db.clone(),
            ));
            let state = web::Data::new(AppState {
                db: db.clone(),
                catalog,
                store,
                order_views,
                bus,
                redis: links.redis.clone(),
                broker: links.broker.clone(),
                body_limit: settings.body_limit,
                catalog_cache: catalog_actor.clone(),
                orders_topic: topic.clone(),
                sign_ins: SignInLimiter::default(),
                secure_cookies: settings.secure_cookies.unwrap_or(settings.tls.is_some()),
            });
            let (server, port) = http_server(&settings, state)?;
            (Some(server), Some(port))
        };
        Ok(Application {
            port,
            server,
            _actors: actors,
            store_stats,
            shift: pool_shift,
            shutdown_grace: settings.shutdown_grace,
        })
    }

    /// The port the HTTP server listens on (for a worker, its metrics server, if any).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The order store's counters (`None` for a worker).
    pub fn store_stats(&self) -> Option<Arc<StoreStats>> {
        self.store_stats.clone()
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully: the HTTP server stops
    /// accepting and finishes in-flight requests, the processors take no new deliveries and
    /// finish the orders in hand, all within the grace period. Deliveries not taken go back to
    /// the queue (RabbitMQ) or are resumed from the database on the next start (embedded).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _actors = self._actors;
        match self.server {
            Some(server) => server.await?,
            None => stop_signal().await?,
        }
        if let Some(shift) = self.shift {
            shift.close();
            let deadline = tokio::time::Instant::now() + self.shutdown_grace;
            while shift.busy() > 0 && tokio::time::Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tracing::info!(unfinished = shift.busy(), "order processors closed");
        }
        Ok(())
    }
}

/// Waits for SIGTERM or SIGINT.
async fn stop_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => {}
        interrupted = tokio::signal::ctrl_c() => interrupted?,
    }
    tracing::info!("stop signal received; shutting down");
    Ok(())
}

/// Hands every order still `pending` to the processors again: the in-process queue forgets what
/// it held when the process died, the database does not. Duplicates are harmless.
async fn resume_pending_orders(
    db: &DatabaseConnection,
    queue: &dyn OrderQueue,
) -> Result<(), StartupError> {
    let pending = reads::orders_in(db, OrderStatus::Pending).await?;
    if !pending.is_empty() {
        tracing::info!(
            orders = pending.len(),
            "resuming pending orders after start"
        );
    }
    for order in pending {
        let message = outbox::message_for(db, &order).await?;
        let payload = serde_json::to_string(&message).map_err(StoreError::from)?;
        if let (_, Some(err)) = queue.publish_batch(&[payload]).await {
            return Err(err.into());
        }
    }
    Ok(())
}

fn http_server(
    settings: &Settings,
    state: web::Data<AppState>,
) -> Result<(Server, u16), StartupError> {
    let bind_error = |source| StartupError::Bind {
        address: settings.bind.clone(),
        source,
    };
    let listener = TcpListener::bind(&settings.bind).map_err(bind_error)?;
    let port = listener.local_addr().map_err(bind_error)?.port();
    let static_dir = settings.static_dir.clone();
    let site = static_dir
        .join("index.html")
        .is_file()
        .then_some(static_dir);
    if site.is_none() {
        tracing::warn!(
            dir = %settings.static_dir.display(),
            "storefront not built; serving the API only (run `cargo xtask frontend`)"
        );
    }
    let tls = settings.tls.is_some();
    let server = HttpServer::new(move || {
        let cors = Cors::default()
            .allow_any_origin()
            .allow_any_method()
            .allow_any_header()
            .expose_headers(["Location", "ETag", "Idempotent-Replayed", "X-Request-Id"])
            .max_age(3600);
        App::new()
            .app_data(state.clone())
            .wrap(
                ErrorHandlers::new()
                    .handler(
                        StatusCode::METHOD_NOT_ALLOWED,
                        api::openapi::with_allow_header,
                    )
                    .default_handler(errors::json_error_body),
            )
            .wrap(Compress::default())
            .wrap(cors)
            .wrap(actix_web::middleware::from_fn(
                api::observe::observe_request,
            ))
            // Behind HTTPS, browsers are told to never come back over plain HTTP.
            .wrap(Condition::new(
                tls,
                DefaultHeaders::new().add((
                    header::STRICT_TRANSPORT_SECURITY,
                    "max-age=31536000; includeSubDomains",
                )),
            ))
            .configure(api::routes)
            .configure(|cfg| storefront(cfg, site.as_deref()))
    });
    let server = match &settings.tls {
        Some(files) => server.listen_rustls_0_23(listener, tls_config(files)?),
        None => server.listen(listener),
    };
    let mut server = server
        .map_err(StartupError::Server)?
        .shutdown_timeout(settings.shutdown_grace.as_secs().max(1));
    if settings.http_workers > 0 {
        server = server.workers(settings.http_workers);
    }
    Ok((server.run(), port))
}

/// A worker's own small HTTP server: `/metrics` (Prometheus) and `/health` (database ping).
/// Returns the bound port; the server runs in the background until the process ends.
fn worker_metrics_server(bind: &str, db: DatabaseConnection) -> Result<u16, StartupError> {
    let bind_error = |source| StartupError::Bind {
        address: bind.to_owned(),
        source,
    };
    let listener = TcpListener::bind(bind).map_err(bind_error)?;
    let port = listener.local_addr().map_err(bind_error)?.port();
    let db = web::Data::new(db);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(db.clone())
            .route(
                "/metrics",
                web::get().to(|db: web::Data<DatabaseConnection>| async move {
                    actix_web::HttpResponse::Ok()
                        .content_type(api::metrics::CONTENT_TYPE)
                        .body(api::metrics::scrape(Some(db.get_ref())).await)
                }),
            )
            .route(
                "/health",
                web::get().to(|db: web::Data<DatabaseConnection>| async move {
                    let up = matches!(
                        tokio::time::timeout(Duration::from_secs(2), db.ping()).await,
                        Ok(Ok(()))
                    );
                    let mut res = if up {
                        actix_web::HttpResponse::Ok()
                    } else {
                        actix_web::HttpResponse::ServiceUnavailable()
                    };
                    res.json(serde_json::json!({ "status": if up { "ok" } else { "degraded" } }))
                }),
            )
    })
    .workers(1)
    .disable_signals()
    .listen(listener)
    .map_err(StartupError::Server)?
    .run();
    actix_web::rt::spawn(server);
    Ok(port)
}

/// The TLS set-up from PEM files: TLS 1.2 and 1.3 with rustls's safe defaults (ring).
fn tls_config(files: &TlsFiles) -> Result<rustls::ServerConfig, StartupError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let unreadable = |what: &str, path: &Path, err: &dyn std::fmt::Display| {
        StartupError::Tls(format!("cannot read the {what} {}: {err}", path.display()))
    };
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| unreadable("certificate", &files.cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable("certificate", &files.cert, &e))?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| unreadable("private key", &files.key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StartupError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| StartupError::Tls(format!("the certificate and key do not fit: {e}")))
}

/// Serves the built storefront at `/`: hashed assets cached for a year, other paths fall back to
/// `index.html` so the site's own router can show them.
fn storefront(cfg: &mut web::ServiceConfig, site: Option<&Path>) {
    let Some(dir) = site else {
        cfg.default_service(web::to(errors::not_found));
        return;
    };
    let index: PathBuf = dir.join("index.html");
    let spa_index = fn_service(move |req: ServiceRequest| {
        let index = index.clone();
        async move {
            let (req, _) = req.into_parts();
            let file = NamedFile::open_async(&index).await?;
            let res = file
                .use_etag(true)
                .customize()
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .respond_to(&req)
                .map_into_boxed_body();
            Ok(ServiceResponse::new(req, res))
        }
    });
    cfg.service(
        web::scope("/assets")
            .wrap(
                DefaultHeaders::new()
                    .add((header::CACHE_CONTROL, "public, max-age=31536000, immutable")),
            )
            .service(Files::new("", dir.join("assets")))
            .default_service(web::to(errors::not_found)),
    )
    .service(
        Files::new("/", dir)
            .index_file("index.html")
            .default_handler(spa_index),
    );
}
