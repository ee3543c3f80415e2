//! Placing and reading orders: the seed's sample order end to end, shapes, verbatim text, live events.

use std::time::Duration;

use bakery_wire::{OrderLine, OrderStatus, StatusChange};
use futures_util::StreamExt;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, accepted, seed_order, spawn_app, spawn_app_with, wait_until};

async fn the_seed_sample_order_goes_to_ready(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.worker.prep_time = Duration::from_millis(300)).await;
    let accepted = accepted(app.post_order(&seed_order()).await).await;
    assert_eq!(accepted.status, OrderStatus::Pending);
    assert_eq!(accepted.queue_status, "sent to processing queue");
    assert_eq!(accepted.total, 59.98);
    let id = accepted.order_id;
    assert!(id > 0);

    app.wait_for_status(id, &["ready"], Duration::from_secs(10))
        .await;
    let (_, order) = app
        .get::<bakery_wire::OrderView>(&format!("/api/orders/{id}?t={}", accepted.tracking_token))
        .await;
    let order = order.unwrap();
    assert_eq!(order.order_id, id);
    assert_eq!(order.customer_name, "Vedanti Verma");
    let created = &order.created_at;
    assert_eq!(created.len(), 19, "{created}");
    assert!(
        chrono::NaiveDateTime::parse_from_str(created, "%Y-%m-%d %H:%M:%S").is_ok(),
        "{created}"
    );
    // The sample cake's options are left out of the seed's order: it gets their defaults.
    let defaults = order.items[0].options.clone();
    assert_eq!(defaults.len(), 2, "{defaults:?}");
    assert_eq!(
        order.items,
        [OrderLine::of(1, "Chocolate Cake".into(), 2, 2999).with_choices(defaults, None)]
    );
    assert_eq!(order.total, 59.98);
    let history: Vec<OrderStatus> = order.history.iter().map(|h| h.status).collect();
    assert_eq!(
        history,
        [
            OrderStatus::Pending,
            OrderStatus::Processing,
            OrderStatus::Ready
        ]
    );
    // Stock was taken exactly once.
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        298
    );
    // The outbox row carries the seed's queue message.
    let conn = app.db.connect().await;
    use sea_orm::{ConnectionTrait, Statement};
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT payload FROM outbox".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    let payload: String = row.try_get_by_index(0).unwrap();
    let message: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(
        message,
        json!({"order_id": id, "customer_name": "Vedanti Verma", "customer_email": "vedanti@example.com",
               "items": [{"product_id": 1, "quantity": 2, "price": 29.99}]})
    );
}
on_both_databases!(the_seed_sample_order_goes_to_ready);

async fn text_is_stored_and_returned_verbatim(backend: Backend) {
    let app = spawn_app(backend).await;
    let names = [
        "O'Brien \"the baker\"",
        "Robert'); DROP TABLE orders;--",
        "<script>alert('x')</script>",
        "Zoë 🍰 Müller-Łukasz 山田",
        "  leading and trailing spaces  ",
    ];
    for name in names {
        let body = json!({"customer_name": name, "customer_email": "a@example.com",
                          "items": [{"product_id": 4, "quantity": 1}]});
        let placed = accepted(app.post_order(&body).await).await;
        let path = format!("/api/orders/{}", placed.order_id);
        let owner = app
            .client
            .get(app.url(&path))
            .header("X-Order-Token", &placed.tracking_token);
        let order: bakery_wire::OrderView = owner.send().await.unwrap().json().await.unwrap();
        assert_eq!(order.customer_name, name);
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders").await,
        names.len() as i64
    );
}
on_both_databases!(text_is_stored_and_returned_verbatim);

async fn many_concurrent_orders_share_transactions(backend: Backend) {
    let app = spawn_app(backend).await;
    let posts = (0..100).map(|_| app.post_order_owned(seed_order()));
    let responses = futures_util::future::join_all(posts).await;
    let mut ids = Vec::new();
    for res in responses {
        ids.push(accepted(res).await.order_id);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 100, "each caller gets its own order");
    let stats = &app.store_stats;
    let batches = stats.batches.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(stats.orders.load(std::sync::atomic::Ordering::Relaxed), 100);
    assert!(
        batches < 100,
        "100 concurrent orders took {batches} transactions"
    );
}
on_both_databases!(many_concurrent_orders_share_transactions);

async fn order_events_stream_every_status_in_order(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.worker.prep_time = Duration::from_millis(500)).await;
    // Hold the processors back a moment so the stream starts at `pending`.
    let id = app.place(&seed_order()).await;
    let res = app
        .client
        .get(app.url(&format!("/api/orders/{id}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = res.bytes_stream();
    let mut text = String::new();
    let mut seen: Vec<OrderStatus> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(&OrderStatus::Ready) {
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("events in time")
            .unwrap()
            .unwrap();
        text.push_str(std::str::from_utf8(&chunk).unwrap());
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                assert!(frame.starts_with("event: status"), "{frame}");
                let change: StatusChange = serde_json::from_str(data).unwrap();
                seen.push(change.status);
            }
        }
    }
    // The first event is the status at connect time; the rest follow the lifecycle.
    let lifecycle = [
        OrderStatus::Pending,
        OrderStatus::Processing,
        OrderStatus::Ready,
    ];
    let start = lifecycle.iter().position(|s| *s == seen[0]).unwrap();
    assert_eq!(seen, lifecycle[start..].to_vec());
}
on_both_databases!(order_events_stream_every_status_in_order);

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn events_of_an_unknown_order_are_a_json_404() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, body) = app.get_json("/api/orders/12345/events").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "order_not_found");
}

