//! PostgreSQL's planner statistics of the order tables, gathered as soon as a new database has orders enough to need them.
//!
//! Without statistics PostgreSQL guesses that each value of a column matches 1 row in 200, so a
//! batch look-up of 64 orders' lines (`order_id = ANY(…)`) looks like a third of the table and is
//! planned as a scan of all of it. Its own first ANALYZE comes up to a minute later (autovacuum
//! wakes once a minute): in the benchmark's first minute on a new database the kitchen and the
//! order pages read ~600,000 rows a second that way. Once a table has statistics, later ones
//! are autovacuum's business; the statistics it keeps scale with the table.

use std::collections::HashSet;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use super::StoreError;

/// The tables read by order id in batches.
const TABLES: [&str; 4] = ["orders", "order_items", "order_events", "outbox"];

/// Rows a table needs before its statistics are worth gathering: enough for ANALYZE to see that
/// an order's lines and events are a few rows each (it stores that as a share of the table, so
/// the estimate grows with the table until autovacuum gathers again).
const ENOUGH_ROWS: i64 = 200;

/// How often the tables are looked at. The row counts read here lag the inserts by up to a
/// second; with a look every 2 s and 1,000 rows the distributed benchmark's first ~3 s had
/// scanned `order_items` 86 times (824,000 rows read) before its first statistics.
const EVERY: Duration = Duration::from_millis(250);

/// Runs on PostgreSQL until every table in [`TABLES`] has statistics (gathered by anyone), or
/// this process has asked for them once (ANALYZE by a role that does not own a table only warns,
/// in PostgreSQL's log, so asking again would not help).
pub async fn gather_when_missing(db: DatabaseConnection) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut asked: HashSet<String> = HashSet::new();
    loop {
        ticks.tick().await;
        match gather_once(&db, &mut asked).await {
            Ok(true) => return,
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(error = %err, "could not gather table statistics; next try soon")
            }
        }
    }
}

/// One look: ANALYZEs the tables that lack statistics and have [`ENOUGH_ROWS`]; true when no
/// table is left to wait for.
async fn gather_once(
    db: &DatabaseConnection,
    asked: &mut HashSet<String>,
) -> Result<bool, StoreError> {
    let sql = "SELECT relname::text, n_live_tup, \
                      (last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL) AS analyzed \
               FROM pg_stat_user_tables \
               WHERE schemaname = current_schema() AND relname::text = ANY($1)";
    let tables: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            [tables.into()],
        ))
        .await?;
    let mut waiting = TABLES.len().saturating_sub(rows.len());
    let mut due = Vec::new();
    for row in rows {
        let name: String = row.try_get_by_index(0)?;
        let live: i64 = row.try_get_by_index(1)?;
        let analyzed: bool = row.try_get_by_index(2)?;
        if analyzed || asked.contains(&name) {
            continue;
        }
        if live >= ENOUGH_ROWS {
            due.push(name);
        } else {
            waiting += 1;
        }
    }
    if !due.is_empty() {
        let list = due.join(", ");
        db.execute_unprepared(&format!("ANALYZE {list}")).await?;
        tracing::info!(tables = %list, "asked for planner statistics of a new database");
        asked.extend(due);
    }
    Ok(waiting == 0)
}
