//! The staff back-office over HTTP: who may do what (every admin route tried as anonymous, baker,
//! revoked token, forged or expired session, no CSRF), passwords never shown, catalog and stock
//! changes, the order board's pickup and delivery flows, customer cancels, tokens and the audit log.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{
    Backend, TestApp, captured_logs, seed_order, spawn_app, spawn_app_with, wait_until,
};

pub(crate) const ADMIN_PASSWORD: &str = "owner-secret-password-1";
pub(crate) const BAKER_PASSWORD: &str = "baker-secret-password-2";

/// A signed-in browser: its session cookie and CSRF token.
pub(crate) struct Session {
    cookie: String,
    csrf: String,
}

/// Creates an account straight in the database (as `bakery user add` does).
pub(crate) async fn add_account(app: &TestApp, email: &str, password: &str, role: &str) {
    let db = app.db.connect().await;
    let role = bakery_wire::staff::StaffRole::parse(role).unwrap();
    bakery::staff::accounts::create_user(&db, email, password, role)
        .await
        .unwrap();
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/staff/sign-in"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

pub(crate) async fn session(app: &TestApp, email: &str, password: &str) -> Session {
    let res = sign_in(app, email, password).await;
    assert_eq!(res.status().as_u16(), 200);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(flag), "{set_cookie}");
    }
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
    }
}

/// Sends a staff request with the session cookie and (if `csrf`) the CSRF header.
pub(crate) async fn call(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
    csrf: bool,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("cookie", &s.cookie);
    if csrf {
        req = req.header("X-CSRF-Token", &s.csrf);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn bearer(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.staff_call(token, method, path, body).await
}

/// Every back-office route, with a body that would be valid, and whether bakers may use it.
fn admin_routes() -> Vec<(Method, &'static str, Option<Value>, bool)> {
    vec![
        (Method::GET, "/api/admin/products", None, true),
        (
            Method::POST,
            "/api/admin/products",
            Some(json!({"name": "Scone", "price": 2.5, "stock": 10})),
            false,
        ),
        (
            Method::PATCH,
            "/api/admin/products/1",
            Some(json!({"price": 1.0})),
            false,
        ),
        (
            Method::POST,
            "/api/admin/products/1/stock",
            Some(json!({"set": 1, "reason": "probe"})),
            true,
        ),
        // (Uploading a picture takes a file: tests/api/pictures.rs tries it as everyone.)
        (Method::DELETE, "/api/admin/products/1/picture", None, false),
        (Method::GET, "/api/admin/orders", None, true),
        (
            Method::POST,
            "/api/admin/orders/1/cancel",
            Some(json!({"reason": "probe"})),
            true,
        ),
        (Method::GET, "/api/admin/users", None, false),
        (
            Method::POST,
            "/api/admin/users",
            Some(json!({"email": "x@example.com", "password": "long-enough-pw", "role": "admin"})),
            false,
        ),
        (Method::GET, "/api/admin/tokens", None, false),
        (
            Method::POST,
            "/api/admin/tokens",
            Some(json!({"name": "probe", "role": "admin"})),
            false,
        ),
        (Method::DELETE, "/api/admin/tokens/1", None, false),
        (Method::GET, "/api/admin/audit", None, false),
        (Method::GET, "/api/admin/actors", None, false),
        (Method::GET, "/api/admin/webhooks", None, false),
        (
            Method::POST,
            "/api/admin/webhooks",
            Some(json!({"url": "http://hooks.example.com/hook"})),
            false,
        ),
        (Method::DELETE, "/api/admin/webhooks/1", None, false),
        (Method::GET, "/api/admin/notifications", None, false),
        (
            Method::POST,
            "/api/admin/notifications/1/retry",
            None,
            false,
        ),
    ]
}

/// What the probes must not have changed.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM products",
        "SELECT stock FROM products WHERE id = 1",
        "SELECT price_cents FROM products WHERE id = 1",
        "SELECT COUNT(*) FROM staff_users",
        "SELECT COUNT(*) FROM api_tokens WHERE revoked_at IS NULL",
        "SELECT COUNT(*) FROM orders WHERE status = 'cancelled'",
        "SELECT COUNT(*) FROM webhook_endpoints",
    ] {
        out.push(app.scalar(sql).await);
    }
    out
}

