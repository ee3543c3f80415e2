use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use super::*;

fn load(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Settings::load_from(None, |k| map.get(k).cloned())
}

/// Writes `text` to a settings file of this test (`name` keeps tests apart) and returns its path.
fn settings_file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("bakery-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// A value of each setting that is valid and differs from its default.
const EXAMPLES: &[(&str, &str)] = &[
    ("BAKERY_BIND", "0.0.0.0:9000"),
    ("BAKERY_CATALOG_PICTURE_MAX_BYTES", "2000000"),
    ("BAKERY_CATALOG_PICTURE_MAX_PIXELS", "4000000"),
    ("BAKERY_DATABASE_URL", "postgres://postgres@db/bakery"),
    ("BAKERY_DATABASE_POOL", "3"),
    ("BAKERY_MIGRATE_ON_START", "false"),
    ("BAKERY_REDIS_URL", "redis://cache:6379"),
    ("BAKERY_AMQP_URL", "amqp://guest:guest@mq:5672/%2f"),
    (
        "BAKERY_SMTP_URL",
        "smtp://orders:secret@mail.example.com:587?tls=starttls",
    ),
    ("BAKERY_SMTP_FROM", "The Bakery <orders@bakery.example>"),
    ("BAKERY_HTTP_WORKERS", "2"),
    ("BAKERY_BODY_LIMIT", "1024"),
    ("BAKERY_REQUEST_HEAD_TIMEOUT", "7s"),
    ("BAKERY_REQUEST_BODY_TIMEOUT", "12s"),
    ("BAKERY_STATIC_DIR", "/srv/bakery/dist"),
    ("BAKERY_SHUTDOWN_GRACE", "30s"),
    ("BAKERY_TLS_CERT", "/etc/bakery/cert.pem"),
    ("BAKERY_TRUSTED_PROXIES", "172.16.0.0/12, 127.0.0.1"),
    ("BAKERY_LIMIT_ORDER_POSTS", "5"),
    ("BAKERY_LIMIT_ORDER_LOOKUPS", "6"),
    ("BAKERY_LIMIT_STREAMS_PER_CLIENT", "2"),
    ("BAKERY_LIMIT_STREAMS_TOTAL", "50"),
    ("BAKERY_LIMIT_PASSWORD_CHECKS", "2"),
    ("BAKERY_TLS_KEY", "/etc/bakery/key.pem"),
    ("BAKERY_SECURE_COOKIES", "true"),
    ("BAKERY_ORDER_LOOKUP", "open"),
    ("BAKERY_METRICS_BIND", "0.0.0.0:9100"),
    ("BAKERY_METRICS_COUNT_EVERY", "5m"),
    ("BAKERY_STREAM_MAX_LIFETIME", "10m"),
    ("BAKERY_STREAM_RECHECK_EVERY", "2s"),
    ("BAKERY_WORKER_POOL", "8"),
    ("BAKERY_WORKER_PREFETCH", "64"),
    ("BAKERY_MAX_ATTEMPTS", "7"),
    ("BAKERY_PREP_TIME", "500ms"),
    ("BAKERY_WORKER_RESTART_INITIAL", "250ms"),
    ("BAKERY_WORKER_RESTART_MAX", "1m"),
    ("BAKERY_WORKER_LEASE_TIME", "1m"),
    ("BAKERY_WORKER_LEASE_SWEEP", "5s"),
    ("BAKERY_WORKER_SCHEDULE_SWEEP", "1s"),
    ("BAKERY_SESSION_IDLE_TIMEOUT", "15m"),
    ("BAKERY_SHOP_NAME", "Zoë's Bakery"),
    ("BAKERY_SHOP_CURRENCY", "EUR"),
    ("BAKERY_SHOP_LOCALE", "de-DE"),
    ("BAKERY_RETENTION_IDEMPOTENCY_KEYS", "2days"),
    ("BAKERY_RETENTION_PUBLISHED_OUTBOX", "3days"),
    ("BAKERY_RETENTION_DELIVERED_NOTIFICATIONS", "90days"),
    ("BAKERY_RETENTION_SWEEP_EVERY", "10m"),
    ("BAKERY_SESSION_LIFETIME", "8h"),
    ("BAKERY_ORDER_STORE_MAX_BATCH", "32"),
    ("BAKERY_ORDER_STORE_MAX_WAIT", "2ms"),
    ("BAKERY_QUEUE_PREFIX", "t1_"),
    ("BAKERY_ORDERS_QUEUE", "bakes"),
    ("BAKERY_STATUS_EXCHANGE", "bake_status"),
    ("BAKERY_LOG", "info,bakery=debug"),
    ("BAKERY_LOG_FORMAT", "json"),
    ("BAKERY_NOTIFY_MAX_ATTEMPTS", "3"),
    ("BAKERY_NOTIFY_RETRY_BASE", "1m"),
    ("BAKERY_NOTIFY_ALLOW_PRIVATE_HOSTS", "true"),
    ("BAKERY_NOTIFY_CA_FILE", "/etc/bakery/company-ca.pem"),
    ("BAKERY_NOTIFY_REMINDER_BEFORE", "1day"),
    ("BAKERY_CHAOS_FAILING_ATTEMPTS", "2"),
    ("BAKERY_CALENDAR_TIME_ZONE", "Europe/Paris"),
    (
        "BAKERY_CALENDAR_HOURS",
        "mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00",
    ),
    ("BAKERY_CALENDAR_SLOT_MINUTES", "20"),
    ("BAKERY_CALENDAR_SLOT_ORDERS", "10"),
    ("BAKERY_CALENDAR_SLOT_ITEMS", "40"),
    ("BAKERY_CALENDAR_DAY_ORDERS", "200"),
    ("BAKERY_CALENDAR_DELIVERY_HOURS", "tue,thu 10:00-16:00"),
    ("BAKERY_CALENDAR_DELIVERY_SLOT_MINUTES", "60"),
    ("BAKERY_CALENDAR_DELIVERY_SLOT_ORDERS", "4"),
    ("BAKERY_CALENDAR_DELIVERY_SLOT_ITEMS", "30"),
    ("BAKERY_CALENDAR_DELIVERY_DAY_ORDERS", "20"),
    ("BAKERY_CALENDAR_DAYS_AHEAD", "30"),
    ("BAKERY_CALENDAR_CUT_OFF", "18:00"),
    ("BAKERY_CALENDAR_CLOSED_DATES", "2026-12-25,2026-12-26"),
    ("BAKERY_CALENDAR_SPECIAL_HOURS", "2026-12-24 08:00-12:00"),
];

/// The example of every setting as a TOML file: numbers and booleans bare, the rest quoted.
fn examples_as_toml() -> String {
    let mut text = String::new();
    for setting in SETTINGS {
        let value = example(setting);
        let literal = if value.parse::<u64>().is_ok() || value == "true" || value == "false" {
            value.to_owned()
        } else {
            format!("{value:?}")
        };
        text.push_str(&format!("{} = {literal}\n", setting.key));
    }
    text
}

fn example(setting: &Setting) -> &'static str {
    EXAMPLES
        .iter()
        .find(|(env, _)| *env == setting.env)
        .unwrap_or_else(|| panic!("no example for {}", setting.env))
        .1
}

