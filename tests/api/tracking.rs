//! Tracking tokens: without its token an order shows the counter's name and no e-mail or address
//! (body and stream), with it everything; cancel needs the token or staff; a look-up by number and
//! e-mail hands out a token and tells nothing when either is wrong; `order_lookup = "open"`.

use std::time::Duration;

use bakery_wire::{OrderAccepted, OrderView};
use futures_util::StreamExt;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, accepted, spawn_app_with};

const ADDRESS: &str = "12 Rue du Four\n75006 Paris";

/// Order `n` of the test: every third for delivery, each customer their own name and e-mail.
fn order_body(n: usize) -> Value {
    let mut body = json!({
        "customer_name": format!("Vedanti{n} Verma{n}"),
        "customer_email": format!("vedanti{n}@example.com"),
        "items": [{"product_id": 4, "quantity": 1}]
    });
    if n.is_multiple_of(3) {
        body["fulfillment"] = json!("delivery");
        body["delivery_address"] = json!(format!("{n} {ADDRESS}"));
    }
    body
}

/// An order placed through the API: what the POST answered.
async fn place(app: &TestApp, n: usize, key: Option<&str>) -> OrderAccepted {
    let mut req = app.client.post(app.url("/api/orders")).json(&order_body(n));
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    accepted(req.send().await.unwrap()).await
}

