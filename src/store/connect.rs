//! Opens the database pool (SQLite in WAL mode or PostgreSQL) and brings the schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    SqliteTransactionMode, SqlxPostgresConnector, Statement, TransactionOptions, TransactionTrait,
};

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

/// The PostgreSQL advisory lock key migrations run under (any constant the bakery alone uses:
/// `bakery` in ASCII).
const MIGRATION_LOCK: i64 = 0x6261_6b65_7279;

/// Applies every migration not yet applied.
///
/// Processes starting at once must not each run them (two `CREATE TABLE`s or `seaql_migrations`
/// inserts collide), so a second one waits until the first is done, then finds nothing pending.
/// On PostgreSQL the migrations run on one connection of their own that first takes a
/// session-level advisory lock; on SQLite they run in one `BEGIN IMMEDIATE` transaction (the
/// write lock, waited for up to the busy timeout), which also leaves no half-migrated file.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        let txn = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        Migrator::up(&txn, None).await?;
        return txn.commit().await;
    }
    let options = (*db.get_postgres_connection_pool().connect_options()).clone();
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| DbErr::Conn(sea_orm::RuntimeErr::SqlxError(e.into())))?;
    let own = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
    let lock = |sql: &str| {
        Statement::from_sql_and_values(DbBackend::Postgres, sql, [MIGRATION_LOCK.into()])
    };
    own.execute_raw(lock("SELECT pg_advisory_lock($1)")).await?;
    let migrated = Migrator::up(&own, None).await;
    // Closing the connection would free the lock too; unlocking says so at once.
    let unlocked = own.execute_raw(lock("SELECT pg_advisory_unlock($1)")).await;
    let _ = own.close().await;
    migrated.and(unlocked.map(|_| ()))
}
