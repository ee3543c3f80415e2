//! Links cut through in-test TCP proxies (RabbitMQ, Redis, PostgreSQL) and a worker killed with
//! SIGKILL: afterwards every accepted order is final and nothing was done twice.

use std::time::Duration;

use bakery::startup::Role;
use serde_json::Value;

use crate::cluster::{Cluster, wait_for_status};
use bakery_test_support::{TcpProxy, get_at, seed_order, wait_until};
use bakery_wire::Product;

async fn place_many(api: &crate::cluster::Api, n: usize) -> Vec<i64> {
    let body = seed_order();
    let posts = (0..n).map(|_| api.place(&body));
    let mut ids = Vec::new();
    for res in futures_util::future::join_all(posts).await {
        ids.push(bakery_test_support::accepted(res).await.order_id);
    }
    ids
}

/// Every order in `ids` is ready and was started exactly once; stock matches.
async fn all_ready_once(cluster: &Cluster, ids: &[i64]) {
    cluster.wait_until_settled(Duration::from_secs(90)).await;
    let n = ids.len() as i64;
    assert_eq!(
        cluster
            .scalar("SELECT COUNT(*) FROM orders WHERE status = 'ready'")
            .await,
        n
    );
    assert_eq!(
        cluster
            .scalar("SELECT COUNT(*) FROM order_events WHERE status = 'processing'")
            .await,
        n
    );
    assert_eq!(
        cluster
            .scalar("SELECT stock FROM products WHERE id = 1")
            .await,
        300 - 2 * n
    );
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn orders_survive_a_cut_rabbitmq_link() {
    let mut cluster = Cluster::new().await;
    let proxy = TcpProxy::start("127.0.0.1:5672").await;
    cluster.amqp_url = format!("amqp://guest:guest@127.0.0.1:{}/%2f", proxy.port);
    let url = cluster
        .start(Role::All, |s| {
            s.worker.restart_max = Duration::from_millis(500);
            s.worker.pool = 2;
        })
        .await
        .unwrap();
    let api = cluster.client(&url);
    let mut ids = place_many(&api, 20).await;
    proxy.cut();
    // Orders are still accepted: they wait in the outbox.
    ids.extend(place_many(&api, 20).await);
    let (status, health) = api.get_json("/health").await;
    assert_eq!(status, 200, "{health}");
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["services"]["rabbitmq"], "unhealthy");
    // The outage lasts a while on purpose: the relay's publishes and reconnects fail meanwhile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.restore();
    all_ready_once(&cluster, &ids).await;
    assert_eq!(
        cluster
            .scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND topic <> 'notifications'")
            .await,
        0
    );
    assert_eq!(api.get_json("/health").await.1["status"], "ok");
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn orders_and_the_catalog_survive_a_cut_redis_link() {
    let mut cluster = Cluster::new().await;
    let proxy = TcpProxy::start("127.0.0.1:6379").await;
    cluster.redis_url = format!("redis://127.0.0.1:{}", proxy.port);
    let url = cluster.start(Role::All, |_| {}).await.unwrap();
    let api = cluster.client(&url);
    let mut ids = place_many(&api, 10).await;
    proxy.cut();
    ids.extend(place_many(&api, 10).await);
    let (status, products) = api.get_json("/api/products").await;
    assert_eq!(status, 200);
    assert!(products.as_array().unwrap().len() >= 8);
    let (status, health) = api.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(health["status"], "degraded");
    assert_eq!(health["services"]["redis"], "unhealthy");
    all_ready_once(&cluster, &ids).await;
    // The catalog still follows the stock, from the database.
    let left = 300 - 2 * ids.len() as i64;
    wait_until(
        Duration::from_secs(5),
        "the catalog to follow the stock",
        || async {
            let (_, products) = get_at::<Vec<Product>>(&api.http, &api.base, "/api/products").await;
            products.unwrap()[0].stock == left
        },
    )
    .await;
    proxy.restore();
    wait_until(Duration::from_secs(10), "redis to come back", || async {
        api.get_json("/health").await.1["status"] == "ok"
    })
    .await;
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn accepted_orders_survive_a_cut_database_link() {
    let cluster = Cluster::new().await;
    let proxy = TcpProxy::start("127.0.0.1:5432").await;
    let name = cluster.db.url.rsplit('/').next().unwrap().to_owned();
    let proxied = format!("postgres://postgres@127.0.0.1:{}/{name}", proxy.port);
    let url = cluster
        .start(Role::All, |s| {
            s.database_url = proxied.clone();
            s.worker.prep_time = Duration::from_millis(500);
            s.worker.max_attempts = 30;
            s.worker.restart_max = Duration::from_secs(1);
        })
        .await
        .unwrap();
    let api = cluster.client(&url);
    let mut ids = place_many(&api, 20).await;
    proxy.cut();
    // While the database is away, orders are refused with a JSON 503, never half-stored.
    let res = api.place(&seed_order()).await;
    assert_eq!(res.status().as_u16(), 503);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "service_unavailable"
    );
    assert_eq!(api.get_json("/health").await.0, 503);
    // The outage lasts a while on purpose: processors fail their attempts and restart meanwhile.
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.restore();
    wait_until(
        Duration::from_secs(20),
        "the database to come back",
        || async { api.get_json("/health").await.0 == 200 },
    )
    .await;
    ids.extend(place_many(&api, 10).await);
    all_ready_once(&cluster, &ids).await;
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_worker_killed_mid_batch_loses_nothing() {
    let cluster = Cluster::new().await;
    let url = cluster.start(Role::Serve, |_| {}).await.unwrap();
    let api = cluster.client(&url);
    let (mut worker, _) = cluster
        .spawn_binary(
            "worker",
            &[
                ("BAKERY_PREP_TIME", "1s"),
                ("BAKERY_WORKER_POOL", "2"),
                ("BAKERY_WORKER_LEASE_TIME", "2s"),
                ("BAKERY_WORKER_LEASE_SWEEP", "500ms"),
            ],
        )
        .await;
    let ids = place_many(&api, 40).await;
    // Kill it once it has started some of the work.
    wait_until(Duration::from_secs(20), "the worker to start", || async {
        cluster
            .scalar("SELECT COUNT(*) FROM orders WHERE status = 'processing'")
            .await
            > 0
    })
    .await;
    worker.kill().await.unwrap(); // SIGKILL
    worker.wait().await.unwrap();
    let unsettled = cluster
        .scalar("SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'processing')")
        .await;
    assert!(unsettled > 0, "the kill came too late to test anything");
    let (mut again, _) = cluster
        .spawn_binary(
            "worker",
            &[
                ("BAKERY_PREP_TIME", "1s"),
                ("BAKERY_WORKER_LEASE_TIME", "2s"),
                ("BAKERY_WORKER_LEASE_SWEEP", "500ms"),
            ],
        )
        .await;
    all_ready_once(&cluster, &ids).await;
    for id in ids.iter().take(3) {
        wait_for_status(&api, *id, &["ready"], Duration::from_secs(1)).await;
    }
    again.kill().await.unwrap();
}

/// The actors' view shows a restart that a cut link caused: a `bakery worker` loses RabbitMQ, its
/// consumer is restarted with the reason, and `bakery actors` against the worker's operations
/// listener prints it.
#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn the_actors_view_shows_a_restart_caused_by_a_cut_link() {
    let mut cluster = Cluster::new().await;
    cluster.start(Role::Serve, |_| {}).await; // migrates the database
    let proxy = TcpProxy::start("127.0.0.1:5672").await;
    cluster.amqp_url = format!("amqp://guest:guest@127.0.0.1:{}/%2f", proxy.port);
    let env = [
        ("BAKERY_METRICS_BIND", "127.0.0.1:0"),
        ("BAKERY_WORKER_RESTART_MAX", "500ms"),
    ];
    let (_worker, url) = cluster.spawn_binary("worker", &env).await;
    let url = url.unwrap();
    let client = bakery_test_support::client();
    let consumer = || {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let (status, roster) = get_at::<Vec<Value>>(&client, &url, "/actors").await;
            assert_eq!(status, 200);
            let roster = roster.unwrap();
            roster
                .into_iter()
                .find(|a| a["actor"] == "order_consumer")
                .unwrap_or_else(|| panic!("no order_consumer"))
        }
    };
    let before = consumer().await;
    assert_eq!(
        (before["state"].as_str(), before["restarts"].as_u64()),
        (Some("running"), Some(0)),
        "{before}"
    );

    proxy.cut();
    wait_until(
        Duration::from_secs(20),
        "the consumer restarted",
        || async { consumer().await["restarts"].as_u64() >= Some(1) },
    )
    .await;
    proxy.restore();
    wait_until(Duration::from_secs(20), "the consumer back", || async {
        consumer().await["state"] == "running"
    })
    .await;
    let after = consumer().await;
    assert!(
        after["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{after}"
    );
    assert!(after["last_error_at"].is_string(), "{after}");

    let out = tokio::process::Command::new(bakery_test_support::bakery_binary())
        .args(["actors", "--url", &url])
        .env("BAKERY_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8(out.stdout).unwrap();
    let line = table
        .lines()
        .find(|l| l.starts_with("order_consumer "))
        .unwrap_or_else(|| panic!("{table}"));
    let restarts: u64 = line.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert!(restarts >= 1, "{table}");
    assert!(
        line.contains(after["last_error"].as_str().unwrap()),
        "{table}"
    );
}
