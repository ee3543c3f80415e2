//! What the bakery's test binaries share: the real app (same startup code as `main`) spawned on
//! port 0 against a database of its own, the real binary, direct database queries, waits, and a
//! TCP proxy to cut links with.
//!
//! Each test gets its own SQLite file or PostgreSQL database; a PostgreSQL one is a copy of a
//! migrated template (see [`TestDatabase::create`]).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bakery::actors::order_store::StoreStats;
use bakery::config::{LogFormat, LogSettings, Settings};
use bakery::events::watched::WatchedOrders;
use bakery::staff::rate_limit::SignInLimiter;
use bakery::startup::{Application, Role};
use bakery_wire::{OrderAccepted, OrderView, Product};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

mod postgres;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body on SQLite and on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident) => {
        mod $name {
            #[actix_web::rt::test(system = "::bakery_test_support::TestSystem")]
            async fn sqlite() {
                super::$name($crate::Backend::Sqlite).await
            }
            #[actix_web::rt::test(system = "::bakery_test_support::TestSystem")]
            async fn postgres() {
                super::$name($crate::Backend::Postgres).await
            }
        }
    };
}

/// Log lines of every app in this test process (ANSI off), to assert on what was logged.
pub fn captured_logs() -> String {
    let logs = log_buffer().lock().map(|b| b.clone()).unwrap_or_default();
    String::from_utf8_lossy(&logs).into_owned()
}

fn log_buffer() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(Default::default)
}

#[derive(Clone)]
struct BufferWriter(Arc<Mutex<Vec<u8>>>);

impl Write for BufferWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = std::io::stderr().write_all(buf);
        }
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn init_logs() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let buffer = log_buffer().clone();
        let settings = LogSettings {
            filter: "info,sqlx=warn,sea_orm_migration=warn,actix_server=warn".into(),
            format: LogFormat::Json,
        };
        bakery::telemetry::init(&settings, move || BufferWriter(buffer.clone()));
    });
}

