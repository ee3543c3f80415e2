//! Orders in the oven of a worker that is gone: a worker whose lease ran out loses its
//! `processing` orders to a live one, which bakes them to `ready`; a live worker keeps its own.

use std::time::Duration;

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, seed_order, spawn_app_with, wait_until};

/// Puts order `id` back in the oven of worker `owner`, baked already, as if `owner` had started it.
async fn bake_in_oven_of(app: &TestApp, id: i64, owner: &str) {
    app.execute(&format!(
        "UPDATE orders SET status = 'processing', lease_owner = '{owner}', \
         ready_at = '2000-01-01 00:00:00+00:00' WHERE id = {id}"
    ))
    .await;
}

/// Registers worker `owner` with its lease running until `until`.
async fn worker_leased_until(app: &TestApp, owner: &str, until: &str) {
    app.execute(&format!(
        "INSERT INTO oven_leases (owner, lease_until, started_at) \
         VALUES ('{owner}', '{until}', '2000-01-01 00:00:00+00:00')"
    ))
    .await;
}

async fn orders_of_a_gone_worker_are_baked_by_another(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.worker.lease_time = Duration::from_millis(400);
        s.worker.lease_sweep = Duration::from_millis(100);
    })
    .await;
    // Two orders through the ordinary flow, then put back in the ovens of two other workers.
    let orphaned = app.place(&seed_order()).await;
    let kept = app.place(&seed_order()).await;
    for id in [orphaned, kept] {
        app.wait_for_status(id, &["ready"], Duration::from_secs(20))
            .await;
    }
    // The orders first: a worker's row exists before its orders name it, as in a real start.
    bake_in_oven_of(&app, orphaned, "gone-worker").await;
    bake_in_oven_of(&app, kept, "live-worker").await;
    worker_leased_until(&app, "live-worker", "2999-01-01 00:00:00+00:00").await;
    worker_leased_until(&app, "gone-worker", "2000-01-01 00:00:00+00:00").await;

    let ready_again = format!(
        "SELECT COUNT(*) FROM order_events WHERE order_id = {orphaned} AND status = 'ready'"
    );
    app.wait_for_scalar(
        &ready_again,
        2,
        Duration::from_secs(20),
        "baked again by this worker",
    )
    .await;
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE id = {orphaned} AND status = 'ready'"
        ))
        .await,
        1
    );
    let own = "SELECT COUNT(*) FROM oven_leases WHERE owner NOT IN ('gone-worker', 'live-worker')";
    assert_eq!(app.scalar(own).await, 1, "this app's own worker");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM oven_leases WHERE owner = 'gone-worker'")
            .await,
        0,
        "the gone worker's lease is deleted by the one that took its orders"
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE id = {orphaned} AND lease_owner = \
             (SELECT owner FROM oven_leases WHERE owner NOT IN ('gone-worker', 'live-worker'))"
        ))
        .await,
        1,
        "the order names its new worker"
    );
    // A few more sweeps: the live worker's order stays in its oven.
    let last = std::cell::Cell::new(own_lease_until(&app).await);
    for _ in 0..3 {
        let before = last.get();
        wait_until(
            Duration::from_secs(10),
            "another renewal of the lease",
            || async {
                last.set(own_lease_until(&app).await);
                last.get() > before
            },
        )
        .await;
    }
    // (Read from the database: the app's order pages did not see the change made behind its back.)
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM orders WHERE id = {kept} AND status = 'processing' \
             AND lease_owner = 'live-worker'"
        ))
        .await,
        1
    );
}
on_both_databases!(orders_of_a_gone_worker_are_baked_by_another);

/// When this app's own worker's lease runs out, as last renewed.
async fn own_lease_until(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = app.db.connect().await;
    let own = entity::oven_lease::Entity::find()
        .filter(entity::oven_lease::Column::Owner.is_not_in(["gone-worker", "live-worker"]))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    db.close().await.unwrap();
    own.lease_until
}
