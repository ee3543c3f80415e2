//! The soak's verdict: every accepted order final with one of each event, stock conserved,
//! notifications neither lost nor repeated beyond at-least-once, memory flat.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sqlx;
use serde::Serialize;

use super::hooks::Call;
use super::record::{Fault, RssSample, slope};
use super::traffic::{Accepted, FINAL};
use crate::Error;
use crate::db::Db;

/// One check and whether it held.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

fn check(name: &str, ok: bool, detail: String) -> Check {
    Check {
        name: name.to_owned(),
        ok,
        detail,
    }
}

macro_rules! fetch_all {
    ($db:expr, $sql:expr, $row:ty) => {
        match $db {
            Db::Pg(pool) => {
                sqlx::query_as::<_, $row>(sqlx::AssertSqlSafe($sql.to_owned()))
                    .fetch_all(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_as::<_, $row>(sqlx::AssertSqlSafe($sql.to_owned()))
                    .fetch_all(pool)
                    .await?
            }
        }
    };
}

/// Orders still waiting for the kitchen or in the oven.
pub async fn open_orders(db: &Db) -> Result<i64, Error> {
    let rows = fetch_all!(
        db,
        "SELECT COUNT(*) FROM orders WHERE status IN ('pending', 'scheduled', 'processing')",
        (i64,)
    );
    Ok(rows.first().map_or(0, |r| r.0))
}

/// The ids of the orders waiting at the counter.
pub async fn ready_orders(db: &Db) -> Result<Vec<i64>, Error> {
    let rows = fetch_all!(
        db,
        "SELECT id FROM orders WHERE status = 'ready' ORDER BY id",
        (i64,)
    );
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Every order event's id.
pub async fn event_ids(db: &Db) -> Result<Vec<i64>, Error> {
    let rows = fetch_all!(db, "SELECT id FROM order_events", (i64,));
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Notification deliveries by state (`pending`, `delivered`, `dead`).
pub async fn deliveries(db: &Db) -> Result<BTreeMap<String, i64>, Error> {
    let rows = fetch_all!(
        db,
        "SELECT status, COUNT(*) FROM notification_deliveries GROUP BY status",
        (String, i64)
    );
    Ok(rows.into_iter().collect())
}

/// Each product's stock now.
pub async fn stock(db: &Db) -> Result<BTreeMap<i64, i64>, Error> {
    let rows = fetch_all!(db, "SELECT id, stock FROM products", (i64, i64));
    Ok(rows.into_iter().collect())
}

/// What the soak hands to the checks.
pub struct Seen<'a> {
    pub accepted: &'a [Accepted],
    pub key_conflicts: &'a [String],
    pub follows: &'a [(i64, Vec<String>)],
    pub calls: &'a [Call],
    pub faults: &'a [Fault],
    pub stock_before: &'a BTreeMap<i64, i64>,
    pub rss: &'a [RssSample],
    /// The window of the memory check, in seconds since the start.
    pub rss_window: (f64, f64),
    /// The largest allowed growth, MiB per minute.
    pub rss_bound: f64,
    pub unexpected_exits: usize,
}

/// Runs every check against the database and what the clients saw.
pub async fn run(db: &Db, seen: &Seen<'_>) -> Result<Vec<Check>, Error> {
    let orders: HashMap<i64, String> =
        fetch_all!(db, "SELECT id, status FROM orders", (i64, String))
            .into_iter()
            .collect();
    let events = fetch_all!(
        db,
        "SELECT id, order_id, status FROM order_events ORDER BY id",
        (i64, i64, String)
    );
    let mut history: HashMap<i64, Vec<String>> = HashMap::new();
    for (_, order, status) in &events {
        history.entry(*order).or_default().push(status.clone());
    }
    let mut checks = Vec::new();
    checks.push(accepted_exist(seen, &orders));
    checks.push(accepted_final(seen, &orders));
    checks.push(events_once(&orders, &history));
    checks.push(check(
        "one order per Idempotency-Key",
        seen.key_conflicts.is_empty(),
        format!(
            "{} keys answered 201; {} named two orders{}; {} orders in the database",
            seen.accepted.len(),
            seen.key_conflicts.len(),
            seen.key_conflicts
                .first()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            orders.len()
        ),
    ));
    checks.push(stock_conserved(db, seen, &history).await?);
    checks.push(notifications(db, seen, &events).await?);
    checks.push(follows_agree(seen, &history));
    checks.extend(memory_flat(seen));
    checks.push(check(
        "no process died but by the chaos loop",
        seen.unexpected_exits == 0,
        format!("{} exited by themselves", seen.unexpected_exits),
    ));
    Ok(checks)
}

fn accepted_exist(seen: &Seen<'_>, orders: &HashMap<i64, String>) -> Check {
    let missing: Vec<i64> = seen
        .accepted
        .iter()
        .map(|a| a.id)
        .filter(|id| !orders.contains_key(id))
        .collect();
    check(
        "every accepted order exists",
        missing.is_empty(),
        format!(
            "{} accepted, {} missing{}",
            seen.accepted.len(),
            missing.len(),
            shown(&missing)
        ),
    )
}

fn accepted_final(seen: &Seen<'_>, orders: &HashMap<i64, String>) -> Check {
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut not_final = Vec::new();
    for a in seen.accepted {
        let status = orders.get(&a.id).map_or("missing", String::as_str);
        *by_status.entry(status).or_default() += 1;
        // Rejected (stock is ample) or failed (a fault outlasted the retries) is a lost order.
        if !FINAL.contains(&status) || matches!(status, "rejected" | "failed") {
            not_final.push(a.id);
        }
    }
    let counts: Vec<String> = by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
    check(
        "every accepted order final (completed or cancelled)",
        not_final.is_empty(),
        format!("{}{}", counts.join(", "), shown(&not_final)),
    )
}

fn events_once(orders: &HashMap<i64, String>, history: &HashMap<i64, Vec<String>>) -> Check {
    let mut repeated = Vec::new();
    let mut unlike = Vec::new();
    for (id, status) in orders {
        let events = history.get(id).map(Vec::as_slice).unwrap_or_default();
        let distinct: HashSet<&String> = events.iter().collect();
        if distinct.len() != events.len() {
            repeated.push(*id);
        }
        if events.first().map(String::as_str) != Some("pending") || events.last() != Some(status) {
            unlike.push(*id);
        }
    }
    let total: usize = history.values().map(Vec::len).sum();
    check(
        "exactly one of each event per order",
        repeated.is_empty() && unlike.is_empty(),
        format!(
            "{total} events of {} orders; {} orders with a repeated event{}; {} whose history \
             does not run from pending to their status{}",
            orders.len(),
            repeated.len(),
            shown(&repeated),
            unlike.len(),
            shown(&unlike)
        ),
    )
}

async fn stock_conserved(
    db: &Db,
    seen: &Seen<'_>,
    history: &HashMap<i64, Vec<String>>,
) -> Result<Check, Error> {
    // An order holds stock from the kitchen's reservation (`processing` or `scheduled`) until a
    // cancel gives it back.
    let holds = |order: &i64| {
        history.get(order).is_some_and(|events| {
            events.iter().any(|e| e == "processing" || e == "scheduled")
                && !events.iter().any(|e| e == "cancelled")
        })
    };
    let items = fetch_all!(
        db,
        "SELECT order_id, product_id, quantity FROM order_items",
        (i64, i64, i64)
    );
    let mut held: BTreeMap<i64, i64> = BTreeMap::new();
    for (order, product, quantity) in &items {
        if holds(order) {
            *held.entry(*product).or_default() += quantity;
        }
    }
    let audit = fetch_all!(
        db,
        "SELECT target, CAST(details AS TEXT) FROM audit_log WHERE action = 'product.stock'",
        (String, String)
    );
    let mut adjusted: BTreeMap<i64, i64> = BTreeMap::new();
    for (target, details) in &audit {
        let product = target.trim_start_matches("product:").parse::<i64>().ok();
        let adjust = serde_json::from_str::<serde_json::Value>(details)
            .ok()
            .and_then(|d| d.get("adjust").and_then(serde_json::Value::as_i64));
        if let (Some(product), Some(adjust)) = (product, adjust) {
            *adjusted.entry(product).or_default() += adjust;
        }
    }
    let now = stock(db).await?;
    let mut wrong = Vec::new();
    let mut shown_products = Vec::new();
    for (product, before) in seen.stock_before {
        let expected =
            before + adjusted.get(product).unwrap_or(&0) - held.get(product).unwrap_or(&0);
        let actual = now.get(product).copied().unwrap_or_default();
        if expected != actual {
            wrong.push(format!(
                "product {product}: expected {expected}, found {actual}"
            ));
        }
        if held.contains_key(product) {
            shown_products.push(format!(
                "#{product} {before}{:+}−{}={actual}",
                adjusted.get(product).unwrap_or(&0),
                held.get(product).unwrap_or(&0)
            ));
        }
    }
    Ok(check(
        "stock conserved (start + staff changes − held by orders = now)",
        wrong.is_empty(),
        if wrong.is_empty() {
            format!(
                "{} staff changes; {}",
                audit.len(),
                shown_products.join(", ")
            )
        } else {
            wrong.join("; ")
        },
    ))
}

async fn notifications(
    db: &Db,
    seen: &Seen<'_>,
    events: &[(i64, i64, String)],
) -> Result<Check, Error> {
    let told: HashSet<i64> = seen.calls.iter().map(|c| c.event_id).collect();
    let lost: Vec<i64> = events
        .iter()
        .map(|e| e.0)
        .filter(|id| !told.contains(id))
        .collect();
    // A delivery keeps its `X-Bakery-Delivery` id on every try.
    let mut calls: HashMap<(&str, i64), Vec<f64>> = HashMap::new();
    for call in seen.calls {
        calls
            .entry((call.delivery.as_str(), call.event_id))
            .or_default()
            .push(call.at);
    }
    // At least once: a call repeats only when a fault came between the first call and the
    // record that it was made (or within two seconds before the first, for clocks and buffers).
    let mut repeated = 0;
    let mut unexplained = Vec::new();
    for ((_, event), times) in &calls {
        if times.len() < 2 {
            continue;
        }
        repeated += 1;
        let (first, last) = (times[0], times[times.len() - 1]);
        let fault_between = seen
            .faults
            .iter()
            .any(|f| f.at >= first - 2.0 && f.at <= last);
        if !fault_between {
            unexplained.push(*event);
        }
    }
    let states = deliveries(db).await?;
    let undelivered: i64 = states
        .iter()
        .filter(|(s, _)| s.as_str() != "delivered")
        .map(|(_, n)| n)
        .sum();
    let states: Vec<String> = states.iter().map(|(s, n)| format!("{n} {s}")).collect();
    Ok(check(
        "notifications: none lost, repeats only across a fault",
        lost.is_empty() && unexplained.is_empty() && undelivered == 0,
        format!(
            "{} events, {} calls; {} lost{}; {} repeated, {} of them with no fault between{}; \
             deliveries: {}",
            events.len(),
            seen.calls.len(),
            lost.len(),
            shown(&lost),
            repeated,
            unexplained.len(),
            shown(&unexplained),
            states.join(", ")
        ),
    ))
}

fn follows_agree(seen: &Seen<'_>, history: &HashMap<i64, Vec<String>>) -> Check {
    let mut wrong = Vec::new();
    let mut complete = 0;
    for (order, statuses) in seen.follows {
        let events = history.get(order).cloned().unwrap_or_default();
        // What the stream showed is the history, in order, perhaps missing some.
        let mut rest = events.iter();
        if !statuses.iter().all(|s| rest.any(|e| e == s)) {
            wrong.push(*order);
        }
        if statuses.last().is_some_and(|s| FINAL.contains(&s.as_str())) {
            complete += 1;
        }
    }
    check(
        "live streams agree with the history",
        wrong.is_empty(),
        format!(
            "{} orders followed ({complete} to a final status), {} showed a status out of \
             their history{}",
            seen.follows.len(),
            wrong.len(),
            shown(&wrong)
        ),
    )
}

/// Least-squares slope of each process's memory over the window, in its last incarnation,
/// leaving out its first 20 seconds.
fn memory_flat(seen: &Seen<'_>) -> Vec<Check> {
    let mut by_process: BTreeMap<&str, Vec<&RssSample>> = BTreeMap::new();
    for sample in seen.rss {
        by_process.entry(&sample.process).or_default().push(sample);
    }
    let (from, to) = seen.rss_window;
    by_process
        .into_iter()
        .map(|(process, samples)| {
            let last = samples.iter().map(|s| s.incarnation).max().unwrap_or(0);
            let life: Vec<&&RssSample> = samples.iter().filter(|s| s.incarnation == last).collect();
            let born = life.first().map_or(0.0, |s| s.at);
            let points: Vec<(f64, f64)> = life
                .iter()
                .filter(|s| s.at >= from.max(born + 20.0) && s.at <= to)
                .map(|s| (s.at / 60.0, s.kib as f64 / 1024.0))
                .collect();
            let name = format!(
                "{process}: memory flat (RSS slope < {} MiB/min)",
                seen.rss_bound
            );
            match slope(&points) {
                Some(per_minute) if points.len() >= 20 => {
                    let low = points.iter().map(|p| p.1).fold(f64::MAX, f64::min);
                    let high = points.iter().map(|p| p.1).fold(0.0, f64::max);
                    check(
                        &name,
                        per_minute < seen.rss_bound,
                        format!(
                            "{per_minute:+.2} MiB/min over {} samples ({:.0}–{:.0} s), \
                             {low:.1}–{high:.1} MiB, {} restarts",
                            points.len(),
                            points.first().map_or(0.0, |p| p.0 * 60.0),
                            points.last().map_or(0.0, |p| p.0 * 60.0),
                            last
                        ),
                    )
                }
                _ => check(
                    &name,
                    false,
                    format!("only {} samples in the window", points.len()),
                ),
            }
        })
        .collect()
}

/// ` (first ids: …)` when there are any.
fn shown(ids: &[i64]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let first: Vec<String> = ids.iter().take(5).map(i64::to_string).collect();
    format!(" (e.g. {})", first.join(", "))
}