/// A name no other test (or test process) uses.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The PostgreSQL server tests create their databases on.
pub fn pg_server() -> String {
    std::env::var("BAKERY_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

/// A database of the test's own, removed when dropped.
pub struct TestDatabase {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres(String),
    /// Another handle's to clean up.
    Nothing,
}

impl TestDatabase {
    /// Creates a migrated database on `backend`: an empty SQLite file (the app migrates it at
    /// start), or a PostgreSQL copy of the migrated template (the app's migrations then find
    /// nothing to do).
    pub async fn create(backend: Backend) -> TestDatabase {
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(unique_name("bakery_test"));
                std::fs::create_dir_all(&dir).unwrap();
                let url = format!("sqlite://{}?mode=rwc", dir.join("shop.db").display());
                TestDatabase {
                    url,
                    cleanup: Cleanup::File(dir),
                }
            }
            Backend::Postgres => {
                let name = unique_name("bakery_test");
                postgres::create_from_template(&name).await;
                TestDatabase {
                    url: format!("{}/{name}", pg_server()),
                    cleanup: Cleanup::Postgres(name),
                }
            }
        }
    }

    /// Another handle on the same database (for a second process on it); the first one cleans up.
    pub fn shared(&self) -> TestDatabase {
        TestDatabase {
            url: self.url.clone(),
            cleanup: Cleanup::Nothing,
        }
    }

    /// A direct connection, to look at or change the data behind the app's back.
    pub async fn connect(&self) -> DatabaseConnection {
        let mut options = sea_orm::ConnectOptions::new(self.url.clone());
        options.max_connections(2).sqlx_logging(false);
        Database::connect(options).await.unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Nothing => {}
            Cleanup::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres(name) => {
                let (server, name) = (pg_server(), name.clone());
                // Dropping runs outside the test's runtime, so it gets a small one of its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        if let Ok(admin) = Database::connect(format!("{server}/postgres")).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// Settings for a test app: port 0, small pools, quick restarts, no storefront.
pub fn test_settings(database_url: &str) -> Settings {
    let mut s = Settings {
        bind: "127.0.0.1:0".into(),
        database_url: database_url.to_owned(),
        database_pool: 4,
        http_workers: 1,
        static_dir: PathBuf::from("/nonexistent-storefront"),
        ..Settings::default()
    };
    s.worker.pool = 2;
    s.worker.prep_time = Duration::ZERO;
    s.worker.restart_initial = Duration::from_millis(10);
    s.worker.restart_max = Duration::from_millis(200);
    // Tests post and read many orders from 127.0.0.1; the tests of the limits set their own.
    s.limits.order_posts_per_minute = 0;
    s.limits.order_lookups_per_minute = 0;
    s.limits.streams_per_client = 0;
    s
}

/// A running app and a client for it.
pub struct TestApp {
    pub address: String,
    /// The operations listener (`/metrics`, `/health`), when the test set `metrics_bind`.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub store_stats: Arc<StoreStats>,
    /// The orders the app streams, and its re-checks of them.
    pub watched: Arc<WatchedOrders>,
    /// The app's staff sign-in limiter (its entries and password checks).
    pub sign_ins: Arc<SignInLimiter>,
}

/// Starts the app on a fresh database of `backend`.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Starts the app on a fresh database, with settings changed by `tweak`.
pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDatabase::create(backend).await;
    spawn_app_on(db, tweak).await
}

/// Starts the app on an existing test database.
pub async fn spawn_app_on(db: TestDatabase, tweak: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_role_on(db, Role::All, tweak).await
}

/// Starts a process of `role` with an API (`All` or `Serve`) on an existing test database.
pub async fn spawn_role_on(
    db: TestDatabase,
    role: Role,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    init_logs();
    let mut settings = test_settings(&db.url);
    tweak(&mut settings);
    let app = Application::build(settings, role)
        .await
        .expect("app builds");
    let port = app.port().expect("the app listens");
    let metrics_address = app
        .metrics_port()
        .map(|port| format!("http://127.0.0.1:{port}"));
    let store_stats = app.store_stats().expect("the app stores orders");
    let watched = app.watched_orders().expect("the app streams orders");
    let sign_ins = app.sign_ins().expect("the app serves the API");
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        metrics_address,
        client: client(),
        db,
        store_stats,
        watched,
        sign_ins,
    }
}

/// A handle on a database that is not the test's to drop (to query it).
pub struct DatabaseProbe {
    url: String,
}

/// Queries an existing database directly, without starting an app.
pub async fn probe(url: &str) -> DatabaseProbe {
    DatabaseProbe {
        url: url.to_owned(),
    }
}

impl DatabaseProbe {
    /// Runs a query returning one integer.
    pub async fn scalar(&self, sql: &str) -> i64 {
        scalar_on(&self.url, sql).await
    }
}

async fn scalar_on(url: &str, sql: &str) -> i64 {
    let mut options = sea_orm::ConnectOptions::new(url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    let conn = Database::connect(options).await.unwrap();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let value: i64 = row
        .try_get_by_index::<i64>(0)
        .or_else(|_| row.try_get_by_index::<i32>(0).map(i64::from))
        .unwrap();
    conn.close().await.unwrap();
    value
}

/// The seed document's sample order.
pub fn seed_order() -> Value {
    json!({
        "customer_name": "Vedanti Verma",
        "customer_email": "vedanti@example.com",
        "items": [{"product_id": 1, "quantity": 2, "price": 29.99}]
    })
}

/// Places an order with the bakery serving at `base` (this test's app or a spawned binary) and
/// returns its id, asserting a 201.
pub async fn place_at(client: &reqwest::Client, base: &str, body: &Value) -> i64 {
    let res = client
        .post(format!("{base}/api/orders"))
        .json(body)
        .send()
        .await
        .unwrap();
    accepted(res).await.order_id
}

/// The answer to `POST /api/orders`, asserting a 201.
pub async fn accepted(res: reqwest::Response) -> OrderAccepted {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(status, 201, "{text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not an OrderAccepted ({e}): {text}"))
}

/// Polls `check` until it holds, or panics with `what` after `within`.
pub async fn wait_until<F, Fut>(within: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Reads `GET base+path`: the status and the body as `T`, panicking if a 200's body is not one.
pub async fn get_at<T: DeserializeOwned>(
    client: &reqwest::Client,
    base: &str,
    path: &str,
) -> (u16, Option<T>) {
    let res = client.get(format!("{base}{path}")).send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    if status != 200 {
        return (status, None);
    }
    let body = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("GET {path}: not the expected type ({e}): {text}"));
    (status, Some(body))
}

/// Polls `GET base/api/orders/{order_id}` until its status is one of `wanted`, or panics after
/// `within`.
pub async fn wait_for_status_at(
    client: &reqwest::Client,
    base: &str,
    order_id: i64,
    wanted: &[&str],
    within: Duration,
) -> OrderView {
    let deadline = Instant::now() + within;
    loop {
        let path = format!("/api/orders/{order_id}");
        let (status, order) = get_at::<OrderView>(client, base, &path).await;
        let order = order.unwrap_or_else(|| panic!("GET {path}: {status}"));
        if wanted.contains(&order.status.as_str()) {
            return order;
        }
        assert!(
            Instant::now() < deadline,
            "order {order_id} stuck: {order:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn post_order(&self, body: &Value) -> reqwest::Response {
        self.client
            .post(self.url("/api/orders"))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// Like [`TestApp::post_order`], owning the body (for many concurrent posts).
    pub async fn post_order_owned(&self, body: Value) -> reqwest::Response {
        self.post_order(&body).await
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let res = self.client.get(self.url(path)).send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A bearer token of a new admin token named `name`, made in the database as
    /// `bakery user` would.
    pub async fn admin_bearer(&self, name: &str) -> String {
        let db = self.db.connect().await;
        let admin = bakery_wire::staff::StaffRole::Admin;
        let (_, token) = bakery::staff::accounts::create_api_token(&db, name, admin, "test")
            .await
            .unwrap();
        db.close().await.unwrap();
        token
    }

    /// Sends a request as the staff bearer `token`: the status and the body as JSON (null when
    /// not JSON).
    pub async fn staff_call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// Reads `GET path` as `T` (`None` unless a 200).
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> (u16, Option<T>) {
        get_at(&self.client, &self.address, path).await
    }

    /// The order's page, asserting a 200.
    pub async fn order(&self, order_id: i64) -> OrderView {
        let (status, order) = self.get(&format!("/api/orders/{order_id}")).await;
        order.unwrap_or_else(|| panic!("GET /api/orders/{order_id}: {status}"))
    }

    /// The public catalog, asserting a 200.
    pub async fn products(&self) -> Vec<Product> {
        let (status, products) = self.get("/api/products").await;
        products.unwrap_or_else(|| panic!("GET /api/products: {status}"))
    }

    /// Places an order and returns its id, asserting a 201.
    pub async fn place(&self, body: &Value) -> i64 {
        place_at(&self.client, &self.address, body).await
    }

    /// Polls the order until its status is one of `wanted`, or panics after `within`.
    pub async fn wait_for_status(
        &self,
        order_id: i64,
        wanted: &[&str],
        within: Duration,
    ) -> OrderView {
        wait_for_status_at(&self.client, &self.address, order_id, wanted, within).await
    }

    /// Runs a query returning one integer.
    pub async fn scalar(&self, sql: &str) -> i64 {
        scalar_on(&self.db.url, sql).await
    }

    /// Runs a query returning one integer until it returns `wanted`; panics with `what` and the
    /// last value after `within`.
    pub async fn wait_for_scalar(&self, sql: &str, wanted: i64, within: Duration, what: &str) {
        let deadline = Instant::now() + within;
        loop {
            let value = self.scalar(sql).await;
            if value == wanted {
                return;
            }
            assert!(Instant::now() < deadline, "{what}: {value}, not {wanted}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Runs a statement.
    pub async fn execute(&self, sql: &str) {
        let conn = self.db.connect().await;
        conn.execute_unprepared(sql).await.unwrap();
        conn.close().await.unwrap();
    }
}

/// A TCP proxy inside the test, to cut the app's link to a service without touching the service.
pub struct TcpProxy {
    pub port: u16,
    up: Arc<std::sync::atomic::AtomicBool>,
    links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl TcpProxy {
    /// Listens on a free loopback port and forwards to `target` (`host:port`).
    pub async fn start(target: &str) -> TcpProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let links: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>> = Arc::default();
        let (target, up2, links2) = (target.to_owned(), up.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // refused: dropped at once
                }
                let target = target.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links2.lock().unwrap().push(link);
            }
        });
        TcpProxy { port, up, links }
    }

    /// Breaks every open connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    /// Accepts connections again.
    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

/// Starts the real `bakery` binary on `database_url` (port 0, small pools, `env` on top) and
/// returns it with the base URL it prints (`listening on http://…`).
pub async fn start_binary(
    database_url: &str,
    env: &[(&str, &str)],
) -> (tokio::process::Child, String) {
    let env: Vec<(&str, &str)> = [("BAKERY_WORKER_POOL", "2")]
        .into_iter()
        .chain(env.iter().copied())
        .collect();
    let (child, url) = spawn_bakery("all", database_url, &env).await;
    (child, url.unwrap())
}

/// The `bakery` binary cargo built beside the running test binary (`target/<profile>/bakery`);
/// `BAKERY_TEST_BINARY` names another.
pub fn bakery_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("BAKERY_TEST_BINARY") {
        return PathBuf::from(path);
    }
    let test_binary = std::env::current_exe().unwrap();
    // target/<profile>/deps/<test>-<hash> -> target/<profile>/bakery
    let profile_dir = test_binary.parent().and_then(|deps| deps.parent()).unwrap();
    let binary = profile_dir.join(format!("bakery{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run the test through cargo, which builds it",
        binary.display()
    );
    binary
}

/// Starts `bakery <role>` on `database_url` with port 0, small pools and quiet logs, then `env`
/// (later entries win). Returns the base URL the process prints, if it serves HTTP: the API's,
/// or a worker's operations listener (`/metrics`, `/health`) when it has `BAKERY_METRICS_BIND`.
pub async fn spawn_bakery(
    role: &str,
    database_url: &str,
    env: &[(&str, &str)],
) -> (tokio::process::Child, Option<String>) {
    spawn_bakery_logging_to(role, database_url, env, std::process::Stdio::null()).await
}

/// [`spawn_bakery`] with the process's standard error (its log) going to `stderr`.
pub async fn spawn_bakery_logging_to(
    role: &str,
    database_url: &str,
    env: &[(&str, &str)],
    stderr: std::process::Stdio,
) -> (tokio::process::Child, Option<String>) {
    use tokio::io::AsyncBufReadExt;
    let mut command = tokio::process::Command::new(bakery_binary());
    command
        .arg(role)
        .env("BAKERY_BIND", "127.0.0.1:0")
        .env("BAKERY_DATABASE_URL", database_url)
        .env("BAKERY_DATABASE_POOL", "4")
        .env("BAKERY_HTTP_WORKERS", "1")
        .env("BAKERY_LOG", "warn")
        .env("BAKERY_STATIC_DIR", "/nonexistent-storefront")
        // Tests post and read many orders from 127.0.0.1.
        .env("BAKERY_LIMIT_ORDER_POSTS", "0")
        .env("BAKERY_LIMIT_ORDER_LOOKUPS", "0")
        .env("BAKERY_LIMIT_STREAMS_PER_CLIENT", "0")
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap();
    let serves_http =
        role != "worker" || env.iter().any(|(name, _)| *name == "BAKERY_METRICS_BIND");
    if !serves_http {
        return (child, None);
    }
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    // The rest of its output is read too: a line printed into a closed pipe would end it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    // The API's address first; a worker prints its operations listener's (`metrics on …`).
    let url = line
        .strip_prefix("listening on ")
        .or_else(|| line.strip_prefix("metrics on "))
        .unwrap();
    (child, Some(url.to_owned()))
}

/// The actix system of a test (`#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]`):
/// the test runs on a system of its own that is dropped inside its runtime, as `main` runs the
/// app ([`bakery::startup::run_on_own_system`]), so actors still holding database connections
/// when the test ends cannot panic on their way out.
pub struct TestSystem;

impl TestSystem {
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> TestRunner {
        TestRunner
    }
}

/// Runs one test's future; see [`TestSystem`].
pub struct TestRunner;

impl TestRunner {
    pub fn block_on<F: std::future::Future>(self, future: F) -> F::Output {
        bakery::startup::run_on_own_system(future)
    }
}

/// An HTTP client for the test's app. It lets idle connections go after 2 s, before the server's
/// keep-alive (5 s) closes them: a request sent on a connection the server is closing that
/// moment fails with "connection reset" on a loaded machine.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("an HTTP client")
}
