//! Every bad input gets a JSON `{error, code, details}` with the right 4xx, and stores nothing.

use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, spawn_app, spawn_app_on};

fn order_with(name: Value, email: Value, items: Value) -> Value {
    json!({"customer_name": name, "customer_email": email, "items": items})
}

fn one_item() -> Value {
    json!([{"product_id": 1, "quantity": 1}])
}

/// POSTs `body` as JSON and checks status, code and (if given) the first bad field.
async fn refused(
    app: &TestApp,
    body: Value,
    status: u16,
    code: &str,
    field: Option<&str>,
) -> Value {
    let res = app.post_order(&body).await;
    assert_eq!(res.status().as_u16(), status, "{body}");
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let error: Value = res.json().await.unwrap();
    assert_eq!(error["code"], code, "{error}");
    assert!(
        error["error"].as_str().is_some_and(|s| !s.is_empty()),
        "{error}"
    );
    assert!(error.get("details").is_some(), "{error}");
    if let Some(field) = field {
        let fields: Vec<&str> = error["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field} not in {fields:?}");
    }
    error
}

/// POSTs raw bytes with a content type and checks status and code.
async fn refused_raw(
    app: &TestApp,
    content_type: Option<&str>,
    body: Vec<u8>,
    status: u16,
    code: &str,
) {
    let mut req = app.client.post(app.url("/api/orders")).body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status().as_u16(), status);
    let error: Value = res.json().await.unwrap();
    assert_eq!(error["code"], code, "{error}");
}