async fn every_role_is_held_to_what_it_may_do(backend: Backend) {
    let app = spawn_app(backend).await;
    add_account(&app, "owner@example.com", ADMIN_PASSWORD, "admin").await;
    add_account(&app, "baker@example.com", BAKER_PASSWORD, "baker").await;
    app.place(&seed_order()).await; // an order for the cancel probe
    let admin = session(&app, "owner@example.com", ADMIN_PASSWORD).await;
    let baker = session(&app, "baker@example.com", BAKER_PASSWORD).await;
    let (_, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/tokens",
        Some(json!({"name": "old", "role": "admin"})),
        true,
    )
    .await;
    let revoked_token = created["token"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/admin/tokens/{}", created["id"]),
        None,
        true,
    )
    .await;
    assert_eq!(status, 204);
    let expired = session(&app, "owner@example.com", ADMIN_PASSWORD).await;
    app.execute("UPDATE staff_sessions SET expires_at = '2000-01-01 00:00:00+00:00' WHERE id = (SELECT MAX(id) FROM staff_sessions)").await;
    let forged = Session {
        cookie: "bakery_session=0000000000000000000000000000000000000000000000000000000000000000"
            .into(),
        csrf: admin.csrf.clone(),
    };
    let before = fingerprint(&app).await;

    for (method, path, body, bakers_may) in admin_routes() {
        let unsafe_method = method != Method::GET;
        // Anonymous.
        let mut req = app.client.request(method.clone(), app.url(path));
        if let Some(b) = &body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), 401, "anonymous {method} {path}");
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "unauthenticated"
        );
        // Forged, expired and revoked credentials.
        for (who, s) in [("forged cookie", &forged), ("expired session", &expired)] {
            let (status, error) = call(&app, s, method.clone(), path, body.clone(), true).await;
            assert_eq!(status, 401, "{who}: {method} {path}: {error}");
        }
        let (status, _) = bearer(&app, &revoked_token, method.clone(), path, body.clone()).await;
        assert_eq!(status, 401, "revoked token: {method} {path}");
        let (status, _) = bearer(&app, "not-a-token", method.clone(), path, body.clone()).await;
        assert_eq!(status, 401, "made-up token: {method} {path}");
        // A real session without the CSRF header.
        if unsafe_method {
            let (status, error) =
                call(&app, &admin, method.clone(), path, body.clone(), false).await;
            assert_eq!(
                (status, error["code"].as_str()),
                (403, Some("csrf_failed")),
                "{method} {path}"
            );
            let wrong = Session {
                cookie: admin.cookie.clone(),
                csrf: baker.csrf.clone(),
            };
            let (status, _) = call(&app, &wrong, method.clone(), path, body.clone(), true).await;
            assert_eq!(status, 403, "another session's CSRF token: {method} {path}");
        }
        // A baker on an admin route.
        if !bakers_may {
            let (status, error) =
                call(&app, &baker, method.clone(), path, body.clone(), true).await;
            assert_eq!(
                (status, error["code"].as_str()),
                (403, Some("forbidden")),
                "baker {method} {path}"
            );
        }
    }
    assert_eq!(
        fingerprint(&app).await,
        before,
        "a refused request changed something"
    );

    // The same routes work for the right role.
    for (method, path, body, bakers_may) in admin_routes() {
        let who = if bakers_may { &baker } else { &admin };
        let (status, error) = call(&app, who, method.clone(), path, body, true).await;
        // Allowed through (a 409 for a move the order's state refuses is still "allowed", as is
        // a 404 for a thing that is not there).
        let missing = method == Method::DELETE || path.ends_with("/retry");
        assert!(
            status < 300 || status == 409 || (missing && status == 404),
            "{method} {path}: {status} {error}"
        );
    }
    // Sign-out revokes the session.
    let (status, _) = call(
        &app,
        &baker,
        Method::POST,
        "/api/staff/sign-out",
        None,
        true,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, &baker, Method::GET, "/api/staff/me", None, false).await;
    assert_eq!(status, 401);
}
on_both_databases!(every_role_is_held_to_what_it_may_do);

