//! A worker killed with orders in its oven: once its lease runs out, a worker that was running
//! all along takes them over and bakes them to `ready`, each once.

use std::time::Duration;

use bakery::startup::Role;

use crate::cluster::Cluster;
use bakery_test_support::{seed_order, wait_until};

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn orders_of_a_killed_worker_reach_ready_through_another() {
    let cluster = Cluster::new().await;
    let url = cluster.start(Role::Serve, |_| {}).await.unwrap();
    let api = cluster.client(&url);
    let lease = [
        ("BAKERY_WORKER_LEASE_TIME", "2s"),
        ("BAKERY_WORKER_LEASE_SWEEP", "300ms"),
    ];
    let mut doomed_env = lease.to_vec();
    doomed_env.push(("BAKERY_PREP_TIME", "6s"));
    let (mut doomed, _) = cluster.spawn_binary("worker", &doomed_env).await;
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(
            bakery_test_support::accepted(api.place(&seed_order()).await)
                .await
                .order_id,
        );
    }
    wait_until(
        Duration::from_secs(30),
        "every order in the doomed oven",
        || async {
            cluster
                .scalar("SELECT COUNT(*) FROM orders WHERE status = 'processing'")
                .await
                == 10
        },
    )
    .await;
    // The survivor runs before the kill: it can only get the orders by taking them over.
    let (mut survivor, _) = cluster.spawn_binary("worker", &lease).await;
    wait_until(Duration::from_secs(30), "the survivor's lease", || async {
        cluster.scalar("SELECT COUNT(*) FROM oven_leases").await == 2
    })
    .await;
    doomed.kill().await.unwrap(); // SIGKILL: no goodbye, the lease just runs out
    doomed.wait().await.unwrap();
    cluster.wait_until_settled(Duration::from_secs(60)).await;
    assert_eq!(
        cluster
            .scalar("SELECT COUNT(*) FROM orders WHERE status = 'ready'")
            .await,
        10
    );
    assert_eq!(
        cluster
            .scalar("SELECT COUNT(*) FROM order_events WHERE status = 'ready'")
            .await,
        10,
        "each baked once"
    );
    assert_eq!(
        cluster.scalar("SELECT COUNT(*) FROM oven_leases").await,
        1,
        "the dead worker's lease is gone"
    );
    assert_eq!(
        cluster
            .scalar(
                "SELECT COUNT(*) FROM orders WHERE lease_owner = (SELECT owner FROM oven_leases)"
            )
            .await,
        10,
        "the survivor took them all"
    );
    survivor.kill().await.unwrap();
}
