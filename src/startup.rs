//! Builds the bakery from its settings: database, actors, and the HTTP server. `main` and the tests both use it.

pub mod actors_command;
mod error;
mod guards;
mod http;
mod links;
mod operations;
mod process;
pub mod reload;
mod search_engines;
mod shop_page;
pub mod user_commands;

use links::Links;
pub use process::run_on_own_system;
use process::stop_signal;

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use actix::{Addr, Supervisor};
use actix_web::dev::Server;
use actix_web::web;
use arc_swap::ArcSwap;
use bakery_wire::OrderStatus;
use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;

pub use self::error::StartupError;
use crate::actors::catalog_cache::{
    CatalogCache, InvalidationListener, SharedCatalog, load_snapshot,
};
use crate::actors::notifier;
use crate::actors::order_consumer::OrderConsumer;
use crate::actors::order_processor::{ProcessingContext, Shift};
use crate::actors::order_store::{OrderStore, StoreStats};
use crate::actors::outbox_relay::OutboxRelay;
use crate::actors::oven::{KitchenClock, Oven, OvenLease};
use crate::actors::processor_pool::ProcessorPool;
use crate::actors::roster::Roster;
use crate::actors::status_link::{StatusFanout, StatusListener};
use crate::actors::supervision::{Restarts, supervise_loop};
use crate::api::AppState;
use crate::config::Settings;
use crate::config::live::LiveSettings;
use crate::events::StatusBus;
use crate::events::watched::WatchedOrders;
use crate::metrics::OrderGauges;
use crate::order_views::OrderViews;
use crate::queue::{Delivery, Inbox, LocalQueue, OrderQueue};
use crate::store::{StoreError, connect, notifications, outbox, oven_leases, reads};

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

/// A built bakery, running once [`Application::run_until_stopped`] is awaited.
pub struct Application {
    port: Option<u16>,
    metrics_port: Option<u16>,
    server: Option<Server>,
    /// Addresses of the supervised actors: holding them keeps the supervisors restarting them.
    _actors: Vec<Box<dyn Any>>,
    store_stats: Option<Arc<StoreStats>>,
    watched: Option<Arc<WatchedOrders>>,
    /// The staff sign-in limiter (`None` for a worker).
    sign_ins: Option<Arc<crate::staff::rate_limit::SignInLimiter>>,
    /// The processor pool's shift, to close it on shutdown (`None` without processors).
    shift: Option<Arc<Shift>>,
    shutdown_grace: Duration,
    /// What each supervised actor and loop of the process is doing.
    roster: Arc<Roster>,
    /// The database and this process's oven id, to end its lease when the kitchen closes.
    oven: (DatabaseConnection, String),
    /// Reloads the settings (SIGHUP, `POST /reload` on the operations listener).
    reloader: Arc<reload::Reloader>,
    /// The processor pool (`None` without processors), resized by reloads.
    _pool: Option<Arc<ProcessorPool>>,
}

/// What the parts of a process are built from, and the actors started so far.
struct Builder<'a> {
    settings: &'a Settings,
    live: LiveSettings,
    role: Role,
    db: DatabaseConnection,
    links: Links,
    actors: Vec<Box<dyn Any>>,
    roster: Arc<Roster>,
}