async fn passwords_never_show_and_sign_in_is_rate_limited(backend: Backend) {
    let app = spawn_app(backend).await;
    add_account(&app, "owner@example.com", ADMIN_PASSWORD, "admin").await;
    let admin = session(&app, "owner@example.com", ADMIN_PASSWORD).await;
    let new_password = "baker-new-password-xyz";
    let (status, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/users",
        Some(json!({"email": "Baker@Example.com", "password": new_password, "role": "baker"})),
        true,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        created,
        json!({"id": created["id"], "email": "baker@example.com", "role": "baker", "active": true})
    );
    let (status, error) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/users",
        Some(json!({"email": "baker@example.com", "password": new_password, "role": "baker"})),
        true,
    )
    .await;
    assert_eq!(status, 409, "{error}");
    let (status, error) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/users",
        Some(json!({"email": "short@example.com", "password": "short", "role": "baker"})),
        true,
    )
    .await;
    assert_eq!(status, 400, "{error}");
    let (_, users) = call(&app, &admin, Method::GET, "/api/admin/users", None, false).await;
    let (_, audit) = call(&app, &admin, Method::GET, "/api/admin/audit", None, false).await;
    let stored: Vec<String> = {
        let db = app.db.connect().await;
        bakery::staff::accounts::users(&db)
            .await
            .unwrap()
            .into_iter()
            .map(|u| u.password_hash)
            .collect()
    };
    assert!(stored.iter().all(|h| h.starts_with("$argon2id$")));

    // Five wrong passwords, then even the right one waits.
    for _ in 0..5 {
        let res = sign_in(&app, "baker@example.com", "wrong-password-123").await;
        assert_eq!(res.status().as_u16(), 401);
        assert_eq!(
            res.json::<Value>().await.unwrap()["code"],
            "invalid_credentials"
        );
    }
    let res = sign_in(&app, "baker@example.com", new_password).await;
    assert_eq!(res.status().as_u16(), 429);
    // Unknown accounts answer exactly like wrong passwords.
    let res = sign_in(&app, "nobody@example.com", "whatever-password").await;
    assert_eq!(res.status().as_u16(), 401);

    let everything_shown = format!("{users}{audit}{}", captured_logs());
    for secret in [ADMIN_PASSWORD, new_password, "wrong-password-123"] {
        assert!(!everything_shown.contains(secret), "a password leaked");
    }
}
on_both_databases!(passwords_never_show_and_sign_in_is_rate_limited);

