//! `/metrics` on the operations listener: the order gauges follow each order placed and moved at
//! once, without waiting for the periodic recount, and agree with the database.

use std::time::Duration;

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, seed_order, spawn_app_with, wait_until};
use bakery_wire::OrderStatus;
use serde_json::json;

/// The value of the series `name` (with its labels) in `text`, if it is there.
fn series(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .map(|n| n.parse().unwrap())
}

async fn scrape(app: &TestApp) -> String {
    let url = format!("{}/metrics", app.metrics_address.as_ref().unwrap());
    let res = app.client.get(url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res.text().await.unwrap()
}

/// Every status's gauge equals the database's count of it.
async fn gauges_match_the_database(app: &TestApp, text: &str) {
    for status in OrderStatus::ALL {
        let name = status.as_str();
        let in_db = app
            .scalar(&format!(
                "SELECT COUNT(*) FROM orders WHERE status = '{name}'"
            ))
            .await;
        let shown = series(text, &format!("bakery_orders{{status=\"{name}\"}}"));
        assert_eq!(shown, Some(in_db as f64), "{name} in:\n{text}");
    }
}

fn moves(text: &str, from: &str, to: &str) -> f64 {
    let name = format!("bakery_order_moves_total{{from=\"{from}\",to=\"{to}\"}}");
    series(text, &name).unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

async fn order_gauges_follow_each_move_without_a_recount(backend: Backend) {
    // The recount would come in an hour: every figure below is followed move by move. A long
    // bake keeps the orders `processing` until the staff cancel one.
    let app = spawn_app_with(backend, |s| {
        s.metrics_bind = Some("127.0.0.1:0".into());
        s.metrics_count_every = Duration::from_secs(3600);
        s.worker.prep_time = Duration::from_secs(3600);
    })
    .await;
    let text = scrape(&app).await;
    gauges_match_the_database(&app, &text).await;
    assert_eq!(moves(&text, "new", "pending"), 0.0);

    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(app.place(&seed_order()).await);
    }
    // Placed: counted as the batch commits, before any processor looks at them.
    let text = scrape(&app).await;
    assert_eq!(moves(&text, "new", "pending"), 3.0, "{text}");
    let open = series(&text, r#"bakery_orders{status="pending"}"#).unwrap()
        + series(&text, r#"bakery_orders{status="processing"}"#).unwrap();
    assert_eq!(open, 3.0, "{text}");
    for id in &ids {
        app.wait_for_status(*id, &["processing"], Duration::from_secs(10))
            .await;
    }
    let text = scrape(&app).await;
    gauges_match_the_database(&app, &text).await;
    assert_eq!(moves(&text, "pending", "processing"), 3.0, "{text}");

    let (cookie, csrf) = crate::client_limits::admin_session(&app).await;
    let res = app
        .client
        .post(app.url(&format!("/api/admin/orders/{}/cancel", ids[0])))
        .header("cookie", cookie)
        .header("X-CSRF-Token", csrf)
        .json(&json!({"reason": "oven broke"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let text = scrape(&app).await;
    gauges_match_the_database(&app, &text).await;
    assert_eq!(
        series(&text, r#"bakery_orders{status="processing"}"#),
        Some(2.0)
    );
    assert_eq!(
        series(&text, r#"bakery_orders{status="cancelled"}"#),
        Some(1.0)
    );
    assert_eq!(moves(&text, "processing", "cancelled"), 1.0, "{text}");

    // The outbox rows the orders wrote are published (the relay marks them), and the gauge
    // follows that too.
    let unpublished = "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL";
    app.wait_for_scalar(unpublished, 0, Duration::from_secs(10), "outbox drained")
        .await;
    wait_until(Duration::from_secs(5), "the backlog gauge at 0", || async {
        series(&scrape(&app).await, "bakery_outbox_backlog") == Some(0.0)
    })
    .await;
}
on_both_databases!(order_gauges_follow_each_move_without_a_recount);
