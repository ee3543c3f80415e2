//! The kitchen works to the clock: an order for a later slot waits `scheduled` (stock reserved),
//! goes into the oven at its slot less the preparation time and is ready by its slot, through a
//! `kill -9` in between; a seed-shape order still goes straight to the oven; a scheduled order's
//! customer may cancel it until the cut-off (stock and booking given back), staff after it, and a
//! cancel sent while the kitchen schedules the new order still cancels it.

use std::time::Duration;

use chrono::{DateTime, Duration as Span, DurationRound, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{
    Backend, TestApp, TestDatabase, accepted, seed_order, spawn_app_with, wait_for_status_at,
};
use bakery_wire::OrderStatus;

/// A slot starting at the next whole minute at least `ahead` from now (a 5-minute slot must fit
/// before midnight, else midnight), and the preparation time that has the kitchen start it
/// `lead` from now: the order waits seconds, not minutes.
fn near_slot(ahead: Span, lead: Span) -> (DateTime<Utc>, Duration) {
    let now = Utc::now();
    let mut slot = (now + ahead + Span::minutes(1))
        .duration_trunc(Span::minutes(1))
        .unwrap();
    if slot.format("%H:%M").to_string().as_str() > "23:55" {
        slot = slot.duration_trunc(Span::days(1)).unwrap() + Span::days(1);
    }
    let prep = (slot - now - lead).to_std().unwrap();
    (slot, prep)
}

/// Special hours that make `slot` the first slot of its day.
fn hours_from(slot: DateTime<Utc>) -> String {
    slot.format("%Y-%m-%d %H:%M-24:00").to_string()
}

fn order_for(pickup_at: &str) -> Value {
    let mut body = seed_order();
    body["pickup_at"] = json!(pickup_at);
    body
}

/// The statuses of the order's history, oldest first.
fn history(order: &bakery_wire::OrderView) -> Vec<OrderStatus> {
    order.history.iter().map(|c| c.status).collect()
}

async fn a_scheduled_order_starts_at_its_time_and_is_ready_by_its_slot(backend: Backend) {
    let (slot, prep) = near_slot(Span::seconds(8), Span::seconds(4));
    let special = hours_from(slot);
    let app = spawn_app_with(backend, |s| {
        s.worker.prep_time = prep;
        s.worker.schedule_sweep = Duration::from_millis(500);
        s.calendar.slot_minutes = 5;
        s.calendar.special_hours = special;
    })
    .await;
    let start_at = slot - Span::from_std(prep).unwrap();
    let placed = accepted(app.post_order(&order_for(&slot.to_rfc3339())).await).await;
    assert_eq!(placed.status, OrderStatus::Pending);
    let id = placed.order_id;
    let waiting = app
        .wait_for_status(id, &["scheduled", "processing"], Duration::from_secs(10))
        .await;
    assert_eq!(waiting.status, OrderStatus::Scheduled, "{waiting:?}");
    assert!(
        Utc::now() < start_at,
        "the test was too slow to see it wait"
    );
    assert_eq!(
        app.scalar("SELECT stock FROM products WHERE id = 1").await,
        300 - 2,
        "stock is reserved when the order is scheduled"
    );
    let baking = app
        .wait_for_status(id, &["processing", "ready"], Duration::from_secs(30))
        .await;
    let started = Utc::now();
    assert!(started >= start_at, "started early: {started} < {start_at}");
    assert!(
        started < start_at + Span::seconds(3),
        "started late: {started} > {start_at}"
    );
    assert_eq!(baking.status, OrderStatus::Processing);
    let ready = app
        .wait_for_status(id, &["ready"], Duration::from_secs(90))
        .await;
    let ready_at = DateTime::parse_from_str(
        &format!("{} +0000", ready.ready_at.as_deref().unwrap()),
        "%Y-%m-%d %H:%M:%S %z",
    )
    .unwrap();
    assert!(
        (ready_at.with_timezone(&Utc) - slot).num_seconds().abs() <= 2,
        "{ready:?}"
    );
    assert!(Utc::now() <= slot + Span::seconds(3), "ready by its slot");
    assert_eq!(
        history(&ready),
        [
            OrderStatus::Pending,
            OrderStatus::Scheduled,
            OrderStatus::Processing,
            OrderStatus::Ready
        ]
    );
    assert_eq!(
        ready.pickup_at.as_deref(),
        Some(
            slot.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
        )
    );
    let until = slot + Span::minutes(5);
    assert_eq!(
        ready.pickup_until.as_deref(),
        Some(
            until
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                .as_str()
        )
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE start_at IS NOT NULL")
            .await,
        0
    );
}
on_both_databases!(a_scheduled_order_starts_at_its_time_and_is_ready_by_its_slot);

async fn a_seed_shape_order_goes_straight_to_the_oven(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.worker.prep_time = Duration::from_millis(300)).await;
    let id = app.place(&seed_order()).await;
    let ready = app
        .wait_for_status(id, &["ready"], Duration::from_secs(10))
        .await;
    assert_eq!(
        history(&ready),
        [
            OrderStatus::Pending,
            OrderStatus::Processing,
            OrderStatus::Ready
        ]
    );
    assert!(
        ready.pickup_at.is_some() && ready.pickup_until.is_some(),
        "{ready:?}"
    );
}
on_both_databases!(a_seed_shape_order_goes_straight_to_the_oven);

