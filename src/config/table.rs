//! The list of settings: TOML key, environment variable and meaning of each field of
//! [`Settings`](super::Settings). The file and the environment are read through it and
//! `docs/configuration.md` shows it ([`markdown_table`]).

use super::Settings;

/// The variable naming the settings file (like `--config FILE`); not a setting itself.
pub const CONFIG_FILE_ENV: &str = "BAKERY_CONFIG";

/// One setting: where it is read from and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The key in the TOML file, dotted for a section: `worker.pool` is `pool` under `[worker]`.
    pub key: &'static str,
    /// The environment variable.
    pub env: &'static str,
    /// Where the value lives in [`Settings`], dotted; the same as `key` but for the TLS pair.
    pub field: &'static str,
    /// What it does, for the documentation (Markdown).
    pub meaning: &'static str,
    /// The default in words, when the built-in value alone would mislead.
    pub default: Option<&'static str>,
}

impl Setting {
    const fn new(key: &'static str, env: &'static str, meaning: &'static str) -> Setting {
        Setting {
            key,
            env,
            field: key,
            meaning,
            default: None,
        }
    }

    const fn at(self, field: &'static str) -> Setting {
        Setting { field, ..self }
    }

    const fn default_is(self, words: &'static str) -> Setting {
        Setting {
            default: Some(words),
            ..self
        }
    }

    /// The setting stored at `field` of [`Settings`].
    pub fn by_field(field: &str) -> Option<&'static Setting> {
        SETTINGS.iter().find(|s| s.field == field)
    }
}

