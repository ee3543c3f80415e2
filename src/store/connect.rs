//! Opens the database pool (SQLite in WAL mode or PostgreSQL) and brings the schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};

/// Prepared statements each SQLite connection keeps.
const STATEMENTS_KEPT: usize = 24;

/// A pooled connection idle this long is pinged before it is handed out (one that died while
/// idle, e.g. across a database restart, is replaced instead of failing a request); a busy one
/// goes straight to work. sqlx's default pings on every checkout: a round trip more for every
/// statement outside a transaction (and sqlx pings again on every return to the pool anyway).
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(1);

/// Connects with at most `pool` connections.
pub async fn connect(url: &str, pool: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR)
        .sqlx_logging(false)
        // WAL lets readers run beside the one writer; NORMAL sync is durable across a process crash.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                // 512 KiB of page cache per connection instead of SQLite's 2 MiB: the pool's
                // connections each keep theirs, the OS caches the file anyway, and order pages
                // are mostly answered from `OrderViews`.
                .pragma("cache_size", "-512")
                // Each connection keeps its prepared statements, and a batch's IN list makes a
                // statement per size: sqlx's 100 a connection held ~2 MiB per connection.
                .statement_cache_capacity(STATEMENTS_KEPT)
                // Commits do not checkpoint: `super::wal::keep_short` does, beside the writers.
                .pragma("wal_autocheckpoint", "0")
        });
    Database::connect(options).await
}

/// Applies every migration not yet applied.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}