impl Builder<'_> {
    /// Restart bookkeeping for one actor or loop, with the configured delays, enlisted in the
    /// process's roster.
    fn restarts(&self, actor: &'static str) -> Restarts {
        let worker = &self.settings.worker;
        let member = self.roster.enlist(actor);
        Restarts::new(member, worker.restart_initial, worker.restart_max)
    }

    fn keep<A: 'static>(&mut self, actor: A) {
        self.actors.push(Box::new(actor));
    }

    /// The database's housekeeping loops: SQLite's WAL checkpoints, PostgreSQL's first statistics,
    /// and (in processes with the API) the retention sweep.
    fn start_housekeeping(&self) {
        if self.role != Role::Worker {
            let kept = &self.settings.retention;
            let retention = crate::store::retention::Retention {
                idempotency_keys: kept.idempotency_keys,
                published_outbox: kept.published_outbox,
                delivered_notifications: kept.delivered_notifications,
                session_idle_timeout: self.settings.sessions.idle_timeout,
            };
            let (db, every) = (self.db.clone(), kept.sweep_every);
            supervise_loop(self.restarts("retention"), move || {
                crate::store::retention::keep_tidy(db.clone(), retention, every)
            });
        }
        let db = self.db.clone();
        if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
            let restarts = self.restarts("wal_checkpointer");
            supervise_loop(restarts, move || crate::store::wal::keep_short(db.clone()));
        } else {
            let restarts = self.restarts("statistics");
            supervise_loop(restarts, move || {
                crate::store::statistics::gather_when_missing(db.clone())
            });
        }
    }

    /// The operations listener (`/metrics`, `/health`), when `metrics_bind` is set, with its
    /// order gauges seeded by a first count and recounted every `metrics_count_every`; returns
    /// its port.
    async fn start_operations(
        &self,
        gauges: &Arc<OrderGauges>,
        reloader: &Arc<reload::Reloader>,
    ) -> Result<Option<u16>, StartupError> {
        let Some(bind) = &self.settings.metrics_bind else {
            return Ok(None);
        };
        operations::recount(&self.db, gauges).await;
        let parts = (gauges.clone(), reloader.clone(), self.roster.clone());
        let port = operations::operations_server(bind, self.db.clone(), parts)?;
        let (db, every) = (self.db.clone(), self.settings.metrics_count_every);
        let gauges = gauges.clone();
        supervise_loop(self.restarts("order_counter"), move || {
            operations::keep_order_counts(db.clone(), every, gauges.clone())
        });
        Ok(Some(port))
    }

    /// The catalog snapshot and its cache actor (and, with Redis, the replicas' invalidations).
    async fn start_catalog(&mut self) -> Result<(SharedCatalog, Addr<CatalogCache>), StartupError> {
        let catalog: SharedCatalog =
            Arc::new(ArcSwap::from_pointee(load_snapshot(&self.db).await?));
        let cache = {
            let (db, catalog) = (self.db.clone(), catalog.clone());
            let (redis, restarts) = (self.links.redis.clone(), self.restarts("catalog_cache"));
            Supervisor::start(move |_| CatalogCache::new(db, catalog, redis, restarts))
        };
        self.keep(cache.clone());
        if let Some(redis) = self.links.redis.clone() {
            let (catalog, restarts) = (cache.clone(), self.restarts("catalog_listener"));
            self.keep(Supervisor::start(move |_| {
                InvalidationListener::new(redis, catalog, restarts)
            }));
        }
        Ok((catalog, cache))
    }

    /// The status bus; with RabbitMQ, shared with the other processes (workers share the
    /// kitchen's moves, servers also hear the others').
    fn start_status_bus(
        &mut self,
        order_views: Arc<OrderViews>,
        gauges: &Arc<OrderGauges>,
    ) -> StatusBus {
        let mut bus = StatusBus::new(4096)
            .dropping_changed(order_views)
            .counting_into(gauges.clone());
        let (Some(url), Some(broker)) = (&self.settings.amqp_url, self.links.broker.clone()) else {
            return bus;
        };
        let url = url.clone();
        let exchange = self.links.names.status_exchange.clone();
        let own = broker.app_id().to_owned();
        let restarts = self.restarts("status_fanout");
        let fanout = Supervisor::start(move |_| StatusFanout::new(broker, exchange, restarts));
        bus = bus.shared_through(fanout.clone().recipient());
        self.keep(fanout);
        if self.role != Role::Worker {
            let (names, listening) = (self.links.names.clone(), bus.clone());
            let restarts = self.restarts("status_listener");
            self.keep(Supervisor::start(move |_| {
                StatusListener::new(url, names, own, listening, restarts)
            }));
        }
        bus
    }

    /// Customer notifications (webhooks, e-mail) from the outbox; replicas share the rows.
    async fn start_notifier(&mut self, bus: &StatusBus) -> Result<(), StartupError> {
        let settings = self.settings;
        if settings.smtp_url.is_some() {
            // From now on every status move writes its notification for this process to mail.
            notifications::register_channel(&self.db, notifications::EMAIL).await?;
        }
        let (db, bus) = (self.db.clone(), bus.clone());
        let restarts = self.restarts("notifier");
        if let Some(notifier) = notifier::start(db, bus, settings, restarts) {
            self.keep(notifier);
        }
        Ok(())
    }

    /// The sweep that writes the reminders before orders' slots, beside the oven's sweep.
    fn start_reminders(&self, gauges: &Arc<OrderGauges>) -> Result<(), StartupError> {
        let defaults = crate::domain::calendar::Calendar::parse(&self.settings.calendar)
            .map_err(|e| StartupError::Calendar(e.to_string()))?;
        let (db, live, gauges) = (self.db.clone(), self.live.clone(), gauges.clone());
        supervise_loop(self.restarts("reminders"), move || {
            let (db, live) = (db.clone(), live.clone());
            crate::notify::reminders::keep_reminding(db, live, defaults.clone(), gauges.clone())
        });
        Ok(())
    }

    /// The oven (under the lease of `oven_id`), the processor pool and, with RabbitMQ, the
    /// consumer that feeds it; embedded, the orders still pending are handed to the pool again.
    /// Returns the pool's shift and the pool.
    async fn start_kitchen(
        &mut self,
        bus: &StatusBus,
        catalog: &Addr<CatalogCache>,
        (inbox_tx, inbox): (&mpsc::Sender<Delivery>, &Inbox),
        queue: &dyn OrderQueue,
        oven_id: &str,
    ) -> Result<(Arc<Shift>, Arc<ProcessorPool>), StartupError> {
        let settings = self.settings;
        // The lease exists before any order names this worker's oven.
        oven_leases::renew(&self.db, oven_id, settings.worker.lease_time).await?;
        let lease = OvenLease {
            oven_id: oven_id.into(),
            lease_time: settings.worker.lease_time,
            sweep: settings.worker.lease_sweep,
            every_order_at_start: !settings.uses_broker(),
        };
        let oven_id = lease.oven_id.clone();
        let oven = {
            let (db, bus, restarts) = (self.db.clone(), bus.clone(), self.restarts("oven"));
            let clock = KitchenClock {
                prep_time: settings.worker.prep_time,
                schedule_sweep: settings.worker.schedule_sweep,
            };
            Supervisor::start(move |_| Oven::new(db, bus, restarts, lease, clock))
        };
        let shift = Arc::new(Shift::default());
        let context = Arc::new(ProcessingContext {
            db: self.db.clone(),
            live: self.live.clone(),
            oven_id,
            max_attempts: settings.worker.max_attempts,
            failing_attempts: settings.chaos.failing_attempts,
            bus: bus.clone(),
            oven: oven.clone(),
            catalog: Some(catalog.clone()),
            shift: shift.clone(),
        });
        self.keep(oven);
        // The pool's shared inbox: deliveries waiting for a processor.
        let waiting = inbox_tx.downgrade();
        let inbox_depth = Arc::new(move || {
            waiting.upgrade().map_or(0, |tx| {
                u64::try_from(tx.max_capacity() - tx.capacity()).unwrap_or(u64::MAX)
            })
        });
        let worker = &settings.worker;
        let pool = Arc::new(ProcessorPool::start(
            worker.pool,
            context,
            (inbox.clone(), inbox_depth),
            self.roster.clone(),
            (worker.restart_initial, worker.restart_max),
        ));
        match &settings.amqp_url {
            Some(url) => {
                let (url, names) = (url.clone(), self.links.names.clone());
                let (live, inbox_tx) = (self.live.clone(), inbox_tx.clone());
                let restarts = self.restarts("order_consumer");
                self.keep(Supervisor::start(move |_| {
                    OrderConsumer::new(url, names, live, inbox_tx, restarts)
                }));
            }
            None => resume_pending_orders(&self.db, queue).await?,
        }
        Ok((shift, pool))
    }
}

