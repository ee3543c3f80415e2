//! Poison messages go to the dead-letter queue at once; `bakery dlq list` shows them and
//! `bakery dlq replay` brings a failed order back to life.

use std::time::Duration;

use bakery::startup::Role;
use serde_json::Value;

use crate::cluster::{Cluster, wait_for_status};
use bakery_test_support::seed_order;

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn poison_messages_are_dead_lettered_at_once() {
    let cluster = Cluster::new().await;
    let url = cluster.start(Role::All, |_| {}).await.unwrap();
    let api = cluster.client(&url);
    // A health check connects the broker link, which declares the queues.
    assert_eq!(
        api.get_json("/health").await.1["services"]["rabbitmq"],
        "healthy"
    );
    cluster.publish_raw(b"this is not json").await;
    cluster.publish_raw(br#"{"order_id": "seven"}"#).await;
    cluster
        .publish_raw(br#"{"order_id": 987654, "customer_name": "Nobody", "customer_email": "n@example.com", "items": []}"#)
        .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while cluster.queue_depth("orders.dlq").await < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "poison never reached the dead-letter queue"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(cluster.queue_depth("orders").await, 0, "nothing loops back");
    // The worker keeps working.
    let id = api
        .place(&seed_order())
        .await
        .json::<Value>()
        .await
        .unwrap()["order_id"]
        .as_i64()
        .unwrap();
    wait_for_status(&api, id, &["ready"], Duration::from_secs(10)).await;
    let listing = cluster.run_binary(&["dlq", "list"]).await;
    assert!(listing.starts_with("3 message(s)"), "{listing}");
    assert!(
        listing.contains("order 987654") && listing.contains("rejected"),
        "{listing}"
    );
    assert_eq!(
        cluster.queue_depth("orders.dlq").await,
        3,
        "listing leaves them in place"
    );
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_failed_order_is_replayed_from_the_dead_letter_queue() {
    let cluster = Cluster::new().await;
    let url = cluster.start(Role::Serve, |_| {}).await.unwrap();
    let api = cluster.client(&url);
    // A worker that fails every attempt gives the order up after two.
    let (mut broken, _) = cluster
        .spawn_binary(
            "worker",
            &[
                ("BAKERY_CHAOS_FAILING_ATTEMPTS", "100"),
                ("BAKERY_MAX_ATTEMPTS", "2"),
            ],
        )
        .await;
    let id = api
        .place(&seed_order())
        .await
        .json::<Value>()
        .await
        .unwrap()["order_id"]
        .as_i64()
        .unwrap();
    let order = wait_for_status(&api, id, &["failed"], Duration::from_secs(15)).await;
    assert!(
        order["failure_reason"]
            .as_str()
            .unwrap()
            .contains("gave up after 2 attempts")
    );
    broken.kill().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while cluster.queue_depth("orders.dlq").await < 1 {
        assert!(std::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let listing = cluster.run_binary(&["dlq", "list"]).await;
    assert!(listing.contains(&format!("order {id}")), "{listing}");
    // A healthy worker, then the replay.
    cluster.start(Role::Worker, |_| {}).await;
    let out = cluster
        .run_binary(&["dlq", "replay", &id.to_string()])
        .await;
    assert!(out.contains(&format!("[{id}]")), "{out}");
    let order = wait_for_status(&api, id, &["ready"], Duration::from_secs(15)).await;
    assert_eq!(order["failure_reason"], Value::Null);
    assert_eq!(cluster.queue_depth("orders.dlq").await, 0);
    let history: Vec<&str> = order["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        ["pending", "failed", "pending", "processing", "ready"]
    );
}