/// The value at a dotted field of settings, as JSON.
fn field(settings: &Settings, path: &str) -> serde_json::Value {
    let json = serde_json::to_value(settings).unwrap();
    json.pointer(&format!("/{}", path.replace('.', "/")))
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// The dotted paths of every leaf of the settings (an unset option or the TLS pair included).
fn leaves(value: &serde_json::Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                leaves(inner, &path, out);
            }
        }
        _ => {
            out.insert(prefix.to_owned());
        }
    }
}

#[test]
fn defaults_match_the_documented_ones() {
    let s = load(&[]).unwrap();
    assert_eq!(s, Settings::default());
    assert_eq!(s.bind, "127.0.0.1:8080");
    assert_eq!(s.database_url, "sqlite://bakery.db?mode=rwc");
    assert_eq!(s.worker.pool, 4);
    assert_eq!(s.worker.prefetch, 512);
    assert_eq!(s.worker.max_attempts, 5);
    assert_eq!(s.worker.prep_time, Duration::from_secs(3));
    assert_eq!(s.order_store.max_wait, Duration::from_micros(500));
    assert_eq!(s.names.orders_queue(), "orders");
    assert_eq!(s.log.format, LogFormat::Pretty);
    assert!(s.redis_url.is_none() && s.amqp_url.is_none() && s.tls.is_none());
}