impl Application {
    /// Opens the database (migrating it unless `role` is `Worker` or `migrate_on_start` is off),
    /// starts the actors the role needs and binds the HTTP listener. Must run inside an actix
    /// `System`.
    pub async fn build(settings: Settings, role: Role) -> Result<Application, StartupError> {
        let db = connect::connect(&settings.database_url, settings.database_pool).await?;
        if role != Role::Worker && settings.migrate_on_start {
            connect::migrate(&db).await?;
        }
        let links = Links::open(&settings)?;
        let live = LiveSettings::new(settings.clone());
        let mut parts = Builder {
            settings: &settings,
            live: live.clone(),
            role,
            db: db.clone(),
            links,
            actors: Vec::new(),
            roster: Arc::new(Roster::default()),
        };
        parts.start_housekeeping();
        let (catalog, catalog_cache) = parts.start_catalog().await?;
        let order_views = Arc::new(OrderViews::new(ORDER_VIEW_BYTES));
        // Where this process makes every move of the database's orders (the embedded shape's
        // one process), its gauges follow each move; elsewhere they show the periodic count.
        let gauges = Arc::new(OrderGauges::new(
            role == Role::All && !settings.uses_broker(),
        ));
        let bus = parts.start_status_bus(order_views.clone(), &gauges);

        // The order queue: RabbitMQ when configured, else this process's inbox (then the outbox
        // is drained where the processors run).
        let (inbox_tx, inbox) = Inbox::new();
        let queue: Arc<dyn OrderQueue> = match &parts.links.broker {
            Some(broker) => broker.clone(),
            None => Arc::new(LocalQueue::new(inbox_tx.clone())),
        };
        let relay_here = match parts.links.broker {
            Some(_) => role != Role::Worker,
            None => role != Role::Serve,
        };
        let topic = settings.names.orders_queue();
        let relay = relay_here.then(|| {
            let (db, queue, topic) = (db.clone(), queue.clone(), topic.clone());
            let (restarts, gauges) = (parts.restarts("outbox_relay"), gauges.clone());
            Supervisor::start(move |_| OutboxRelay::new(db, queue, topic, restarts, gauges))
        });
        if let Some(relay) = &relay {
            parts.keep(relay.clone());
        }
        if role != Role::Worker {
            parts.start_notifier(&bus).await?;
        }
        let oven_id = oven_leases::new_oven_id();
        if role != Role::Serve {
            parts.start_reminders(&gauges)?;
        }
        let kitchen = match role {
            Role::Serve => None,
            _ => Some(
                parts
                    .start_kitchen(
                        &bus,
                        &catalog_cache,
                        (&inbox_tx, &inbox),
                        queue.as_ref(),
                        &oven_id,
                    )
                    .await?,
            ),
        };
        drop(inbox_tx);
        let (shift, pool) = kitchen.unzip();
        let reloader = Arc::new(reload::Reloader::new(live.clone()));

        let mut store_stats = None;
        let mut watched_here = None;
        let metrics_port = parts.start_operations(&gauges, &reloader).await?;
        let mut sign_ins = None;
        let mut client_limits = None;
        let (server, port) = if role == Role::Worker {
            (None, None)
        } else {
            let store = {
                let (db, topic) = (db.clone(), topic.clone());
                let batching = &settings.order_store;
                let restarts = parts.restarts("order_store");
                let store = OrderStore::new(
                    db,
                    topic,
                    (batching.max_batch, batching.max_wait),
                    relay,
                    restarts,
                    gauges,
                );
                store_stats = Some(store.stats());
                Supervisor::start(move |_| store)
            };
            parts.keep(store.clone());
            let watched = WatchedOrders::new();
            watched_here = Some(watched.clone());
            let (recheck, recheck_db) = (watched.clone(), db.clone());
            let every = settings.stream_recheck_every;
            supervise_loop(parts.restarts("stream_recheck"), move || {
                crate::events::watched::recheck_every(recheck.clone(), recheck_db.clone(), every)
            });
            let (views, refresher_db) = (order_views.clone(), db.clone());
            supervise_loop(parts.restarts("order_views_refresher"), move || {
                crate::order_views::refresher::keep_fresh(views.clone(), refresher_db.clone())
            });
            let guards = guards::Guards::start(&settings, parts.links.redis.clone());
            sign_ins = Some(guards.sign_ins.clone());
            client_limits = Some(guards.limits.clone());
            let planning = crate::api::planning::PlanningCache::new(&settings.calendar)
                .map_err(|e| StartupError::Calendar(e.to_string()))?;
            let state = web::Data::new(AppState {
                planning: std::sync::Arc::new(planning),
                db: db.clone(),
                catalog,
                store,
                order_views,
                bus,
                redis: parts.links.redis.clone(),
                broker: parts.links.broker.clone(),
                body: crate::api::body::BodyLimits {
                    bytes: settings.body_limit,
                    time: settings.request_body_timeout,
                },
                catalog_cache,
                orders_topic: topic,
                sign_ins: guards.sign_ins,
                limits: guards.limits,
                secure_cookies: settings.secure_cookies.unwrap_or(settings.tls.is_some()),
                watched,
                stream_lifetime: settings.stream_max_lifetime,
                order_lookup: settings.order_lookup,
                known_tokens: crate::order_views::tokens::KnownTokens::default(),
                allow_private_webhooks: settings.notify.allow_private_hosts,
                roster: parts.roster.clone(),
                shop: settings.shop.info(),
                pictures: crate::api::pictures::limits_of(&settings.catalog),
                session_policy: crate::staff::sessions::SessionPolicy {
                    idle_timeout: settings.sessions.idle_timeout,
                    lifetime: settings.sessions.lifetime,
                },
            });
            let (server, port) = http::http_server(&settings, state)?;
            (Some(server), Some(port))
        };
        reload::follow(&live, pool.clone(), client_limits);
        Ok(Application {
            port,
            metrics_port,
            server,
            _actors: parts.actors,
            store_stats,
            watched: watched_here,
            sign_ins,
            shift,
            shutdown_grace: settings.shutdown_grace,
            roster: parts.roster,
            oven: (db, oven_id),
            reloader,
            _pool: pool,
        })
    }

