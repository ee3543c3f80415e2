//! Pickup planning over HTTP: the default calendar keeps "now", every refusal code with its
//! `next_available`, capacity never oversold under 50 concurrent orders, product lead times and
//! daily caps, bookings given back, the pause seen by a second replica, and bad inputs.
//!
//! Dates are picked from the real clock in UTC (the calendar's zone here), a day or more away
//! from "now" where the test needs a slot that is neither past nor current.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{
    Backend, TestApp, TestDatabase, seed_order, spawn_app, spawn_app_on, spawn_app_with,
    spawn_role_on,
};

const PASSWORD: &str = "owner-secret-password-1";

/// An admin's bearer token on `app`.
async fn admin_token(app: &TestApp) -> String {
    let db = app.db.connect().await;
    let role = bakery_wire::staff::StaffRole::Admin;
    bakery::staff::accounts::create_user(&db, "owner@example.com", PASSWORD, role)
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/api/staff/sign-in"))
        .json(&json!({"email": "owner@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    let res = app
        .client
        .post(app.url("/api/admin/tokens"))
        .header("cookie", cookie)
        .header("X-CSRF-Token", body["csrf_token"].as_str().unwrap())
        .json(&json!({"name": "planning", "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let created: Value = res.json().await.unwrap();
    created["token"].as_str().unwrap().to_owned()
}

async fn staff_call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    app.staff_call(token, method, path, Some(body)).await
}

/// Sets the calendar (fields not given take their defaults).
async fn set_calendar(app: &TestApp, token: &str, calendar: Value) {
    let (status, body) = staff_call(app, token, Method::PUT, "/api/admin/calendar", calendar).await;
    assert_eq!(status, 200, "{body}");
}

fn order_for(pickup_at: Option<&str>, product_id: i64, quantity: i64) -> Value {
    let mut body = json!({"customer_name": "Slot Tester", "customer_email": "slots@example.com",
        "items": [{"product_id": product_id, "quantity": quantity}]});
    if let Some(at) = pickup_at {
        body["pickup_at"] = json!(at);
    }
    body
}

async fn post(app: &TestApp, body: &Value) -> (u16, Value) {
    let res = app.post_order(body).await;
    (res.status().as_u16(), res.json().await.unwrap())
}

/// `days` days from today (UTC) at `time`, as RFC 3339.
fn day_at(days: i64, time: &str) -> String {
    let date = (Utc::now() + chrono::Duration::days(days)).date_naive();
    format!("{date}T{time}+00:00")
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// Asserts a 409 with `code` and a `details.next_available` that is a time (or null when `none`).
fn assert_refused(status: u16, body: &Value, code: &str) -> Option<DateTime<Utc>> {
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["details"]["field"], "pickup_at");
    body["details"]["next_available"].as_str().map(instant)
}

async fn a_seed_shape_order_gets_the_current_slot(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = Utc::now();
    let (status, body) = post(&app, &seed_order()).await;
    assert_eq!(status, 201, "{body}");
    for field in ["order_id", "status", "queue_status", "total", "created_at"] {
        assert!(body.get(field).is_some(), "{field} missing: {body}");
    }
    assert_eq!(body["status"], "pending");
    let pickup = instant(body["pickup_at"].as_str().unwrap());
    // The default calendar: 15-minute slots all day; the order's slot is the one running now.
    assert!(
        pickup <= Utc::now() && pickup > before - chrono::Duration::minutes(15),
        "{pickup}"
    );
    let id = body["order_id"].as_i64().unwrap();
    let order = app
        .wait_for_status(id, &["ready"], Duration::from_secs(20))
        .await;
    assert_eq!(order.pickup_at.as_deref(), body["pickup_at"].as_str());
    // The default takes no booking at all: nothing limits it.
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bookings").await, 0);
    let (status, next) = app.get_json("/api/slots/next").await;
    assert_eq!(status, 200);
    assert_eq!(next["start"], body["pickup_at"], "{next}");
    assert_eq!(next["available"], Value::Null);
    let today = Utc::now().date_naive();
    let (status, day) = app.get_json(&format!("/api/slots?date={today}")).await;
    assert_eq!(status, 200);
    assert_eq!(day["time_zone"], "UTC");
    assert_eq!(day["fulfillment"], "pickup");
    let slots = day["slots"].as_array().unwrap();
    assert!(slots.len() == 96 || Utc::now().date_naive() != today);
    let open: Vec<&Value> = slots.iter().filter(|s| s["reason"].is_null()).collect();
    assert_eq!(open[0]["start"], body["pickup_at"]);
    assert!(
        slots
            .iter()
            .filter(|s| !s["reason"].is_null())
            .all(|s| s["reason"] == "lead_time" && s["available"] == 0)
    );
}
on_both_databases!(a_seed_shape_order_gets_the_current_slot);

async fn every_refusal_code_names_the_next_available_slot(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = admin_token(&app).await;
    let closed = (Utc::now() + chrono::Duration::days(2)).date_naive();
    set_calendar(
        &app,
        &token,
        json!({"slot_orders": 1, "days_ahead": 5, "closed_dates": closed.to_string()}),
    )
    .await;
    let tomorrow_ten = day_at(1, "10:00:00");
    let keyed = |body: &Value| {
        app.client
            .post(app.url("/api/orders"))
            .header("Idempotency-Key", "slot-retry")
            .json(body)
            .send()
    };
    let res = keyed(&order_for(Some(&tomorrow_ten), 4, 1)).await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.unwrap();
    // A retry of the order that took the last place gets its first answer, not `slot_full`.
    let res = keyed(&order_for(Some(&tomorrow_ten), 4, 1)).await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    assert_eq!(res.headers()["Idempotent-Replayed"], "true");
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["order_id"], body["order_id"]);
    assert_eq!(again["pickup_at"], body["pickup_at"]);
    assert_eq!(
        instant(body["pickup_at"].as_str().unwrap()),
        instant(&tomorrow_ten)
    );
    // slot_full: the one place is taken.
    let (status, body) = post(&app, &order_for(Some(&tomorrow_ten), 4, 1)).await;
    let next = assert_refused(status, &body, "slot_full").unwrap();
    assert!(next < instant(&tomorrow_ten) || next > instant(&tomorrow_ten));
    // closed: a closed date.
    let (status, body) = post(&app, &order_for(Some(&day_at(2, "10:00:00")), 4, 1)).await;
    assert!(assert_refused(status, &body, "closed").is_some());
    // too_far_ahead: beyond the five days.
    let (status, body) = post(&app, &order_for(Some(&day_at(9, "10:00:00")), 4, 1)).await;
    assert!(assert_refused(status, &body, "too_far_ahead").is_some());
    // lead_time: a slot that is over.
    let (status, body) = post(&app, &order_for(Some(&day_at(-1, "10:00:00")), 4, 1)).await;
    let next = assert_refused(status, &body, "lead_time").unwrap();
    assert!(next + chrono::Duration::minutes(15) > Utc::now());
    // cut_off: with orders closing at 00:00 the day before, today and tomorrow are closed.
    set_calendar(&app, &token, json!({"cut_off": "00:00", "days_ahead": 5})).await;
    let (status, body) = post(&app, &order_for(Some(&day_at(1, "11:00:00")), 4, 1)).await;
    let next = assert_refused(status, &body, "cut_off").unwrap();
    assert_eq!(next, instant(&day_at(2, "00:00:00")));
    let (status, body) = post(&app, &order_for(None, 4, 1)).await;
    assert_eq!(
        status, 201,
        "an order without a time takes the first open day: {body}"
    );
    assert_eq!(instant(body["pickup_at"].as_str().unwrap()), next);
    // paused: nothing is taken until the pause ends; the next slot is after it.
    set_calendar(&app, &token, json!({})).await;
    let until = Utc::now() + chrono::Duration::hours(2);
    let (status, body) = staff_call(
        &app,
        &token,
        Method::POST,
        "/api/admin/switches",
        json!({"paused_until": until.to_rfc3339()}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post(&app, &seed_order()).await;
    let next = assert_refused(status, &body, "paused").unwrap();
    assert!(
        next + chrono::Duration::minutes(15) > until,
        "{next} {until}"
    );
    let (_, day) = app
        .get_json(&format!(
            "/api/slots?date={}",
            day_at(1, "")[..10].to_owned()
        ))
        .await;
    assert!(
        day["slots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["reason"] == "paused")
    );
    // Busy: 60 minutes more before the earliest slot; clearing both switches takes orders again.
    let (status, _) = staff_call(
        &app,
        &token,
        Method::POST,
        "/api/admin/switches",
        json!({"busy_minutes": 60}),
    )
    .await;
    assert_eq!(status, 200);
    let (_, next) = app.get_json("/api/slots/next").await;
    assert!(
        instant(next["end"].as_str().unwrap()) > Utc::now() + chrono::Duration::minutes(60),
        "{next}"
    );
    let (status, switches) =
        staff_call(&app, &token, Method::POST, "/api/admin/switches", json!({})).await;
    assert_eq!(
        (status, switches),
        (200, json!({"busy_minutes": 0, "paused_until": null}))
    );
    let (status, _) = post(&app, &seed_order()).await;
    assert_eq!(status, 201);
    // Every change was audited.
    let audited = app
        .scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('calendar.update', 'switches.set')",
        )
        .await;
    assert_eq!(audited, 6);
}
on_both_databases!(every_refusal_code_names_the_next_available_slot);

async fn fifty_concurrent_orders_for_a_slot_of_ten_accept_ten(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.calendar.slot_orders = 10).await;
    let slot = day_at(1, "09:00:00");
    let posts = (0..50).map(|_| app.post_order_owned(order_for(Some(&slot), 4, 1)));
    let mut accepted = 0;
    let mut full = 0;
    for res in futures_util::future::join_all(posts).await {
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        match status {
            201 => accepted += 1,
            409 if body["code"] == "slot_full" => full += 1,
            _ => panic!("{status} {body}"),
        }
    }
    assert_eq!((accepted, full), (10, 40));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE pickup_at IS NOT NULL")
            .await,
        10
    );
    let (_, day) = app
        .get_json(&format!("/api/slots?date={}", &slot[..10]))
        .await;
    let nine = day["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| instant(s["start"].as_str().unwrap()) == instant(&slot))
        .unwrap()
        .clone();
    assert_eq!(nine["available"], 0);
    assert_eq!(nine["reason"], "slot_full");
}
on_both_databases!(fifty_concurrent_orders_for_a_slot_of_ten_accept_ten);

async fn a_products_lead_time_and_daily_cap_hold(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = admin_token(&app).await;
    let (status, product) = staff_call(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/2",
        json!({"lead_time_minutes": 1440, "max_per_day": 3, "made_on": "mon-sun"}),
    )
    .await;
    assert_eq!(status, 200, "{product}");
    assert_eq!(product["lead_time_minutes"], 1440);
    // The catalog shows the rules beside the seed's fields (once it has reloaded).
    let mut listed = Value::Null;
    for _ in 0..100 {
        let (_, products) = app.get_json("/api/products").await;
        listed = products
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == 2)
            .unwrap()
            .clone();
        if listed["max_per_day"] == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(listed["max_per_day"], 3);
    assert_eq!(listed["made_on"], "mon-sun");
    for field in ["id", "name", "description", "price", "image_url", "stock"] {
        assert!(listed.get(field).is_some(), "{field}");
    }
    // Too soon: its lead time is a day.
    let (status, body) = post(&app, &order_for(None, 2, 1)).await;
    assert_eq!(status, 201, "the earliest slot that fits: {body}");
    let first = instant(body["pickup_at"].as_str().unwrap());
    assert!(first + chrono::Duration::minutes(15) > Utc::now() + chrono::Duration::hours(24));
    let soon = day_at(0, "23:45:00");
    let (status, body) = post(&app, &order_for(Some(&soon), 2, 1)).await;
    let next = assert_refused(status, &body, "lead_time").unwrap();
    assert!(next + chrono::Duration::minutes(15) > Utc::now() + chrono::Duration::hours(24));
    // Three a day: 1 placed above (for its day), 2 more the same day, then no more.
    let day = first.date_naive();
    let later = format!("{day}T23:45:00+00:00");
    let (status, body) = post(&app, &order_for(Some(&later), 2, 2)).await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = post(&app, &order_for(Some(&later), 2, 1)).await;
    let next = assert_refused(status, &body, "slot_full").unwrap();
    assert!(next.date_naive() > day, "{next}");
    let (_, slots) = app
        .get_json(&format!("/api/slots?date={day}&items=2:1"))
        .await;
    assert!(
        slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["available"] == 0)
    );
    let (_, slots) = app
        .get_json(&format!("/api/slots?date={day}&items=4:1"))
        .await;
    assert!(
        slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["reason"].is_null())
    );
}
on_both_databases!(a_products_lead_time_and_daily_cap_hold);

async fn a_rejected_order_gives_its_slot_back(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.calendar.slot_orders = 1).await;
    app.execute("UPDATE products SET stock = 0 WHERE id = 7")
        .await;
    let slot = day_at(1, "08:00:00");
    let (status, body) = post(&app, &order_for(Some(&slot), 7, 1)).await;
    assert_eq!(status, 201, "{body}");
    let id = body["order_id"].as_i64().unwrap();
    app.wait_for_status(id, &["rejected"], Duration::from_secs(20))
        .await;
    let (status, body) = post(&app, &order_for(Some(&slot), 4, 1)).await;
    assert_eq!(
        status, 201,
        "the rejected order's place is free again: {body}"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM order_bookings").await, 1);
}
on_both_databases!(a_rejected_order_gives_its_slot_back);

async fn a_pause_holds_on_a_second_replica_within_a_second(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let second_db = db.shared();
    let first = spawn_app_on(db, |_| {}).await;
    let second = spawn_role_on(second_db, bakery::startup::Role::Serve, |_| {}).await;
    let (status, _) = post(&second, &seed_order()).await;
    assert_eq!(status, 201);
    let token = admin_token(&first).await;
    let until = Utc::now() + chrono::Duration::hours(1);
    let (status, _) = staff_call(
        &first,
        &token,
        Method::POST,
        "/api/admin/switches",
        json!({"paused_until": until.to_rfc3339()}),
    )
    .await;
    assert_eq!(status, 200);
    let paused_at = Instant::now();
    loop {
        let (status, body) = post(&second, &seed_order()).await;
        if status == 409 {
            assert_eq!(body["code"], "paused");
            break;
        }
        assert!(
            paused_at.elapsed() < Duration::from_secs(1),
            "the second replica still takes orders"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(paused_at.elapsed() < Duration::from_secs(1));
}
on_both_databases!(a_pause_holds_on_a_second_replica_within_a_second);

async fn bad_slot_inputs_are_400_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    for (path, field) in [
        ("/api/slots", "date"),
        ("/api/slots?date=2026-13-01", "date"),
        ("/api/slots?date=tomorrow", "date"),
        ("/api/slots?date=2026-12-01&fulfillment=boat", "fulfillment"),
        ("/api/slots?date=2026-12-01&items=abc", "items"),
        ("/api/slots?date=2026-12-01&items=1:0", "items"),
        ("/api/slots?date=2026-12-01&items=1:1001", "items"),
        ("/api/slots/next?items=1:2,", "items"),
        ("/api/slots/next?items=999:1", "items"),
    ] {
        let (status, body) = app.get_json(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(
            body["error"].is_string() && body["code"].is_string(),
            "{body}"
        );
        assert!(
            body["details"].to_string().contains(field),
            "{path}: {body}"
        );
    }
    for pickup_at in [
        json!("tomorrow"),
        json!(5),
        json!("2026-12-01T10:00:00"),
        json!(day_at(1, "10:07:00")),
    ] {
        let mut body = seed_order();
        body["pickup_at"] = pickup_at.clone();
        let (status, answer) = post(&app, &body).await;
        assert_eq!(status, 400, "{pickup_at}: {answer}");
        assert_eq!(answer["code"], "validation_failed");
        assert_eq!(answer["details"][0]["field"], "pickup_at", "{answer}");
    }
    let token = admin_token(&app).await;
    for (calendar, field) in [
        (json!({"hours": "mon 12:00-07:00"}), "hours"),
        (json!({"time_zone": "Mars/Olympus"}), "time_zone"),
        (json!({"slot_orders": 100001}), "slot_orders"),
        (json!({"cut_off": "7pm"}), "cut_off"),
    ] {
        let (status, body) =
            staff_call(&app, &token, Method::PUT, "/api/admin/calendar", calendar).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["details"][0]["field"], field, "{body}");
    }
    let (status, body) = staff_call(
        &app,
        &token,
        Method::POST,
        "/api/admin/switches",
        json!({"paused_until": "soon"}),
    )
    .await;
    assert_eq!(
        (status, body["details"][0]["field"].clone()),
        (400, json!("paused_until"))
    );
    let (status, body) = staff_call(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/2",
        json!({"made_on": "funday"}),
    )
    .await;
    assert_eq!(
        (status, body["details"][0]["field"].clone()),
        (400, json!("made_on"))
    );
}
on_both_databases!(bad_slot_inputs_are_400_naming_the_field);

async fn a_bakery_zone_shows_its_offset(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.calendar.time_zone = "Asia/Kolkata".into();
        s.calendar.hours = "mon-sun 08:00-12:00".into();
        s.calendar.slot_minutes = 30;
    })
    .await;
    let (_, next) = app.get_json("/api/slots/next").await;
    let start = next["start"].as_str().unwrap();
    assert!(start.ends_with("+05:30"), "{start}");
    let (status, body) = post(&app, &order_for(Some(start), 4, 1)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["pickup_at"], start);
    let id = body["order_id"].as_i64().unwrap();
    let (_, order) = app.get_json(&format!("/api/orders/{id}")).await;
    assert_eq!(order["pickup_at"], start);
    let date = &start[..10];
    let (_, day) = app
        .get_json(&format!("/api/slots?date={date}&fulfillment=delivery"))
        .await;
    assert_eq!(day["time_zone"], "Asia/Kolkata");
    // Delivery windows keep the default hours: all day.
    assert_eq!(day["slots"].as_array().unwrap().len(), 96);
}
on_both_databases!(a_bakery_zone_shows_its_offset);

/// `PATCH /api/admin/switches` changes only what it names: two tills flipping different
/// switches at once both keep theirs; a bad value is a 400 naming the field.
async fn switch_changes_keep_the_other_switch(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = admin_token(&app).await;
    let patch = |body: Value| staff_call(&app, &token, Method::PATCH, "/api/admin/switches", body);
    let until = (Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    for _ in 0..5 {
        let (busy, pause) = futures_util::future::join(
            patch(json!({"busy_minutes": 30})),
            patch(json!({"paused_until": until})),
        )
        .await;
        assert_eq!((busy.0, pause.0), (200, 200), "{busy:?} {pause:?}");
        let (_, now) = app
            .staff_call(&token, Method::GET, "/api/admin/switches", None)
            .await;
        assert_eq!(now["busy_minutes"], 30, "{now}");
        assert!(now["paused_until"].is_string(), "{now}");
        let (status, now) = patch(json!({"paused_until": null})).await;
        assert_eq!(status, 200);
        assert_eq!(now, json!({"busy_minutes": 30, "paused_until": null}));
        let (status, now) = patch(json!({"busy_minutes": 0})).await;
        assert_eq!(
            (status, now),
            (200, json!({"busy_minutes": 0, "paused_until": null}))
        );
    }
    for (body, field) in [
        (json!({"busy_minutes": 1441}), "busy_minutes"),
        (json!({"busy_minutes": -1}), "body"),
        (json!({"paused_until": "tomorrow"}), "paused_until"),
        (json!({"paused": true}), "body"),
    ] {
        let (status, error) = patch(body.clone()).await;
        assert_eq!(status, 400, "{body} {error}");
        assert!(error.to_string().contains(field), "{body} {error}");
    }
    let audited = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'switches.change'")
        .await;
    assert_eq!(audited, 20);
}
on_both_databases!(switch_changes_keep_the_other_switch);