/// `GET /api/orders/{id}` with extra headers; status and body.
async fn read(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = app.client.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

/// The first event of the order's stream, as text.
async fn first_event(app: &TestApp, id: i64) -> String {
    let res = app
        .client
        .get(app.url(&format!("/api/orders/{id}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let mut stream = res.bytes_stream();
    let mut text = String::new();
    while !text.contains("\n\n") {
        let chunk = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("an event in time")
            .expect("the stream stays open")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    text
}

/// A bearer token of an admin.
async fn admin_token(app: &TestApp) -> String {
    app.admin_bearer("ops").await
}

async fn strangers_see_the_counter_view_and_owners_everything(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let mut placed = Vec::new();
    for n in 0..12 {
        placed.push((n, place(&app, n, None).await));
    }
    for (n, order) in &placed {
        assert_eq!(order.tracking_token.len(), 64);
        assert_eq!(
            order.tracking_url,
            format!("/orders/{}?t={}", order.order_id, order.tracking_token)
        );
        assert!(
            placed
                .iter()
                .filter(|(m, _)| m != n)
                .all(|(_, o)| o.tracking_token != order.tracking_token)
        );
    }
    // A thousand look-ups of other people's orders, 32 at a time: each answers, and none tells
    // who or where.
    let lookups = (0..1000).map(|i| {
        let (n, order) = &placed[i % placed.len()];
        let app = &app;
        async move {
            let (status, body) = read(app, &format!("/api/orders/{}", order.order_id), &[]).await;
            (*n, status, body)
        }
    });
    let answers: Vec<_> = futures_util::stream::iter(lookups)
        .buffer_unordered(32)
        .collect()
        .await;
    assert_eq!(answers.len(), 1000);
    for (n, status, body) in answers {
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["customer_name"], format!("Vedanti{n} V."));
        assert_eq!(body["delivery_address"], Value::Null);
        let text = body.to_string();
        for secret in [
            format!("Verma{n}"),
            format!("vedanti{n}@"),
            "Rue du Four".to_owned(),
        ] {
            assert!(!text.contains(&secret), "{secret} in {text}");
        }
        assert_eq!(body["items"][0]["product_name"], "Croissant");
        assert!(body["history"].as_array().is_some_and(|h| !h.is_empty()));
    }
    for (n, order) in placed.iter().take(4) {
        let event = first_event(&app, order.order_id).await;
        assert!(event.starts_with("event: status\ndata: {"), "{event}");
        for secret in [
            format!("Vedanti{n}"),
            format!("vedanti{n}@"),
            "Rue du Four".to_owned(),
        ] {
            assert!(!event.contains(&secret), "{secret} in {event}");
        }
    }

    // The owner's token, as ?t= or as the header, shows everything; another order's does not.
    let (n, delivery) = &placed[3];
    let id = delivery.order_id;
    let token = delivery.tracking_token.as_str();
    let (status, full) = read(&app, &format!("/api/orders/{id}?t={token}"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(full["customer_name"], format!("Vedanti{n} Verma{n}"));
    assert_eq!(full["delivery_address"], format!("{n} {ADDRESS}"));
    let (_, by_header) = read(
        &app,
        &format!("/api/orders/{id}"),
        &[("X-Order-Token", token)],
    )
    .await;
    assert_eq!(by_header, full);
    let other = placed[0].1.tracking_token.as_str();
    for path in [
        format!("/api/orders/{id}?t={other}"),
        format!("/api/orders/{id}?t=nonsense"),
    ] {
        let (status, body) = read(&app, &path, &[]).await;
        assert_eq!(status, 200);
        assert_eq!(body["customer_name"], format!("Vedanti{n} V."), "{path}");
        assert_eq!(body["delivery_address"], Value::Null);
    }

    // Staff see everything: a bearer token, and a session (no CSRF needed to read).
    let bearer = format!("Bearer {}", admin_token(&app).await);
    let (_, as_staff) = read(
        &app,
        &format!("/api/orders/{id}"),
        &[("Authorization", &bearer)],
    )
    .await;
    assert_eq!(as_staff, full);
    let (_, revoked) = read(
        &app,
        &format!("/api/orders/{id}"),
        &[("Authorization", "Bearer wrong")],
    )
    .await;
    assert_eq!(revoked["customer_name"], format!("Vedanti{n} V."));

    // A retry of the POST answers a new token; the first stays valid.
    let first = place(&app, 20, Some("retry-me")).await;
    let again = place(&app, 20, Some("retry-me")).await;
    assert_eq!(again.order_id, first.order_id);
    assert_ne!(again.tracking_token, first.tracking_token);
    for token in [&first.tracking_token, &again.tracking_token] {
        let (_, body) = read(
            &app,
            &format!("/api/orders/{}?t={token}", first.order_id),
            &[],
        )
        .await;
        assert_eq!(body["customer_name"], "Vedanti20 Verma20");
    }
    // Only hashes are stored.
    let stored = app
        .scalar(&format!(
            "SELECT COUNT(*) FROM order_tracking_tokens WHERE token_hash = '{}'",
            first.tracking_token
        ))
        .await;
    assert_eq!(stored, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM order_tracking_tokens")
            .await,
        14
    );
}
on_both_databases!(strangers_see_the_counter_view_and_owners_everything);

async fn a_look_up_by_number_and_email_hands_out_a_token(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let order = place(&app, 3, None).await;
    let id = order.order_id;
    let look_up = |order_id: Value, email: &str| {
        app.client
            .post(app.url("/api/order-lookup"))
            .json(&json!({"order_id": order_id, "customer_email": email}))
            .send()
    };
    let res = look_up(json!(id), "  Vedanti3@Example.com ").await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let found: Value = res.json().await.unwrap();
    let token = found["tracking_token"].as_str().unwrap();
    assert_ne!(token, order.tracking_token);
    assert_eq!(found["order_id"], id);
    assert_eq!(found["tracking_url"], format!("/orders/{id}?t={token}"));
    let (_, full) = read(&app, &format!("/api/orders/{id}?t={token}"), &[]).await;
    assert_eq!(full["customer_name"], "Vedanti3 Verma3");
    let (_, still) = read(
        &app,
        &format!("/api/orders/{id}?t={}", order.tracking_token),
        &[],
    )
    .await;
    assert_eq!(
        still["customer_name"], "Vedanti3 Verma3",
        "the first token stays valid"
    );

    // A wrong e-mail and an unknown order answer alike.
    let mut answers = Vec::new();
    for (order_id, email) in [
        (id, "someone@example.com"),
        (id + 1000, "vedanti3@example.com"),
    ] {
        let res = look_up(json!(order_id), email).await.unwrap();
        assert_eq!(res.status().as_u16(), 404);
        let mut body: Value = res.json().await.unwrap();
        // Only the number asked about is echoed.
        assert_eq!(body["details"], json!({"order_id": order_id.to_string()}));
        body["details"] = Value::Null;
        let error = body["error"]
            .as_str()
            .unwrap()
            .replace(&order_id.to_string(), "N");
        body["error"] = json!(error);
        answers.push(body);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0]["code"], "order_not_found");
    for bad in [
        json!({"order_id": 0, "customer_email": "a@b.co"}),
        json!({"order_id": id}),
        json!([id]),
    ] {
        let res = app
            .client
            .post(app.url("/api/order-lookup"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "{bad}");
    }
}
on_both_databases!(a_look_up_by_number_and_email_hands_out_a_token);

/// An API-only process of the embedded shape starts no processors: its orders stay pending.
async fn serve_only(backend: Backend, lookup: bakery::config::OrderLookup) -> TestApp {
    let db = bakery_test_support::TestDatabase::create(backend).await;
    bakery_test_support::spawn_role_on(db, bakery::startup::Role::Serve, |s| {
        s.order_lookup = lookup;
    })
    .await
}

/// `POST /api/orders/{id}/cancel` with a body and extra headers.
async fn cancel(app: &TestApp, path: &str, body: Value, headers: &[(&str, &str)]) -> (u16, Value) {
    let mut req = app.client.post(app.url(path)).json(&body);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

async fn status_in_db(app: &TestApp, id: i64) -> i64 {
    app.scalar(&format!(
        "SELECT COUNT(*) FROM orders WHERE id = {id} AND status = 'pending'"
    ))
    .await
}

async fn cancel_needs_the_token_or_staff(backend: Backend) {
    let app = serve_only(backend, bakery::config::OrderLookup::Owner).await;
    let order = place(&app, 1, None).await;
    let (id, token) = (order.order_id, order.tracking_token.clone());
    let path = format!("/api/orders/{id}/cancel");
    let email = json!({"customer_email": "vedanti1@example.com"});
    let someone_else = place(&app, 2, None).await.tracking_token;
    for (body, headers) in [
        (email.clone(), vec![]),
        (json!({}), vec![]),
        (
            email.clone(),
            vec![("X-Order-Token", someone_else.as_str())],
        ),
    ] {
        let (status, refused) = cancel(&app, &path, body, &headers).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (403, Some("order_token_required"))
        );
    }
    assert_eq!(status_in_db(&app, id).await, 1, "the order is untouched");
    let (_, page) = read(&app, &format!("/api/orders/{id}?t={token}"), &[]).await;
    assert_eq!(page["status"], "pending");
    assert_eq!(page["history"].as_array().map(Vec::len), Some(1));

    let (status, cancelled) = cancel(&app, &format!("{path}?t={token}"), json!({}), &[]).await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["customer_name"], "Vedanti1 Verma1");
    let (status, _) = cancel(&app, &path, json!({}), &[("X-Order-Token", &token)]).await;
    assert_eq!(status, 409, "a cancelled order is not pending");
    let (status, _) = cancel(&app, "/api/orders/424242/cancel", json!({}), &[]).await;
    assert_eq!(status, 404);

    // Staff may cancel through the same address (a bearer token; audited).
    let other = place(&app, 5, None).await.order_id;
    let bearer = format!("Bearer {}", admin_token(&app).await);
    let (status, body) = cancel(
        &app,
        &format!("/api/orders/{other}/cancel"),
        json!({}),
        &[("Authorization", &bearer)],
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("cancelled")));
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE target = 'order:{other}'"
        ))
        .await,
        1
    );
}
on_both_databases!(cancel_needs_the_token_or_staff);

async fn an_open_bakery_shows_orders_to_anyone(backend: Backend) {
    let app = serve_only(backend, bakery::config::OrderLookup::Open).await;
    let order = place(&app, 3, None).await;
    let id = order.order_id;
    let (_, page) = app.get::<OrderView>(&format!("/api/orders/{id}")).await;
    let page = page.unwrap();
    assert_eq!(page.customer_name, "Vedanti3 Verma3");
    assert_eq!(
        page.delivery_address.as_deref(),
        Some(format!("3 {ADDRESS}").as_str())
    );
    let path = format!("/api/orders/{id}/cancel");
    let (status, refused) =
        cancel(&app, &path, json!({"customer_email": "x@example.com"}), &[]).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("forbidden")));
    let (status, _) = cancel(&app, &path, json!({}), &[]).await;
    assert_eq!(status, 403);
    let (status, body) = cancel(
        &app,
        &path,
        json!({"customer_email": "Vedanti3@example.com"}),
        &[],
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("cancelled")));
}
on_both_databases!(an_open_bakery_shows_orders_to_anyone);
