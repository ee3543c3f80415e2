//! PostgreSQL test databases: each a `CREATE DATABASE … TEMPLATE` copy of one migrated template,
//! named after the migrations it holds, so migrations run once per migration set, not per test.

use std::sync::Mutex;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};
use sha2::{Digest, Sha256};

use crate::pg_server;

/// The advisory lock held while the template is checked, built or dropped (any number on which
/// the test processes agree).
const TEMPLATE_LOCK: i64 = 0x6261_6b65_7279; // "bakery"

/// Prefix of every template's name.
const TEMPLATE_PREFIX: &str = "bakery_template_";

/// Creates the database `name` as a copy of the migrated template.
pub(crate) async fn create_from_template(name: &str) {
    let admin = admin().await;
    let mut attempt = 0;
    loop {
        let template = ensure_template(&admin).await;
        let created = admin
            .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
            .await;
        match created {
            Ok(_) => break,
            Err(e) if attempt < 50 => {
                let message = e.to_string();
                if message.contains("does not exist") {
                    // Dropped by a test run on other migrations: build it again.
                    forget_template();
                } else if !message.contains("being accessed by other users") {
                    panic!("CREATE DATABASE {name} TEMPLATE {template}: {message}");
                }
                // Someone (autovacuum, a run just building it) is connected to the template.
                attempt += 1;
                tokio::time::sleep(Duration::from_millis(20 * attempt)).await;
            }
            Err(e) => panic!("CREATE DATABASE {name} TEMPLATE {template}: {e}"),
        }
    }
    admin.close().await.unwrap();
}

/// One connection to the server's `postgres` database (one, so an advisory lock taken on it
/// is held by the session that releases it).
async fn admin() -> DatabaseConnection {
    let mut options = ConnectOptions::new(format!("{}/postgres", pg_server()));
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options).await.unwrap()
}

/// The template this process knows to be ready.
static READY: Mutex<Option<String>> = Mutex::new(None);

fn forget_template() {
    *READY.lock().unwrap() = None;
}

/// The name of the template for the current migrations, building it first if no test process
/// has yet. Templates of other migration sets are dropped on the way.
async fn ensure_template(admin: &DatabaseConnection) -> String {
    if let Some(name) = READY.lock().unwrap().clone() {
        return name;
    }
    let name = template_name();
    admin
        .execute_unprepared(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})"))
        .await
        .unwrap();
    let existing = template_names(admin).await;
    if !existing.contains(&name) {
        for stale in &existing {
            // Another migration set's template, or one whose build was cut short.
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {stale} WITH (FORCE)"))
                .await;
        }
        build_template(admin, &name).await;
    }
    admin
        .execute_unprepared(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})"))
        .await
        .unwrap();
    *READY.lock().unwrap() = Some(name.clone());
    name
}

/// Migrates a new database under a temporary name, then renames it `name`: a template under its
/// final name is always complete.
async fn build_template(admin: &DatabaseConnection, name: &str) {
    let building = format!("{name}_building");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {building}"))
        .await
        .unwrap();
    let db = bakery::store::connect::connect(&format!("{}/{building}", pg_server()), 1)
        .await
        .unwrap();
    bakery::store::connect::migrate(&db).await.unwrap();
    // The copy must have no session on it: close ours before the rename and any copy.
    db.close().await.unwrap();
    admin
        .execute_unprepared(&format!(
            "ALTER DATABASE {building} WITH ALLOW_CONNECTIONS false"
        ))
        .await
        .unwrap();
    admin
        .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {name}"))
        .await
        .unwrap();
}

/// Every database named like a template (built or half-built).
async fn template_names(admin: &DatabaseConnection) -> Vec<String> {
    let rows = admin
        .query_all_raw(Statement::from_string(
            admin.get_database_backend(),
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{TEMPLATE_PREFIX}%'"),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect()
}

/// `bakery_template_<hash>`, the hash over the migrations' names and their source files, so a
/// new migration or an edited one gets a template of its own.
fn template_name() -> String {
    let mut hash = Sha256::new();
    for migration in Migrator::migrations() {
        hash.update(migration.name().as_bytes());
        hash.update([0]);
    }
    let sources = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migration/src");
    let mut files: Vec<_> = std::fs::read_dir(&sources)
        .map(|dir| dir.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        hash.update(std::fs::read(&file).unwrap_or_default());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{TEMPLATE_PREFIX}{hex}")
}