async fn staff_manage_the_catalog_and_stock(backend: Backend) {
    let app = spawn_app(backend).await;
    add_account(&app, "owner@example.com", ADMIN_PASSWORD, "admin").await;
    let admin = session(&app, "owner@example.com", ADMIN_PASSWORD).await;
    let placed = app.place(&seed_order()).await; // at 29.99
    let (status, scone) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/products",
        Some(json!({"name": "Cheese Scone", "description": "Flaky", "price": 3.25, "stock": 12})),
        true,
    )
    .await;
    assert_eq!(status, 201, "{scone}");
    let id = scone["id"].as_i64().unwrap();
    // A new price applies to new orders only.
    let (status, cake) = call(
        &app,
        &admin,
        Method::PATCH,
        "/api/admin/products/1",
        Some(json!({"price": 31.5})),
        true,
    )
    .await;
    assert_eq!((status, cake["price"].as_f64()), (200, Some(31.5)));
    assert_eq!(app.order(placed).await.items[0].unit_price, 29.99);
    // Every change reaches the public catalog at once.
    wait_until(
        Duration::from_secs(3),
        "the catalog to catch up",
        || async {
            let list = app.products().await;
            list.iter().any(|p| p.id == id) && list.iter().any(|p| p.id == 1 && p.price == 31.5)
        },
    )
    .await;
    let res = app.post_order(&seed_order()).await; // still claims 29.99
    assert_eq!(res.status().as_u16(), 409);
    // Stock with a reason; never below zero.
    let (status, p) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/admin/products/{id}/stock"),
        Some(json!({"adjust": -2, "reason": "dropped two"})),
        true,
    )
    .await;
    assert_eq!((status, p["stock"].as_i64()), (200, Some(10)));
    let (status, error) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/admin/products/{id}/stock"),
        Some(json!({"adjust": -11, "reason": "oops"})),
        true,
    )
    .await;
    assert_eq!((status, error["code"].as_str()), (409, Some("conflict")));
    let (status, _) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/admin/products/{id}/stock"),
        Some(json!({"set": 5})),
        true,
    )
    .await;
    assert_eq!(status, 400, "a reason is required");
    let (status, _) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/products/9999/stock",
        Some(json!({"set": 5, "reason": "x"})),
        true,
    )
    .await;
    assert_eq!(status, 404);
    for bad in [
        json!({"name": "", "price": 1.0}),
        json!({"name": "X", "price": -1.0}),
        json!({"name": "X", "price": 1.005}),
        json!({"name": "X"}),
    ] {
        let (status, _) = call(
            &app,
            &admin,
            Method::POST,
            "/api/admin/products",
            Some(bad.clone()),
            true,
        )
        .await;
        assert_eq!(status, 400, "{bad}");
    }
    // Deactivated: gone from the shop, still on the back-office list.
    let (status, _) = call(
        &app,
        &admin,
        Method::PATCH,
        &format!("/api/admin/products/{id}"),
        Some(json!({"active": false})),
        true,
    )
    .await;
    assert_eq!(status, 200);
    wait_until(
        Duration::from_secs(3),
        "the product to leave the catalog",
        || async { !app.products().await.iter().any(|p| p.id == id) },
    )
    .await;
    let (_, all) = call(
        &app,
        &admin,
        Method::GET,
        "/api/admin/products",
        None,
        false,
    )
    .await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == id && p["active"] == false)
    );
    let (_, audit) = call(&app, &admin, Method::GET, "/api/admin/audit", None, false).await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "product.create",
        "product.update",
        "product.stock",
        "staff.sign_in",
    ] {
        assert!(
            actions.contains(&action),
            "{action} not audited: {actions:?}"
        );
    }
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "owner@example.com")
    );
}
on_both_databases!(staff_manage_the_catalog_and_stock);

/// Makes every insert into `audit_log` fail, as a bug or a broken table would.
async fn refuse_audit_rows(app: &TestApp, backend: Backend) {
    match backend {
        Backend::Sqlite => {
            app.execute(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
                 BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
            )
            .await
        }
        Backend::Postgres => {
            app.execute(
                "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql",
            )
            .await;
            app.execute(
                "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
            )
            .await
        }
    }
}

