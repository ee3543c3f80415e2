//! Settings: built-in defaults, overridden by a TOML file (`--config` / `BAKERY_CONFIG`), overridden
//! by `BAKERY_*` environment variables.
//!
//! Each setting is a field of [`Settings`] (its default in the `Default` impls below) and one row
//! of [`SETTINGS`], which names its TOML key and environment variable and says what it means. The
//! file and the environment are read through that list (`figment` merges the layers), and
//! `docs/configuration.md` shows it; tests check that the list, the struct and the page agree.
//! The module imports nothing else from the crate.

mod calendar;
mod catalog;
mod layers;
pub mod live;
mod table;
#[cfg(test)]
mod tests;
mod values;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use calendar::CalendarSettings;
pub use catalog::CatalogSettings;
pub use table::{CONFIG_FILE_ENV, SETTINGS, Setting, env_names, markdown_table};
pub use values::{SmtpServer, SmtpTls, parse_duration, parse_network, parse_sender};

/// Everything the bakery can be tuned with, after defaults, file and environment are merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Listen address of the HTTP server (`127.0.0.1:0` picks a free port).
    pub bind: String,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Most database connections this process opens.
    pub database_pool: u32,
    /// Whether `serve` and `embedded` apply pending migrations at start (`migrate` always does,
    /// `worker` never does).
    pub migrate_on_start: bool,
    /// Redis URL; `None` keeps the cache in-process only.
    pub redis_url: Option<String>,
    /// AMQP URL; `None` keeps the queue in-process, backed by the outbox table.
    pub amqp_url: Option<String>,
    /// SMTP server of the customers' e-mails ([`SmtpServer`]: plain, STARTTLS or implicit TLS,
    /// with or without a user and password); `None`: no e-mail.
    pub smtp_url: Option<String>,
    /// The sender of the customers' e-mails.
    pub smtp_from: String,
    /// HTTP worker threads; 0 means one per core.
    pub http_workers: usize,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// How long a client may take to send a request's head (line and headers); slower: the
    /// connection is closed.
    #[serde(with = "values::duration")]
    pub request_head_timeout: Duration,
    /// How long a client may take to send a request's whole body; slower: 408.
    #[serde(with = "values::duration")]
    pub request_body_timeout: Duration,
    /// Where the storefront's built files are; served at `/` when the folder exists.
    pub static_dir: PathBuf,
    /// On SIGTERM/SIGINT, how long in-flight requests and orders may take to finish.
    #[serde(with = "values::duration")]
    pub shutdown_grace: Duration,
    /// PEM certificate chain and private key: when both are set the server speaks HTTPS only.
    /// (In the file and the environment they are two settings, `tls_cert` and `tls_key`.)
    #[serde(deserialize_with = "values::tls_pair")]
    pub tls: Option<TlsFiles>,
    /// Where every process serves `/metrics` and `/health`, apart from the public API (`None`:
    /// no metrics are served).
    pub metrics_bind: Option<String>,
    /// How long one Server-Sent Events stream may stay open; then it ends and the client
    /// reconnects.
    #[serde(with = "values::duration")]
    pub stream_max_lifetime: Duration,
    /// How often the orders streamed by a process are re-read, all in one batch, to catch up
    /// changes a stream missed.
    #[serde(with = "values::duration")]
    pub stream_recheck_every: Duration,
    /// How often the order gauges are recounted in the database (with `metrics_bind`): their
    /// correction where they follow each move, their figure where they cannot.
    #[serde(with = "values::duration")]
    pub metrics_count_every: Duration,
    /// Mark the session cookie `Secure`; `None` means "when the server itself speaks TLS".
    pub secure_cookies: Option<bool>,
    /// Who sees an order in full: its owner (tracking token) and staff, or anyone.
    pub order_lookup: OrderLookup,
    /// Proxies (IP addresses or CIDR ranges) whose `X-Forwarded-For` names the client.
    #[serde(with = "values::string_list")]
    pub trusted_proxies: Vec<String>,
    pub shop: ShopSettings,
    pub limits: LimitSettings,
    pub worker: WorkerSettings,
    pub sessions: SessionSettings,
    pub retention: RetentionSettings,
    pub order_store: OrderStoreSettings,
    pub names: NameSettings,
    pub log: LogSettings,
    pub notify: NotifySettings,
    pub chaos: ChaosSettings,
    /// The default pickup and delivery calendar (admins override it at run time).
    pub calendar: CalendarSettings,
    /// Limits of product picture uploads.
    pub catalog: CatalogSettings,
}