/// Every setting, in the order of the documentation.
pub const SETTINGS: &[Setting] = &[
    Setting::new(
        "bind",
        "BAKERY_BIND",
        "listen address of the HTTP server (`127.0.0.1:0` picks a free port)",
    ),
    Setting::new(
        "database_url",
        "BAKERY_DATABASE_URL",
        "`sqlite://…` or `postgres://…`",
    ),
    Setting::new(
        "database_pool",
        "BAKERY_DATABASE_POOL",
        "most database connections of the process",
    ),
    Setting::new(
        "migrate_on_start",
        "BAKERY_MIGRATE_ON_START",
        "whether `serve` and the all-in-one process apply pending migrations at start (`worker` never does, `bakery migrate` always does; processes starting at once take turns)",
    ),
    Setting::new(
        "redis_url",
        "BAKERY_REDIS_URL",
        "Redis; unset: in-process cache only",
    ),
    Setting::new(
        "amqp_url",
        "BAKERY_AMQP_URL",
        "RabbitMQ; unset: in-process queue, backed by the outbox table",
    ),
    Setting::new(
        "smtp_url",
        "BAKERY_SMTP_URL",
        "SMTP server of customer e-mails: `smtp://host[:port]` (plain, port 25), \
         `smtp://user:password@host[:port]?tls=starttls` (STARTTLS required, port 587), \
         `smtps://user:password@host[:port]` (implicit TLS, port 465); user and password \
         percent-encoded, only with TLS; unset: no e-mail",
    ),
    Setting::new(
        "smtp_from",
        "BAKERY_SMTP_FROM",
        "sender of customer e-mails",
    ),
    Setting::new(
        "http_workers",
        "BAKERY_HTTP_WORKERS",
        "HTTP worker threads, 0 = one per core",
    ),
    Setting::new(
        "body_limit",
        "BAKERY_BODY_LIMIT",
        "largest request body in bytes (larger: 413)",
    ),
    Setting::new(
        "request_head_timeout",
        "BAKERY_REQUEST_HEAD_TIMEOUT",
        "time a client gets to send a request's line and headers; slower: the connection is closed (`0s`: no limit)",
    ),
    Setting::new(
        "request_body_timeout",
        "BAKERY_REQUEST_BODY_TIMEOUT",
        "time a client gets to send a request's whole body; slower: 408 `request_timeout` (`0s`: no limit)",
    ),
    Setting::new(
        "static_dir",
        "BAKERY_STATIC_DIR",
        "the built storefront, served at `/` when the folder exists",
    ),
    Setting::new(
        "shutdown_grace",
        "BAKERY_SHUTDOWN_GRACE",
        "time in-flight requests and orders get after SIGTERM or SIGINT",
    ),
    Setting::new(
        "tls_cert",
        "BAKERY_TLS_CERT",
        "PEM certificate chain; with the key set too, the server speaks HTTPS only",
    )
    .at("tls.cert"),
    Setting::new(
        "tls_key",
        "BAKERY_TLS_KEY",
        "PEM private key of that certificate (set both or neither)",
    )
    .at("tls.key"),
    Setting::new(
        "secure_cookies",
        "BAKERY_SECURE_COOKIES",
        "mark the staff session cookie `Secure` (behind a TLS-terminating proxy)",
    )
    .default_is("`true` with TLS, else `false`"),
    Setting::new(
        "order_lookup",
        "BAKERY_ORDER_LOOKUP",
        "`owner`: an order's full name and address, and its cancel, need its tracking token (or staff), anyone else sees \"Vedanti V.\" and no address; `open`: anyone with the order number sees it in full, and the order's e-mail in a cancel's body proves it is the customer's",
    ),
    Setting::new(
        "trusted_proxies",
        "BAKERY_TRUSTED_PROXIES",
        "proxies (IP addresses or CIDR ranges, comma-separated in the environment) whose `X-Forwarded-For` names the client; the client is the right-most address not in this list. Empty: the client is the connection's peer",
    ),
    Setting::new(
        "limits.order_posts_per_minute",
        "BAKERY_LIMIT_ORDER_POSTS",
        "orders one client may post per minute; more: 429 `rate_limited` with `Retry-After` (0: no limit; shared through Redis when set; live on reload)",
    ),
    Setting::new(
        "limits.order_lookups_per_minute",
        "BAKERY_LIMIT_ORDER_LOOKUPS",
        "order look-ups (`GET /api/orders/{id}` and the start of its event stream) one client may make per minute; more: 429 `rate_limited` (0: no limit; shared through Redis when set; live on reload)",
    ),
    Setting::new(
        "limits.streams_per_client",
        "BAKERY_LIMIT_STREAMS_PER_CLIENT",
        "live event streams (an order's, the staff board's) one client may hold open in this process; more: 429 `rate_limited` (0: no limit)",
    ),
    Setting::new(
        "limits.streams_total",
        "BAKERY_LIMIT_STREAMS_TOTAL",
        "live event streams this process holds open from all clients; more: 503 `busy` with `Retry-After` (0: no limit)",
    ),
    Setting::new(
        "limits.password_checks",
        "BAKERY_LIMIT_PASSWORD_CHECKS",
        "staff password checks (Argon2, about 19 MiB each) running at once; a sign-in that cannot start one within a second gets 503 `busy` with `Retry-After`",
    ),
    Setting::new(
        "metrics_bind",
        "BAKERY_METRICS_BIND",
        "where every process serves Prometheus `/metrics` and `/health`, apart from the public \
         API (`0.0.0.0:9100` in compose); unset: no metrics are served",
    ),
    Setting::new(
        "stream_max_lifetime",
        "BAKERY_STREAM_MAX_LIFETIME",
        "how long one event stream (an order's, the staff board's) stays open before it ends and \
         the browser reconnects",
    ),
    Setting::new(
        "stream_recheck_every",
        "BAKERY_STREAM_RECHECK_EVERY",
        "how often a process re-reads the orders it streams, all in one batch, to catch up changes \
         a stream missed (a stream makes no database read of its own while idle)",
    ),
    Setting::new(
        "metrics_count_every",
        "BAKERY_METRICS_COUNT_EVERY",
        "how often a process with `metrics_bind` recounts orders by status and the outbox backlog \
         in the database (also once at start). The embedded shape's process follows each order \
         placed, moved and published in its gauges, so there the count only corrects drift; in \
         the distributed shape the gauges are this count (a scrape never counts)",
    ),
    Setting::new(
        "worker.pool",
        "BAKERY_WORKER_POOL",
        "OrderProcessor actors per process (live on reload: the pool grows or shrinks)",
    ),
    Setting::new(
        "worker.prefetch",
        "BAKERY_WORKER_PREFETCH",
        "AMQP prefetch (unacknowledged deliveries a worker holds; the processors start them in \
         batches of up to 256 on PostgreSQL; live on reload)",
    ),
    Setting::new(
        "worker.max_attempts",
        "BAKERY_MAX_ATTEMPTS",
        "tries of an order before it is `failed`",
    ),
    Setting::new(
        "worker.prep_time",
        "BAKERY_PREP_TIME",
        "baking time per order, from `processing` to `ready` (live on reload)",
    ),
    Setting::new(
        "worker.restart_initial",
        "BAKERY_WORKER_RESTART_INITIAL",
        "first delay before a failed actor is restarted; it doubles, with jitter",
    ),
    Setting::new(
        "worker.restart_max",
        "BAKERY_WORKER_RESTART_MAX",
        "longest delay between restarts",
    ),
    Setting::new(
        "worker.lease_time",
        "BAKERY_WORKER_LEASE_TIME",
        "how long a worker's claim on the orders in its oven lasts unrenewed; a worker silent for \
         longer is taken for gone and another bakes its `processing` orders (at least twice \
         `worker.lease_sweep`)",
    ),
    Setting::new(
        "worker.lease_sweep",
        "BAKERY_WORKER_LEASE_SWEEP",
        "how often a worker renews its lease and takes over the orders of gone workers",
    ),
    Setting::new(
        "worker.schedule_sweep",
        "BAKERY_WORKER_SCHEDULE_SWEEP",
        "how often a worker looks for `scheduled` orders whose start time (slot less \
         `worker.prep_time`) comes before the next look; those get a timer",
    ),
    Setting::new(
        "shop.name",
        "BAKERY_SHOP_NAME",
        "the shop's name, on the site (`GET /api/shop`) and under its e-mails",
    ),
    Setting::new(
        "shop.currency",
        "BAKERY_SHOP_CURRENCY",
        "ISO 4217 code of the currency every price is in: `USD`, `EUR`, `GBP`, `CHF`, `CAD`, \
         `AUD`, `SEK`, `NOK`, `DKK`, `PLN` or `JPY` (shown without decimals); amounts stay \
         integer hundredths inside and two-decimal numbers in the API",
    ),
    Setting::new(
        "shop.locale",
        "BAKERY_SHOP_LOCALE",
        "BCP 47 tag of how prices are written on the site and in e-mails: `en-US`, `en-GB`, \
         `de-DE`, `fr-FR`, `nl-NL`, `it-IT` or `es-ES` (`1.234,56 €` in `de-DE`)",
    ),
    Setting::new(
        "retention.idempotency_keys",
        "BAKERY_RETENTION_IDEMPOTENCY_KEYS",
        "how long an order's `Idempotency-Key` is kept (a retry after that places a new order)",
    ),
    Setting::new(
        "retention.published_outbox",
        "BAKERY_RETENTION_PUBLISHED_OUTBOX",
        "how long an outbox row is kept after it was published, once its notifications are all delivered",
    ),
    Setting::new(
        "retention.delivered_notifications",
        "BAKERY_RETENTION_DELIVERED_NOTIFICATIONS",
        "how long a delivered notification's record is kept (pending and dead ones are kept until delivered)",
    ),
    Setting::new(
        "retention.sweep_every",
        "BAKERY_RETENTION_SWEEP_EVERY",
        "how often the retention sweep forgets what is past these times, and ended staff sessions",
    ),
    Setting::new(
        "sessions.idle_timeout",
        "BAKERY_SESSION_IDLE_TIMEOUT",
        "a staff session unused for this long is over",
    ),
    Setting::new(
        "sessions.lifetime",
        "BAKERY_SESSION_LIFETIME",
        "a staff session is over this long after sign-in, however much it is used",
    ),
    Setting::new(
        "order_store.max_batch",
        "BAKERY_ORDER_STORE_MAX_BATCH",
        "most new orders written in one transaction",
    ),
    Setting::new(
        "order_store.max_wait",
        "BAKERY_ORDER_STORE_MAX_WAIT",
        "how long the first order of a batch waits for company",
    ),
    Setting::new(
        "names.prefix",
        "BAKERY_QUEUE_PREFIX",
        "prefix of queue, exchange and cache-key names (to share a broker)",
    ),
    Setting::new(
        "names.orders_queue",
        "BAKERY_ORDERS_QUEUE",
        "the order queue, after the prefix; its dead letters go to `<name>.dlq`",
    ),
    Setting::new(
        "names.status_exchange",
        "BAKERY_STATUS_EXCHANGE",
        "the fanout exchange of order status changes, after the prefix",
    ),
    Setting::new(
        "log.filter",
        "BAKERY_LOG",
        "`tracing` filter, e.g. `info` or `info,bakery=debug` (live on reload)",
    ),
    Setting::new("log.format", "BAKERY_LOG_FORMAT", "`pretty` or `json`"),
    Setting::new(
        "notify.max_attempts",
        "BAKERY_NOTIFY_MAX_ATTEMPTS",
        "tries of one notification delivery (a webhook call or an e-mail) before it is `dead`",
    ),
    Setting::new(
        "notify.retry_base",
        "BAKERY_NOTIFY_RETRY_BASE",
        "delay after a delivery's first failed try; it doubles with each try, at most 6 hours",
    ),
    Setting::new(
        "notify.allow_private_hosts",
        "BAKERY_NOTIFY_ALLOW_PRIVATE_HOSTS",
        "let webhooks go to loopback, link-local and private addresses (refused by default, \
         when an endpoint is added and again after each DNS look-up)",
    ),
    Setting::new(
        "notify.ca_file",
        "BAKERY_NOTIFY_CA_FILE",
        "PEM file of extra CA certificates trusted for webhook receivers and the SMTP server \
         (the built-in web roots are always trusted)",
    ),
    Setting::new(
        "notify.reminder_before",
        "BAKERY_NOTIFY_REMINDER_BEFORE",
        "how long before an order's slot (pickup time or delivery window) its customer gets one \
         reminder, by e-mail and to the webhooks, if the order is still on and was placed before \
         then (`0s`: no reminders; looked for every `worker.schedule_sweep` by the workers; live \
         on reload)",
    ),
    Setting::new(
        "chaos.failing_attempts",
        "BAKERY_CHAOS_FAILING_ATTEMPTS",
        "fail this many first attempts of every order (tests supervision)",
    ),
    Setting::new(
        "calendar.time_zone",
        "BAKERY_CALENDAR_TIME_ZONE",
        "the bakery's IANA time zone (`Europe/Paris`); slots are shown with its offset",
    ),
    Setting::new(
        "calendar.hours",
        "BAKERY_CALENDAR_HOURS",
        "pickup hours: `;`-separated days and ranges, `mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00` (a day not named is closed; `24:00` ends at midnight)",
    ),
    Setting::new(
        "calendar.slot_minutes",
        "BAKERY_CALENDAR_SLOT_MINUTES",
        "length of a pickup slot in minutes (5 to 240)",
    ),
    Setting::new(
        "calendar.slot_orders",
        "BAKERY_CALENDAR_SLOT_ORDERS",
        "most orders per pickup slot (0: no limit)",
    ),
    Setting::new(
        "calendar.slot_items",
        "BAKERY_CALENDAR_SLOT_ITEMS",
        "most items per pickup slot (0: no limit)",
    ),
    Setting::new(
        "calendar.day_orders",
        "BAKERY_CALENDAR_DAY_ORDERS",
        "most pickup orders per day (0: no limit)",
    ),
    Setting::new(
        "calendar.delivery_hours",
        "BAKERY_CALENDAR_DELIVERY_HOURS",
        "delivery windows' hours, in the format of `calendar.hours`",
    ),
    Setting::new(
        "calendar.delivery_slot_minutes",
        "BAKERY_CALENDAR_DELIVERY_SLOT_MINUTES",
        "length of a delivery window in minutes (5 to 240)",
    ),
    Setting::new(
        "calendar.delivery_slot_orders",
        "BAKERY_CALENDAR_DELIVERY_SLOT_ORDERS",
        "most orders per delivery window (0: no limit)",
    ),
    Setting::new(
        "calendar.delivery_slot_items",
        "BAKERY_CALENDAR_DELIVERY_SLOT_ITEMS",
        "most items per delivery window (0: no limit)",
    ),
    Setting::new(
        "calendar.delivery_day_orders",
        "BAKERY_CALENDAR_DELIVERY_DAY_ORDERS",
        "most delivery orders per day (0: no limit)",
    ),
    Setting::new(
        "calendar.days_ahead",
        "BAKERY_CALENDAR_DAYS_AHEAD",
        "how many days after today customers may order for (0 to 365)",
    ),
    Setting::new(
        "calendar.cut_off",
        "BAKERY_CALENDAR_CUT_OFF",
        "orders for a day close at this time (`HH:MM`) the day before; empty: no cut-off",
    ),
    Setting::new(
        "calendar.closed_dates",
        "BAKERY_CALENDAR_CLOSED_DATES",
        "dates the bakery is closed, `YYYY-MM-DD`, comma-separated",
    ),
    Setting::new(
        "calendar.special_hours",
        "BAKERY_CALENDAR_SPECIAL_HOURS",
        "hours of particular dates, replacing their weekday's: `2026-12-24 08:00-12:00; 2026-12-31 08:00-14:00`",
    ),
    Setting::new(
        "catalog.picture_max_bytes",
        "BAKERY_CATALOG_PICTURE_MAX_BYTES",
        "largest product picture file an admin may upload, in bytes (larger: 413)",
    ),
    Setting::new(
        "catalog.picture_max_pixels",
        "BAKERY_CATALOG_PICTURE_MAX_PIXELS",
        "most pixels (width × height) of an uploaded product picture (more: 413); one decode takes about 4 bytes a pixel",
    ),
];

