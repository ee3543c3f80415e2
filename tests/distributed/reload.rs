//! A worker's prefetch changes on SIGHUP while orders flow through RabbitMQ: the consumer is
//! replaced on the same channel and every order is still made exactly once.

use std::time::Duration;

use bakery_test_support::{place_at, seed_order, spawn_bakery_logging_to, unique_name, wait_until};
use tokio::process::Command;

use crate::cluster::Cluster;

fn settings_file(prefetch: u16) -> String {
    format!("[worker]\nprefetch = {prefetch}\nprep_time = \"20ms\"\n")
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn sighup_changes_the_prefetch_without_losing_or_repeating_an_order() {
    let cluster = Cluster::new().await;
    let dir = std::env::temp_dir().join(unique_name("bakery_prefetch"));
    std::fs::create_dir_all(&dir).unwrap();
    let (config, log) = (dir.join("bakery.toml"), dir.join("bakery.log"));
    std::fs::write(&config, settings_file(4)).unwrap();
    let config_path = config.to_str().unwrap().to_owned();
    let env = [
        ("BAKERY_AMQP_URL", cluster.amqp_url.as_str()),
        ("BAKERY_REDIS_URL", cluster.redis_url.as_str()),
        ("BAKERY_QUEUE_PREFIX", cluster.prefix.as_str()),
        ("BAKERY_CONFIG", config_path.as_str()),
        ("BAKERY_LOG", "info"),
        ("BAKERY_LOG_FORMAT", "json"),
    ];
    let log_file = std::fs::File::create(&log).unwrap();
    let (mut bakery, url) =
        spawn_bakery_logging_to("all", &cluster.db.url, &env, log_file.into()).await;
    let url = url.unwrap();
    let logged = || std::fs::read_to_string(&log).unwrap();

    let http = bakery_test_support::client();
    let load: Vec<_> = (0..3)
        .map(|_| {
            let (http, url) = (http.clone(), url.clone());
            tokio::spawn(async move {
                for _ in 0..20 {
                    place_at(&http, &url, &seed_order()).await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        })
        .collect();
    // Orders flow through a consumer that took the first prefetch.
    wait_until(Duration::from_secs(10), "the consumer", || async {
        logged().contains(r#""message":"consuming orders""#) && logged().contains(r#""prefetch":4"#)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    std::fs::write(&config, settings_file(16)).unwrap();
    let pid = bakery.id().unwrap().to_string();
    let hup = Command::new("kill").args(["-HUP", &pid]).status().await;
    assert!(hup.unwrap().success());
    wait_until(Duration::from_secs(10), "the prefetch changed", || async {
        let text = logged();
        text.contains("prefetch changed") && text.contains(r#""to":16"#)
    })
    .await;
    for customer in load {
        customer.await.unwrap();
    }

    cluster.wait_until_settled(Duration::from_secs(20)).await;
    assert_eq!(cluster.scalar("SELECT COUNT(*) FROM orders").await, 60);
    let ready = "SELECT COUNT(*) FROM order_events WHERE status = 'ready'";
    assert_eq!(cluster.scalar(ready).await, 60, "one ready event each");
    let twice = "SELECT COUNT(*) FROM (SELECT order_id, status FROM order_events \
                 GROUP BY order_id, status HAVING COUNT(*) > 1) AS repeated";
    assert_eq!(cluster.scalar(twice).await, 0, "a step repeated");
    assert_eq!(cluster.queue_depth("orders").await, 0);
    assert!(logged().contains("setting changed live"));
    bakery.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
