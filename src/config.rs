//! Settings: built-in defaults, overridden by a TOML file (`--config` / `BAKERY_CONFIG`), overridden by env.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Everything the bakery can be tuned with, after defaults, file and environment are merged.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Listen address of the HTTP server (`127.0.0.1:0` picks a free port).
    pub bind: String,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Most database connections this process opens.
    pub database_pool: u32,
    /// Redis URL; `None` keeps the cache in-process only.
    pub redis_url: Option<String>,
    /// AMQP URL; `None` keeps the queue in-process, backed by the outbox table.
    pub amqp_url: Option<String>,
    /// SMTP server of the customers' e-mails (`smtp://host:port`, plain); `None`: no e-mail.
    pub smtp_url: Option<String>,
    /// The sender of the customers' e-mails.
    pub smtp_from: String,
    /// HTTP worker threads; 0 means one per core.
    pub http_workers: usize,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Where the storefront's built files are; served at `/` when the folder exists.
    pub static_dir: PathBuf,
    /// On SIGTERM/SIGINT, how long in-flight requests and orders may take to finish.
    pub shutdown_grace: Duration,
    /// PEM certificate chain and private key: when both are set the server speaks HTTPS only.
    pub tls: Option<TlsFiles>,
    /// Where a worker serves its own `/metrics` and `/health` (`None`: it serves nothing).
    pub metrics_bind: Option<String>,
    /// Mark the session cookie `Secure`; `None` means "when the server itself speaks TLS".
    pub secure_cookies: Option<bool>,
    pub worker: WorkerSettings,
    pub order_store: OrderStoreSettings,
    pub names: NameSettings,
    pub log: LogSettings,
    pub chaos: ChaosSettings,
}

/// Where the server's certificate and key are (PEM).
#[derive(Debug, Clone, PartialEq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The order processor pool.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerSettings {
    /// OrderProcessor actors in this process.
    pub pool: usize,
    /// Deliveries the broker may hand over before they are acknowledged.
    pub prefetch: u16,
    /// Tries of one order before it is given up as `failed`.
    pub max_attempts: u32,
    /// Baking time of an order, from `processing` to `ready`.
    pub prep_time: Duration,
    /// First delay before a failed processor is restarted; it doubles, with jitter.
    pub restart_initial: Duration,
    /// Longest delay between restarts.
    pub restart_max: Duration,
}

/// Group commit of new orders.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderStoreSettings {
    /// Most orders written in one transaction.
    pub max_batch: usize,
    /// How long the first order of a batch may wait for company.
    pub max_wait: Duration,
}

/// Names of queues, exchanges and cache keys; the prefix lets tests and tenants share a broker.
#[derive(Debug, Clone, PartialEq)]
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

/// Log output.
#[derive(Debug, Clone, PartialEq)]
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

/// Deliberate faults for testing supervision; all off by default.
#[derive(Debug, Clone, PartialEq, Default)]
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
            redis_url: None,
            amqp_url: None,
            smtp_url: None,
            smtp_from: "bakery@localhost".into(),
            http_workers: 0,
            body_limit: 64 * 1024,
            static_dir: PathBuf::from("frontend/dist"),
            shutdown_grace: Duration::from_secs(10),
            tls: None,
            metrics_bind: None,
            secure_cookies: None,
            worker: WorkerSettings {
                pool: 4,
                prefetch: 512,
                max_attempts: 5,
                prep_time: Duration::from_secs(3),
                restart_initial: Duration::from_millis(100),
                restart_max: Duration::from_secs(10),
            },
            order_store: OrderStoreSettings {
                max_batch: 128,
                max_wait: Duration::from_micros(500),
            },
            names: NameSettings {
                prefix: String::new(),
                orders_queue: "orders".into(),
                status_exchange: "order_status".into(),
            },
            log: LogSettings {
                filter: "info".into(),
                format: LogFormat::Pretty,
            },
            chaos: ChaosSettings::default(),
        }
    }
}