/// A stock change and its audit row commit together: when the audit row cannot be written the
/// stock stays as it was and the answer is a 500 `internal_error` that shows nothing of the
/// cause (which is logged with the request id); a retry after the fault applies the change once.
async fn a_stock_change_and_its_audit_row_commit_together(backend: Backend) {
    let app = spawn_app(backend).await;
    add_account(&app, "owner@example.com", ADMIN_PASSWORD, "admin").await;
    let admin = session(&app, "owner@example.com", ADMIN_PASSWORD).await;
    let stock = "SELECT stock FROM products WHERE id = 3";
    let audited = "SELECT COUNT(*) FROM audit_log WHERE action = 'product.stock'";
    let before = app.scalar(stock).await;

    refuse_audit_rows(&app, backend).await;
    let res = app
        .client
        .post(app.url("/api/admin/products/3/stock"))
        .header("cookie", &admin.cookie)
        .header("X-CSRF-Token", &admin.csrf)
        .header("X-Request-Id", "audit-refused-42")
        .json(&json!({"adjust": 4, "reason": "found a tray"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 500);
    let text = res.text().await.unwrap();
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error["code"], "internal_error");
    assert_eq!(error["details"], Value::Null);
    assert!(
        !text.contains("audit refused"),
        "the cause is not shown: {text}"
    );
    assert_eq!(
        app.scalar(stock).await,
        before,
        "no stock change without its audit row"
    );
    assert_eq!(app.scalar(audited).await, 0);
    let logged = captured_logs();
    assert!(
        logged
            .lines()
            .any(|l| l.contains("request failed: internal error")
                && l.contains("audit-refused-42")
                && l.contains("audit refused")),
        "the cause is logged with the request id"
    );

    app.execute(match backend {
        Backend::Sqlite => "DROP TRIGGER refuse_audit",
        Backend::Postgres => "DROP TRIGGER refuse_audit ON audit_log",
    })
    .await;
    let (status, p) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/products/3/stock",
        Some(json!({"adjust": 4, "reason": "found a tray"})),
        true,
    )
    .await;
    assert_eq!((status, p["stock"].as_i64()), (200, Some(before + 4)));
    assert_eq!(app.scalar(stock).await, before + 4, "applied once");
    assert_eq!(app.scalar(audited).await, 1);
    let (_, audit) = call(&app, &admin, Method::GET, "/api/admin/audit", None, false).await;
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "product.stock")
        .unwrap();
    assert_eq!(entry["target"], "product:3");
    assert_eq!(entry["details"]["reason"], "found a tray");
    assert_eq!(entry["details"]["adjust"], 4);
    assert_eq!(entry["details"]["stock"], before + 4);
}
on_both_databases!(a_stock_change_and_its_audit_row_commit_together);

async fn pickup_and_delivery_orders_go_through_the_board(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.worker.prep_time = Duration::from_millis(200)).await;
    add_account(&app, "baker@example.com", BAKER_PASSWORD, "baker").await;
    let baker = session(&app, "baker@example.com", BAKER_PASSWORD).await;
    let pickup = app.place(&seed_order()).await;
    let mut delivery_order = seed_order();
    delivery_order["fulfillment"] = json!("delivery");
    delivery_order["delivery_address"] = json!("1 Oven Lane\nFlat 2");
    let delivery = app.place(&delivery_order).await;
    let mut missing = seed_order();
    missing["fulfillment"] = json!("delivery");
    let res = app.post_order(&missing).await;
    assert_eq!(res.status().as_u16(), 400, "delivery needs an address");
    app.wait_for_status(pickup, &["ready"], Duration::from_secs(10))
        .await;
    app.wait_for_status(delivery, &["ready"], Duration::from_secs(10))
        .await;

    let (_, board) = call(
        &app,
        &baker,
        Method::GET,
        "/api/admin/orders?day=today",
        None,
        false,
    )
    .await;
    let ids: Vec<i64> = board
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["order_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [delivery, pickup], "newest first");
    assert_eq!(board[0]["delivery_address"], "1 Oven Lane\nFlat 2");
    let (_, ready) = call(
        &app,
        &baker,
        Method::GET,
        "/api/admin/orders?status=ready",
        None,
        false,
    )
    .await;
    assert_eq!(ready.as_array().unwrap().len(), 2);

    let act = |id: i64, action: &'static str| {
        call(
            &app,
            &baker,
            Method::POST,
            Box::leak(format!("/api/admin/orders/{id}/{action}").into_boxed_str()),
            None,
            true,
        )
    };
    assert_eq!(
        act(pickup, "dispatch").await.0,
        409,
        "a pickup order is not dispatched"
    );
    assert_eq!(
        act(delivery, "complete").await.0,
        409,
        "a delivery order is not picked up"
    );
    let (status, done) = act(pickup, "complete").await;
    assert_eq!((status, done["status"].as_str()), (200, Some("completed")));
    assert_eq!(act(pickup, "complete").await.0, 409, "twice is refused");
    assert_eq!(act(delivery, "deliver").await.0, 409, "not out yet");
    assert_eq!(
        act(delivery, "dispatch").await.1["status"],
        "out_for_delivery"
    );
    assert_eq!(act(delivery, "deliver").await.1["status"], "delivered");
    let (_, view) = app.get_json(&format!("/api/orders/{delivery}")).await;
    assert_eq!(view["fulfillment"], "delivery");
    let history: Vec<&str> = view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        history,
        [
            "pending",
            "processing",
            "ready",
            "out_for_delivery",
            "delivered"
        ]
    );
    assert_eq!(act(999, "complete").await.0, 404);
    let (status, _) = call(
        &app,
        &baker,
        Method::POST,
        &format!("/api/admin/orders/{pickup}/bake-faster"),
        None,
        true,
    )
    .await;
    assert_eq!(status, 404);
}
on_both_databases!(pickup_and_delivery_orders_go_through_the_board);

