//! `bakery user add|list|disable|enable|role|passwd` against a database of the test's own: each
//! command's effect on the accounts, and its audit entry as `cli`.

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, bakery_binary, probe};

/// Runs `bakery user <args>` with `stdin`; returns whether it succeeded, its stdout and stderr.
async fn user(database_url: &str, args: &[&str], stdin: &str) -> (bool, String, String) {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new(bakery_binary())
        .arg("user")
        .args(args)
        .env("BAKERY_DATABASE_URL", database_url)
        .env("BAKERY_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).await.unwrap();
    drop(input);
    let out = child.wait_with_output().await.unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a `bakery user` command that must succeed; returns its stdout.
async fn ok(database_url: &str, args: &[&str], stdin: &str) -> String {
    let (success, stdout, stderr) = user(database_url, args, stdin).await;
    assert!(success, "bakery user {args:?} failed: {stderr}");
    stdout
}

async fn the_user_commands_manage_accounts(backend: Backend) {
    let db = bakery_test_support::TestDatabase::create(backend).await;
    let url = db.url.as_str();
    let owner = "owner@example.com";
    let baker = "baker@example.com";
    ok(
        url,
        &["add", "--role", "admin", owner],
        "owner-password-1\n",
    )
    .await;
    ok(
        url,
        &["add", "--role", "baker", baker],
        "baker-password-1\n",
    )
    .await;
    let listed = ok(url, &["list"], "").await;
    assert!(
        listed.contains(&format!("{owner}\tadmin\tactive")),
        "{listed}"
    );
    assert!(
        listed.contains(&format!("{baker}\tbaker\tactive")),
        "{listed}"
    );

    let sql = probe(url).await;
    let scalar = |q: String| {
        let sql = &sql;
        async move { sql.scalar(&q).await }
    };
    let active = |email: &str| {
        format!("SELECT COUNT(*) FROM staff_users WHERE email = '{email}' AND active = true")
    };
    ok(url, &["disable", baker], "").await;
    assert_eq!(scalar(active(baker)).await, 0);
    assert!(
        ok(url, &["list"], "")
            .await
            .contains(&format!("{baker}\tbaker\tdisabled"))
    );
    ok(url, &["enable", baker], "").await;
    assert_eq!(scalar(active(baker)).await, 1);

    ok(url, &["role", baker, "admin"], "").await;
    assert!(
        ok(url, &["list"], "")
            .await
            .contains(&format!("{baker}\tadmin\tactive"))
    );
    ok(url, &["role", baker, "baker"], "").await;

    let epoch = format!("SELECT session_epoch FROM staff_users WHERE email = '{baker}'");
    let before = scalar(epoch.clone()).await;
    ok(
        url,
        &["passwd", "--temporary", baker],
        "temporary-password-1\n",
    )
    .await;
    assert!(
        ok(url, &["list"], "")
            .await
            .contains("active, must change password")
    );
    assert!(scalar(epoch.clone()).await > before, "its sessions ended");
    ok(url, &["passwd", baker], "a-chosen-password-1\n").await;
    assert!(
        !ok(url, &["list"], "")
            .await
            .contains("must change password")
    );

    // Refused: a short password, an unknown account, the last active admin.
    let (success, _, stderr) = user(url, &["passwd", baker], "short\n").await;
    assert!(!success && stderr.contains("at least 10"), "{stderr}");
    let (success, _, stderr) = user(url, &["disable", "nobody@example.com"], "").await;
    assert!(!success && stderr.contains("no such account"), "{stderr}");
    let (success, _, stderr) = user(url, &["disable", owner], "").await;
    assert!(!success && stderr.contains("active admin"), "{stderr}");
    assert_eq!(scalar(active(owner)).await, 1);

    for action in [
        "user.disable",
        "user.enable",
        "user.role",
        "user.reset_password",
        "user.set_password",
    ] {
        let q =
            format!("SELECT COUNT(*) FROM audit_log WHERE actor = 'cli' AND action = '{action}'");
        assert!(scalar(q).await >= 1, "{action} is in the audit log");
    }
}
on_both_databases!(the_user_commands_manage_accounts);
