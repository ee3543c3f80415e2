//! A year of a busy shop written straight into a fresh database: orders, their lines, their events
//! and tracking tokens, and the audit log.
//!
//! The rows are made by the database itself (`INSERT … SELECT` over a generated series: PostgreSQL's
//! `generate_series`, SQLite's recursive CTE) in transactions of [`BATCH`] orders, so nothing
//! crosses the wire row by row. The history ends at the start of today (UTC): today's board and
//! production sheet hold only the orders the run itself places, on both databases alike.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sea_orm::sqlx;

use crate::Error;
use crate::db::Db;

/// Orders per transaction.
const BATCH: u64 = 50_000;

/// Seconds in the year of history.
const YEAR: u64 = 365 * 86_400;

/// Lines per order.
pub const LINES_PER_ORDER: u64 = 3;

/// One order in this many was cancelled by its customer; the rest were picked up.
const CANCELLED_EVERY: u64 = 40;

/// Audit rows a day (stock changes, sign-ins).
const AUDIT_PER_DAY: u64 = 20;

/// What was written.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Filled {
    pub orders: u64,
    pub lines: u64,
    pub events: u64,
    pub audit_rows: u64,
    pub seconds: f64,
}

/// The SQL dialect's pieces.
struct Dialect {
    sqlite: bool,
}

impl Dialect {
    /// `WITH` clause naming the series `s(g)` from `first` to `last`.
    fn series(&self, first: u64, last: u64) -> String {
        if self.sqlite {
            format!(
                "WITH RECURSIVE s(g) AS (SELECT {first} UNION ALL SELECT g + 1 FROM s WHERE g < {last})"
            )
        } else {
            format!("WITH s(g) AS (SELECT generate_series({first}::bigint, {last}::bigint))")
        }
    }

    /// A timestamp of `seconds` since the epoch, stored the way the bakery stores its own.
    fn at(&self, seconds: &str) -> String {
        if self.sqlite {
            format!("(strftime('%Y-%m-%dT%H:%M:%S', {seconds}, 'unixepoch') || '.000000000+00:00')")
        } else {
            format!("to_timestamp({seconds})")
        }
    }

    /// 64 hex characters made from `id` (a stand-in for a token's hash).
    fn hash(&self, id: &str) -> String {
        if self.sqlite {
            format!("printf('%064x', {id})")
        } else {
            format!("md5({id}::text) || md5(({id} + 1)::text)")
        }
    }
}

