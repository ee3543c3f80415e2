//! The production sheet: for a day of the bakery, each product to bake per slot and in all, with
//! the orders behind it (cancelled ones left out), as JSON and as a CSV download; staff only.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{Duration as Span, Utc};
use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::{Backend, accepted, on_both_databases, spawn_app};

use super::scheduled::staff_token;

fn order(pickup_at: &str, items: &[(i64, i64)]) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|(product_id, quantity)| json!({"product_id": product_id, "quantity": quantity}))
        .collect();
    json!({
        "customer_name": "Vedanti Verma",
        "customer_email": "vedanti@example.com",
        "items": items,
        "pickup_at": pickup_at,
    })
}

async fn the_sheet_sums_the_days_accepted_orders(backend: Backend) {
    let app = spawn_app(backend).await;
    let tomorrow = (Utc::now() + Span::days(1)).format("%Y-%m-%d").to_string();
    let after = (Utc::now() + Span::days(2)).format("%Y-%m-%d").to_string();
    let (ten, half) = (
        format!("{tomorrow}T10:00:00Z"),
        format!("{tomorrow}T10:30:00Z"),
    );
    let placed = [
        (ten.clone(), vec![(1, 2), (2, 1)]),
        (ten.clone(), vec![(1, 3)]),
        (half.clone(), vec![(1, 1), (3, 4)]),
        (half.clone(), vec![(2, 5)]),                 // cancelled below
        (format!("{after}T10:00:00Z"), vec![(1, 7)]), // another day
    ];
    let mut ids = Vec::new();
    for (at, items) in &placed {
        let res = app.post_order(&order(at, items)).await;
        ids.push(accepted(res).await);
    }
    for o in &ids {
        app.wait_for_status(o.order_id, &["scheduled"], Duration::from_secs(10))
            .await;
    }
    let res = app
        .client
        .post(app.url(&format!("/api/orders/{}/cancel", ids[3].order_id)))
        .header("X-Order-Token", &ids[3].tracking_token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // What the sheet must say: the accepted orders' lines of the day.
    let mut want: BTreeMap<i64, i64> = BTreeMap::new();
    let mut want_slots: BTreeMap<(i64, String), (i64, Vec<i64>)> = BTreeMap::new();
    for (n, (at, items)) in placed.iter().enumerate().take(3) {
        for (product, quantity) in items {
            *want.entry(*product).or_default() += quantity;
            let slot = want_slots.entry((*product, at.clone())).or_default();
            slot.0 += quantity;
            slot.1.push(ids[n].order_id);
        }
    }

    let baker = staff_token(&app, "baker").await;
    let path = format!("/api/admin/production?date={tomorrow}");
    let (status, sheet) = app.staff_call(&baker, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{sheet}");
    assert_eq!(sheet["date"], tomorrow.as_str());
    assert_eq!(sheet["orders"], 3, "{sheet}");
    assert_eq!(sheet["total"], want.values().sum::<i64>(), "{sheet}");
    let products = sheet["products"].as_array().unwrap();
    let got: BTreeMap<i64, i64> = products
        .iter()
        .map(|p| {
            (
                p["product_id"].as_i64().unwrap(),
                p["quantity"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(got, want, "{sheet}");
    for p in products {
        let product = p["product_id"].as_i64().unwrap();
        for slot in p["slots"].as_array().unwrap() {
            let start = slot["start"].as_str().unwrap().replace("+00:00", "Z");
            let (quantity, orders) = &want_slots[&(product, start)];
            assert_eq!(slot["quantity"], *quantity, "{sheet}");
            assert_eq!(slot["order_ids"], json!(orders), "{sheet}");
        }
    }

    let res = app
        .client
        .get(app.url(&format!("/api/admin/production.csv?date={tomorrow}")))
        .bearer_auth(&baker)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"production-{tomorrow}.csv\"")
    );
    let text = res.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("date,slot,product_id,product,quantity,orders,options,inscriptions")
    );
    let mut all_day: BTreeMap<i64, i64> = BTreeMap::new();
    let mut per_slot: BTreeMap<i64, i64> = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let (product, quantity) = (cells[2].parse().unwrap(), cells[4].parse::<i64>().unwrap());
        if cells[1] == "all day" {
            *all_day.entry(product).or_default() += quantity;
        } else {
            *per_slot.entry(product).or_default() += quantity;
        }
    }
    assert_eq!(all_day, want, "{text}");
    assert_eq!(per_slot, want, "{text}");

    // Only staff; a date that is not one is a 400.
    let (status, _) = app.get_json(&path).await;
    assert_eq!(status, 401);
    let bad = "/api/admin/production?date=2026-13-45";
    let (status, body) = app.staff_call(&baker, Method::GET, bad, None).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "validation_failed", "{body}");
}
on_both_databases!(the_sheet_sums_the_days_accepted_orders);