#[test]
fn env_overrides_defaults() {
    let s = load(&[
        ("BAKERY_WORKER_POOL", "8"),
        ("BAKERY_PREP_TIME", "0s"),
        ("BAKERY_LOG_FORMAT", "JSON"),
        ("BAKERY_SECURE_COOKIES", "yes"),
        // Empty is unset.
        ("BAKERY_REDIS_URL", ""),
        ("BAKERY_BIND", " "),
    ])
    .unwrap();
    assert_eq!(s.worker.pool, 8);
    assert_eq!(s.worker.prep_time, Duration::ZERO);
    assert_eq!(s.log.format, LogFormat::Json);
    assert_eq!(s.secure_cookies, Some(true));
    assert_eq!(s.redis_url, None);
    assert_eq!(s.bind, "127.0.0.1:8080");
}

#[test]
fn a_bad_value_names_the_setting() {
    let cases = [
        ("BAKERY_WORKER_POOL", "zero", "whole number"),
        ("BAKERY_WORKER_POOL", "0", "at least 1"),
        ("BAKERY_WORKER_PREFETCH", "70000", "0 to 65535"),
        ("BAKERY_BODY_LIMIT", "-1", "whole number"),
        ("BAKERY_PREP_TIME", "soon", "duration"),
        ("BAKERY_PREP_TIME", "-1s", "duration"),
        ("BAKERY_SECURE_COOKIES", "maybe", "true or false"),
        ("BAKERY_LOG_FORMAT", "xml", "json"),
        ("BAKERY_DATABASE_URL", "mysql://x", "postgres://"),
        ("BAKERY_SMTP_URL", "http://x:25", "smtp://host"),
        ("BAKERY_WORKER_LEASE_SWEEP", "0s", "longer than 0s"),
        ("BAKERY_WORKER_LEASE_TIME", "15s", "at least twice"),
        ("BAKERY_SESSION_IDLE_TIMEOUT", "0s", "longer than 0s"),
    ];
    for (name, value, expected) in cases {
        let err = load(&[(name, value)]).unwrap_err().0;
        assert!(
            err.contains(name) && err.contains(expected),
            "{name}={value}: {err}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
    let err = load(&[
        ("BAKERY_SMTP_URL", "smtp://x"),
        ("BAKERY_SMTP_FROM", "nobody"),
    ])
    .unwrap_err()
    .0;
    assert!(err.contains("BAKERY_SMTP_FROM"), "{err}");
    let err = load(&[("BAKERY_TLS_CERT", "/tmp/cert.pem")]).unwrap_err().0;
    assert!(err.contains("BAKERY_TLS_CERT and BAKERY_TLS_KEY"), "{err}");
}

#[test]
fn a_bad_file_value_names_the_file_key() {
    let path = settings_file("bad", "[worker]\npool = \"many\"\n");
    let err = load(&[("BAKERY_CONFIG", &path)]).unwrap_err().0;
    assert!(err.contains(&path) && err.contains("worker.pool"), "{err}");
    let path = settings_file("zero", "[order_store]\nmax_batch = 0\n");
    let err = load(&[("BAKERY_CONFIG", &path)]).unwrap_err().0;
    assert!(
        err.contains("order_store.max_batch") && err.contains("at least 1"),
        "{err}"
    );
    let path = settings_file("unknown", "[worker]\npools = 2\n");
    let err = load(&[("BAKERY_CONFIG", &path)]).unwrap_err().0;
    assert!(err.contains("worker.pools"), "{err}");
    let path = settings_file("broken", "bind = \"x:1\"\n[worker\n");
    let err = load(&[("BAKERY_CONFIG", &path)]).unwrap_err().0;
    assert!(err.contains("line 2") && !err.contains('\n'), "{err}");
    let err = load(&[("BAKERY_CONFIG", "/nonexistent/bakery.toml")]).unwrap_err();
    assert!(err.0.contains("/nonexistent/bakery.toml"), "{err}");
}

#[test]
fn file_sits_between_defaults_and_env() {
    let path = settings_file(
        "layers",
        "bind = \"0.0.0.0:9000\"\nsecure_cookies = true\n\
         [worker]\npool = 2\nprep_time = \"500ms\"\n[order_store]\nmax_wait = \"500us\"\n",
    );
    let s = load(&[("BAKERY_CONFIG", &path), ("BAKERY_WORKER_POOL", "6")]).unwrap();
    assert_eq!(s.bind, "0.0.0.0:9000");
    assert_eq!(s.secure_cookies, Some(true));
    assert_eq!(s.worker.pool, 6);
    assert_eq!(s.worker.prep_time, Duration::from_millis(500));
    assert_eq!(s.order_store.max_wait, Duration::from_micros(500));
    assert_eq!(s.worker.prefetch, 512);
    // `--config` wins over BAKERY_CONFIG.
    let other = settings_file("other", "bind = \"127.0.0.1:7000\"\n");
    let s = Settings::load_from(Some(std::path::Path::new(&other)), |k| {
        (k == "BAKERY_CONFIG").then(|| path.clone())
    })
    .unwrap();
    assert_eq!(s.bind, "127.0.0.1:7000");
    // The TLS pair may come half from the file, half from the environment.
    let cert = settings_file("tls", "tls_cert = \"/etc/cert.pem\"\n");
    let s = load(&[("BAKERY_CONFIG", &cert), ("BAKERY_TLS_KEY", "/etc/key.pem")]).unwrap();
    let tls = s.tls.unwrap();
    assert_eq!(tls.cert, PathBuf::from("/etc/cert.pem"));
    assert_eq!(tls.key, PathBuf::from("/etc/key.pem"));
}

#[test]
fn every_setting_is_read_from_the_file_and_from_the_environment() {
    let defaults = Settings::default();
    let from_env = load(EXAMPLES).unwrap();
    let path = settings_file("every", &examples_as_toml());
    let from_file = load(&[("BAKERY_CONFIG", &path)]).unwrap();
    for setting in SETTINGS {
        let default = field(&defaults, setting.field);
        let env = field(&from_env, setting.field);
        assert_ne!(env, default, "{} changes nothing", setting.env);
        assert_eq!(field(&from_file, setting.field), env, "{}", setting.key);
    }
}

#[test]
fn the_list_covers_every_field_once() {
    let mut fields = BTreeSet::new();
    let all = load(EXAMPLES).unwrap();
    leaves(&serde_json::to_value(&all).unwrap(), "", &mut fields);
    let listed: BTreeSet<String> = SETTINGS.iter().map(|s| s.field.to_owned()).collect();
    assert_eq!(listed, fields);
    assert_eq!(listed.len(), SETTINGS.len(), "a field is listed twice");
    let envs: BTreeSet<&str> = env_names().collect();
    assert_eq!(envs.len(), SETTINGS.len() + 1, "an env name is used twice");
    let keys: BTreeSet<&str> = SETTINGS.iter().map(|s| s.key).collect();
    assert_eq!(keys.len(), SETTINGS.len(), "a TOML key is used twice");
    assert_eq!(EXAMPLES.len(), SETTINGS.len());
    for name in envs {
        assert!(name.starts_with("BAKERY_"), "{name}");
    }
}

/// docs/configuration.md shows [`markdown_table`]; `BLESS=1 cargo test -p bakery --lib config`
/// rewrites it there.
#[test]
fn the_documentation_shows_the_list() {
    const BEGIN: &str = "<!-- settings table: generated from src/config/table.rs -->\n";
    const END: &str = "<!-- end of settings table -->";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md");
    let doc = std::fs::read_to_string(&path).unwrap();
    let start = doc
        .find(BEGIN)
        .expect("docs/configuration.md lacks the table's start mark");
    let start = start + BEGIN.len();
    let end = start
        + doc[start..]
            .find(END)
            .expect("the table's end mark is missing");
    let table = markdown_table();
    if doc[start..end] != table {
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&path, format!("{}{table}{}", &doc[..start], &doc[end..])).unwrap();
        } else {
            panic!(
                "docs/configuration.md's settings table is out of date; \
                 rewrite it with `BLESS=1 cargo test -p bakery --lib config`"
            );
        }
    }
}