async fn cancels_return_stock_and_customers_may_cancel_their_own(backend: Backend) {
    // A long bake keeps the order `processing` while the staff cancel it.
    let app = spawn_app_with(backend, |s| s.worker.prep_time = Duration::from_secs(30)).await;
    add_account(&app, "owner@example.com", ADMIN_PASSWORD, "admin").await;
    let admin = session(&app, "owner@example.com", ADMIN_PASSWORD).await;
    let baking = app.place(&seed_order()).await;
    app.wait_for_status(baking, &["processing"], Duration::from_secs(10))
        .await;
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        298
    );
    let (status, _) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/admin/orders/{baking}/cancel"),
        Some(json!({})),
        true,
    )
    .await;
    assert_eq!(status, 400, "a reason is required");
    let (status, order) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/admin/orders/{baking}/cancel"),
        Some(json!({"reason": "oven broke"})),
        true,
    )
    .await;
    assert_eq!((status, order["status"].as_str()), (200, Some("cancelled")));
    assert_eq!(order["failure_reason"], "oven broke");
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        300,
        "stock returned"
    );

    let (status, _) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/orders/{baking}/cancel"),
        Some(json!({})),
        true,
    )
    .await;
    assert_eq!(status, 409, "a final order cannot be cancelled again");
}
on_both_databases!(cancels_return_stock_and_customers_may_cancel_their_own);

/// A baker who cancels a new order while the kitchen is putting it into the oven gets the
/// cancel (tried again against the order as it now is), never a 409; the stock comes back.
async fn a_staff_cancel_racing_the_oven_still_cancels(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.worker.prep_time = Duration::from_secs(30)).await;
    add_account(&app, "owner@example.com", ADMIN_PASSWORD, "admin").await;
    let admin = session(&app, "owner@example.com", ADMIN_PASSWORD).await;
    let stock = "SELECT stock FROM products WHERE id = 1";
    let before = app.scalar(stock).await;
    for _ in 0..15 {
        let id = app.place(&seed_order()).await;
        let (status, order) = call(
            &app,
            &admin,
            Method::POST,
            &format!("/api/admin/orders/{id}/cancel"),
            Some(json!({"reason": "out of flour"})),
            true,
        )
        .await;
        assert_eq!(status, 200, "{order}");
        assert_eq!(order["status"], "cancelled", "{order}");
    }
    assert_eq!(
        app.scalar(stock).await,
        before,
        "every reserved piece is back"
    );
}
on_both_databases!(a_staff_cancel_racing_the_oven_still_cancels);

