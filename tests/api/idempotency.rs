//! `Idempotency-Key`: a retry gets the first answer and the same order; another body gets 422.

use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, seed_order, spawn_app};

/// An answer to `POST /api/orders` without its tracking token and URL: a replay answers a new
/// token (only hashes are stored), everything else is the first answer's.
fn untracked(mut answer: Value) -> Value {
    if let Some(fields) = answer.as_object_mut() {
        fields.remove("tracking_token");
        fields.remove("tracking_url");
    }
    answer
}

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
    assert_eq!(untracked(first.clone()), untracked(second.clone()));
    // Both tokens show the order.
    for answer in [&first, &second] {
        let token = answer["tracking_token"].as_str().unwrap();
        let (_, order) = app
            .get_json(&format!("/api/orders/{}?t={token}", first["order_id"]))
            .await;
        assert_eq!(order["customer_name"], "Vedanti Verma");
    }
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
        ids.push(bakery_test_support::accepted(res).await.order_id);
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

/// Orders sent together share a batch: earlier keys (a retry and a reused key), a new key sent
/// twice and orders without a key each get their own answer, and every new order is its own.
async fn a_mixed_batch_answers_each_order(backend: Backend) {
    let app = spawn_app(backend).await;
    let named = |name: &str| {
        let mut body = seed_order();
        body["customer_name"] = json!(name);
        body
    };
    let send = |body: Value, key: Option<&str>| {
        let mut request = app.client.post(app.url("/api/orders")).json(&body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send()
    };
    let first: Value = send(named("Kept"), Some("kept"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        send(named("Taken"), Some("taken"))
            .await
            .unwrap()
            .status()
            .as_u16(),
        201
    );
    let sends = vec![
        send(named("Anon 1"), None),
        send(named("Kept"), Some("kept")),
        send(named("Not Taken"), Some("taken")),
        send(named("Fresh"), Some("fresh")),
        send(named("Anon 2"), None),
        send(named("Fresh"), Some("fresh")),
        send(named("Anon 3"), None),
    ];
    let mut answers = Vec::new();
    for res in futures_util::future::join_all(sends).await {
        let res = res.unwrap();
        answers.push((res.status().as_u16(), res.json::<Value>().await.unwrap()));
    }
    let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
    assert_eq!(statuses, [201, 201, 422, 201, 201, 201, 201], "{answers:?}");
    assert_eq!(
        untracked(answers[1].1.clone()),
        untracked(first),
        "the retry gets the first answer"
    );
    assert_eq!(answers[2].1["code"], "idempotency_key_reused");
    assert_eq!(answers[3].1["order_id"], answers[5].1["order_id"]);
    // Each new order is the one its request described.
    for (n, name) in [(0, "Anon 1"), (3, "Fresh"), (4, "Anon 2"), (6, "Anon 3")] {
        let id = answers[n].1["order_id"].as_i64().unwrap();
        let token = answers[n].1["tracking_token"].as_str().unwrap();
        let (status, order) = app.get_json(&format!("/api/orders/{id}?t={token}")).await;
        assert_eq!(status, 200);
        assert_eq!(order["customer_name"], name, "order {id}");
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 6);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM order_items").await, 6);
    assert!(app.scalar("SELECT COUNT(*) FROM order_events").await >= 6);
}
on_both_databases!(a_mixed_batch_answers_each_order);
