//! Slot capacity across replicas: 50 concurrent orders for a slot of 10 places, spread over two
//! `serve` processes on one PostgreSQL database, leave exactly 10 accepted.

use bakery::startup::Role;
use serde_json::{Value, json};

use crate::cluster::Cluster;

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn fifty_orders_over_two_replicas_for_ten_places_accept_ten() {
    let cluster = Cluster::new().await;
    let ten = |s: &mut bakery::config::Settings| s.calendar.slot_orders = 10;
    let first = cluster.client(&cluster.start(Role::Serve, ten).await.unwrap());
    let second = cluster.client(&cluster.start(Role::Serve, ten).await.unwrap());
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    let slot = format!("{tomorrow}T09:00:00+00:00");
    let order = json!({"customer_name": "Rush", "customer_email": "rush@example.com",
        "items": [{"product_id": 4, "quantity": 1}], "pickup_at": slot});
    let posts = (0..50).map(|i| {
        let api = if i % 2 == 0 { &first } else { &second };
        api.place(&order)
    });
    let mut accepted = 0;
    for res in futures_util::future::join_all(posts).await {
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap();
        match status {
            201 => accepted += 1,
            409 => assert_eq!(body["code"], "slot_full", "{body}"),
            _ => panic!("{status} {body}"),
        }
    }
    assert_eq!(accepted, 10);
    assert_eq!(
        cluster
            .scalar("SELECT COUNT(*) FROM orders WHERE pickup_at IS NOT NULL")
            .await,
        10
    );
    assert_eq!(
        cluster
            .scalar("SELECT orders FROM bookings WHERE scope = 'slot pickup'")
            .await,
        10
    );
}
