//! The bakery's database work as plain async functions: catalog, intake, moves, reads, outbox,
//! slot bookings, planning and product pictures.
//!
//! Actors and handlers call these; each is usable (and tested) on its own with any connection.

mod arrays_pg;
pub mod audit;
pub mod board;
pub mod bookings;
pub mod catalog;
pub mod categories;
pub mod connect;
pub mod deliveries;
pub mod draft;
pub mod error;
#[cfg(test)]
mod in_memory_tests;
pub mod intake;
mod intake_pg;
pub mod kitchen;
pub mod moves;
pub mod notifications;
pub mod order_counts;
pub mod outbox;
pub mod oven_leases;
pub mod pictures;
pub mod planning;
pub mod production;
pub mod reads;
pub mod reminders;
pub mod retention;
mod rows;
pub mod staff_actions;
pub mod statistics;
pub mod tracking;
pub mod wal;

pub use error::StoreError;
pub use rows::{fulfillment_name, parse_fulfillment};

use chrono::{DateTime, Utc};

/// Renders a stored time as the seed's API shows it: `YYYY-MM-DD HH:MM:SS`, UTC.
///
/// Written out by hand: chrono's `format` parses its pattern again on every call, which was
/// 1.4 % of the machine's CPU in the distributed order benchmark (every status change and
/// notification carries a time).
pub fn wire_time(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A slot's start as stored pages show it: RFC 3339 in UTC (`2026-12-05T09:00:00Z`); the API
/// shows it with the bakery's offset.
pub fn pickup_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A transaction that writes; on SQLite it also holds the process's write gate until it ends.
pub struct WriteTxn {
    txn: sea_orm::DatabaseTransaction,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl std::ops::Deref for WriteTxn {
    type Target = sea_orm::DatabaseTransaction;

    fn deref(&self) -> &Self::Target {
        &self.txn
    }
}

impl WriteTxn {
    /// Commits, then opens the gate to the next writer.
    pub async fn commit(self) -> Result<(), sea_orm::DbErr> {
        self.txn.commit().await
    }

    /// Rolls back, then opens the gate to the next writer.
    pub async fn rollback(self) -> Result<(), sea_orm::DbErr> {
        self.txn.rollback().await
    }
}

/// SQLite has one writer at a time. Writers of this process queue here, in order, instead of in
/// SQLite's busy handler, which sleeps up to 100 ms between looks and made the slowest order
/// POSTs wait 15 times the typical one. (One gate per process: a process serves one SQLite file;
/// tests running several apps in one process share it, which only orders their writes.)
pub(super) static SQLITE_WRITE_GATE: std::sync::LazyLock<std::sync::Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(Default::default);

/// Order intake transactions waiting at the SQLite write gate.
static INTAKE_WAITING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Longest a kitchen writer lets order intake go first at the SQLite write gate.
const MOST_YIELD: std::time::Duration = std::time::Duration::from_millis(20);

/// Who is writing: the order intake goes first at SQLite's one writer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    /// New orders (a customer is waiting for the answer).
    Intake,
    /// Everything else: the kitchen's moves, staff changes.
    Kitchen,
}

/// Begins a transaction that will write: on SQLite it waits for the write gate, then takes the
/// write lock at once (`BEGIN IMMEDIATE`), so a transaction that reads first cannot fail to
/// upgrade when another writer got in between (SQLite's busy-snapshot error skips the busy
/// timeout). A [`Writer::Kitchen`] that gets the gate while new orders wait for it hands it on
/// to them, for up to [`MOST_YIELD`]: in a rush customers get their answers first, and the
/// kitchen still writes at least every 20 ms.
pub async fn begin_write(db: &sea_orm::DatabaseConnection) -> Result<WriteTxn, sea_orm::DbErr> {
    begin_write_as(db, Writer::Kitchen).await
}

/// [`begin_write`] for `writer`.
pub async fn begin_write_as(
    db: &sea_orm::DatabaseConnection,
    writer: Writer,
) -> Result<WriteTxn, sea_orm::DbErr> {
    use sea_orm::{DbBackend, SqliteTransactionMode, TransactionOptions, TransactionTrait};
    use std::sync::atomic::Ordering;
    let gate = if db.get_database_backend() == DbBackend::Sqlite {
        Some(match writer {
            Writer::Intake => {
                INTAKE_WAITING.fetch_add(1, Ordering::SeqCst);
                let gate = SQLITE_WRITE_GATE.clone().lock_owned().await;
                INTAKE_WAITING.fetch_sub(1, Ordering::SeqCst);
                gate
            }
            Writer::Kitchen => {
                let since = std::time::Instant::now();
                loop {
                    let gate = SQLITE_WRITE_GATE.clone().lock_owned().await;
                    if INTAKE_WAITING.load(Ordering::SeqCst) == 0 || since.elapsed() > MOST_YIELD {
                        break gate;
                    }
                    // The gate is fair: the waiting intake gets it, and this writer queues again.
                    drop(gate);
                    tokio::task::yield_now().await;
                }
            }
        })
    } else {
        None
    };
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    let txn = db.begin_with_options(options).await?;
    Ok(WriteTxn { txn, _gate: gate })
}

/// `column` holds one of `ids`. On PostgreSQL that is `= ANY($1)` with the ids as one array, so
/// the statement's text is the same whatever their number and is prepared once per connection;
/// an `IN` list was a new statement to parse and plan for every count. SQLite takes `IN`.
pub fn one_of<C: sea_orm::ColumnTrait>(
    conn: &impl sea_orm::ConnectionTrait,
    column: C,
    ids: &[i64],
) -> sea_orm::sea_query::Expr {
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        column.eq_any(ids.iter().copied())
    } else {
        column.is_in(ids.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    #[test]
    fn wire_time_is_the_seed_format_to_the_second() {
        for at in [
            "2026-01-02T03:04:05.999Z",
            "1999-12-31T23:59:59Z",
            "0042-07-08T00:00:00Z",
        ] {
            let at: DateTime<Utc> = at.parse().unwrap();
            assert_eq!(
                super::wire_time(at),
                at.format("%Y-%m-%d %H:%M:%S").to_string()
            );
        }
    }
}
