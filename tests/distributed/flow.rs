//! Orders through RabbitMQ: the seed's order to ready, 500 orders over two servers and two
//! workers processed exactly once, catalog changes seen by every replica, live events across processes.

use std::time::Duration;

use bakery::startup::Role;
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::cluster::{Cluster, wait_for_status};
use bakery_test_support::{accepted, get_at, seed_order, wait_until};
use bakery_wire::Product;

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn the_seed_order_goes_through_rabbitmq_to_ready() {
    let cluster = Cluster::new().await;
    let url = cluster
        .start(Role::All, |s| {
            s.worker.prep_time = Duration::from_millis(200)
        })
        .await
        .unwrap();
    let api = cluster.client(&url);
    let (status, health) = api.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(
        health,
        json!({"status": "ok", "services": {"database": "healthy", "rabbitmq": "healthy", "redis": "healthy"}})
    );
    let accepted = accepted(api.place(&seed_order()).await).await;
    assert_eq!(accepted.queue_status, "sent to processing queue");
    let order = wait_for_status(&api, accepted.order_id, &["ready"], Duration::from_secs(15)).await;
    assert_eq!(order.items[0].total, 59.98);
    assert_eq!(
        cluster
            .scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL AND topic <> 'notifications'")
            .await,
        0
    );
    assert_eq!(
        cluster.queue_depth("orders").await,
        0,
        "the message was consumed and acknowledged"
    );
    assert_eq!(cluster.queue_depth("orders.dlq").await, 0);
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn five_hundred_orders_over_two_servers_and_two_workers_are_processed_once() {
    let cluster = Cluster::new().await;
    let first = cluster.start(Role::Serve, |_| {}).await.unwrap();
    let second = cluster.start(Role::Serve, |_| {}).await.unwrap();
    cluster.start(Role::Worker, |s| s.worker.pool = 3).await;
    cluster.start(Role::Worker, |s| s.worker.pool = 3).await;
    let apis = [cluster.client(&first), cluster.client(&second)];
    // 400 cinnamon rolls for 500 customers.
    {
        let conn = cluster.db.connect().await;
        use sea_orm::ConnectionTrait;
        conn.execute_unprepared("UPDATE products SET stock = 400 WHERE id = 5")
            .await
            .unwrap();
    }
    let body = json!({"customer_name": "Rush", "customer_email": "rush@example.com",
                      "items": [{"product_id": 5, "quantity": 1}, {"product_id": 2, "quantity": 1}]});
    let mut accepted = 0;
    for chunk in 0..10 {
        let posts = (0..50).map(|i| apis[(chunk + i) % 2].place(&body));
        for res in futures_util::future::join_all(posts).await {
            assert_eq!(res.status().as_u16(), 201);
            accepted += 1;
        }
    }
    assert_eq!(accepted, 500);
    cluster.wait_until_settled(Duration::from_secs(120)).await;
    let ready = cluster
        .scalar("SELECT COUNT(*) FROM orders WHERE status = 'ready'")
        .await;
    let rejected = cluster
        .scalar("SELECT COUNT(*) FROM orders WHERE status = 'rejected'")
        .await;
    assert_eq!((ready, rejected), (400, 100));
    assert_eq!(
        cluster
            .scalar("SELECT stock FROM products WHERE id = 5")
            .await,
        0
    );
    assert_eq!(
        cluster
            .scalar("SELECT stock FROM products WHERE id = 2")
            .await,
        0,
        "one loaf per served order"
    );
    assert_eq!(
        cluster
            .scalar("SELECT COUNT(*) FROM order_events WHERE status = 'processing'")
            .await,
        400,
        "each served order was started exactly once"
    );
    assert_eq!(
        cluster.scalar("SELECT COUNT(*) FROM order_events").await,
        500 + 400 * 2 + 100
    );
    // Both API replicas see the new stock within a second of the last change.
    for api in &apis {
        let what = format!("replica {} to show the rolls sold out", api.base);
        wait_until(Duration::from_secs(2), &what, || async {
            let (_, products) = get_at::<Vec<Product>>(&api.http, &api.base, "/api/products").await;
            products.unwrap().iter().any(|p| p.id == 5 && p.stock == 0)
        })
        .await;
    }
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn live_events_cross_from_the_worker_to_the_server() {
    let cluster = Cluster::new().await;
    let url = cluster.start(Role::Serve, |_| {}).await.unwrap();
    cluster
        .start(Role::Worker, |s| {
            s.worker.prep_time = Duration::from_millis(700)
        })
        .await;
    let api = cluster.client(&url);
    let id = accepted(api.place(&seed_order()).await).await.order_id;
    let res = api
        .http
        .get(format!("{url}/api/orders/{id}/events"))
        .send()
        .await
        .unwrap();
    let mut stream = res.bytes_stream();
    let mut text = String::new();
    let mut seen: Vec<String> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !seen.iter().any(|s| s == "ready") {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                seen.push(
                    serde_json::from_str::<Value>(data).unwrap()["status"]
                        .as_str()
                        .unwrap()
                        .to_owned(),
                );
            }
        }
    }
    let lifecycle = ["pending", "processing", "ready"];
    let start = lifecycle.iter().position(|s| *s == seen[0]).unwrap();
    assert_eq!(seen, lifecycle[start..].to_vec());
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_thousand_stock_changes_cause_a_handful_of_reloads_on_every_replica() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    use actix::Actor;
    use arc_swap::ArcSwap;
    use bakery::actors::catalog_cache::{
        CatalogCache, Invalidate, InvalidationListener, load_snapshot,
    };
    use bakery::actors::supervision::Restarts;
    use bakery::cache::RedisCache;
    use sea_orm::ConnectionTrait;

    let cluster = Cluster::new().await;
    cluster.start(Role::Serve, |_| {}).await; // migrates the database
    let db = bakery::store::connect::connect(&cluster.db.url, 2)
        .await
        .unwrap();
    let redis = Arc::new(RedisCache::new(&cluster.redis_url, &cluster.settings().names).unwrap());
    let roster = bakery::actors::roster::Roster::default();
    let restarts = || {
        Restarts::new(
            roster.enlist("catalog_cache"),
            Duration::from_millis(10),
            Duration::from_millis(100),
        )
    };
    let replica = |redis: Arc<RedisCache>, snapshot| {
        let shared = Arc::new(ArcSwap::from_pointee(snapshot));
        let cache = CatalogCache::new(db.clone(), shared.clone(), Some(redis), restarts());
        (cache.reload_counter(), shared, cache.start())
    };
    let (changed_here, _, here) = replica(redis.clone(), load_snapshot(&db).await.unwrap());
    let (changed_there, there_view, there) =
        replica(redis.clone(), load_snapshot(&db).await.unwrap());
    // The serve process listens on the change channel; then this listener subscribes too.
    let channel = cluster.settings().names.redis_key("catalog:changed");
    let listeners = || async {
        let client = redis::Client::open(cluster.redis_url.as_str()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let (_, count): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(&channel)
            .query_async(&mut conn)
            .await
            .unwrap();
        count
    };
    wait_until(
        Duration::from_secs(10),
        "the serve process's listener",
        || async { listeners().await >= 1 },
    )
    .await;
    InvalidationListener::new(redis.clone(), there.clone(), restarts()).start();
    wait_until(
        Duration::from_secs(10),
        "this listener to subscribe",
        || async { listeners().await >= 2 },
    )
    .await;
    let before_here = changed_here.load(Ordering::Relaxed);
    let before_there = changed_there.load(Ordering::Relaxed);

    db.execute_unprepared("UPDATE products SET stock = stock - 100 WHERE id = 3")
        .await
        .unwrap();
    for _ in 0..1000 {
        here.do_send(Invalidate { announce: true });
    }
    // The change shows on the other replica; then a quiet spell in which any further reload
    // (the count is what this test is about) would happen.
    wait_until(
        Duration::from_secs(5),
        "the other replica to reload",
        || async { there_view.load().product(3).is_some_and(|p| p.stock == 400) },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let reloads_here = changed_here.load(Ordering::Relaxed) - before_here;
    let reloads_there = changed_there.load(Ordering::Relaxed) - before_there;
    assert!(
        (1..=5).contains(&reloads_here),
        "{reloads_here} reloads here"
    );
    assert!(
        (1..=5).contains(&reloads_there),
        "{reloads_there} reloads on the other replica"
    );
    assert_eq!(
        there_view.load().product(3).unwrap().stock,
        400,
        "the other replica sees the change"
    );
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_worker_serves_its_own_metrics_and_health() {
    let cluster = Cluster::new().await;
    let url = cluster.start(Role::Serve, |_| {}).await.unwrap();
    let metrics = cluster
        .start(Role::Worker, |s| {
            s.metrics_bind = Some("127.0.0.1:0".into())
        })
        .await
        .expect("the worker's metrics port");
    let api = cluster.client(&url);
    let id = accepted(api.place(&seed_order()).await).await.order_id;
    wait_for_status(&api, id, &["ready"], Duration::from_secs(15)).await;
    let worker = cluster.client(&metrics);
    assert_eq!(
        worker.get_json("/health").await,
        (200, json!({"status": "ok"}))
    );
    let text = worker
        .http
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("bakery_"), "{text}");
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn staff_sessions_live_in_redis_and_work_on_every_replica() {
    let cluster = Cluster::new().await;
    let first = cluster.start(Role::Serve, |_| {}).await.unwrap();
    let second = cluster.start(Role::Serve, |_| {}).await.unwrap();
    {
        let db = cluster.db.connect().await;
        let role = bakery_wire::staff::StaffRole::Baker;
        bakery::staff::accounts::create_user(
            &db,
            "baker@example.com",
            "baker-secret-password",
            role,
        )
        .await
        .unwrap();
    }
    let http = bakery_test_support::client();
    let res = http
        .post(format!("{first}/api/staff/sign-in"))
        .json(&json!({"email": "baker@example.com", "password": "baker-secret-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = res.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = |base: &str| {
        http.get(format!("{base}/api/staff/me"))
            .header("cookie", &cookie)
            .send()
    };
    assert_eq!(
        me(&second).await.unwrap().status().as_u16(),
        200,
        "the other replica knows the session"
    );
    assert_eq!(
        cluster.scalar("SELECT COUNT(*) FROM staff_sessions").await,
        0,
        "kept in Redis, not the database"
    );
    let out = http
        .post(format!("{second}/api/staff/sign-out"))
        .header("cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status().as_u16(), 204);
    assert_eq!(
        me(&first).await.unwrap().status().as_u16(),
        401,
        "signed out everywhere"
    );
}
