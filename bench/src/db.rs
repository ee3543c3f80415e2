//! Plain SQL on a benchmark database (PostgreSQL or SQLite): schema, stock, order status counts.

use std::str::FromStr;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::PgPoolOptions;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::sqlx::{self, PgPool, SqlitePool};

use crate::Error;

/// A pool on one benchmark database.
#[derive(Clone)]
pub enum Db {
    Pg(PgPool),
    Sqlite(SqlitePool),
}

/// SQL built here from constants and numbers, never from input.
fn owned(sql: &str) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql.to_owned())
}

/// Orders that still have work ahead of them.
const OPEN: &str = "status IN ('pending', 'processing')";

impl Db {
    /// Opens at most `pool` connections; SQLite gets the bakery's settings (WAL, synchronous NORMAL).
    pub async fn open(url: &str, pool: u32) -> Result<Db, Error> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30));
            let pool = SqlitePoolOptions::new()
                .max_connections(pool)
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool))
        } else {
            let pool = PgPoolOptions::new()
                .max_connections(pool)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            Ok(Db::Pg(pool))
        }
    }

    /// Applies the bakery's migrations (schema and sample catalog) through the `migration` crate.
    pub async fn migrate(url: &str) -> Result<(), Error> {
        let db = sea_orm::Database::connect(url).await?;
        Migrator::up(&db, None).await?;
        db.close().await?;
        Ok(())
    }

    pub async fn execute(&self, sql: &str) -> Result<(), Error> {
        match self {
            Db::Pg(pool) => sqlx::query(owned(sql)).execute(pool).await.map(drop)?,
            Db::Sqlite(pool) => sqlx::query(owned(sql)).execute(pool).await.map(drop)?,
        }
        Ok(())
    }

    /// Runs `statements` in one transaction.
    pub async fn transaction(&self, statements: &[String]) -> Result<(), Error> {
        match self {
            Db::Pg(pool) => {
                let mut tx = pool.begin().await?;
                for sql in statements {
                    sqlx::query(owned(sql)).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                for sql in statements {
                    sqlx::query(owned(sql)).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            }
        }
        Ok(())
    }

    async fn count(&self, sql: &str, after: i64) -> Result<i64, Error> {
        Ok(match self {
            Db::Pg(pool) => {
                sqlx::query_scalar(owned(sql))
                    .bind(after)
                    .fetch_one(pool)
                    .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_scalar(owned(sql))
                    .bind(after)
                    .fetch_one(pool)
                    .await?
            }
        })
    }

    /// The highest order id so far (0 when there is none).
    pub async fn max_order_id(&self) -> Result<i64, Error> {
        self.count("SELECT COALESCE(MAX(id), 0) + $1 FROM orders", 0)
            .await
    }

    /// Orders above `after` still `pending` or `processing`.
    pub async fn open_orders(&self, after: i64) -> Result<i64, Error> {
        let sql = format!("SELECT COUNT(*) FROM orders WHERE id > $1 AND {OPEN}");
        self.count(&sql, after).await
    }

    /// Orders above `after` that are `ready`.
    pub async fn ready_orders(&self, after: i64) -> Result<i64, Error> {
        self.count(
            "SELECT COUNT(*) FROM orders WHERE id > $1 AND status = 'ready'",
            after,
        )
        .await
    }

    /// Placed-to-ready time of each `ready` order above `after`, in microseconds (the server's
    /// clock: `created_at` to `updated_at`, which the move to `ready` sets).
    pub async fn ready_latencies_us(&self, after: i64) -> Result<Vec<u32>, Error> {
        let millis: Vec<f64> = match self {
            Db::Pg(pool) => {
                sqlx::query_scalar(
                    "SELECT (EXTRACT(EPOCH FROM (updated_at - created_at)) * 1000)::float8 \
                     FROM orders WHERE id > $1 AND status = 'ready'",
                )
                .bind(after)
                .fetch_all(pool)
                .await?
            }
            Db::Sqlite(pool) => {
                sqlx::query_scalar(
                    "SELECT (julianday(updated_at) - julianday(created_at)) * 86400000.0 \
                     FROM orders WHERE id > $1 AND status = 'ready'",
                )
                .bind(after)
                .fetch_all(pool)
                .await?
            }
        };
        Ok(millis
            .into_iter()
            .map(|ms| (ms.max(0.0) * 1000.0).min(f64::from(u32::MAX)) as u32)
            .collect())
    }

    pub async fn close(&self) {
        match self {
            Db::Pg(pool) => pool.close().await,
            Db::Sqlite(pool) => pool.close().await,
        }
    }
}

/// Creates the PostgreSQL database `name` through the server's `postgres` database.
pub async fn create_pg_database(server: &str, name: &str) -> Result<(), Error> {
    let admin = Db::open(&format!("{server}/postgres"), 1).await?;
    let created = admin.execute(&format!("CREATE DATABASE {name}")).await;
    admin.close().await;
    created
}

/// Drops the PostgreSQL database `name`, closing whatever still uses it.
pub async fn drop_pg_database(server: &str, name: &str) -> Result<(), Error> {
    let admin = Db::open(&format!("{server}/postgres"), 1).await?;
    let dropped = admin
        .execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await;
    admin.close().await;
    dropped
}
