//! The container files hold together: `docker-compose config` accepts docker-compose.yml, and its services, ports, health checks, start order, env names and mounted files are what docs/operations.md and docs/configuration.md promise.
//!
//! No Docker engine runs here, so nothing is started: this checks the files, not the containers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::{Value, json};
use yaml_rust2::{Yaml, YamlLoader};

/// Test values of the secrets the compose file requires (never real ones).
const SECRETS: &[(&str, &str)] = &[
    ("POSTGRES_PASSWORD", "test-pg-secret"),
    ("REDIS_PASSWORD", "test-redis-secret"),
    ("RABBITMQ_PASSWORD", "test-mq-secret"),
    ("GRAFANA_ADMIN_PASSWORD", "test-grafana-secret"),
];

/// The services docker-compose.yml must define, and the profile each one runs under.
const SERVICES: &[(&str, Option<&str>)] = &[
    ("postgres", None),
    ("redis", None),
    ("rabbitmq", None),
    ("migrate", None),
    ("api", None),
    ("worker", None),
    ("proxy", None),
    ("prometheus", Some("monitoring")),
    ("grafana", Some("monitoring")),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Runs `docker-compose` on the repository's file with only `env_file` as environment (a
/// developer's shell or `.env` must not change the outcome).
fn docker_compose(env_file: &Path, args: &[&str]) -> Output {
    let compose_file = root().join("docker-compose.yml");
    let mut command = Command::new("docker-compose");
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .arg("--env-file")
        .arg(env_file)
        .arg("--file")
        .arg(&compose_file)
        .args(args);
    match command.output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "docker-compose is not installed, so the compose file cannot be validated. \
             Install Debian's package: `apt-get install docker-compose` (.ci/run does)."
        ),
        Err(err) => panic!("cannot run docker-compose: {err}"),
    }
}

fn env_file(name: &str, vars: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bakery-compose-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let text: String = vars.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(&path, text).unwrap();
    path
}

/// The compose file as docker-compose resolves it (merged anchors, interpolated, all profiles).
fn config() -> &'static Value {
    static CONFIG: OnceLock<Value> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let output = docker_compose(
            &env_file("complete.env", SECRETS),
            &["--profile", "monitoring", "config"],
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "docker-compose config refused the file:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let docs = YamlLoader::load_from_str(&stdout).expect("docker-compose prints YAML");
        yaml_to_json(&docs[0])
    })
}

