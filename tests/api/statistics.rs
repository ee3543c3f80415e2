//! PostgreSQL: a new database's order tables get planner statistics once they hold orders, so
//! batch look-ups by order id use the indexes instead of reading whole tables.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use bakery_test_support::{Backend, spawn_app};

/// Orders written behind the app's back (finished ones, so the kitchen leaves them alone).
const ORDERS: i64 = 1_500;

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_new_databases_order_tables_get_statistics_once_they_fill() {
    let app = spawn_app(Backend::Postgres).await;
    let conn = app.db.connect().await;
    let fill = [
        format!(
            "INSERT INTO orders (customer_name, customer_email, status, total_cents, created_at, updated_at) \
             SELECT 'Ada', 'ada@example.com', 'ready', 700, now(), now() FROM generate_series(1, {ORDERS})"
        ),
        "INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price_cents) \
         SELECT o.id, p.id, 'Croissant', 1, 350 FROM orders o CROSS JOIN (VALUES (1), (2)) AS p(id)"
            .to_owned(),
        "INSERT INTO order_events (order_id, status, note, at) \
         SELECT o.id, s.status, NULL, now() FROM orders o \
         CROSS JOIN (VALUES ('pending'), ('processing'), ('ready')) AS s(status)"
            .to_owned(),
        "INSERT INTO outbox (topic, payload, created_at, published_at, attempts) \
         SELECT 'notifications', '{}', now(), now(), 0 FROM orders"
            .to_owned(),
    ];
    for sql in &fill {
        conn.execute_unprepared(sql).await.unwrap();
    }
    conn.close().await.unwrap(); // sends this connection's row counts to the statistics views

    app.wait_for_scalar(
        "SELECT count(*) FROM pg_stat_user_tables \
         WHERE relname IN ('orders', 'order_items', 'order_events', 'outbox') \
           AND last_analyze IS NULL AND last_autoanalyze IS NULL",
        0,
        Duration::from_secs(30),
        "order tables without statistics",
    )
    .await;

    let probe = app.db.connect().await;

    // The kitchen's look-up of a batch's lines, as it plans now.
    let ids: Vec<String> = (1..=64).map(|id| id.to_string()).collect();
    let explain = format!(
        "EXPLAIN SELECT * FROM order_items WHERE order_id IN ({})",
        ids.join(", ")
    );
    let plan: Vec<String> = probe
        .query_all_raw(Statement::from_string(DbBackend::Postgres, explain))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect();
    let plan = plan.join("\n");
    assert!(
        !plan.contains("Seq Scan"),
        "the lines of 64 orders are read by scanning the table:\n{plan}"
    );
}