/// Writes `orders` orders spread evenly over the year before today, with progress on stderr.
pub async fn fill(db: &Db, orders: u64) -> Result<Filled, Error> {
    let started = Instant::now();
    let dialect = Dialect {
        sqlite: matches!(db, Db::Sqlite(_)),
    };
    let (first_product, products) = catalog(db).await?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let today = now - now % 86_400;
    let start = today - YEAR;
    let step = YEAR as f64 / orders.max(1) as f64;
    let mut first = 1;
    while first <= orders {
        let last = (first + BATCH - 1).min(orders);
        let statements = batch(&dialect, first, last, start, step, first_product, products);
        db.transaction(&statements).await?;
        eprint!("\r  history: {last:>9} of {orders} orders written");
        first = last + 1;
    }
    eprintln!();
    let audit_rows = AUDIT_PER_DAY * 365;
    db.transaction(&[audit(&dialect, audit_rows, start, YEAR)])
        .await?;
    if !dialect.sqlite {
        // Identity columns do not follow explicit ids: the next order must come after the history.
        db.execute(&format!(
            "SELECT setval(pg_get_serial_sequence('orders', 'id'), {orders})"
        ))
        .await?;
    }
    eprintln!("  history: analysing the tables");
    db.execute("ANALYZE").await?;
    let cancelled = orders / CANCELLED_EVERY;
    Ok(Filled {
        orders,
        lines: orders * LINES_PER_ORDER,
        events: (orders - cancelled) * 4 + cancelled * 2,
        audit_rows,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The first product id and how many products there are (the sample catalog's ids run on).
async fn catalog(db: &Db) -> Result<(i64, i64), Error> {
    let sql = "SELECT MIN(id), COUNT(*) FROM products";
    let (min, count): (Option<i64>, i64) = match db {
        Db::Pg(pool) => sqlx::query_as(sql).fetch_one(pool).await?,
        Db::Sqlite(pool) => sqlx::query_as(sql).fetch_one(pool).await?,
    };
    match min {
        Some(min) if count > 0 => Ok((min, count)),
        _ => Err("the catalog is empty: run `bakery migrate` first".into()),
    }
}

/// The statements that write orders `first..=last`.
fn batch(
    d: &Dialect,
    first: u64,
    last: u64,
    start: u64,
    step: f64,
    first_product: i64,
    products: i64,
) -> Vec<String> {
    let series = d.series(first, last);
    let t = format!("({start} + (s.g - 1) * {step})");
    let at = |offset: u64| d.at(&format!("{t} + {offset}"));
    let status =
        format!("CASE WHEN s.g % {CANCELLED_EVERY} = 0 THEN 'cancelled' ELSE 'completed' END");
    let orders = format!(
        "{series} INSERT INTO orders (id, customer_name, customer_email, status, total_cents, \
         attempts, ready_at, created_at, updated_at, fulfillment, pickup_at) \
         SELECT s.g, 'Customer ' || (s.g % 40000), 'customer' || (s.g % 40000) || '@example.com', \
         {status}, 2248, 1, \
         CASE WHEN s.g % {CANCELLED_EVERY} = 0 THEN NULL ELSE {ready} END, \
         {created}, {updated}, 'pickup', {pickup} FROM s",
        ready = at(1_200),
        created = at(0),
        updated = at(7_200),
        pickup = at(1_800),
    );
    let lines = format!(
        "{series} INSERT INTO order_items (order_id, product_id, product_name, quantity, \
         unit_price_cents) \
         SELECT s.g, p.id, p.name, 1, p.price_cents FROM s \
         CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2) j \
         JOIN products p ON p.id = {first_product} + ((s.g + j.k) % {products}) \
         ORDER BY s.g, j.k"
    );
    let events = format!(
        "{series} INSERT INTO order_events (order_id, status, note, at) \
         SELECT s.g, e.status, e.note, {at_event} FROM s \
         CROSS JOIN (SELECT 0 AS k, 'pending' AS status, 'order placed' AS note, 0 AS delay_s \
           UNION ALL SELECT 1, 'processing', 'in the oven', 60 \
           UNION ALL SELECT 2, 'ready', 'ready for pickup', 1200 \
           UNION ALL SELECT 3, 'completed', 'picked up', 7200 \
           UNION ALL SELECT 4, 'cancelled', 'cancelled by the customer', 300) e \
         WHERE (s.g % {CANCELLED_EVERY} <> 0 AND e.k < 4) \
            OR (s.g % {CANCELLED_EVERY} = 0 AND e.k IN (0, 4)) \
         ORDER BY s.g, e.k",
        at_event = d.at(&format!("{t} + e.delay_s")),
    );
    let tokens = format!(
        "{series} INSERT INTO order_tracking_tokens (order_id, token_hash, created_at) \
         SELECT s.g, {hash}, {created} FROM s",
        hash = d.hash("s.g"),
        created = at(0),
    );
    vec![orders, lines, events, tokens]
}

/// Writes today's activity that every run starts with, history or not: a page and more of audit
/// rows (the audit log shows the latest 500), so both runs read full pages.
pub async fn today(db: &Db) -> Result<(), Error> {
    let dialect = Dialect {
        sqlite: matches!(db, Db::Sqlite(_)),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let midnight = now - now % 86_400;
    db.transaction(&[audit(&dialect, 600, midnight, (now - midnight).max(600))])
        .await
}

/// `rows` audit rows spread over `span` seconds from `start`.
fn audit(d: &Dialect, rows: u64, start: u64, span: u64) -> String {
    let every = span / rows.max(1);
    format!(
        "{series} INSERT INTO audit_log (actor, action, target, details, at) \
         SELECT 'admin@bakery.example', 'product.stock', 'product ' || (s.g % 10 + 1), \
         '{{\"adjust\":24}}', {at} FROM s",
        series = d.series(1, rows),
        at = d.at(&format!("{start} + s.g * {every}")),
    )
}

/// The database's size on disk, in bytes (SQLite: the file with its write-ahead log).
pub async fn size_bytes(db: &Db, sqlite_file: Option<&str>) -> Result<u64, Error> {
    match (db, sqlite_file) {
        (Db::Sqlite(_), Some(file)) => {
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
            let size = |f: String| std::fs::metadata(f).map_or(0, |m| m.len());
            Ok(size(file.to_owned()) + size(format!("{file}-wal")))
        }
        (Db::Pg(pool), _) => {
            let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                .fetch_one(pool)
                .await?;
            Ok(u64::try_from(bytes).unwrap_or(0))
        }
        (Db::Sqlite(_), None) => Ok(0),
    }
}

/// How long `f` took.
pub async fn timed<T, F: std::future::Future<Output = Result<T, Error>>>(
    f: F,
) -> Result<(T, Duration), Error> {
    let started = Instant::now();
    let value = f.await?;
    Ok((value, started.elapsed()))
}
