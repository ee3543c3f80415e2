//! Per-client limits over HTTP: order posts and look-ups per minute (429 `rate_limited` with
//! `Retry-After`, counted per client behind a trusted proxy, shared by replicas through Redis),
//! live streams per client, and a product's largest quantity per order.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use bakery::config::Settings;
use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, seed_order, spawn_app_with, unique_name, wait_until};

/// The test client stands for a proxy at 127.0.0.1; `X-Forwarded-For` says who the client is.
fn behind_proxy(s: &mut Settings) {
    s.trusted_proxies = vec!["127.0.0.1".into()];
}

async fn post_as(app: &TestApp, client: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/orders"))
        .header("X-Forwarded-For", client)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn get_as(app: &TestApp, client: &str, path: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("X-Forwarded-For", client)
        .send()
        .await
        .unwrap()
}

/// Asserts a 429 `rate_limited` naming `limit`, with a `Retry-After` of at least a second.
async fn assert_rate_limited(res: reqwest::Response, limit: &str) {
    assert_eq!(res.status().as_u16(), 429);
    let retry_after: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited", "{body}");
    assert_eq!(body["details"]["limit"], limit, "{body}");
    assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()));
}

async fn posts_and_lookups_past_the_limit_get_429_while_other_clients_go_on(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        behind_proxy(s);
        s.limits.order_posts_per_minute = 3;
        s.limits.order_lookups_per_minute = 4;
    })
    .await;
    let mut placed = Vec::new();
    for _ in 0..3 {
        let res = post_as(&app, "198.51.100.1", &seed_order()).await;
        assert_eq!(res.status().as_u16(), 201);
        placed.push(
            res.json::<Value>().await.unwrap()["order_id"]
                .as_i64()
                .unwrap(),
        );
    }
    let before = app.scalar("SELECT COUNT(*) FROM orders").await;
    assert_rate_limited(
        post_as(&app, "198.51.100.1", &seed_order()).await,
        "order_posts",
    )
    .await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, before);
    // Another client behind the same proxy still orders; a forged entry on the left of the list
    // does not make the limited client someone else.
    let res = post_as(&app, "198.51.100.2", &seed_order()).await;
    assert_eq!(res.status().as_u16(), 201);
    let forged = post_as(&app, "192.0.2.99, 198.51.100.1", &seed_order()).await;
    assert_rate_limited(forged, "order_posts").await;

    // Look-ups: the order's page and the start of its stream count alike.
    let path = format!("/api/orders/{}", placed[0]);
    for _ in 0..3 {
        assert_eq!(get_as(&app, "198.51.100.3", &path).await.status(), 200);
    }
    let stream = get_as(&app, "198.51.100.3", &format!("{path}/events")).await;
    assert_eq!(stream.status(), 200);
    drop(stream);
    assert_rate_limited(get_as(&app, "198.51.100.3", &path).await, "order_lookups").await;
    assert_rate_limited(
        get_as(&app, "198.51.100.3", &format!("{path}/events")).await,
        "order_lookups",
    )
    .await;
    assert_eq!(get_as(&app, "198.51.100.4", &path).await.status(), 200);

    // Guessing e-mails at the look-up by number and e-mail counts the same way.
    let guess = |email: &str| {
        app.client
            .post(app.url("/api/order-lookup"))
            .header("X-Forwarded-For", "198.51.100.5")
            .json(&json!({"order_id": placed[0], "customer_email": email}))
            .send()
    };
    for n in 0..4 {
        let res = guess(&format!("guess{n}@example.com")).await.unwrap();
        assert_eq!(res.status().as_u16(), 404);
    }
    assert_rate_limited(guess("vedanti@example.com").await.unwrap(), "order_lookups").await;
}
on_both_databases!(posts_and_lookups_past_the_limit_get_429_while_other_clients_go_on);

async fn streams_past_the_cap_are_refused_while_health_answers(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        behind_proxy(s);
        s.limits.streams_per_client = 3;
    })
    .await;
    let id = app.place(&seed_order()).await;
    let path = format!("/api/orders/{id}/events");
    let mut open = Vec::new();
    for _ in 0..3 {
        let res = get_as(&app, "198.51.100.7", &path).await;
        assert_eq!(res.status().as_u16(), 200);
        open.push(res);
    }
    for _ in 0..20 {
        assert_rate_limited(
            get_as(&app, "198.51.100.7", &path).await,
            "streams_per_client",
        )
        .await;
    }
    let started = Instant::now();
    let (status, _) = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let other = get_as(&app, "198.51.100.8", &path).await;
    assert_eq!(other.status().as_u16(), 200, "another client still follows");
    // A stream that ends gives its slot back.
    open.pop();
    wait_until(Duration::from_secs(15), "a slot given back", || async {
        get_as(&app, "198.51.100.7", &path).await.status().as_u16() == 200
    })
    .await;
    drop(open);
}
on_both_databases!(streams_past_the_cap_are_refused_while_health_answers);

