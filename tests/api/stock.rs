//! Stock: reserved atomically per order, never negative, conserved under concurrent orders.

use std::time::Duration;

use serde_json::json;

use bakery_test_support::on_both_databases;
use bakery_test_support::{
    Backend, accepted, captured_logs, spawn_app, spawn_app_with, wait_until,
};

async fn an_order_beyond_stock_is_rejected_and_takes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    app.execute("UPDATE products SET stock = 5 WHERE id = 7")
        .await;
    let body = json!({"customer_name": "A", "customer_email": "a@example.com",
                      "items": [{"product_id": 4, "quantity": 3}, {"product_id": 7, "quantity": 6}]});
    let id = app.place(&body).await;
    let order = app
        .wait_for_status(id, &["rejected"], Duration::from_secs(10))
        .await;
    let reason = order.failure_reason.unwrap();
    assert!(
        reason.contains("Lemon Tart") && reason.contains("6 ordered") && reason.contains("5 left"),
        "{reason}"
    );
    // Nothing was taken, not even the croissants of the line that could be served.
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 4").await,
        500
    );
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 7").await,
        5
    );
}
on_both_databases!(an_order_beyond_stock_is_rejected_and_takes_nothing);

async fn stock_is_conserved_under_200_concurrent_orders(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.worker.pool = 4).await;
    app.execute("UPDATE products SET stock = 50 WHERE id = 5")
        .await;
    let order = |q: i64| {
        json!({"customer_name": "Rush", "customer_email": "rush@example.com",
               "items": [{"product_id": 5, "quantity": q}, {"product_id": 6, "quantity": 1}]})
    };
    let posts = (0..200).map(|i| app.post_order_owned(order(1 + (i % 3))));
    let mut ids = Vec::new();
    for res in futures_util::future::join_all(posts).await {
        ids.push(accepted(res).await.order_id);
    }
    let mut served = 0;
    let mut rejected = 0;
    for id in &ids {
        let order = app
            .wait_for_status(*id, &["ready", "rejected"], Duration::from_secs(60))
            .await;
        if order.status == bakery_wire::OrderStatus::Ready {
            served += order.items[0].quantity;
        } else {
            rejected += 1;
        }
    }
    let left = app.scalar("SELECT stock FROM products WHERE id = 5").await;
    assert!(left >= 0);
    assert_eq!(
        served + left,
        50,
        "every piece is either served or on the shelf"
    );
    assert!(rejected > 0, "some orders must have found the shelf empty");
    assert!(
        left < 3,
        "orders kept coming until the shelf was (nearly) empty: {left} left"
    );
    let ready = ids.len() as i64 - rejected;
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 6").await,
        400 - ready
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM order_events WHERE status = 'processing'")
            .await,
        ready,
        "each served order was started exactly once"
    );
}
on_both_databases!(stock_is_conserved_under_200_concurrent_orders);

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn duplicate_deliveries_are_harmless() {
    let app = spawn_app(Backend::Sqlite).await;
    let id = app.place(&bakery_test_support::seed_order()).await;
    app.wait_for_status(id, &["ready"], Duration::from_secs(10))
        .await;
    // Make the relay hand the same message over twice more, each time until the processor has
    // seen it again and logged it ignored.
    let ignored = || {
        let order = format!("\"order_id\":{id}");
        captured_logs()
            .lines()
            .filter(|l| l.contains("duplicate delivery ignored") && l.contains(&order))
            .count()
    };
    for _ in 0..2 {
        let before = ignored();
        app.execute("UPDATE outbox SET published_at = NULL").await;
        wait_until(
            Duration::from_secs(10),
            "the duplicate delivery",
            || async { ignored() > before },
        )
        .await;
    }
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        298
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM order_events").await, 3);
    assert!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL")
            .await
            == 0
    );
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn stock_reservation_never_oversells_with_one_line_orders() {
    let app = spawn_app(Backend::Postgres).await;
    app.execute("UPDATE products SET stock = 10 WHERE id = 9")
        .await;
    let body = json!({"customer_name": "A", "customer_email": "a@example.com", "items": [{"product_id": 9, "quantity": 1}]});
    let posts = (0..40).map(|_| app.post_order_owned(body.clone()));
    let ids: Vec<i64> = futures_util::future::join_all(posts)
        .await
        .into_iter()
        .map(|r| r.status().as_u16() as i64)
        .collect();
    assert!(ids.iter().all(|s| *s == 201));
    app.wait_for_scalar(
        "SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'processing')",
        0,
        Duration::from_secs(30),
        "orders still open",
    )
    .await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE status = 'ready'")
            .await,
        10
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE status = 'rejected'")
            .await,
        30
    );
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 9").await,
        0
    );
}
