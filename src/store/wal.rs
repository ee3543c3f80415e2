//! SQLite's write-ahead log: copied back into the database file beside the writers, and kept short.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// How often the log is copied back.
const EVERY: Duration = Duration::from_millis(500);

/// Log frames (pages) that make the next round start the log over: about 16 MiB.
const LONGEST: i64 = 4096;

/// Runs for the life of the process on SQLite. Every [`EVERY`] it copies the log back without
/// waiting for anyone (a PASSIVE checkpoint); SQLite's own checkpoints ran inside whichever
/// commit crossed 1,000 pages of log, and that order's answer waited for the copy. Readers
/// that are always about keep SQLite from starting the log over by itself, so once the log is
/// longer than [`LONGEST`] frames the next round holds back this process's writers, waits for
/// the readers of older pages, and empties the log (TRUNCATE). (When the last connection
/// closes, SQLite checkpoints the rest itself.)
pub async fn keep_short(db: DatabaseConnection) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut restart = false;
    loop {
        ticks.tick().await;
        let round = if restart {
            let _writers_wait = super::SQLITE_WRITE_GATE.clone().lock_owned().await;
            checkpoint(&db, "TRUNCATE").await
        } else {
            checkpoint(&db, "PASSIVE").await
        };
        match round {
            Ok(frames) => restart = frames > LONGEST,
            Err(err) => tracing::warn!(error = %err, "WAL checkpoint failed; next try in 500 ms"),
        }
    }
}

/// One checkpoint; returns the frames in the log.
async fn checkpoint(db: &DatabaseConnection, mode: &str) -> Result<i64, DbErr> {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await?;
    Ok(match row {
        Some(row) => row.try_get_by_index::<i64>(1)?,
        None => 0,
    })
}