/// Signs in a new admin and returns (cookie, CSRF token).
pub(crate) async fn admin_session(app: &TestApp) -> (String, String) {
    let (email, password) = ("limits-admin@example.com", "limits-admin-password-1");
    let db = app.db.connect().await;
    bakery::staff::accounts::create_user(
        &db,
        email,
        password,
        bakery_wire::staff::StaffRole::Admin,
    )
    .await
    .unwrap();
    let res = app
        .client
        .post(app.url("/api/staff/sign-in"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

async fn patch_product(app: &TestApp, session: &(String, String), body: Value) -> (u16, Value) {
    let res = app
        .client
        .patch(app.url("/api/admin/products/1"))
        .header("Cookie", &session.0)
        .header("X-CSRF-Token", &session.1)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

fn order_of(quantities: &[i64]) -> Value {
    let items: Vec<Value> = quantities
        .iter()
        .map(|q| json!({"product_id": 1, "quantity": q}))
        .collect();
    json!({"customer_name": "Ada L", "customer_email": "ada@example.com", "items": items})
}

async fn a_products_own_largest_quantity_is_held_to(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let admin = admin_session(&app).await;
    let (status, product) = patch_product(&app, &admin, json!({"max_per_order": 2})).await;
    assert_eq!(status, 200, "{product}");
    assert_eq!(product["max_per_order"], 2);
    wait_until(Duration::from_secs(10), "the catalog to reload", || async {
        app.post_order(&order_of(&[3])).await.status().as_u16() == 400
    })
    .await;
    let res = app.post_order(&order_of(&[3])).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "validation_failed", "{body}");
    assert_eq!(body["details"][0]["field"], "items[0].quantity", "{body}");
    // Two lines of the same product count together.
    let res = app.post_order(&order_of(&[1, 2])).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["details"][0]["field"], "items[1].quantity", "{body}");
    assert_eq!(app.post_order(&order_of(&[2])).await.status().as_u16(), 201);
    // Out of range is refused, naming the field; null goes back to the general rule.
    let (status, body) = patch_product(&app, &admin, json!({"max_per_order": 0})).await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["field"], "max_per_order", "{body}");
    let (status, product) = patch_product(&app, &admin, json!({"max_per_order": null})).await;
    assert_eq!(status, 200);
    assert_eq!(product["max_per_order"], Value::Null);
    wait_until(
        Duration::from_secs(10),
        "the general rule again",
        || async { app.post_order(&order_of(&[3])).await.status().as_u16() == 201 },
    )
    .await;
}
on_both_databases!(a_products_own_largest_quantity_is_held_to);

/// Replicas share the per-minute counts through Redis: two apps (each with its own database)
/// under one key prefix count one client's posts together.
#[actix_web::rt::test(system = "::bakery_test_support::TestSystem")]
async fn replicas_share_order_post_counts_through_redis() {
    let prefix = format!("{}_", unique_name("limits"));
    let shared = |s: &mut Settings| {
        behind_proxy(s);
        s.redis_url = Some("redis://127.0.0.1:6379".into());
        s.names.prefix = prefix.clone();
        s.limits.order_posts_per_minute = 2;
    };
    let first = spawn_app_with(Backend::Postgres, shared).await;
    let second = spawn_app_with(Backend::Sqlite, shared).await;
    assert_eq!(
        post_as(&first, "198.51.100.20", &seed_order())
            .await
            .status(),
        201
    );
    assert_eq!(
        post_as(&second, "198.51.100.20", &seed_order())
            .await
            .status(),
        201
    );
    assert_rate_limited(
        post_as(&first, "198.51.100.20", &seed_order()).await,
        "order_posts",
    )
    .await;
    assert_rate_limited(
        post_as(&second, "198.51.100.20", &seed_order()).await,
        "order_posts",
    )
    .await;
    assert_eq!(
        post_as(&second, "198.51.100.21", &seed_order())
            .await
            .status(),
        201
    );
}