/// A bearer token of a new staff account of `role`, made straight in the database.
pub async fn staff_token(app: &TestApp, role: &str) -> String {
    let db = app.db.connect().await;
    let role = bakery_wire::staff::StaffRole::parse(role).unwrap();
    let (_, token) = bakery::staff::accounts::create_api_token(&db, "planning test", role, "test")
        .await
        .unwrap();
    token
}

async fn customer_cancel(app: &TestApp, id: i64, token: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url(&format!("/api/orders/{id}/cancel")))
        .header("X-Order-Token", token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn a_scheduled_order_is_cancelled_until_its_cut_off(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.calendar.slot_orders = 5;
        s.calendar.cut_off = "23:59".into();
    })
    .await;
    // Tomorrow's orders close tonight at 23:59.
    let tomorrow = (Utc::now() + Span::days(1)).format("%Y-%m-%d").to_string();
    let slot = format!("{tomorrow}T10:00:00Z");
    let first = accepted(app.post_order(&order_for(&slot)).await).await;
    let second = accepted(app.post_order(&order_for(&slot)).await).await;
    for order in [&first, &second] {
        let o = app
            .wait_for_status(order.order_id, &["scheduled"], Duration::from_secs(10))
            .await;
        assert_eq!(o.status, OrderStatus::Scheduled);
    }
    let stock = "SELECT stock FROM products WHERE id = 1";
    let booked =
        "SELECT CAST(COALESCE(SUM(orders), 0) AS BIGINT) FROM bookings WHERE scope = 'slot pickup'";
    assert_eq!(app.scalar(stock).await, 300 - 4);
    assert_eq!(app.scalar(booked).await, 2);

    let (status, body) = customer_cancel(&app, first.order_id, &first.tracking_token).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "cancelled");
    assert_eq!(app.scalar(stock).await, 300 - 2, "its stock goes back");
    assert_eq!(
        app.scalar(booked).await,
        1,
        "its place in the slot goes back"
    );
    let held = format!(
        "SELECT COUNT(*) FROM order_bookings WHERE order_id = {}",
        first.order_id
    );
    assert_eq!(app.scalar(&held).await, 0);

    // The admin moves the cut-off to midnight: tomorrow's orders closed this morning.
    let admin = staff_token(&app, "admin").await;
    let (status, mut calendar) = app
        .staff_call(&admin, Method::GET, "/api/admin/calendar", None)
        .await;
    assert_eq!(status, 200, "{calendar}");
    calendar["cut_off"] = json!("00:00");
    let (status, body) = app
        .staff_call(&admin, Method::PUT, "/api/admin/calendar", Some(calendar))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = customer_cancel(&app, second.order_id, &second.tracking_token).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "cancel_cut_off", "{body}");
    assert!(
        body["details"]["cut_off"]
            .as_str()
            .unwrap()
            .contains("T00:00:00"),
        "{body}"
    );
    assert_eq!(
        app.order(second.order_id).await.status,
        OrderStatus::Scheduled
    );

    // Staff may cancel it until it is baked.
    let baker = staff_token(&app, "baker").await;
    let path = format!("/api/admin/orders/{}/cancel", second.order_id);
    let (status, body) = app
        .staff_call(
            &baker,
            Method::POST,
            &path,
            Some(json!({"reason": "shop closed"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.scalar(stock).await, 300);
    assert_eq!(app.scalar(booked).await, 0);
}
on_both_databases!(a_scheduled_order_is_cancelled_until_its_cut_off);

async fn kill_9_while_scheduled_still_bakes_it_on_time(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let client = bakery_test_support::client();
    let (slot, prep) = near_slot(Span::seconds(12), Span::seconds(8));
    let special = hours_from(slot);
    let prep_text = format!("{}ms", prep.as_millis());
    let env = [
        ("BAKERY_PREP_TIME", prep_text.as_str()),
        ("BAKERY_WORKER_SCHEDULE_SWEEP", "500ms"),
        ("BAKERY_CALENDAR_SLOT_MINUTES", "5"),
        ("BAKERY_CALENDAR_SPECIAL_HOURS", special.as_str()),
    ];
    let (mut first, url) = bakery_test_support::start_binary(&db.url, &env).await;
    let res = client
        .post(format!("{url}/api/orders"))
        .json(&order_for(&slot.to_rfc3339()))
        .send()
        .await
        .unwrap();
    let id = accepted(res).await.order_id;
    let within = Duration::from_secs(10);
    let waiting = wait_for_status_at(&client, &url, id, &["scheduled", "processing"], within).await;
    assert_eq!(waiting.status, OrderStatus::Scheduled);
    first.kill().await.unwrap(); // SIGKILL, with the order on the kitchen's clock
    first.wait().await.unwrap();
    let start_at = slot - Span::from_std(prep).unwrap();
    assert!(
        Utc::now() < start_at,
        "the kill came after the start; nothing was tested"
    );

    let (mut second, url) = bakery_test_support::start_binary(&db.url, &env).await;
    let baking = wait_for_status_at(
        &client,
        &url,
        id,
        &["processing", "ready"],
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(baking.status, OrderStatus::Processing);
    assert!(Utc::now() >= start_at);
    let ready = wait_for_status_at(&client, &url, id, &["ready"], Duration::from_secs(90)).await;
    assert!(Utc::now() <= slot + Span::seconds(3), "ready by its slot");
    assert_eq!(
        history(&ready),
        [
            OrderStatus::Pending,
            OrderStatus::Scheduled,
            OrderStatus::Processing,
            OrderStatus::Ready
        ]
    );
    let probe = bakery_test_support::probe(&db.url).await;
    assert_eq!(
        probe
            .scalar("SELECT stock FROM products WHERE id = 1")
            .await,
        300 - 2
    );
    second.kill().await.unwrap();
}
on_both_databases!(kill_9_while_scheduled_still_bakes_it_on_time);

/// A customer who cancels at once, while the kitchen is moving the new order from `pending` to
/// `scheduled`, gets the cancel (the order is checked again as it now is), never a 409.
async fn a_cancel_right_after_ordering_for_later_wins_the_race(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.calendar.slot_orders = 100;
        s.calendar.cut_off = "23:59".into();
    })
    .await;
    let tomorrow = (Utc::now() + Span::days(1)).format("%Y-%m-%d").to_string();
    let slot = format!("{tomorrow}T10:00:00Z");
    let stock = "SELECT stock FROM products WHERE id = 1";
    let before = app.scalar(stock).await;
    for _ in 0..15 {
        let placed = accepted(app.post_order(&order_for(&slot)).await).await;
        let (status, body) = customer_cancel(&app, placed.order_id, &placed.tracking_token).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["status"], "cancelled", "{body}");
    }
    // Whichever status each cancel met, every reserved piece is back.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.scalar(stock).await != before && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(app.scalar(stock).await, before);
}
on_both_databases!(a_cancel_right_after_ordering_for_later_wins_the_race);
