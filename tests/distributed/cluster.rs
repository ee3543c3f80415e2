//! Starts serve / worker / all processes of one deployment (in-process, same startup code as
//! `main`, or the real binary) with names of its own, and cleans the broker and Redis after.

use std::time::Duration;

use bakery::config::Settings;
use bakery::startup::{Application, Role};
use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
use tokio::process::{Child, Command};

use bakery_test_support::{Backend, TestDatabase, test_settings, unique_name};

pub const AMQP: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";
pub const REDIS: &str = "redis://127.0.0.1:6379";

/// One deployment: a database, a name prefix, and the broker/cache URLs its processes use.
pub struct Cluster {
    pub db: TestDatabase,
    pub prefix: String,
    pub amqp_url: String,
    pub redis_url: String,
}

impl Cluster {
    /// A fresh PostgreSQL database and names of its own.
    pub async fn new() -> Cluster {
        Cluster {
            db: TestDatabase::create(Backend::Postgres).await,
            prefix: format!("{}_", unique_name("t")),
            amqp_url: AMQP.into(),
            redis_url: REDIS.into(),
        }
    }

    /// Settings of a process of this deployment.
    pub fn settings(&self) -> Settings {
        let mut s = test_settings(&self.db.url);
        s.amqp_url = Some(self.amqp_url.clone());
        s.redis_url = Some(self.redis_url.clone());
        s.names.prefix = self.prefix.clone();
        s.worker.prefetch = 8;
        s
    }

    /// Starts a process with `role`; returns its base URL: the API's, or for a worker its
    /// operations listener's (`/metrics`, `/health`) when `metrics_bind` is set.
    pub async fn start(&self, role: Role, tweak: impl FnOnce(&mut Settings)) -> Option<String> {
        let mut settings = self.settings();
        tweak(&mut settings);
        let app = Application::build(settings, role)
            .await
            .expect("app builds");
        let url = app
            .port()
            .or(app.metrics_port())
            .map(|port| format!("http://127.0.0.1:{port}"));
        actix_web::rt::spawn(app.run_until_stopped());
        url
    }

    /// A client for the API process at `url`, sharing this cluster's database for queries.
    pub fn client(&self, url: &str) -> Api {
        Api {
            base: url.to_owned(),
            http: bakery_test_support::client(),
        }
    }

    /// Starts the real binary as `bakery <role>` with this deployment's settings and `env`.
    pub async fn spawn_binary(&self, role: &str, env: &[(&str, &str)]) -> (Child, Option<String>) {
        let deployment = [
            ("BAKERY_AMQP_URL", self.amqp_url.as_str()),
            ("BAKERY_REDIS_URL", self.redis_url.as_str()),
            ("BAKERY_QUEUE_PREFIX", self.prefix.as_str()),
            ("BAKERY_WORKER_PREFETCH", "8"),
        ];
        let env: Vec<(&str, &str)> = deployment.into_iter().chain(env.iter().copied()).collect();
        bakery_test_support::spawn_bakery(role, &self.db.url, &env).await
    }

    /// Runs `bakery <args>` with this deployment's settings; returns stdout.
    pub async fn run_binary(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_bakery"))
            .args(args)
            .env("BAKERY_DATABASE_URL", &self.db.url)
            .env("BAKERY_AMQP_URL", &self.amqp_url)
            .env("BAKERY_QUEUE_PREFIX", &self.prefix)
            .env("BAKERY_LOG", "warn")
            .output()
            .await
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Counts the messages in one of this deployment's queues (`orders`, `orders.dlq`).
    pub async fn queue_depth(&self, queue: &str) -> u32 {
        let conn = lapin::Connection::connect(AMQP, lapin::ConnectionProperties::default())
            .await
            .unwrap();
        let channel = conn.create_channel().await.unwrap();
        let passive = lapin::options::QueueDeclareOptions {
            passive: true,
            ..Default::default()
        };
        let q = channel
            .queue_declare(
                format!("{}{queue}", self.prefix).as_str().into(),
                passive,
                Default::default(),
            )
            .await
            .unwrap();
        let count = q.message_count();
        let _ = conn.close(200, "bye".into()).await;
        count
    }

    /// Publishes a raw message onto this deployment's order queue.
    pub async fn publish_raw(&self, body: &[u8]) {
        let conn = lapin::Connection::connect(AMQP, lapin::ConnectionProperties::default())
            .await
            .unwrap();
        let channel = conn.create_channel().await.unwrap();
        channel
            .basic_publish(
                "".into(),
                format!("{}orders", self.prefix).as_str().into(),
                Default::default(),
                body,
                lapin::BasicProperties::default().with_delivery_mode(2),
            )
            .await
            .unwrap()
            .await
            .unwrap();
        let _ = conn.close(200, "bye".into()).await;
    }

    /// Runs a query returning one integer on this deployment's database.
    pub async fn scalar(&self, sql: &str) -> i64 {
        bakery_test_support::probe(&self.db.url)
            .await
            .scalar(sql)
            .await
    }

    /// Waits until no order is `pending` or `processing`, or panics after `within`.
    pub async fn wait_until_settled(&self, within: Duration) {
        bakery_test_support::wait_until(within, "every order to settle", || async {
            self.scalar("SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'processing')")
                .await
                == 0
        })
        .await;
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let prefix = self.prefix.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(conn) =
                    lapin::Connection::connect(AMQP, lapin::ConnectionProperties::default()).await
                    && let Ok(channel) = conn.create_channel().await
                {
                    for queue in ["orders", "orders.dlq"] {
                        let name = format!("{prefix}{queue}");
                        let _ = channel
                            .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                            .await;
                    }
                    for exchange in ["orders.dlx", "order_status"] {
                        let name = format!("{prefix}{exchange}");
                        let _ = channel
                            .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
                            .await;
                    }
                    let _ = conn.close(200, "bye".into()).await;
                }
                if let Ok(client) = redis::Client::open(REDIS)
                    && let Ok(mut conn) = client.get_multiplexed_async_connection().await
                {
                    let keys: Vec<String> = redis::cmd("KEYS")
                        .arg(format!("{prefix}*"))
                        .query_async(&mut conn)
                        .await
                        .unwrap_or_default();
                    if !keys.is_empty() {
                        let _: Result<(), _> =
                            redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
                    }
                }
            });
        })
        .join();
    }
}

/// A small client for one API process.
pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
}

impl Api {
    pub async fn place(&self, body: &serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}/api/orders", self.base))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// Makes `TestApp`-style waits available on an `Api` too.
pub async fn wait_for_status(
    api: &Api,
    order_id: i64,
    wanted: &[&str],
    within: Duration,
) -> bakery_wire::OrderView {
    bakery_test_support::wait_for_status_at(&api.http, &api.base, order_id, wanted, within).await
}
