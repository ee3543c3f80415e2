//! Processes started at once against one empty database migrate it once: on PostgreSQL the
//! migrations run under an advisory lock, on SQLite the single writer serializes them.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, Statement};

use bakery_test_support::{bakery_binary, pg_server, probe, unique_name};

/// Processes started together on each fresh database.
const AT_ONCE: usize = 4;

/// Runs `bakery migrate` `AT_ONCE` times at the same moment; returns each one's exit and log.
async fn migrate_at_once(database_url: &str) -> Vec<(bool, String)> {
    let children: Vec<_> = (0..AT_ONCE)
        .map(|_| {
            tokio::process::Command::new(bakery_binary())
                .arg("migrate")
                .env("BAKERY_DATABASE_URL", database_url)
                .env("BAKERY_LOG", "warn")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .unwrap()
        })
        .collect();
    let mut outcomes = Vec::new();
    for child in children {
        let out = child.wait_with_output().await.unwrap();
        outcomes.push((
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    outcomes
}

async fn assert_migrated_once(database_url: &str, outcomes: &[(bool, String)]) {
    for (ok, log) in outcomes {
        assert!(ok, "a `bakery migrate` failed:\n{log}");
    }
    let db = probe(database_url).await;
    let expected = i64::try_from(Migrator::migrations().len()).unwrap();
    assert_eq!(
        db.scalar("SELECT COUNT(*) FROM seaql_migrations").await,
        expected
    );
    assert_eq!(
        db.scalar("SELECT COUNT(DISTINCT version) FROM seaql_migrations")
            .await,
        expected
    );
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn postgres_processes_started_at_once_migrate_an_empty_database_once() {
    let admin = Database::connect(format!("{}/postgres", pg_server()))
        .await
        .unwrap();
    // Several empty databases, one after the other: a race without the lock is likely, not
    // certain, on any single one.
    for _ in 0..3 {
        let name = unique_name("bakery_migrate");
        let sql = |s: String| Statement::from_string(admin.get_database_backend(), s);
        admin
            .execute_raw(sql(format!("CREATE DATABASE \"{name}\"")))
            .await
            .unwrap();
        let url = format!("{}/{name}", pg_server());
        let outcomes = migrate_at_once(&url).await;
        assert_migrated_once(&url, &outcomes).await;
        admin
            .execute_raw(sql(format!("DROP DATABASE \"{name}\" WITH (FORCE)")))
            .await
            .unwrap();
    }
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn sqlite_processes_started_at_once_migrate_a_new_file_once() {
    let dir = std::env::temp_dir().join(unique_name("bakery_migrate"));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("shop.db").display());
    let outcomes = migrate_at_once(&url).await;
    assert_migrated_once(&url, &outcomes).await;
    let _ = std::fs::remove_dir_all(dir);
}