async fn bad_orders_are_refused_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let v = "validation_failed";
    // Names.
    refused(
        &app,
        json!({"customer_email": "a@example.com", "items": one_item()}),
        400,
        v,
        Some("customer_name"),
    )
    .await;
    refused(
        &app,
        order_with(json!("   "), json!("a@example.com"), one_item()),
        400,
        v,
        Some("customer_name"),
    )
    .await;
    refused(
        &app,
        order_with(json!("x".repeat(201)), json!("a@example.com"), one_item()),
        400,
        v,
        Some("customer_name"),
    )
    .await;
    refused(
        &app,
        order_with(json!(42), json!("a@example.com"), one_item()),
        400,
        v,
        Some("customer_name"),
    )
    .await;
    refused(
        &app,
        order_with(json!("nul\u{0}byte"), json!("a@example.com"), one_item()),
        400,
        v,
        Some("customer_name"),
    )
    .await;
    // E-mails.
    refused(
        &app,
        json!({"customer_name": "A", "items": one_item()}),
        400,
        v,
        Some("customer_email"),
    )
    .await;
    for email in ["", "plain", "a@b", "a b@example.com", "@example.com"] {
        refused(
            &app,
            order_with(json!("A"), json!(email), one_item()),
            400,
            v,
            Some("customer_email"),
        )
        .await;
    }
    let long_email = format!("{}@example.com", "a".repeat(60)) + &".example".repeat(25);
    refused(
        &app,
        order_with(json!("A"), json!(long_email), one_item()),
        400,
        v,
        Some("customer_email"),
    )
    .await;
    // Items.
    refused(
        &app,
        order_with(json!("A"), json!("a@example.com"), json!([])),
        400,
        v,
        Some("items"),
    )
    .await;
    refused(
        &app,
        json!({"customer_name": "A", "customer_email": "a@example.com"}),
        400,
        v,
        Some("items"),
    )
    .await;
    refused(
        &app,
        order_with(json!("A"), json!("a@example.com"), json!({"product_id": 1})),
        400,
        v,
        Some("items"),
    )
    .await;
    let many: Vec<Value> = (0..51)
        .map(|_| json!({"product_id": 1, "quantity": 1}))
        .collect();
    refused(
        &app,
        order_with(json!("A"), json!("a@example.com"), json!(many)),
        400,
        v,
        Some("items"),
    )
    .await;
    for quantity in [
        json!(0),
        json!(1001),
        json!(-1),
        json!(2.5),
        json!("2"),
        json!(null),
        json!(1e30),
    ] {
        let items = json!([{"product_id": 1, "quantity": quantity}]);
        refused(
            &app,
            order_with(json!("A"), json!("a@example.com"), items),
            400,
            v,
            Some("items[0].quantity"),
        )
        .await;
    }
    for product_id in [
        json!("1"),
        json!(1.5),
        json!(-1),
        json!(null),
        json!([1]),
        json!(99999999999999999999u128 as f64),
    ] {
        let items = json!([{"product_id": product_id, "quantity": 1}]);
        refused(
            &app,
            order_with(json!("A"), json!("a@example.com"), items),
            400,
            v,
            Some("items[0].product_id"),
        )
        .await;
    }
    let items = json!([{"product_id": 1, "quantity": 1, "price": "29.99"}]);
    refused(
        &app,
        order_with(json!("A"), json!("a@example.com"), items),
        400,
        v,
        Some("items[0].price"),
    )
    .await;
    // Unknown product.
    let items = json!([{"product_id": 1, "quantity": 1}, {"product_id": 999, "quantity": 1}]);
    let error = refused(
        &app,
        order_with(json!("A"), json!("a@example.com"), items),
        400,
        "unknown_product",
        None,
    )
    .await;
    assert_eq!(error["details"]["product_id"], 999);
    // A price that is not the catalog's.
    let items = json!([{"product_id": 1, "quantity": 1, "price": 19.99}]);
    let error = refused(
        &app,
        order_with(json!("A"), json!("a@example.com"), items),
        409,
        "price_mismatch",
        None,
    )
    .await;
    assert_eq!(error["details"]["product_name"], "Chocolate Cake");
    assert_eq!(error["details"]["catalog_price"].as_f64(), Some(29.99));
    assert_eq!(error["details"]["your_price"].as_f64(), Some(19.99));
    assert!(error["error"].as_str().unwrap().contains("Chocolate Cake"));
    // Bodies that are not an order at all.
    refused(&app, json!([1, 2, 3]), 400, v, Some("body")).await;
    refused(&app, json!("an order please"), 400, v, Some("body")).await;
    refused(&app, json!(null), 400, v, Some("body")).await;
    refused_raw(
        &app,
        Some("application/json"),
        b"{\"customer_name\": ".to_vec(),
        400,
        "invalid_json",
    )
    .await;
    refused_raw(
        &app,
        Some("application/json"),
        b"".to_vec(),
        400,
        "invalid_json",
    )
    .await;
    refused_raw(
        &app,
        Some("application/json"),
        vec![0xff, 0xfe, 0x00],
        400,
        "invalid_json",
    )
    .await;
    refused_raw(
        &app,
        Some("text/plain"),
        seed_bytes(),
        415,
        "unsupported_media_type",
    )
    .await;
    refused_raw(&app, None, seed_bytes(), 415, "unsupported_media_type").await;
    refused_raw(
        &app,
        Some("application/x-www-form-urlencoded"),
        b"a=b".to_vec(),
        415,
        "unsupported_media_type",
    )
    .await;
    let mut huge = seed_bytes();
    huge.truncate(huge.len() - 1);
    huge.extend_from_slice(format!(", \"padding\": \"{}\"}}", "x".repeat(70 * 1024)).as_bytes());
    refused_raw(
        &app,
        Some("application/json"),
        huge,
        413,
        "payload_too_large",
    )
    .await;
    // A bad Idempotency-Key.
    let res = app
        .client
        .post(app.url("/api/orders"))
        .header("Idempotency-Key", "")
        .json(&bakery_test_support::seed_order())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);

    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders").await,
        0,
        "nothing was stored"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox").await,
        0,
        "nothing was queued"
    );
}
on_both_databases!(bad_orders_are_refused_and_nothing_is_stored);

