//! `Idempotency-Key`: a retry gets the first answer and the same order; another body gets 422.

use serde_json::{Value, json};

use crate::helpers::{Backend, seed_order, spawn_app};
use crate::on_both_databases;

async fn a_retry_returns_the_first_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    let send = |body: Value| {
        app.client
            .post(app.url("/api/orders"))
            .header("Idempotency-Key", "checkout-42")
            .json(&body)
            .send()
    };
    let first = send(seed_order()).await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let first: Value = first.json().await.unwrap();
    // Same body, keys in another order and other spacing: the same request.
    let reordered = json!({"items": [{"price": 29.99, "quantity": 2, "product_id": 1}],
                           "customer_email": "vedanti@example.com", "customer_name": "Vedanti Verma"});
    let second = send(reordered).await.unwrap();
    assert_eq!(second.status().as_u16(), 201);
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second: Value = second.json().await.unwrap();
    assert_eq!(first, second);
    // Same key, another body.
    let mut other = seed_order();
    other["items"][0]["quantity"] = json!(3);
    let third = send(other).await.unwrap();
    assert_eq!(third.status().as_u16(), 422);
    let error: Value = third.json().await.unwrap();
    assert_eq!(error["code"], "idempotency_key_reused");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);
}
on_both_databases!(a_retry_returns_the_first_answer);

async fn racing_retries_make_one_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let sends = (0..20).map(|_| {
        app.client
            .post(app.url("/api/orders"))
            .header("Idempotency-Key", "double-click")
            .json(&seed_order())
            .send()
    });
    let mut ids = Vec::new();
    for res in futures_util::future::join_all(sends).await {
        let res = res.unwrap();
        assert_eq!(res.status().as_u16(), 201);
        ids.push(
            res.json::<Value>().await.unwrap()["order_id"]
                .as_i64()
                .unwrap(),
        );
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);
    app.wait_for_status(ids[0], &["ready"], std::time::Duration::from_secs(10))
        .await;
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        298
    );
}
on_both_databases!(racing_retries_make_one_order);
