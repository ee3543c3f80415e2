//! What ops see of a running app: `/metrics` in Prometheus text, and a request id on every response and every log line of its request.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::time::Duration;

use bakery_test_support::{
    Backend, captured_logs, seed_order, spawn_app, spawn_app_with, wait_until,
};
use serde_json::Value;

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn metrics_count_requests_by_route_pattern_and_orders_by_status() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.metrics_bind = Some("127.0.0.1:0".into());
        s.metrics_count_every = Duration::from_millis(100);
    })
    .await;
    let metrics_url = format!("{}/metrics", app.metrics_address.clone().unwrap());
    let order_id = app.place(&seed_order()).await;
    app.wait_for_status(order_id, &["ready"], Duration::from_secs(10))
        .await;
    app.get_json("/api/orders/424242").await;
    app.get_json("/no/such/page").await;

    // Not on the public listener: only on the operations one.
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status().as_u16(), 404);
    // The gauge follows each move here (the embedded shape): wait until it shows the order.
    wait_until(
        Duration::from_secs(10),
        "a count with the ready order",
        || {
            let (client, url) = (app.client.clone(), metrics_url.clone());
            async move {
                let text = client.get(&url).send().await.unwrap().text().await.unwrap();
                text.lines().any(|l| {
                    l.strip_prefix(r#"bakery_orders{status="ready"} "#)
                        .is_some_and(|n| n.parse::<f64>().unwrap() >= 1.0)
                })
            }
        },
    )
    .await;
    let res = app.client.get(&metrics_url).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = res.text().await.unwrap();
    for expected in [
        "# TYPE bakery_http_requests_total counter",
        r#"bakery_http_requests_total{route="/api/orders",method="POST",status="201"}"#,
        r#"bakery_http_requests_total{route="/api/orders/{id}",method="GET",status="404"}"#,
        r#"bakery_http_requests_total{route="unmatched",method="GET",status="404"}"#,
        r#"bakery_http_request_duration_seconds_bucket{route="/api/orders/{id}",method="GET",le="+Inf"}"#,
        "# TYPE bakery_orders gauge",
        r#"bakery_orders{status="failed"} 0"#,
        "bakery_outbox_backlog ",
        // Set as the processors take work: nothing is waiting once the order is ready.
        "bakery_queue_depth 0",
        "bakery_build_info{version=",
    ] {
        assert!(text.contains(expected), "missing {expected} in:\n{text}");
    }
    // The raw path of the unknown order never becomes a label.
    assert!(!text.contains("424242"), "{text}");
    let ready: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix(r#"bakery_orders{status="ready"} "#))
        .expect("a ready gauge")
        .parse()
        .unwrap();
    assert!(ready >= 1.0, "{text}");
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_sane_request_id_is_kept_and_on_every_log_line_of_its_request() {
    let app = spawn_app(Backend::Sqlite).await;
    let id = format!("it-{}", bakery_test_support::unique_name("rid"));
    let res = app
        .client
        .post(app.url("/api/orders"))
        .header("x-request-id", &id)
        .json(&seed_order())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(res.headers()["x-request-id"].to_str().unwrap(), id);

    let lines: Vec<Value> = captured_logs()
        .lines()
        .filter(|l| l.contains(&id))
        .map(|l| serde_json::from_str(l).expect("log lines are JSON"))
        .collect();
    let messages: Vec<&str> = lines
        .iter()
        .map(|l| l["message"].as_str().unwrap_or(""))
        .collect();
    assert!(messages.contains(&"order placed"), "{lines:?}");
    assert!(messages.contains(&"request served"), "{lines:?}");
    for line in &lines {
        for field in ["timestamp", "level", "target", "message"] {
            assert!(line.get(field).is_some(), "{field} missing: {line}");
        }
        assert_eq!(line["span"]["request_id"], id.as_str(), "{line}");
        assert_eq!(line["span"]["route"], "/api/orders", "{line}");
    }
    let served = lines
        .iter()
        .find(|l| l["message"] == "request served")
        .unwrap();
    assert_eq!(served["status"], 201);
    assert!(served["elapsed_ms"].is_number(), "{served}");
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_missing_or_unsafe_request_id_is_replaced_by_a_new_one() {
    let app = spawn_app(Backend::Sqlite).await;
    let plain = app
        .client
        .get(app.url("/api/products"))
        .send()
        .await
        .unwrap();
    let first = plain.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(first.len(), 36, "a UUID: {first}");

    let unsafe_id = "evil\" injected=1";
    let res = app
        .client
        .get(app.url("/api/products"))
        .header("x-request-id", unsafe_id)
        .send()
        .await
        .unwrap();
    let given = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(given, unsafe_id);
    assert_ne!(given, first);
    assert_eq!(given.len(), 36, "a UUID: {given}");
    // Errors carry it too.
    let res = app.client.get(app.url("/nowhere")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 404);
    assert!(res.headers().contains_key("x-request-id"));
}
