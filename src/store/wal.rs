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
    keep_short_with(db, EVERY, LONGEST).await;
}

/// [`keep_short`] with its period and longest log.
async fn keep_short_with(db: DatabaseConnection, every: Duration, longest: i64) {
    let mut ticks = tokio::time::interval(every);
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
            Ok(frames) => restart = frames > longest,
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Readers that never stop kept SQLite from starting the log over by itself: the log must
    /// still be emptied once it is longer than the limit (without that, 5 MB here).
    #[tokio::test]
    async fn the_log_stays_short_while_readers_and_writers_keep_on() {
        let dir = std::env::temp_dir().join(format!("bakery-wal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wal.db");
        let url = format!("sqlite://{}?mode=rwc", file.display());
        let db = crate::store::connect::connect(&url, 4).await.unwrap();
        let sql = |s: &str| Statement::from_string(DbBackend::Sqlite, s.to_owned());
        db.execute_raw(sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            .await
            .unwrap();
        let checkpoints = tokio::spawn(keep_short_with(db.clone(), Duration::from_millis(20), 64));
        let reader = {
            let db = db.clone();
            tokio::spawn(async move {
                loop {
                    let _ = db.query_all_raw(sql("SELECT COUNT(*) FROM t")).await;
                }
            })
        };
        // 400 rows of 20 KB: 8 MB of log if nothing started it over.
        let wal = dir.join("wal.db-wal");
        let mut longest = 0;
        for n in 0..400 {
            let write = crate::store::begin_write(&db).await.unwrap();
            let row = format!("INSERT INTO t (v) VALUES ('{}')", "x".repeat(20_000 + n));
            write.execute_raw(sql(&row)).await.unwrap();
            write.commit().await.unwrap();
            longest = longest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        reader.abort();
        checkpoints.abort();
        db.close().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(longest < 3 << 20, "the log grew to {longest} bytes");
    }
}