#[test]
fn durations_parse() {
    let ok = [
        ("3s", Duration::from_secs(3)),
        ("250ms", Duration::from_millis(250)),
        ("500us", Duration::from_micros(500)),
        ("500µs", Duration::from_micros(500)),
        ("0s", Duration::ZERO),
        ("1m 30s", Duration::from_secs(90)),
        ("2", Duration::from_secs(2)),
        ("0.5", Duration::from_millis(500)),
    ];
    for (text, expected) in ok {
        assert_eq!(parse_duration(text), Ok(expected), "{text}");
    }
    for bad in ["-1s", "soon", "3 fortnights", "", "1.2.3"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
    let path = settings_file(
        "numbers",
        "shutdown_grace = 2\n[worker]\nprep_time = 0.25\n",
    );
    let s = load(&[("BAKERY_CONFIG", &path)]).unwrap();
    assert_eq!(s.shutdown_grace, Duration::from_secs(2));
    assert_eq!(s.worker.prep_time, Duration::from_millis(250));
}

#[test]
fn smtp_urls() {
    let server = |host: &str, port, tls, credentials: Option<(&str, &str)>| SmtpServer {
        host: host.into(),
        port,
        tls,
        credentials: credentials.map(|(u, p)| (u.into(), p.into())),
    };
    assert_eq!(
        SmtpServer::parse("smtp://127.0.0.1:2525"),
        Ok(server("127.0.0.1", 2525, SmtpTls::None, None))
    );
    assert_eq!(
        SmtpServer::parse("smtp://mail.example.com"),
        Ok(server("mail.example.com", 25, SmtpTls::None, None))
    );
    assert_eq!(
        SmtpServer::parse("smtp://user:pass@mail.example.com:587?tls=starttls"),
        Ok(server(
            "mail.example.com",
            587,
            SmtpTls::StartTls,
            Some(("user", "pass"))
        ))
    );
    assert_eq!(
        SmtpServer::parse("smtp://mail.example.com?tls=starttls"),
        Ok(server("mail.example.com", 587, SmtpTls::StartTls, None))
    );
    assert_eq!(
        SmtpServer::parse("smtps://orders%40bakery.example:p%3Ass%40rd@smtp.example.com"),
        Ok(server(
            "smtp.example.com",
            465,
            SmtpTls::Implicit,
            Some(("orders@bakery.example", "p:ss@rd"))
        ))
    );
    assert_eq!(
        SmtpServer::parse("smtps://smtp.example.com:2465/"),
        Ok(server("smtp.example.com", 2465, SmtpTls::Implicit, None))
    );
    for bad in [
        "http://x:25",
        "smtp://x:port",
        "smtp://x?tls=maybe",
        "smtps://x?tls=starttls",
        "smtp://:pw@x?tls=starttls",
        "smtp://user:%zz@x?tls=starttls",
        "smtp://",
    ] {
        assert!(SmtpServer::parse(bad).is_err(), "{bad}");
    }
    // Credentials without TLS are refused, and no error repeats the password.
    let err = SmtpServer::parse("smtp://user:hunter2@x:25").unwrap_err();
    assert!(err.contains("TLS") && !err.contains("hunter2"), "{err}");
    let err = SmtpServer::parse("smtp://user:hunter2@x:port?tls=starttls").unwrap_err();
    assert!(!err.contains("hunter2"), "{err}");
    let parsed = SmtpServer::parse("smtps://user:hunter2@x").unwrap();
    assert!(!format!("{parsed:?}").contains("hunter2"));
    assert!(parse_sender("The Bakery <orders@bakery.example>").is_ok());
    assert!(parse_sender("nobody").is_err());
}

#[test]
fn the_announced_address_is_the_configured_one() {
    let path = settings_file("bind", "bind = \"0.0.0.0:8080\"\n");
    let s = load(&[("BAKERY_CONFIG", &path)]).unwrap();
    assert_eq!(listen_url(&s.bind, 8080, false), "http://0.0.0.0:8080");
    assert_eq!(
        listen_url("127.0.0.1:0", 41234, true),
        "https://127.0.0.1:41234"
    );
    assert_eq!(listen_url("[::1]:0", 8081, false), "http://[::1]:8081");
}