    /// Reloads the settings from `config` (else `BAKERY_CONFIG`) on each SIGHUP of `hangups`
    /// ([`reload::hangups`]) and on `POST /reload` of the operations listener, applying what can
    /// change live.
    pub fn reload_on_hangup(
        &self,
        config: Option<std::path::PathBuf>,
        hangups: Option<tokio::signal::unix::Signal>,
    ) {
        self.reloader.read_from(config);
        reload::on_hangup(self.reloader.clone(), hangups);
    }

    /// The port the API listens on (`None` for a worker).
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The port of the operations listener (`/metrics`, `/health`), when `metrics_bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics_port
    }

    /// The staff sign-in limiter, to look at its counts (`None` for a worker).
    pub fn sign_ins(&self) -> Option<Arc<crate::staff::rate_limit::SignInLimiter>> {
        self.sign_ins.clone()
    }

    /// What each supervised actor and loop of this process is doing.
    pub fn roster(&self) -> Arc<Roster> {
        self.roster.clone()
    }

    /// The order store's counters (`None` for a worker).
    pub fn store_stats(&self) -> Option<Arc<StoreStats>> {
        self.store_stats.clone()
    }

    /// The orders this process streams to customers (`None` for a worker).
    pub fn watched_orders(&self) -> Option<Arc<WatchedOrders>> {
        self.watched.clone()
    }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully (see [`Application::shutdown`]).
    pub async fn run_until_stopped(mut self) -> std::io::Result<()> {
        match self.server.take() {
            // The server stops on the signal itself, finishing in-flight requests.
            Some(server) => server.await?,
            None => stop_signal().await?,
        }
        self.close_kitchen().await;
        Ok(())
    }

    /// Stops the bakery now: the HTTP server stops accepting and finishes in-flight requests,
    /// the processors take no new deliveries and finish the orders in hand, all within the grace
    /// period, and the actors' supervisors are let go. Deliveries not taken go back to the queue
    /// (RabbitMQ) or are resumed from the database on the next start (embedded).
    pub async fn shutdown(mut self) {
        if let Some(server) = self.server.take() {
            server.handle().stop(true).await;
        }
        self.close_kitchen().await;
    }

    async fn close_kitchen(self) {
        let Some(shift) = self.shift else {
            return;
        };
        shift.close();
        let deadline = tokio::time::Instant::now() + self.shutdown_grace;
        while shift.busy() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::info!(unfinished = shift.busy(), "order processors closed");
        // Other workers take the orders still baking here over at their next sweep.
        let (db, oven_id) = &self.oven;
        if let Err(err) = oven_leases::release(db, oven_id).await {
            tracing::warn!(error = %err, "could not end the oven's lease");
        }
    }
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