/// The order pages the process keeps are the pages the database gives: read in a batch (as the
/// refresher does), one by one, and over HTTP once the refresher has kept them.
async fn kept_pages_are_the_pages_the_database_gives(backend: Backend) {
    let app = spawn_app(backend).await;
    app.execute("UPDATE products SET stock = 0 WHERE id = 3")
        .await;
    let bodies = [
        json!({"customer_name": "Zoë 🍰 Müller", "customer_email": "z@example.com",
               "items": [{"product_id": 1, "quantity": 2}, {"product_id": 2, "quantity": 1}]}),
        json!({"customer_name": "Ana", "customer_email": "a@example.com",
               "items": [{"product_id": 4, "quantity": 1}], "fulfillment": "delivery",
               "delivery_address": "1 Rue du Pain\n75001 Paris"}),
        json!({"customer_name": "Rejected", "customer_email": "r@example.com",
               "items": [{"product_id": 3, "quantity": 1}]}),
    ];
    let mut ids = Vec::new();
    let mut tokens = Vec::new();
    for body in &bodies {
        let placed = accepted(app.post_order(body).await).await;
        ids.push(placed.order_id);
        tokens.push(placed.tracking_token);
    }
    let within = Duration::from_secs(20);
    app.wait_for_status(ids[0], &["ready"], within).await;
    app.wait_for_status(ids[1], &["ready"], within).await;
    app.wait_for_status(ids[2], &["rejected"], within).await;
    let db = app.db.connect().await;
    let mut asked = ids.clone();
    asked.push(424_242);
    let batch = bakery::store::reads::order_views(&db, &asked)
        .await
        .unwrap();
    assert_eq!(batch.len(), 3, "an unknown id is left out");
    for (id, token) in ids.iter().zip(&tokens) {
        let one = bakery::store::reads::order_view(&db, *id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(batch[id], one);
        // The kept page catches up once the refresher has read the changed page back.
        let path = format!("/api/orders/{id}?t={token}");
        // The API adds the slot's end (`pickup_until`) to the stored page.
        wait_until(Duration::from_secs(5), "the kept page", || async {
            let served = app.get::<bakery_wire::OrderView>(&path).await.1;
            served.is_some_and(|mut served| {
                let until = served.pickup_until.take();
                until.is_some() == served.pickup_at.is_some() && served == one
            })
        })
        .await;
    }
    assert_eq!(
        batch[&ids[1]].delivery_address.as_deref(),
        Some("1 Rue du Pain\n75001 Paris")
    );
    assert!(batch[&ids[2]].failure_reason.is_some());
    assert_eq!(batch[&ids[0]].history.len(), 3);
}
on_both_databases!(kept_pages_are_the_pages_the_database_gives);

/// The page an API process keeps for an order it has just placed, built from the request, is
/// the page the database gives for it.
async fn a_placed_orders_kept_page_is_the_page_the_database_gives(backend: Backend) {
    use bakery::store::draft::{DraftLine, OrderDraft, PlaceOutcome};
    use bakery::store::intake::place_orders;
    use bakery::store::reads::{order_view, placed_view};
    let app = spawn_app(backend).await;
    let db = app.db.connect().await;
    let line = |product_id, product_name: &str, quantity, unit_price_cents| DraftLine {
        product_id,
        product_name: product_name.to_owned(),
        quantity,
        unit_price_cents,
        options: Vec::new(),
        inscription: None,
    };
    let draft = OrderDraft {
        customer_name: "Zoë 🍰 Müller".to_owned(),
        customer_email: "z@example.com".to_owned(),
        lines: vec![
            line(1, "Chocolate Cake", 2, 2999),
            line(4, "Croissant", 3, 350),
        ],
        idempotency_key: Some("kept-page".to_owned()),
        request_hash: "hash".to_owned(),
        fulfillment: bakery_wire::Fulfillment::Delivery,
        delivery_address: Some("1 Rue du Pain\n75001 Paris".to_owned()),
        tracking_token_hash: Some("ab".repeat(32)),
    };
    // Another topic: the app's relay leaves this order alone, so it stays as placed.
    let outcome = place_orders(&db, std::slice::from_ref(&draft), "elsewhere.orders")
        .await
        .pop()
        .unwrap()
        .unwrap();
    let PlaceOutcome::Placed(placed) = outcome else {
        panic!("not placed: {outcome:?}");
    };
    let stored = order_view(&db, placed.order_id).await.unwrap().unwrap();
    assert_eq!(placed_view(&draft, &placed), stored);
    // Its tracking token's hash was written with it.
    let hash = "ab".repeat(32);
    assert!(
        bakery::store::tracking::token_matches(&db, placed.order_id, &hash)
            .await
            .unwrap()
    );
}
on_both_databases!(a_placed_orders_kept_page_is_the_page_the_database_gives);
