//! The bakery's database work as plain async functions: catalog, orders and their moves, outbox.
//!
//! Actors and handlers call these; each is usable (and tested) on its own with any connection.

pub mod catalog;
pub mod connect;
pub mod kitchen;
pub mod notifications;
pub mod orders;
pub mod outbox;

use chrono::{DateTime, Utc};

/// Renders a stored time as the seed's API shows it: `YYYY-MM-DD HH:MM:SS`, UTC.
pub fn wire_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Begins a transaction that will write: on SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so a transaction that reads first cannot fail to upgrade when another
/// writer got in between (SQLite's busy-snapshot error skips the busy timeout).
pub async fn begin_write(
    db: &sea_orm::DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(options).await
}