/// A bidi override or a zero-width space can make a name or an address show as other text on the
/// board and in e-mails: refused, with the field named, and nothing stored.
async fn hidden_text_direction_and_invisible_characters_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let error = refused(
        &app,
        order_with(
            json!("Anna \u{202E}htimS"),
            json!("a@example.com"),
            one_item(),
        ),
        400,
        "validation_failed",
        Some("customer_name"),
    )
    .await;
    assert_eq!(
        error["details"][0]["message"],
        bakery_wire::rules::HIDDEN_FORMAT_MESSAGE,
        "{error}"
    );
    refused(
        &app,
        order_with(json!("Ann\u{200B}a"), json!("a@example.com"), one_item()),
        400,
        "validation_failed",
        Some("customer_name"),
    )
    .await;
    let mut delivery = order_with(json!("Anna"), json!("a@example.com"), one_item());
    delivery["fulfillment"] = json!("delivery");
    delivery["delivery_address"] = json!("1 Main St\u{2067}\nTown");
    refused(
        &app,
        delivery,
        400,
        "validation_failed",
        Some("delivery_address"),
    )
    .await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders").await,
        0,
        "nothing was stored"
    );
    // An emoji sequence joined by U+200D is a name like any other.
    let res = app
        .post_order(&order_with(
            json!("Chef \u{1F469}\u{200D}\u{1F373}"),
            json!("a@example.com"),
            one_item(),
        ))
        .await;
    assert_eq!(res.status().as_u16(), 201);
}
on_both_databases!(hidden_text_direction_and_invisible_characters_are_refused);

fn seed_bytes() -> Vec<u8> {
    serde_json::to_vec(&bakery_test_support::seed_order()).unwrap()
}

async fn a_matching_or_absent_price_is_fine(backend: Backend) {
    let app = spawn_app(backend).await;
    let items = json!([{"product_id": 4, "quantity": 1, "price": 4.5}, {"product_id": 3, "quantity": 2}, {"product_id": 4, "quantity": 1, "price": 4.50}]);
    let res = app
        .post_order(&order_with(json!("A"), json!("a@example.com"), items))
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["total"].as_f64(), Some(16.98));
}
on_both_databases!(a_matching_or_absent_price_is_fine);

async fn an_inactive_product_cannot_be_ordered(backend: Backend) {
    let app = spawn_app(backend).await;
    app.execute("UPDATE products SET active = false WHERE id = 2")
        .await;
    // A second app on the same database loads the catalog afresh.
    let TestApp { db, .. } = app;
    let app = spawn_app_on(db, |_| {}).await;
    let (_, products) = app.get_json("/api/products").await;
    assert!(products.as_array().unwrap().iter().all(|p| p["id"] != 2));
    let items = json!([{"product_id": 2, "quantity": 1}]);
    let error = refused(
        &app,
        order_with(json!("A"), json!("a@example.com"), items),
        400,
        "unknown_product",
        None,
    )
    .await;
    assert_eq!(error["details"]["field"], "items[0].product_id");
}
on_both_databases!(an_inactive_product_cannot_be_ordered);

async fn bad_order_ids_and_routes_are_json_4xx(backend: Backend) {
    let app = spawn_app(backend).await;
    for (path, status, code) in [
        ("/api/orders/999", 404, "order_not_found"),
        ("/api/orders/-1", 404, "order_not_found"),
        ("/api/orders/0", 404, "order_not_found"),
        ("/api/orders/abc", 400, "invalid_order_id"),
        ("/api/orders/1.5", 400, "invalid_order_id"),
        (
            "/api/orders/99999999999999999999999",
            404,
            "order_not_found",
        ),
        ("/api/orders/abc/events", 400, "invalid_order_id"),
        ("/api/nothing-here", 404, "not_found"),
        ("/nothing-here", 404, "not_found"),
    ] {
        let (got, body) = app.get_json(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["code"], code, "{path}: {body}");
    }
    for (method, path) in [
        ("DELETE", "/api/orders"),
        ("GET", "/api/orders"),
        ("PUT", "/api/products"),
        ("POST", "/health"),
    ] {
        let res = app
            .client
            .request(method.parse().unwrap(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 405, "{method} {path}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "method_not_allowed");
    }
}
on_both_databases!(bad_order_ids_and_routes_are_json_4xx);