/// Every `BAKERY_*` variable the settings read: [`CONFIG_FILE_ENV`] and one per setting.
pub fn env_names() -> impl Iterator<Item = &'static str> {
    std::iter::once(CONFIG_FILE_ENV).chain(SETTINGS.iter().map(|s| s.env))
}

/// The settings table of `docs/configuration.md`: env | TOML key | meaning | default, the
/// defaults taken from [`Settings::default`].
pub fn markdown_table() -> String {
    let defaults = serde_json::to_value(Settings::default()).unwrap_or_default();
    let mut out = String::from(
        "| env | TOML key | meaning | default |\n|---|---|---|---|\n\
         | `BAKERY_CONFIG` | | path of a TOML settings file (or `--config FILE`) | unset |\n",
    );
    for setting in SETTINGS {
        let pointer = format!("/{}", setting.field.replace('.', "/"));
        let default = match setting.default {
            Some(words) => words.to_owned(),
            None => shown(defaults.pointer(&pointer)),
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {default} |\n",
            setting.env, setting.key, setting.meaning
        ));
    }
    out
}

/// A default value as the table shows it.
fn shown(value: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => "unset".into(),
        Some(Value::String(s)) if s.is_empty() => "empty".into(),
        Some(Value::String(s)) => format!("`{s}`"),
        Some(other) => other.to_string(),
    }
}