/// Where the server's certificate and key are (PEM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The shop as customers see it: its name and how it writes prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShopSettings {
    /// The shop's name, on the site and under its e-mails.
    pub name: String,
    /// The currency of every price (prices stay integer hundredths of it inside).
    pub currency: bakery_wire::money::Currency,
    /// How prices are written: symbol placement, decimal and thousands separators.
    pub locale: bakery_wire::money::Locale,
}

impl Default for ShopSettings {
    fn default() -> Self {
        ShopSettings {
            name: "The Bakery".into(),
            currency: bakery_wire::money::Currency::USD,
            locale: bakery_wire::money::Locale::EnUs,
        }
    }
}

impl ShopSettings {
    /// The shop as `GET /api/shop` shows it.
    pub fn info(&self) -> bakery_wire::money::ShopInfo {
        bakery_wire::money::ShopInfo {
            name: self.name.clone(),
            currency: self.currency,
            locale: self.locale,
        }
    }
}

/// How much one client may do (0: no limit), and how many password checks run at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LimitSettings {
    /// Orders one client may post per minute.
    pub order_posts_per_minute: u32,
    /// Order look-ups (an order's page or the start of its stream) per client per minute.
    pub order_lookups_per_minute: u32,
    /// Live streams (an order's, the staff board's) one client may hold open at once.
    pub streams_per_client: u32,
    /// Live streams this process holds open at once, from all clients.
    pub streams_total: u32,
    /// Password checks (Argon2) running at once; more sign-ins wait briefly, then get 503.
    pub password_checks: u32,
}

/// The order processor pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkerSettings {
    /// OrderProcessor actors in this process.
    pub pool: usize,
    /// Deliveries the broker may hand over before they are acknowledged.
    pub prefetch: u16,
    /// Tries of one order before it is given up as `failed`.
    pub max_attempts: u32,
    /// Baking time of an order, from `processing` to `ready`.
    #[serde(with = "values::duration")]
    pub prep_time: Duration,
    /// First delay before a failed processor is restarted; it doubles, with jitter.
    #[serde(with = "values::duration")]
    pub restart_initial: Duration,
    /// Longest delay between restarts.
    #[serde(with = "values::duration")]
    pub restart_max: Duration,
    /// How long a worker's claim on the orders in its oven lasts without being renewed; a worker
    /// silent for longer is taken for gone and its baking orders are taken over.
    #[serde(with = "values::duration")]
    pub lease_time: Duration,
    /// How often a worker renews its lease and looks for the orders of gone workers.
    #[serde(with = "values::duration")]
    pub lease_sweep: Duration,
    /// How often a worker looks for scheduled orders due to go into the oven (those due before
    /// the next look get a timer; the start time stored with the order is the truth).
    #[serde(with = "values::duration")]
    pub schedule_sweep: Duration,
}

/// Staff sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSettings {
    /// A session unused for this long is over.
    #[serde(with = "values::duration")]
    pub idle_timeout: Duration,
    /// A session is over this long after sign-in, used or not.
    #[serde(with = "values::duration")]
    pub lifetime: Duration,
}

/// How long records the bakery no longer needs are kept (orders themselves are kept).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionSettings {
    /// An order's `Idempotency-Key` after the order was placed.
    #[serde(with = "values::duration")]
    pub idempotency_keys: Duration,
    /// A published outbox row whose notifications are all delivered.
    #[serde(with = "values::duration")]
    pub published_outbox: Duration,
    /// A delivered notification's record.
    #[serde(with = "values::duration")]
    pub delivered_notifications: Duration,
    /// How often the sweep runs.
    #[serde(with = "values::duration")]
    pub sweep_every: Duration,
}

/// Group commit of new orders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderStoreSettings {
    /// Most orders written in one transaction.
    pub max_batch: usize,
    /// How long the first order of a batch may wait for company.
    #[serde(with = "values::duration")]
    pub max_wait: Duration,
}

/// Names of queues, exchanges and cache keys; the prefix lets tests and tenants share a broker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NameSettings {
    pub prefix: String,
    pub orders_queue: String,
    pub status_exchange: String,
}

impl NameSettings {
    /// The order queue's full name (`orders` by default, as in the seed).
    pub fn orders_queue(&self) -> String {
        format!("{}{}", self.prefix, self.orders_queue)
    }

    /// Where messages that can't be processed end up: `orders.dlq`.
    pub fn dead_letter_queue(&self) -> String {
        format!("{}.dlq", self.orders_queue())
    }