/// A setting that could not be used; the message names it and says what is expected.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The TOML file's shape: every key optional, sections as in [`Settings`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    bind: Option<String>,
    database_url: Option<String>,
    database_pool: Option<u32>,
    redis_url: Option<String>,
    amqp_url: Option<String>,
    smtp_url: Option<String>,
    smtp_from: Option<String>,
    http_workers: Option<usize>,
    body_limit: Option<usize>,
    static_dir: Option<PathBuf>,
    shutdown_grace: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    metrics_bind: Option<String>,
    #[serde(default)]
    worker: FileWorker,
    #[serde(default)]
    order_store: FileOrderStore,
    #[serde(default)]
    names: FileNames,
    #[serde(default)]
    log: FileLog,
    #[serde(default)]
    chaos: FileChaos,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileWorker {
    pool: Option<usize>,
    prefetch: Option<u16>,
    max_attempts: Option<u32>,
    prep_time: Option<String>,
    restart_initial: Option<String>,
    restart_max: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileOrderStore {
    max_batch: Option<usize>,
    max_wait: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileNames {
    prefix: Option<String>,
    orders_queue: Option<String>,
    status_exchange: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLog {
    filter: Option<String>,
    format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileChaos {
    failing_attempts: Option<u32>,
}

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
        let mut settings = Settings::default();
        let path = config_path
            .map(Path::to_path_buf)
            .or_else(|| env("BAKERY_CONFIG").map(PathBuf::from));
        if let Some(path) = path {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                ConfigError(format!("cannot read settings file {}: {e}", path.display()))
            })?;
            settings.apply_file(&text, &path)?;
        }
        settings.apply_env(env)?;
        settings.validate()?;
        Ok(settings)
    }

    fn apply_file(&mut self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let file: FileSettings = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_owned();
            ConfigError(format!("settings file {}: {msg}", path.display()))
        })?;
        set(&mut self.bind, file.bind);
        set(&mut self.database_url, file.database_url);
        set(&mut self.database_pool, file.database_pool);
        if file.redis_url.is_some() {
            self.redis_url = file.redis_url;
        }
        if file.amqp_url.is_some() {
            self.amqp_url = file.amqp_url;
        }
        if file.smtp_url.is_some() {
            self.smtp_url = file.smtp_url;
        }
        set(&mut self.smtp_from, file.smtp_from);
        set(&mut self.http_workers, file.http_workers);
        set(&mut self.body_limit, file.body_limit);
        set(&mut self.static_dir, file.static_dir);
        set_duration(
            &mut self.shutdown_grace,
            file.shutdown_grace,
            "shutdown_grace",
        )?;
        self.set_tls(file.tls_cert, file.tls_key);
        if file.metrics_bind.is_some() {
            self.metrics_bind = file.metrics_bind;
        }
        let w = file.worker;
        set(&mut self.worker.pool, w.pool);
        set(&mut self.worker.prefetch, w.prefetch);
        set(&mut self.worker.max_attempts, w.max_attempts);
        set_duration(&mut self.worker.prep_time, w.prep_time, "worker.prep_time")?;
        set_duration(
            &mut self.worker.restart_initial,
            w.restart_initial,
            "worker.restart_initial",
        )?;
        set_duration(
            &mut self.worker.restart_max,
            w.restart_max,
            "worker.restart_max",
        )?;
        set(&mut self.order_store.max_batch, file.order_store.max_batch);
        set_duration(
            &mut self.order_store.max_wait,
            file.order_store.max_wait,
            "order_store.max_wait",
        )?;
        set(&mut self.names.prefix, file.names.prefix);
        set(&mut self.names.orders_queue, file.names.orders_queue);
        set(&mut self.names.status_exchange, file.names.status_exchange);
        set(&mut self.log.filter, file.log.filter);
        if let Some(format) = file.log.format {
            self.log.format = parse_log_format(&format, "log.format")?;
        }
        set(
            &mut self.chaos.failing_attempts,
            file.chaos.failing_attempts,
        );
        Ok(())
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(v) = get("BAKERY_BIND") {
            self.bind = v;
        }
        if let Some(v) = get("BAKERY_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = get("BAKERY_DATABASE_POOL") {
            self.database_pool = parse_number(&v, "BAKERY_DATABASE_POOL")?;
        }
        if let Some(v) = get("BAKERY_REDIS_URL") {
            self.redis_url = Some(v);
        }
        if let Some(v) = get("BAKERY_AMQP_URL") {
            self.amqp_url = Some(v);
        }
        if let Some(v) = get("BAKERY_SMTP_URL") {
            self.smtp_url = Some(v);
        }
        if let Some(v) = get("BAKERY_SMTP_FROM") {
            self.smtp_from = v;
        }
        if let Some(v) = get("BAKERY_HTTP_WORKERS") {
            self.http_workers = parse_number(&v, "BAKERY_HTTP_WORKERS")?;
        }
        if let Some(v) = get("BAKERY_BODY_LIMIT") {
            self.body_limit = parse_number(&v, "BAKERY_BODY_LIMIT")?;
        }
        if let Some(v) = get("BAKERY_STATIC_DIR") {
            self.static_dir = PathBuf::from(v);
        }
        self.set_tls(
            get("BAKERY_TLS_CERT").map(PathBuf::from),
            get("BAKERY_TLS_KEY").map(PathBuf::from),
        );
        if let Some(v) = get("BAKERY_SECURE_COOKIES") {
            self.secure_cookies = Some(parse_bool(&v, "BAKERY_SECURE_COOKIES")?);
        }
        if let Some(v) = get("BAKERY_METRICS_BIND") {
            self.metrics_bind = Some(v);
        }
        if let Some(v) = get("BAKERY_SHUTDOWN_GRACE") {
            self.shutdown_grace = parse_duration(&v, "BAKERY_SHUTDOWN_GRACE")?;
        }
        if let Some(v) = get("BAKERY_WORKER_POOL") {
            self.worker.pool = parse_number(&v, "BAKERY_WORKER_POOL")?;
        }
        if let Some(v) = get("BAKERY_WORKER_PREFETCH") {
            self.worker.prefetch = parse_number(&v, "BAKERY_WORKER_PREFETCH")?;
        }
        if let Some(v) = get("BAKERY_MAX_ATTEMPTS") {
            self.worker.max_attempts = parse_number(&v, "BAKERY_MAX_ATTEMPTS")?;
        }
        if let Some(v) = get("BAKERY_PREP_TIME") {
            self.worker.prep_time = parse_duration(&v, "BAKERY_PREP_TIME")?;
        }
        if let Some(v) = get("BAKERY_QUEUE_PREFIX") {
            self.names.prefix = v;
        }
        if let Some(v) = get("BAKERY_CHAOS_FAILING_ATTEMPTS") {
            self.chaos.failing_attempts = parse_number(&v, "BAKERY_CHAOS_FAILING_ATTEMPTS")?;
        }
        if let Some(v) = get("BAKERY_LOG") {
            self.log.filter = v;
        }
        if let Some(v) = get("BAKERY_LOG_FORMAT") {
            self.log.format = parse_log_format(&v, "BAKERY_LOG_FORMAT")?;
        }
        Ok(())
    }

    /// Takes whichever of the certificate and key are given; `validate` wants both or neither.
    fn set_tls(&mut self, cert: Option<PathBuf>, key: Option<PathBuf>) {
        if cert.is_none() && key.is_none() {
            return;
        }
        let current = self.tls.take();
        let (old_cert, old_key) = current.map_or((None, None), |t| (Some(t.cert), Some(t.key)));
        self.tls = Some(TlsFiles {
            cert: cert.or(old_cert).unwrap_or_default(),
            key: key.or(old_key).unwrap_or_default(),
        });
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(tls) = &self.tls
            && (tls.cert.as_os_str().is_empty() || tls.key.as_os_str().is_empty())
        {
            return Err(ConfigError(
                "BAKERY_TLS_CERT and BAKERY_TLS_KEY must be set together".into(),
            ));
        }
        let positive = [
            ("BAKERY_WORKER_POOL", self.worker.pool as u64),
            ("BAKERY_WORKER_PREFETCH", u64::from(self.worker.prefetch)),
            ("BAKERY_MAX_ATTEMPTS", u64::from(self.worker.max_attempts)),
            ("BAKERY_DATABASE_POOL", u64::from(self.database_pool)),
            ("BAKERY_BODY_LIMIT", self.body_limit as u64),
            ("order_store.max_batch", self.order_store.max_batch as u64),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(ConfigError(format!("{name} must be at least 1")));
            }
        }
        if !(self.database_url.starts_with("sqlite:") || self.database_url.starts_with("postgres"))
        {
            return Err(ConfigError(format!(
                "BAKERY_DATABASE_URL must start with sqlite:// or postgres://, got {:?}",
                self.database_url
            )));
        }
        if let Some(url) = &self.smtp_url {
            crate::notify::email::parse_smtp_url(url).map_err(ConfigError)?;
            crate::notify::email::parse_sender(&self.smtp_from).map_err(ConfigError)?;
        }
        Ok(())
    }

    /// True when orders travel through RabbitMQ rather than the in-process queue.
    pub fn uses_broker(&self) -> bool {
        self.amqp_url.is_some()
    }
}

