//! The retention sweep: old idempotency keys, published outbox rows, delivered notifications and
//! ended staff sessions go; orders, their history, and undelivered notifications stay.

use std::time::Duration;

use bakery::store::retention::{Retention, Swept, sweep};
use bakery_test_support::{Backend, on_both_databases, seed_order, spawn_app};
use bakery_wire::staff::StaffRole;
use chrono::Utc;
use entity::{notification_delivery, outbox};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::EntityTrait;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// An outbox row of a notification, published `days_ago`, and one delivery of it in `status`
/// (delivered `delivered_days_ago` when delivered).
async fn notification(
    db: &sea_orm::DatabaseConnection,
    days_ago: i64,
    status: &str,
    delivered_days_ago: i64,
) -> i64 {
    let now = Utc::now();
    let row = outbox::Entity::insert(outbox::ActiveModel {
        id: NotSet,
        topic: Set("notifications".into()),
        payload: Set("{}".into()),
        created_at: Set(now - chrono::Duration::days(days_ago)),
        published_at: Set(Some(now - chrono::Duration::days(days_ago))),
        attempts: Set(0),
    })
    .exec(db)
    .await
    .unwrap();
    notification_delivery::Entity::insert(notification_delivery::ActiveModel {
        id: NotSet,
        outbox_id: Set(row.last_insert_id),
        channel: Set("webhook".into()),
        target: Set("1".into()),
        status: Set(status.into()),
        attempts: Set(1),
        last_error: Set(None),
        created_at: Set(now - chrono::Duration::days(days_ago)),
        updated_at: Set(now - chrono::Duration::days(delivered_days_ago)),
        delivered_at: Set(
            (status == "delivered").then(|| now - chrono::Duration::days(delivered_days_ago))
        ),
        next_attempt_at: Set(None),
    })
    .exec(db)
    .await
    .unwrap();
    row.last_insert_id
}

async fn the_sweep_forgets_only_what_is_past_its_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let db = app.db.connect().await;
    let placed = |key: &'static str| {
        app.client
            .post(app.url("/api/orders"))
            .header("Idempotency-Key", key)
            .json(&seed_order())
            .send()
    };
    let first: serde_json::Value = placed("checkout-1").await.unwrap().json().await.unwrap();
    app.wait_for_status(
        first["order_id"].as_i64().unwrap(),
        &["ready"],
        Duration::from_secs(10),
    )
    .await;
    bakery::staff::accounts::create_user(
        &db,
        "baker@example.com",
        "baker-secret-password",
        StaffRole::Baker,
    )
    .await
    .unwrap();
    let res = app
        .client
        .post(app.url("/api/staff/sign-in"))
        .json(
            &serde_json::json!({"email": "baker@example.com", "password": "baker-secret-password"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let old_delivered = notification(&db, 40, "delivered", 40).await;
    let old_dead = notification(&db, 40, "dead", 40).await;
    let recent_delivered = notification(&db, 1, "delivered", 1).await;
    let outbox_rows = app.scalar("SELECT COUNT(*) FROM outbox").await;
    let events = app.scalar("SELECT COUNT(*) FROM order_events").await;

    let retention = Retention {
        idempotency_keys: DAY,
        published_outbox: 7 * DAY,
        delivered_notifications: 30 * DAY,
        session_idle_timeout: Duration::from_secs(30 * 60),
    };
    // Today nothing is old enough but the 40-day-old delivered notification and its outbox row.
    let today = sweep(&db, &retention, Utc::now()).await.unwrap();
    assert_eq!(
        today,
        Swept {
            idempotency_keys: 0,
            outbox_rows: 1,
            notifications: 1,
            sessions: 0
        }
    );
    let gone = |id: i64| {
        let db = db.clone();
        async move {
            outbox::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .is_none()
        }
    };
    assert!(gone(old_delivered).await);
    assert!(
        !gone(old_dead).await,
        "a dead notification's row is kept for its retry"
    );
    assert!(!gone(recent_delivered).await);

    // Two days on: the order's key and the baker's session are over; orders and history stay.
    let later = sweep(&db, &retention, Utc::now() + chrono::Duration::days(2))
        .await
        .unwrap();
    assert_eq!(later.idempotency_keys, 1);
    assert_eq!(later.sessions, 1);
    assert_eq!(later.notifications, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM staff_sessions").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM order_events").await,
        events
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox").await,
        outbox_rows - 1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE idempotency_key IS NOT NULL")
            .await,
        0
    );
    // A retry with a forgotten key places a new order, as documented.
    let again: serde_json::Value = placed("checkout-1").await.unwrap().json().await.unwrap();
    assert_ne!(again["order_id"], first["order_id"]);
}
on_both_databases!(the_sweep_forgets_only_what_is_past_its_time);
