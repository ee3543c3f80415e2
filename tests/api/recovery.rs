//! The real `bakery` binary: `kill -9` mid-way loses no accepted order; bad settings exit 2 with one line.

use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::process::{Child, Command};

use bakery_test_support::{Backend, TestDatabase, seed_order, wait_for_status_at};
use bakery_wire::OrderStatus;

/// Starts the binary on `database_url` (2 s bakes) and returns it with its base URL.
async fn start_bakery(database_url: &str) -> (Child, String) {
    bakery_test_support::start_binary(database_url, &[("BAKERY_PREP_TIME", "2s")]).await
}

async fn kill_9_loses_no_accepted_order(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let client = bakery_test_support::client();
    let (mut first, url) = start_bakery(&db.url).await;
    let body = seed_order();
    let posts = (0..30).map(|_| bakery_test_support::place_at(&client, &url, &body));
    let ids = futures_util::future::join_all(posts).await;
    first.kill().await.unwrap(); // SIGKILL
    first.wait().await.unwrap();

    let app = bakery_test_support::probe(&db.url).await;
    let unsettled = app
        .scalar("SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'processing')")
        .await;
    assert!(
        unsettled > 0,
        "the kill came after all the work; nothing was tested"
    );

    let (mut second, url) = start_bakery(&db.url).await;
    let within = Duration::from_secs(60);
    for id in &ids {
        let order = wait_for_status_at(&client, &url, *id, &["ready", "failed"], within).await;
        assert_eq!(order.status, OrderStatus::Ready, "{order:?}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 30);
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        300 - 60,
        "stock taken once per order"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM order_events WHERE status = 'processing'")
            .await,
        30
    );
    second.kill().await.unwrap();
}

#[tokio::test]
async fn kill_9_loses_no_accepted_order_sqlite() {
    kill_9_loses_no_accepted_order(Backend::Sqlite).await;
}

#[tokio::test]
async fn kill_9_loses_no_accepted_order_postgres() {
    kill_9_loses_no_accepted_order(Backend::Postgres).await;
}

async fn sigterm_during_a_burst_loses_nothing_and_leaves_nothing_half_done(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let client = bakery_test_support::client();
    let (mut bakery, url) = start_bakery(&db.url).await;
    let body = seed_order();
    let burst: Vec<_> = (0..60)
        .map(|_| {
            let (client, url, body) = (client.clone(), url.clone(), body.clone());
            tokio::spawn(async move {
                client
                    .post(format!("{url}/api/orders"))
                    .json(&body)
                    .send()
                    .await
            })
        })
        .collect();
    // Stop once the burst is under way: some orders are in, others still in flight.
    let probe = bakery_test_support::probe(&db.url).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while probe.scalar("SELECT COUNT(*) FROM orders").await < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pid = bakery.id().unwrap().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
    let mut accepted = Vec::new();
    for post in burst {
        if let Ok(res) = post.await.unwrap()
            && res.status().as_u16() == 201
        {
            accepted.push(bakery_test_support::accepted(res).await.order_id);
        }
    }
    assert!(
        !accepted.is_empty(),
        "the stop came before any order: nothing was tested"
    );
    let exit = tokio::time::timeout(Duration::from_secs(15), bakery.wait())
        .await
        .expect("exits within the grace period")
        .unwrap();
    assert!(exit.success(), "{exit}");

    let stored = probe.scalar("SELECT COUNT(*) FROM orders").await;
    assert!(
        stored >= accepted.len() as i64,
        "an accepted order is missing"
    );
    let (mut again, url) = start_bakery(&db.url).await;
    bakery_test_support::wait_until(Duration::from_secs(60), "every order ready", || async {
        probe
            .scalar("SELECT COUNT(*) FROM orders WHERE status <> 'ready'")
            .await
            == 0
    })
    .await;
    for id in &accepted {
        let order: Value = client
            .get(format!("{url}/api/orders/{id}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(order["status"], "ready");
    }
    assert_eq!(
        probe
            .scalar("SELECT stock FROM products WHERE id = 1")
            .await,
        300 - 2 * stored
    );
    assert_eq!(
        probe
            .scalar("SELECT COUNT(*) FROM order_events WHERE status = 'processing'")
            .await,
        stored
    );
    again.kill().await.unwrap();
}

#[tokio::test]
async fn sigterm_during_a_burst_sqlite() {
    sigterm_during_a_burst_loses_nothing_and_leaves_nothing_half_done(Backend::Sqlite).await;
}

#[tokio::test]
async fn sigterm_during_a_burst_postgres() {
    sigterm_during_a_burst_loses_nothing_and_leaves_nothing_half_done(Backend::Postgres).await;
}

#[tokio::test]
async fn a_bad_setting_stops_startup_with_one_line_and_exit_code_2() {
    for (name, value) in [
        ("BAKERY_WORKER_POOL", "zero"),
        ("BAKERY_PREP_TIME", "soon"),
        ("BAKERY_LOG_FORMAT", "xml"),
        ("BAKERY_WORKER_POOL", "0"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_bakery"))
            .env(name, value)
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}={value}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(name), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[tokio::test]
async fn help_lists_the_subcommands() {
    let out = Command::new(env!("CARGO_BIN_EXE_bakery"))
        .arg("--help")
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for sub in ["all", "serve", "worker", "migrate"] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(sub)),
            "{sub} missing:\n{help}"
        );
    }
}

#[tokio::test]
async fn migrate_prepares_a_database() {
    let db = TestDatabase::create(Backend::Sqlite).await;
    let out = Command::new(env!("CARGO_BIN_EXE_bakery"))
        .arg("migrate")
        .env("BAKERY_DATABASE_URL", &db.url)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let app = bakery_test_support::probe(&db.url).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM products").await, 10);
}

/// A stop whose grace period ends while the notifier waits on a webhook that never answers
/// exits cleanly: the actors still at work are dropped inside
/// the runtime. They had been dropped outside it, where the database connection they held
/// panicked handing itself back ("this functionality requires a Tokio context").
#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_stop_while_a_webhook_hangs_exits_without_a_panic() {
    let db = TestDatabase::create(Backend::Postgres).await;
    let hook = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", hook.local_addr().unwrap());
    let log_path = std::env::temp_dir().join(format!("bakery-stop-{}.log", std::process::id()));
    let log = std::fs::File::create(&log_path).unwrap();
    let env = [
        ("BAKERY_SHUTDOWN_GRACE", "1s"),
        ("BAKERY_LOG", "info"),
        // The receiver is on 127.0.0.1, a host webhooks may not go to by default.
        ("BAKERY_NOTIFY_ALLOW_PRIVATE_HOSTS", "true"),
    ];
    let (mut bakery, url) =
        bakery_test_support::spawn_bakery_logging_to("all", &db.url, &env, log.into()).await;
    let url = url.unwrap();
    let probe = bakery_test_support::probe(&db.url).await;
    let endpoint = probe
        .scalar(&format!(
            "INSERT INTO webhook_endpoints (url, secret, active, created_at) \
             VALUES ('{hook_url}', 'secret', true, now()) RETURNING id"
        ))
        .await;
    assert!(endpoint > 0);
    bakery_test_support::place_at(&bakery_test_support::client(), &url, &seed_order()).await;
    // The notifier is calling the webhook: hold the call unanswered.
    let (_held, _) = tokio::time::timeout(Duration::from_secs(15), hook.accept())
        .await
        .expect("the notifier calls the webhook")
        .unwrap();
    let pid = bakery.id().unwrap().to_string();
    let stopped = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(stopped.success());
    let exit = tokio::time::timeout(Duration::from_secs(15), bakery.wait())
        .await
        .expect("exits after the grace period")
        .unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    let _ = std::fs::remove_file(&log_path);
    assert!(exit.success(), "{exit}\n{log}");
    assert!(!log.contains("panicked"), "{log}");
}