fn set<T>(slot: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *slot = v;
    }
}

fn set_duration(slot: &mut Duration, value: Option<String>, name: &str) -> Result<(), ConfigError> {
    if let Some(v) = value {
        *slot = parse_duration(&v, name)?;
    }
    Ok(())
}

fn parse_number<T: std::str::FromStr>(value: &str, name: &str) -> Result<T, ConfigError> {
    value
        .trim()
        .parse()
        .map_err(|_| ConfigError(format!("{name} must be a whole number, got {value:?}")))
}

fn parse_bool(value: &str, name: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Ok(true),
        "false" | "0" | "no" | "off" => Ok(false),
        _ => Err(ConfigError(format!(
            "{name} must be true or false, got {value:?}"
        ))),
    }
}

fn parse_log_format(value: &str, name: &str) -> Result<LogFormat, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "pretty" | "text" => Ok(LogFormat::Pretty),
        "json" => Ok(LogFormat::Json),
        _ => Err(ConfigError(format!(
            "{name} must be \"pretty\" or \"json\", got {value:?}"
        ))),
    }
}

/// Parses `3s`, `500ms`, `250us`, `2m`, `1h` or a bare number of seconds.
pub fn parse_duration(value: &str, name: &str) -> Result<Duration, ConfigError> {
    let v = value.trim();
    let bad = || {
        ConfigError(format!(
            "{name} must be a duration such as 3s, 500ms or 0s, got {value:?}"
        ))
    };
    let split = v
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "" | "s" => number,
        "ms" => number / 1e3,
        "us" | "µs" => number / 1e6,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(bad()),
    };
    if !seconds.is_finite() || seconds > 86_400.0 * 365.0 {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::load_from(None, |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_the_design_table() {
        let s = load(&[]).unwrap();
        assert_eq!(s.bind, "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://bakery.db?mode=rwc");
        assert_eq!(s.worker.pool, 4);
        assert_eq!(s.worker.prefetch, 512);
        assert_eq!(s.worker.max_attempts, 5);
        assert_eq!(s.worker.prep_time, Duration::from_secs(3));
        assert_eq!(s.names.orders_queue(), "orders");
        assert_eq!(s.log.format, LogFormat::Pretty);
        assert!(s.redis_url.is_none() && s.amqp_url.is_none());
    }

    #[test]
    fn env_overrides_defaults() {
        let s = load(&[
            ("BAKERY_WORKER_POOL", "8"),
            ("BAKERY_PREP_TIME", "0s"),
            ("BAKERY_LOG_FORMAT", "json"),
        ])
        .unwrap();
        assert_eq!(s.worker.pool, 8);
        assert_eq!(s.worker.prep_time, Duration::ZERO);
        assert_eq!(s.log.format, LogFormat::Json);
    }

    #[test]
    fn a_bad_value_names_the_setting() {
        let err = load(&[("BAKERY_WORKER_POOL", "zero")]).unwrap_err();
        assert!(err.0.contains("BAKERY_WORKER_POOL"), "{err}");
        let err = load(&[("BAKERY_WORKER_POOL", "0")]).unwrap_err();
        assert!(err.0.contains("BAKERY_WORKER_POOL"), "{err}");
        let err = load(&[("BAKERY_PREP_TIME", "soon")]).unwrap_err();
        assert!(err.0.contains("BAKERY_PREP_TIME"), "{err}");
    }

    #[test]
    fn file_sits_between_defaults_and_env() {
        let dir = std::env::temp_dir().join(format!("bakery-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bakery.toml");
        std::fs::write(
            &path,
            "bind = \"0.0.0.0:9000\"\n[worker]\npool = 2\nprep_time = \"500ms\"\n",
        )
        .unwrap();
        let path_str = path.to_string_lossy().to_string();
        let s = load(&[("BAKERY_CONFIG", &path_str), ("BAKERY_WORKER_POOL", "6")]).unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.worker.pool, 6);
        assert_eq!(s.worker.prep_time, Duration::from_millis(500));
        std::fs::write(&path, "[worker]\npools = 2\n").unwrap();
        let err = load(&[("BAKERY_CONFIG", &path_str)]).unwrap_err();
        assert!(err.0.contains("pools"), "{err}");
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("3s", "x").unwrap(), Duration::from_secs(3));
        assert_eq!(
            parse_duration("250ms", "x").unwrap(),
            Duration::from_millis(250)
        );
        assert_eq!(parse_duration("2", "x").unwrap(), Duration::from_secs(2));
        assert!(parse_duration("-1s", "x").is_err());
        assert!(parse_duration("3 days", "x").is_err());
    }
}