fn yaml_to_json(yaml: &Yaml) -> Value {
    match yaml {
        Yaml::Real(r) => r.parse::<f64>().map(|f| json!(f)).unwrap_or(Value::Null),
        Yaml::Integer(i) => json!(i),
        Yaml::String(s) => json!(s),
        Yaml::Boolean(b) => json!(b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        other => format!("{other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        _ => Value::Null,
    }
}

fn service(name: &str) -> &'static Value {
    let s = &config()["services"][name];
    assert!(s.is_object(), "service {name} is missing");
    s
}

/// `(host address, published, target)` of each published port of a service; the address is
/// empty when the port is published on every interface.
fn published_ports(name: &str) -> Vec<(String, String, String)> {
    let Some(ports) = service(name)["ports"].as_array() else {
        return Vec::new();
    };
    let unquote = |v: &Value| match v {
        Value::Null => String::new(),
        other => other.to_string().trim_matches('"').to_owned(),
    };
    ports
        .iter()
        .map(|p| match p {
            Value::Object(_) => (
                unquote(&p["host_ip"]),
                unquote(&p["published"]),
                unquote(&p["target"]),
            ),
            other => {
                // `[host_ip:]published:target[/protocol]`
                let text = other.as_str().unwrap_or_default();
                let text = text.strip_suffix("/tcp").unwrap_or(text);
                let mut parts = text.rsplitn(3, ':');
                let target = parts.next().unwrap_or_default().to_owned();
                let published = parts.next().unwrap_or_default().to_owned();
                (
                    parts.next().unwrap_or_default().to_owned(),
                    published,
                    target,
                )
            }
        })
        .collect()
}

/// The env names the settings read (`BAKERY_CONFIG` and one per setting of `bakery::config`).
fn settings_env_names() -> BTreeSet<String> {
    let names: BTreeSet<String> = bakery::config::env_names().map(str::to_owned).collect();
    assert!(names.len() >= 10, "found too few settings: {names:?}");
    names
}

/// The env names in the settings table of docs/configuration.md (any `BAKERY_*` in backticks in
/// a table row, whatever its column).
fn documented_env_names() -> BTreeSet<String> {
    read("docs/configuration.md")
        .lines()
        .filter(|l| l.starts_with('|'))
        .flat_map(|l| {
            l.split('`')
                .skip(1)
                .step_by(2)
                .filter(|w| w.starts_with("BAKERY_") && !w.contains(' '))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Every `BAKERY_*` word in a text.
fn bakery_words(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("BAKERY_"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn compose_defines_every_service_under_its_profile() {
    let services: BTreeSet<&str> = config()["services"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: BTreeSet<&str> = SERVICES.iter().map(|(name, _)| *name).collect();
    assert_eq!(services, expected);
    for (name, profile) in SERVICES {
        let profiles: Vec<&str> = service(name)["profiles"]
            .as_array()
            .map(|p| p.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            profiles,
            profile.iter().copied().collect::<Vec<_>>(),
            "{name}"
        );
    }
    assert_eq!(service("api")["command"], json!(["serve"]));
    assert_eq!(service("worker")["command"], json!(["worker"]));
    assert_eq!(service("migrate")["command"], json!(["migrate"]));
    assert_eq!(service("api")["build"]["dockerfile"], "docker/Dockerfile");
}

#[test]
fn long_running_services_have_health_checks() {
    for (name, _) in SERVICES {
        let check = &service(name)["healthcheck"];
        // The one-shot migration exits instead.
        if *name == "migrate" {
            continue;
        }
        assert_ne!(check["disable"], true, "{name} disables its health check");
        let test = check["test"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has no health check"));
        assert!(
            matches!(test[0].as_str(), Some("CMD" | "CMD-SHELL")) && test.len() >= 2,
            "{name}: {test:?}"
        );
    }
    assert_eq!(
        service("api")["healthcheck"]["test"],
        json!([
            "CMD",
            "curl",
            "-fsS",
            "-o",
            "/dev/null",
            "http://127.0.0.1:8080/health"
        ])
    );
    // A worker has no API: its health and metrics are on BAKERY_METRICS_BIND.
    assert_eq!(
        service("worker")["healthcheck"]["test"],
        json!([
            "CMD",
            "curl",
            "-fsS",
            "-o",
            "/dev/null",
            "http://127.0.0.1:9100/health"
        ])
    );
    // Every process serves /metrics on BAKERY_METRICS_BIND, never on the public API, and
    // Prometheus scrapes the API replicas there.
    for name in ["api", "worker"] {
        assert_eq!(
            service(name)["environment"]["BAKERY_METRICS_BIND"],
            "0.0.0.0:9100",
            "{name}"
        );
    }
    // (Prometheus's side: prometheus_finds_every_replica_and_grafana_shows_the_bakery.)
    let dockerfile = read("docker/Dockerfile");
    assert!(
        dockerfile.contains("HEALTHCHECK"),
        "the image has no HEALTHCHECK"
    );
    assert!(dockerfile.contains("http://127.0.0.1:8080/health"));
}

#[test]
fn services_start_in_order_of_health() {
    let needs = |name: &str| -> BTreeMap<String, String> {
        service(name)["depends_on"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has no conditional depends_on"))
            .iter()
            .map(|(dep, how)| {
                (
                    dep.clone(),
                    how["condition"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let healthy = "service_healthy";
    let migrated = "service_completed_successfully";
    for name in ["api", "worker"] {
        let deps = needs(name);
        for store in ["postgres", "redis", "rabbitmq"] {
            assert_eq!(
                deps.get(store).map(String::as_str),
                Some(healthy),
                "{name} -> {store}"
            );
        }
        assert_eq!(
            deps.get("migrate").map(String::as_str),
            Some(migrated),
            "{name}"
        );
    }
    assert_eq!(needs("migrate")["postgres"], healthy);
    assert_eq!(needs("proxy")["api"], healthy);
    assert_eq!(needs("prometheus")["api"], healthy);
    assert_eq!(needs("grafana")["prometheus"], healthy);
    // Every dependency waits for health (or, for the migration, its success).
    for (name, _) in SERVICES {
        for (dep, condition) in service(name)["depends_on"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let condition = condition["condition"].as_str().unwrap_or("");
            assert!(
                condition == healthy || (dep == "migrate" && condition == migrated),
                "{name} -> {dep}: {condition}"
            );
        }
    }
}

#[test]
fn api_and_worker_scale_because_only_the_proxy_publishes_http() {
    for name in ["api", "worker"] {
        assert!(
            published_ports(name).is_empty(),
            "{name} publishes a host port"
        );
        assert!(
            service(name).get("container_name").is_none(),
            "{name} has a fixed name"
        );
    }
    assert_eq!(service("api")["expose"], json!(["8080", "9100"]));
    let published: BTreeMap<&str, Vec<(String, String, String)>> =
        ["proxy", "rabbitmq", "prometheus", "grafana"]
            .into_iter()
            .map(|name| (name, published_ports(name)))
            .collect();
    let port = |host: &str, published: &str, target: &str| {
        vec![(host.to_owned(), published.to_owned(), target.to_owned())]
    };
    assert_eq!(published["proxy"], port("", "8080", "8080"));
    // Operators' tools are published on the host's loopback only.
    assert_eq!(published["rabbitmq"], port("127.0.0.1", "15672", "15672"));
    assert_eq!(published["prometheus"], port("127.0.0.1", "9090", "9090"));
    assert_eq!(published["grafana"], port("127.0.0.1", "3000", "3000"));
    for name in ["postgres", "redis", "migrate"] {
        assert!(published_ports(name).is_empty(), "{name} publishes a port");
    }
    // The proxy re-resolves `api`, so new replicas join without a restart.
    let nginx = read("docker/nginx/bakery.conf");
    assert!(nginx.contains("resolver 127.0.0.11"), "{nginx}");
    assert!(nginx.contains("set $api http://api:8080;") && nginx.contains("proxy_pass $api;"));
}

#[test]
fn data_lives_in_named_volumes_and_redis_appends_only() {
    let mounts = |name: &str| -> Vec<String> {
        service(name)["volumes"]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (name, path) in [
        ("postgres", "postgres-data:/var/lib/postgresql/data"),
        ("redis", "redis-data:/data"),
        ("rabbitmq", "rabbitmq-data:/var/lib/rabbitmq"),
        ("prometheus", "prometheus-data:/prometheus"),
        ("grafana", "grafana-data:/var/lib/grafana"),
    ] {
        assert!(
            mounts(name).iter().any(|m| m.starts_with(path)),
            "{name} keeps no data in {path}: {:?}",
            mounts(name)
        );
        let volume = path.split(':').next().unwrap();
        assert!(
            config()["volumes"].get(volume).is_some(),
            "volume {volume} undeclared"
        );
    }
    let redis = service("redis")["command"].to_string();
    assert!(redis.contains("--appendonly yes"), "{redis}");
    // Every file mounted from the repository exists.
    for (name, _) in SERVICES {
        for mount in mounts(name) {
            let source = mount.split(':').next().unwrap();
            if source.starts_with('/') {
                assert!(Path::new(source).exists(), "{name} mounts missing {source}");
            }
        }
    }
}

#[test]
fn every_bakery_env_name_is_a_documented_setting() {
    let known = settings_env_names();
    let documented = documented_env_names();
    for (file, text) in [
        ("docker-compose.yml", read("docker-compose.yml")),
        (".env.example", read(".env.example")),
        ("docker/Dockerfile", read("docker/Dockerfile")),
    ] {
        for name in bakery_words(&text) {
            assert!(
                known.contains(&name),
                "{file} uses {name}, which no setting reads"
            );
            assert!(
                documented.contains(&name),
                "{file} uses {name}, missing from the table of docs/configuration.md"
            );
        }
    }
    // And the resolved environment of each bakery service.
    for name in ["migrate", "api", "worker"] {
        for key in service(name)["environment"].as_object().unwrap().keys() {
            if key.starts_with("BAKERY_") {
                assert!(known.contains(key), "{name}: {key} is not a setting");
            }
        }
    }
    let worker = &service("worker")["environment"];
    for knob in [
        "BAKERY_WORKER_POOL",
        "BAKERY_WORKER_PREFETCH",
        "BAKERY_MAX_ATTEMPTS",
    ] {
        assert!(
            worker.get(knob).is_some(),
            "the worker does not pass {knob}"
        );
    }
    let dockerfile = read("docker/Dockerfile");
    assert!(dockerfile.contains("BAKERY_STATIC_DIR=/srv/bakery/dist"));
    assert!(dockerfile.contains("COPY --from=builder /src/frontend/dist /srv/bakery/dist"));
}

#[test]
fn secrets_come_only_from_the_environment() {
    // Without them, docker-compose refuses the file and names what is missing.
    let output = docker_compose(&env_file("empty.env", &[]), &["config", "--quiet"]);
    assert!(
        !output.status.success(),
        "the compose file has built-in secrets"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PASSWORD in .env"), "{stderr}");
    // Every variable the file requires is listed in .env.example, which sets no secret.
    let compose = read("docker-compose.yml");
    let example = read(".env.example");
    for piece in compose.split("${").skip(1) {
        let name: String = piece
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert!(
            example.lines().any(|l| l.starts_with(&format!("{name}="))),
            "{name} is not in .env.example"
        );
    }
    for (name, _) in SECRETS {
        assert!(
            example.contains(&format!("\n{name}=\n")),
            "{name} has a value in .env.example"
        );
    }
    // The test secrets reach the services only through interpolation.
    let rendered = config().to_string();
    for (_, secret) in SECRETS {
        assert!(rendered.contains(secret), "{secret} not passed on");
        assert!(!compose.contains(secret));
    }
}

#[test]
fn prometheus_finds_every_replica_and_grafana_shows_the_bakery() {
    let prometheus = YamlLoader::load_from_str(&read("docker/prometheus/prometheus.yml")).unwrap();
    let prometheus = yaml_to_json(&prometheus[0]);
    let jobs: BTreeMap<&str, &Value> = prometheus["scrape_configs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["job_name"].as_str().unwrap(), j))
        .collect();
    for (job, name, port) in [
        ("bakery-api", "api", 9100),
        ("bakery-worker", "worker", 9100),
    ] {
        let sd = &jobs[job]["dns_sd_configs"][0];
        assert_eq!(sd["names"], json!([name]), "{job}");
        assert_eq!(sd["type"], "A", "{job}");
        assert_eq!(sd["port"], port, "{job}");
        assert!(
            service(name)["expose"]
                .to_string()
                .contains(&port.to_string()),
            "{name} does not expose {port}"
        );
    }
    assert_eq!(
        jobs["rabbitmq"]["static_configs"][0]["targets"],
        json!(["rabbitmq:15692"])
    );
    assert!(read("docker/rabbitmq/enabled_plugins").contains("rabbitmq_prometheus"));

    let datasource = read("docker/grafana/provisioning/datasources/prometheus.yml");
    assert!(
        datasource.contains("url: http://prometheus:9090")
            && datasource.contains("uid: prometheus")
    );
    let dashboard: Value =
        serde_json::from_str(&read("docker/grafana/dashboards/bakery.json")).unwrap();
    let exprs: Vec<&str> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter())
        .map(|t| t["expr"].as_str().unwrap())
        .collect();
    let all = exprs.join("\n");
    for needed in [
        "bakery_orders",
        "bakery_http_requests_total",
        "bakery_http_request_duration_seconds_bucket",
        "rabbitmq_detailed_queue_messages_ready",
        "bakery_outbox_backlog",
        "bakery_actor_restarts_total",
    ] {
        assert!(all.contains(needed), "the dashboard does not show {needed}");
    }
    // Every bakery metric the dashboard reads is one the code records (by name, or in the text
    // it renders itself).
    let mut recorded = read("src/metrics.rs");
    for entry in std::fs::read_dir(root().join("src/metrics")).unwrap() {
        recorded.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    let words = all.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    for metric in words
        .filter(|w| w.starts_with("bakery_"))
        .collect::<BTreeSet<_>>()
    {
        let base = metric.trim_end_matches("_bucket");
        assert!(
            recorded.contains(&format!("\"{base}\""))
                || recorded.contains(&format!("# TYPE {base} ")),
            "the dashboard reads {metric}, which src/metrics never records"
        );
    }
}

/// Only `migrate` migrates: `api` replicas started together must not race to, and `worker` never
/// does. The API's session cookie is `Secure` (the proxy is where TLS ends).
#[test]
fn only_migrate_migrates_and_the_api_marks_its_cookie_secure() {
    assert_eq!(service("migrate")["command"], json!(["migrate"]));
    let env = |name: &str, var: &str| service(name)["environment"][var].clone();
    assert_eq!(env("api", "BAKERY_MIGRATE_ON_START"), json!("false"));
    assert_eq!(env("migrate", "BAKERY_MIGRATE_ON_START"), Value::Null);
    assert_eq!(env("api", "BAKERY_SECURE_COOKIES"), json!("true"));
    for name in ["api", "worker"] {
        assert_eq!(
            service(name)["depends_on"]["migrate"]["condition"],
            json!("service_completed_successfully"),
            "{name}"
        );
    }
}
