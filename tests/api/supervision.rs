//! Supervision: a failing processor is restarted with backoff and the order retried; after
//! `max_attempts` the order is `failed` with the reason. Restarts are logged.

use std::time::Duration;

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, captured_logs, seed_order, spawn_app_with};

async fn a_failing_processor_is_restarted_and_the_order_completes(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.chaos.failing_attempts = 2;
        s.worker.max_attempts = 5;
        s.worker.pool = 1;
    })
    .await;
    let id = app.place(&seed_order()).await;
    let order = app
        .wait_for_status(id, &["ready"], Duration::from_secs(20))
        .await;
    assert_eq!(order.status, bakery_wire::OrderStatus::Ready);
    assert_eq!(
        app.scalar(&format!("SELECT attempts FROM orders WHERE id = {id}"))
            .await,
        3
    );
    let logs = captured_logs();
    let restarts = logs
        .lines()
        .filter(|l| {
            l.contains("actor restarting after failure")
                && l.contains("\"actor\":\"order_processor\"")
        })
        .count();
    assert!(restarts >= 2, "restarts were not logged:\n{logs}");
    assert!(
        logs.lines().any(
            |l| l.contains("order attempt failed") && l.contains(&format!("\"order_id\":{id}"))
        )
    );
}
on_both_databases!(a_failing_processor_is_restarted_and_the_order_completes);

async fn an_order_out_of_attempts_is_failed_with_the_reason(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.chaos.failing_attempts = 100;
        s.worker.max_attempts = 3;
        s.worker.pool = 1;
    })
    .await;
    let id = app.place(&seed_order()).await;
    let order = app
        .wait_for_status(id, &["failed"], Duration::from_secs(20))
        .await;
    let reason = order.failure_reason.unwrap();
    assert!(
        reason.contains("gave up after 3 attempts") && reason.contains("injected fault"),
        "{reason}"
    );
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        300,
        "nothing was taken"
    );
    // The pool keeps working after giving up: the next order is tried (and fails) too.
    let next = app.place(&seed_order()).await;
    app.wait_for_status(next, &["failed"], Duration::from_secs(20))
        .await;
}
on_both_databases!(an_order_out_of_attempts_is_failed_with_the_reason);
