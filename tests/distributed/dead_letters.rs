//! Poison messages go to the dead-letter queue at once; `bakery dlq list` shows them and
//! `bakery dlq replay` brings a failed order back to life.

use std::time::Duration;

use crate::cluster::{Cluster, wait_for_status};
use bakery::startup::Role;
use bakery_test_support::{accepted, seed_order, wait_until};

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
    wait_until(
        Duration::from_secs(10),
        "poison in the dead-letter queue",
        || async { cluster.queue_depth("orders.dlq").await >= 3 },
    )
    .await;
    assert_eq!(cluster.queue_depth("orders").await, 0, "nothing loops back");
    // The worker keeps working.
    let id = accepted(api.place(&seed_order()).await).await.order_id;
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
    let id = accepted(api.place(&seed_order()).await).await.order_id;
    let order = wait_for_status(&api, id, &["failed"], Duration::from_secs(15)).await;
    let reason = order.failure_reason.unwrap_or_default();
    assert!(reason.contains("gave up after 2 attempts"), "{reason}");
    broken.kill().await.unwrap();
    wait_until(
        Duration::from_secs(10),
        "the order in the dead-letter queue",
        || async { cluster.queue_depth("orders.dlq").await >= 1 },
    )
    .await;
    let listing = cluster.run_binary(&["dlq", "list"]).await;
    assert!(listing.contains(&format!("order {id}")), "{listing}");
    // A healthy worker, then the replay.
    cluster.start(Role::Worker, |_| {}).await;
    let out = cluster
        .run_binary(&["dlq", "replay", &id.to_string()])
        .await;
    assert!(out.contains(&format!("[{id}]")), "{out}");
    let order = wait_for_status(&api, id, &["ready"], Duration::from_secs(15)).await;
    assert_eq!(order.failure_reason, None);
    assert_eq!(cluster.queue_depth("orders.dlq").await, 0);
    let history: Vec<&str> = order.history.iter().map(|h| h.status.as_str()).collect();
    assert_eq!(
        history,
        ["pending", "failed", "pending", "processing", "ready"]
    );
}
