//! A day of `GET /api/slots` as the storefront's picker reads it: why none of a day's slots can
//! be ordered (a closed day, a full one), the days customers may order for, and an order's slot
//! shown in the bakery's zone by a replica that had not read the calendar yet.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{
    Backend, TestDatabase, seed_order, spawn_app, spawn_app_on, spawn_role_on,
};

/// The local (UTC) date `days` days from today.
fn day(days: i64) -> String {
    (Utc::now() + Duration::days(days))
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

async fn a_day_says_why_none_of_it_can_be_ordered(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.admin_bearer("picker").await;
    let calendar = json!({"hours": "mon-sun 09:00-11:00", "slot_minutes": 60, "slot_orders": 1,
        "days_ahead": 3, "closed_dates": day(2)});
    let (status, body) = app
        .staff_call(&token, Method::PUT, "/api/admin/calendar", Some(calendar))
        .await;
    assert_eq!(status, 200, "{body}");

    // An open day: no day reason, and the window of days customers may order for.
    let (status, open) = app.get_json(&format!("/api/slots?date={}", day(1))).await;
    assert_eq!(status, 200, "{open}");
    assert_eq!(open["reason"], Value::Null, "{open}");
    assert_eq!(open["first_date"], day(0));
    assert_eq!(open["last_date"], day(3));
    assert_eq!(open["slots"].as_array().unwrap().len(), 2);

    // A closed date has no slots, and says so.
    let (_, closed) = app.get_json(&format!("/api/slots?date={}", day(2))).await;
    assert_eq!(closed["slots"], json!([]), "{closed}");
    assert_eq!(closed["reason"], "closed");

    // Beyond the days ahead: every slot and the day are too far ahead.
    let (_, far) = app.get_json(&format!("/api/slots?date={}", day(5))).await;
    assert_eq!(far["reason"], "too_far_ahead", "{far}");

    // Both slots of tomorrow taken: each slot and the day are full.
    let (_, open) = app.get_json(&format!("/api/slots?date={}", day(1))).await;
    for slot in open["slots"].as_array().unwrap() {
        let mut order = seed_order();
        order["pickup_at"] = slot["start"].clone();
        let res = app.post_order(&order).await;
        assert_eq!(res.status().as_u16(), 201);
    }
    let (_, full) = app.get_json(&format!("/api/slots?date={}", day(1))).await;
    assert_eq!(full["reason"], "slot_full", "{full}");
    assert!(
        full["slots"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["reason"] == "slot_full" && s["available"] == 0),
        "{full}"
    );
}
on_both_databases!(a_day_says_why_none_of_it_can_be_ordered);

async fn a_replica_shows_an_orders_slot_in_the_zone_admins_set(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let second_db = db.shared();
    let first = spawn_app_on(db, |_| {}).await;
    let second = spawn_role_on(second_db, bakery::startup::Role::Serve, |_| {}).await;
    let token = first.admin_bearer("zone").await;
    let calendar = json!({"time_zone": "Asia/Kolkata"});
    let (status, body) = first
        .staff_call(&token, Method::PUT, "/api/admin/calendar", Some(calendar))
        .await;
    assert_eq!(status, 200, "{body}");
    let res = first.post_order(&seed_order()).await;
    assert_eq!(res.status().as_u16(), 201);
    let placed: Value = res.json().await.unwrap();
    let start = placed["pickup_at"].as_str().unwrap().to_owned();
    assert!(start.ends_with("+05:30"), "{start}");
    // The second replica has read no planning since it started; its page of the order (which
    // the storefront reads again after a live update) still shows the bakery's offset.
    let id = placed["order_id"].as_i64().unwrap();
    let (status, order) = second.get_json(&format!("/api/orders/{id}")).await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["pickup_at"], start.as_str(), "{order}");
    assert!(
        order["pickup_until"].as_str().unwrap().ends_with("+05:30"),
        "{order}"
    );
}
on_both_databases!(a_replica_shows_an_orders_slot_in_the_zone_admins_set);
