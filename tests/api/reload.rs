//! The real `bakery` binary re-reads its settings file while orders flow: SIGHUP grows the
//! processor pool, `bakery reload` shrinks it, every order ends exactly once, and a setting that
//! cannot change live is reported as needing a restart.

use std::time::Duration;

use bakery_test_support::on_both_databases;
use bakery_test_support::{
    Backend, TestDatabase, bakery_binary, client, place_at, seed_order, spawn_bakery_logging_to,
    unique_name, wait_until,
};
use tokio::process::Command;

fn settings_file(metrics_port: u16, pool: usize, recheck: &str) -> String {
    format!(
        "metrics_bind = \"127.0.0.1:{metrics_port}\"\nstream_recheck_every = \"{recheck}\"\n\
         [worker]\npool = {pool}\nprep_time = \"50ms\"\n"
    )
}

async fn sighup_and_bakery_reload_resize_the_pool_under_load(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let dir = std::env::temp_dir().join(unique_name("bakery_reload"));
    std::fs::create_dir_all(&dir).unwrap();
    let (config, log) = (dir.join("bakery.toml"), dir.join("bakery.log"));
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(&config, settings_file(metrics_port, 2, "5s")).unwrap();
    let config_path = config.to_str().unwrap().to_owned();
    let log_file = std::fs::File::create(&log).unwrap();
    let env = [
        ("BAKERY_CONFIG", config_path.as_str()),
        ("BAKERY_LOG", "info"),
        ("BAKERY_LOG_FORMAT", "json"),
    ];
    let (mut bakery, url) = spawn_bakery_logging_to("all", &db.url, &env, log_file.into()).await;
    let url = url.unwrap();
    let logged = || std::fs::read_to_string(&log).unwrap();

    // A load of orders from four customers at once, while the settings change twice.
    let http = client();
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..25 {
                    ids.push(place_at(&http, &url, &seed_order()).await);
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                ids
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(150)).await;
    std::fs::write(&config, settings_file(metrics_port, 6, "3s")).unwrap();
    let pid = bakery.id().unwrap().to_string();
    let hup = Command::new("kill").args(["-HUP", &pid]).status().await;
    assert!(hup.unwrap().success());
    wait_until(Duration::from_secs(10), "the pool grown to 6", || async {
        logged().contains("processor pool resized") && logged().contains(r#""to":6"#)
    })
    .await;

    tokio::time::sleep(Duration::from_millis(150)).await;
    std::fs::write(&config, settings_file(metrics_port, 1, "3s")).unwrap();
    let reload = Command::new(bakery_binary())
        .args(["reload", "--config", &config_path])
        .env("BAKERY_DATABASE_URL", &db.url)
        .output()
        .await
        .unwrap();
    let answer = String::from_utf8_lossy(&reload.stdout);
    assert!(reload.status.success(), "{answer}");
    assert!(answer.contains("worker.pool"), "{answer}");

    let mut ids = Vec::new();
    for customer in load {
        ids.extend(customer.await.unwrap());
    }
    assert_eq!(ids.len(), 100);
    // Five of the six processors leave once their batch is done; one works on.
    wait_until(
        Duration::from_secs(10),
        "five processors retired",
        || async { logged().matches("processor retired").count() == 5 },
    )
    .await;
    let metrics = format!("http://127.0.0.1:{metrics_port}/metrics");
    let text = http.get(&metrics).send().await.unwrap().text().await;
    assert!(
        text.unwrap().contains("bakery_worker_pool_size 1"),
        "the pool size gauge"
    );

    // Every order ends exactly once: ready, with one event of each step.
    let probe = bakery_test_support::probe(&db.url).await;
    let not_ready = "SELECT COUNT(*) FROM orders WHERE status <> 'ready'";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while probe.scalar(not_ready).await > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(probe.scalar(not_ready).await, 0, "orders left unfinished");
    assert_eq!(probe.scalar("SELECT COUNT(*) FROM orders").await, 100);
    let ready_events = "SELECT COUNT(*) FROM order_events WHERE status = 'ready'";
    assert_eq!(
        probe.scalar(ready_events).await,
        100,
        "one ready event each"
    );
    let twice = "SELECT COUNT(*) FROM (SELECT order_id, status FROM order_events \
                 GROUP BY order_id, status HAVING COUNT(*) > 1) AS repeated";
    assert_eq!(probe.scalar(twice).await, 0, "a step repeated");

    // The change that cannot apply live is named, and the others were applied.
    let log_text = logged();
    assert!(
        log_text.contains("needs a restart")
            && log_text.contains(r#""setting":"stream_recheck_every""#),
        "{log_text}"
    );
    assert!(log_text.contains("setting changed live"), "{log_text}");
    bakery.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

on_both_databases!(sighup_and_bakery_reload_resize_the_pool_under_load);
