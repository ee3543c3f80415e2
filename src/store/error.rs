//! Why a store function failed: the database could not serve it ([`StoreError::Unavailable`]),
//! it refused or failed a statement ([`StoreError::Database`]), or what the store read or was
//! asked breaks a rule the code relies on (the named variants). Only the first is the database
//! being down; the others are bugs (or data no code should have written) and stay so on retry.

use sea_orm::{DbErr, RuntimeErr, SqlxError, SqlxPostgresError, SqlxSqliteError};

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached or cannot serve now: a connection refused, lost or timed
    /// out, the pool exhausted or closed, the server shutting down or out of connections,
    /// memory or disk, SQLite's file locked past its busy timeout or failing on I/O.
    #[error("the database is unavailable: {0}")]
    Unavailable(DbErr),
    /// Any other database error: a constraint, a statement the database refuses, a row that
    /// does not decode.
    #[error("database error: {0}")]
    Database(DbErr),
    /// A stored order has a status this code does not know.
    #[error("order {order_id} has the unknown status {status:?}")]
    UnknownStatus { order_id: i64, status: String },
    /// An order's idempotency key conflicted on insert, yet no order has it.
    #[error("idempotency key {0:?} conflicted but is not stored")]
    KeyNotStored(String),
    /// Placing orders one by one gave no answer for one of them.
    #[error("no outcome for a placed order")]
    NoOutcome,
    /// An order without an idempotency key got no row.
    #[error("an order without a key was not inserted")]
    KeylessNotInserted,
    /// A move the lifecycle does not have was asked for.
    #[error("no such move: {0}")]
    NoSuchMove(String),
    /// Fewer orders moved than were locked and checked.
    #[error("{moved} of {expected} orders moved under a lock")]
    MovedUnderLock { moved: u64, expected: u64 },
    /// A row to insert was built without one of its columns.
    #[error("a row to insert lacks a column")]
    IncompleteRow,
    /// A count too large for the database's integers.
    #[error("{0} does not fit the database's integers")]
    TooMany(usize),
    /// A statement could not be built.
    #[error("cannot build a statement: {0}")]
    Statement(#[from] sea_orm::sea_query::error::Error),
    /// An order's slot, day or product had no room left (the booking's guarded UPDATE).
    #[error("no room left in the order's slot")]
    NoRoom,
    /// A value could not be written as or read from JSON.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    /// True when the database could not serve the call (down, unreachable, overloaded): the same
    /// call may succeed later. Every other error is a bug or a refused statement.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        if db_unavailable(&err) {
            StoreError::Unavailable(err)
        } else {
            StoreError::Database(err)
        }
    }
}

/// Whether `err` says the database could not serve the statement, rather than refused it.
pub fn db_unavailable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_unavailable(e)
        }
        _ => false,
    }
}

fn sqlx_unavailable(err: &SqlxError) -> bool {
    match err {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed => true,
        SqlxError::Database(db) => {
            let code = db.code();
            let code = code.as_deref().unwrap_or_default();
            if db.try_downcast_ref::<SqlxPostgresError>().is_some() {
                pg_code_unavailable(code)
            } else if db.try_downcast_ref::<SqlxSqliteError>().is_some() {
                code.parse().is_ok_and(sqlite_code_unavailable)
            } else {
                false
            }
        }
        _ => false,
    }
}

/// PostgreSQL's SQLSTATEs of a server that cannot serve now: class 08 (connection exception),
/// class 53 (insufficient resources: too many connections, disk full, out of memory), 57P01–
/// 57P03 (shutting down, crashed, cannot connect now).
fn pg_code_unavailable(code: &str) -> bool {
    code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
}

/// SQLite's result codes (primary, the low byte of an extended one) of a file that cannot
/// serve now: BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN.
fn sqlite_code_unavailable(code: i32) -> bool {
    matches!(code & 0xff, 5 | 6 | 7 | 10 | 13 | 14)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{ConnAcquireErr, ConnectionTrait, Database, DbErr, RuntimeErr, SqlxError};

    use super::*;

    fn sqlx(err: SqlxError) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(err)))
    }

    #[test]
    fn connection_failures_are_unavailable() {
        let down = [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed),
            DbErr::Conn(RuntimeErr::Internal("connection refused".into())),
            sqlx(SqlxError::Io(std::io::Error::from(
                std::io::ErrorKind::ConnectionReset,
            ))),
            sqlx(SqlxError::PoolTimedOut),
            sqlx(SqlxError::PoolClosed),
            DbErr::Exec(RuntimeErr::SqlxError(Arc::new(SqlxError::WorkerCrashed))),
        ];
        for err in down {
            let store = StoreError::from(err);
            assert!(store.is_unavailable(), "{store}");
        }
    }

    #[test]
    fn bugs_and_refusals_are_not_unavailable() {
        let bugs = [
            DbErr::RecordNotFound("product 7".into()),
            DbErr::Custom("whatever".into()),
            DbErr::Type("not an integer".into()),
            DbErr::Query(RuntimeErr::Internal("bad statement".into())),
            sqlx(SqlxError::RowNotFound),
            sqlx(SqlxError::Protocol("unexpected message".into())),
        ];
        for err in bugs {
            let store = StoreError::from(err);
            assert!(!store.is_unavailable(), "{store}");
            assert!(matches!(store, StoreError::Database(_)));
        }
        assert!(!StoreError::NoOutcome.is_unavailable());
    }

    #[test]
    fn server_codes_of_a_database_that_cannot_serve() {
        for code in ["08006", "08001", "53300", "53100", "57P01", "57P03"] {
            assert!(pg_code_unavailable(code), "{code}");
        }
        for code in ["23505", "23503", "42P01", "42601", "40001", "22P02"] {
            assert!(!pg_code_unavailable(code), "{code}");
        }
        // BUSY, BUSY_SNAPSHOT (517), LOCKED, IOERR_READ (266), FULL, CANTOPEN.
        for code in [5, 517, 6, 266, 13, 14] {
            assert!(sqlite_code_unavailable(code), "{code}");
        }
        // ERROR, CONSTRAINT_UNIQUE (2067), CONSTRAINT_FOREIGNKEY (787), READONLY, MISMATCH.
        for code in [1, 2067, 787, 8, 20] {
            assert!(!sqlite_code_unavailable(code), "{code}");
        }
    }

    #[tokio::test]
    async fn a_refused_statement_is_a_database_error() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        db.execute_unprepared("INSERT INTO t (id) VALUES (1)")
            .await
            .unwrap();
        for sql in [
            "INSERT INTO t (id) VALUES (1)",
            "SELECT * FROM no_such_table",
        ] {
            let err = db.execute_unprepared(sql).await.unwrap_err();
            let store = StoreError::from(err);
            assert!(matches!(store, StoreError::Database(_)), "{store}");
        }
        db.close().await.unwrap();
    }
}