async fn a_customer_cancels_a_pending_order_with_its_token(backend: Backend) {
    // An API-only process of the embedded shape starts no processors: orders stay pending.
    let db = bakery_test_support::TestDatabase::create(backend).await;
    let settings = bakery_test_support::test_settings(&db.url);
    let app = bakery::startup::Application::build(settings, bakery::startup::Role::Serve)
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port().unwrap());
    actix_web::rt::spawn(app.run_until_stopped());
    let client = bakery_test_support::client();
    let placed: Value = client
        .post(format!("{url}/api/orders"))
        .json(&seed_order())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = placed["order_id"].as_i64().unwrap();
    let token = placed["tracking_token"].as_str().unwrap().to_owned();
    let page = || async {
        let res = client
            .get(format!("{url}/api/orders/{id}?t={token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        res.json::<Value>().await.unwrap()
    };
    // The customer watches the page: the second read is answered from the process's cache.
    assert_eq!(page().await["status"], "pending");
    assert_eq!(page().await["status"], "pending");
    let cancel = |token: &str| {
        client
            .post(format!("{url}/api/orders/{id}/cancel"))
            .header("X-Order-Token", token)
            .json(&json!({"customer_email": "vedanti@example.com"}))
            .send()
    };
    // The e-mail alone proves nothing.
    let res = cancel("").await.unwrap();
    assert_eq!(res.status().as_u16(), 403);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "order_token_required"
    );
    let res = client
        .post(format!("{url}/api/orders/{id}/cancel"))
        .json(&json!([]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let res = cancel(&token).await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let view: Value = res.json().await.unwrap();
    assert_eq!(view["status"], "cancelled");
    assert_eq!(view["failure_reason"], "cancelled by the customer");
    // The page shows the change at once, not the cached view from before it.
    let page_now = page().await;
    assert_eq!(page_now["status"], "cancelled");
    assert_eq!(page_now, view);
    let res = cancel(&token).await.unwrap();
    assert_eq!(res.status().as_u16(), 409);
    let res = client
        .post(format!("{url}/api/orders/424242/cancel"))
        .json(&json!({"customer_email": "a@b.co"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 404);
}
on_both_databases!(a_customer_cancels_a_pending_order_with_its_token);

async fn bearer_tokens_automate_within_their_role(backend: Backend) {
    let app = spawn_app(backend).await;
    add_account(&app, "owner@example.com", ADMIN_PASSWORD, "admin").await;
    let admin = session(&app, "owner@example.com", ADMIN_PASSWORD).await;
    let (status, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/admin/tokens",
        Some(json!({"name": "stock-sync", "role": "baker"})),
        true,
    )
    .await;
    assert_eq!(status, 201);
    let token = created["token"].as_str().unwrap().to_owned();
    let (_, listed) = call(&app, &admin, Method::GET, "/api/admin/tokens", None, false).await;
    assert!(
        listed[0].get("token").is_none(),
        "a token is shown only once"
    );
    let (status, _) = bearer(
        &app,
        &token,
        Method::POST,
        "/api/admin/products/2/stock",
        Some(json!({"set": 42, "reason": "nightly sync"})),
    )
    .await;
    assert_eq!(status, 200, "no CSRF needed with a bearer token");
    let (status, _) = bearer(
        &app,
        &token,
        Method::POST,
        "/api/admin/products",
        Some(json!({"name": "X", "price": 1.0})),
    )
    .await;
    assert_eq!(status, 403, "a baker token cannot add products");
    let (status, _) = call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/admin/tokens/{}", created["id"]),
        None,
        true,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = bearer(&app, &token, Method::GET, "/api/admin/orders", None).await;
    assert_eq!(status, 401, "revoked");
    let (_, audit) = call(&app, &admin, Method::GET, "/api/admin/audit", None, false).await;
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"] == "token:stock-sync" && e["action"] == "product.stock")
    );
}
on_both_databases!(bearer_tokens_automate_within_their_role);