    /// The exchange that routes rejected messages to the dead-letter queue: `orders.dlx`.
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dlx", self.orders_queue())
    }

    /// The fanout exchange carrying order status changes to every API process.
    pub fn status_exchange(&self) -> String {
        format!("{}{}", self.prefix, self.status_exchange)
    }

    /// A Redis key or channel name under the prefix, e.g. `catalog:version`.
    pub fn redis_key(&self, name: &str) -> String {
        format!("{}bakery:{name}", self.prefix)
    }
}

/// Who sees an order's name in full and its address through `GET /api/orders/{id}`, and who may
/// cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderLookup {
    /// The holder of one of its tracking tokens, and staff; anyone else sees the name as a
    /// counter calls it out and no address, and may not cancel.
    Owner,
    /// Anyone who knows the order number (the seed's behaviour).
    Open,
}

/// Log output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// A `tracing` filter such as `info` or `bakery=debug,sqlx=warn`.
    pub filter: String,
    pub format: LogFormat,
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Customer notifications: how deliveries are retried and where webhooks may go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NotifySettings {
    /// Tries of one delivery before it is `dead`.
    pub max_attempts: u32,
    /// Delay after a delivery's first failed try; it doubles with each try (at most 6 hours).
    #[serde(with = "values::duration")]
    pub retry_base: Duration,
    /// Let webhooks go to loopback, link-local and private addresses (a receiver on the same
    /// host or network); refused by default.
    pub allow_private_hosts: bool,
    /// PEM file of extra CA certificates to trust for webhook receivers and the SMTP server
    /// (besides the built-in web roots), e.g. a company's own CA.
    pub ca_file: Option<PathBuf>,
    /// How long before an order's slot its customer is reminded (e-mail and webhooks), once;
    /// `0s`: no reminders.
    #[serde(with = "values::duration")]
    pub reminder_before: Duration,
}

/// Deliberate faults for testing supervision; all off by default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChaosSettings {
    /// The order processor fails this many first attempts of every order.
    pub failing_attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://bakery.db?mode=rwc".into(),
            database_pool: 10,
            migrate_on_start: true,
            redis_url: None,
            amqp_url: None,
            smtp_url: None,
            smtp_from: "bakery@localhost".into(),
            http_workers: 0,
            body_limit: 64 * 1024,
            request_head_timeout: Duration::from_secs(5),
            request_body_timeout: Duration::from_secs(10),
            static_dir: PathBuf::from("frontend/dist"),
            shutdown_grace: Duration::from_secs(10),
            tls: None,
            metrics_bind: None,
            metrics_count_every: Duration::from_secs(60),
            stream_max_lifetime: Duration::from_secs(30 * 60),
            stream_recheck_every: Duration::from_secs(5),
            secure_cookies: None,
            order_lookup: OrderLookup::Owner,
            trusted_proxies: Vec::new(),
            shop: ShopSettings::default(),
            limits: LimitSettings::default(),
            worker: WorkerSettings::default(),
            sessions: SessionSettings::default(),
            retention: RetentionSettings::default(),
            order_store: OrderStoreSettings::default(),
            names: NameSettings::default(),
            log: LogSettings::default(),
            notify: NotifySettings::default(),
            chaos: ChaosSettings::default(),
            calendar: CalendarSettings::default(),
            catalog: CatalogSettings::default(),
        }
    }
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            order_posts_per_minute: 30,
            order_lookups_per_minute: 120,
            streams_per_client: 8,
            streams_total: 2000,
            password_checks: 4,
        }
    }
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            pool: 4,
            prefetch: 512,
            max_attempts: 5,
            prep_time: Duration::from_secs(3),
            restart_initial: Duration::from_millis(100),
            restart_max: Duration::from_secs(10),
            lease_time: Duration::from_secs(30),
            lease_sweep: Duration::from_secs(10),
            schedule_sweep: Duration::from_secs(2),
        }
    }
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            idle_timeout: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(12 * 3600),
        }
    }
}

impl Default for RetentionSettings {
    fn default() -> Self {
        const DAY: u64 = 24 * 3600;
        RetentionSettings {
            idempotency_keys: Duration::from_secs(DAY),
            published_outbox: Duration::from_secs(7 * DAY),
            delivered_notifications: Duration::from_secs(30 * DAY),
            sweep_every: Duration::from_secs(3600),
        }
    }
}

impl Default for OrderStoreSettings {
    fn default() -> Self {
        OrderStoreSettings {
            max_batch: 128,
            max_wait: Duration::from_micros(500),
        }
    }
}

impl Default for NameSettings {
    fn default() -> Self {
        NameSettings {
            prefix: String::new(),
            orders_queue: "orders".into(),
            status_exchange: "order_status".into(),
        }
    }
}

impl Default for NotifySettings {
    fn default() -> Self {
        NotifySettings {
            max_attempts: 10,
            retry_base: Duration::from_secs(10),
            allow_private_hosts: false,
            ca_file: None,
            reminder_before: Duration::from_secs(2 * 3600),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            filter: "info".into(),
            format: LogFormat::Pretty,
        }
    }
}

/// A setting that could not be used; the message names it and says what is expected.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Loads settings the way `bakery` does: defaults < file (`config_path`, else
    /// `BAKERY_CONFIG`) < `BAKERY_*` environment variables.
    pub fn load(config_path: Option<&Path>) -> Result<Settings, ConfigError> {
        let env = |name: &str| std::env::var(name).ok();
        Settings::load_from(config_path, env)
    }

    /// [`Settings::load`] with the environment given as a lookup function (for tests).
    pub fn load_from(
        config_path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let path = config_path.map(Path::to_path_buf).or_else(|| {
            env(CONFIG_FILE_ENV)
                .filter(|v| !v.trim().is_empty())
                .map(PathBuf::from)
        });
        let mut figment = figment::Figment::new();
        if let Some(path) = path {
            figment = figment.merge(layers::Layer::file(&path)?);
        }
        figment = figment.merge(layers::Layer::environment(env));
        let settings: Settings = figment.extract_lossy().map_err(layers::describe)?;
        settings.validate(&figment)?;
        Ok(settings)
    }

    /// What serde cannot check on one value alone; the message names where the value came from.
    fn validate(&self, figment: &figment::Figment) -> Result<(), ConfigError> {
        let name = |field: &str| layers::source_name(figment, field);
        let positive = [
            ("worker.pool", self.worker.pool as u64),
            ("worker.prefetch", u64::from(self.worker.prefetch)),
            ("worker.max_attempts", u64::from(self.worker.max_attempts)),
            ("notify.max_attempts", u64::from(self.notify.max_attempts)),
            ("database_pool", u64::from(self.database_pool)),
            ("body_limit", self.body_limit as u64),
            ("order_store.max_batch", self.order_store.max_batch as u64),
            (
                "limits.password_checks",
                u64::from(self.limits.password_checks),
            ),
        ];
        for (field, value) in positive {
            if value == 0 {
                return Err(ConfigError(format!("{} must be at least 1", name(field))));
            }
        }
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"))
        {
            // A URL with `@` may carry a password: the error does not repeat it.
            let got = match self.database_url.contains('@') {
                true => String::new(),
                false => format!(", got {:?}", self.database_url),
            };
            return Err(ConfigError(format!(
                "{} must start with sqlite:// or postgres://{got}",
                name("database_url"),
            )));
        }
        for proxy in &self.trusted_proxies {
            if values::parse_network(proxy).is_none() {
                return Err(ConfigError(format!(
                    "{} must list IP addresses or CIDR ranges (such as 10.0.0.0/8), got {proxy:?}",
                    name("trusted_proxies")
                )));
            }
        }
        let durations = [
            ("worker.lease_sweep", self.worker.lease_sweep),
            ("worker.schedule_sweep", self.worker.schedule_sweep),
            ("sessions.idle_timeout", self.sessions.idle_timeout),
            ("sessions.lifetime", self.sessions.lifetime),
        ];
        for (field, value) in durations {
            if value.is_zero() {
                return Err(ConfigError(format!(
                    "{} must be longer than 0s",
                    name(field)
                )));
            }
        }
        if self.worker.lease_time < self.worker.lease_sweep * 2 {
            return Err(ConfigError(format!(
                "{} must be at least twice {} (a live worker renews its lease every sweep)",
                name("worker.lease_time"),
                name("worker.lease_sweep")
            )));
        }
        if let Some(url) = &self.smtp_url {
            SmtpServer::parse(url).map_err(|e| ConfigError(format!("{} {e}", name("smtp_url"))))?;
            parse_sender(&self.smtp_from)
                .map_err(|e| ConfigError(format!("{} {e}", name("smtp_from"))))?;
        }
        Ok(())
    }

    /// True when orders travel through RabbitMQ rather than the in-process queue.
    pub fn uses_broker(&self) -> bool {
        self.amqp_url.is_some()
    }
}

/// The base URL announced for a server bound at `bind` (as configured, e.g. `0.0.0.0:0`) whose
/// listener got `port`: the configured host with the real port.
pub fn listen_url(bind: &str, port: u16, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    let host = bind.rsplit_once(':').map_or(bind, |(host, _)| host);
    format!("{scheme}://{host}:{port}")
}
