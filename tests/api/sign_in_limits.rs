//! The staff sign-in limiter over HTTP: parallel wrong passwords cannot race past it to Argon2,
//! huge made-up e-mails leave it small, a flood from one address locks no one else out, and
//! replicas share its counts through Redis.

use futures_util::StreamExt;
use serde_json::{Value, json};

use bakery::config::Settings;
use bakery::staff::rate_limit::{PER_ADDRESS, PER_PAIR};
use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, spawn_app_with, unique_name};

const EMAIL: &str = "baker@example.com";
const PASSWORD: &str = "baker-secret-password-9";

fn behind_proxy(s: &mut Settings) {
    s.trusted_proxies = vec!["127.0.0.1".into()];
}

async fn add_baker(app: &TestApp) {
    let db = app.db.connect().await;
    bakery::staff::accounts::create_user(
        &db,
        EMAIL,
        PASSWORD,
        bakery_wire::staff::StaffRole::Baker,
    )
    .await
    .unwrap();
}

/// Signs in as `client` (an `X-Forwarded-For` address); the status.
async fn sign_in(app: &TestApp, client: &str, email: &str, password: &str) -> u16 {
    let res = app
        .client
        .post(app.url("/api/staff/sign-in"))
        .header("X-Forwarded-For", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    if status == 429 {
        assert!(res.headers().contains_key("retry-after"));
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "too_many_attempts", "{body}");
    }
    status
}

async fn parallel_wrong_passwords_reach_argon2_at_most_five_times(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        behind_proxy(s);
        // Enough checks at once that none of the five waits (a debug build checks slowly).
        s.limits.password_checks = 8;
    })
    .await;
    add_baker(&app).await;
    let before = app.sign_ins.password_checks();
    let tries = (0..40).map(|_| sign_in(&app, "203.0.113.5", EMAIL, "wrong-password-000"));
    let statuses = futures_util::future::join_all(tries).await;
    let checked = app.sign_ins.password_checks() - before;
    assert!(
        checked <= u64::from(PER_PAIR),
        "{checked} passwords checked"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count() as u64,
        checked
    );
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    // The right password from that address waits too; nothing more was checked.
    assert_eq!(sign_in(&app, "203.0.113.5", EMAIL, PASSWORD).await, 429);
    assert_eq!(app.sign_ins.password_checks() - before, checked);
}
on_both_databases!(parallel_wrong_passwords_reach_argon2_at_most_five_times);

async fn huge_made_up_emails_leave_the_limiter_small(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        behind_proxy(s);
        s.body_limit = 64 * 1024;
        // As many checks as tries at once: none waits, so every try is counted.
        s.limits.password_checks = 16;
    })
    .await;
    let huge = |i: usize| format!("{i}{}@example.com", "x".repeat(30_000));
    let statuses: Vec<u16> = futures_util::stream::iter(0..1000)
        .map(|i| {
            let (app, email) = (&app, huge(i));
            async move { sign_in(app, "203.0.113.6", &email, "whatever-password").await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        PER_ADDRESS as usize
    );
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429));
    // One address entry and one small (hashed) entry per failure the address was allowed.
    let entries = app.sign_ins.entries();
    assert!(entries <= PER_ADDRESS as usize + 1, "{entries} entries");
}
on_both_databases!(huge_made_up_emails_leave_the_limiter_small);

async fn failures_from_one_address_do_not_lock_the_account_for_another(backend: Backend) {
    let app = spawn_app_with(backend, behind_proxy).await;
    add_baker(&app).await;
    for i in 0..10 {
        let status = sign_in(&app, "203.0.113.7", EMAIL, "wrong-password-000").await;
        assert_eq!(status, if i < PER_PAIR { 401 } else { 429 });
    }
    assert_eq!(sign_in(&app, "203.0.113.7", EMAIL, PASSWORD).await, 429);
    assert_eq!(sign_in(&app, "203.0.113.8", EMAIL, PASSWORD).await, 200);
    // A spoofed X-Forwarded-For from a client that is not a proxy changes nothing: without the
    // trusted proxy every try is the peer's own.
    let direct = spawn_app_with(backend, |_| {}).await;
    add_baker(&direct).await;
    for _ in 0..PER_PAIR {
        assert_eq!(
            sign_in(&direct, "203.0.113.9", EMAIL, "wrong-password-000").await,
            401
        );
    }
    assert_eq!(sign_in(&direct, "203.0.113.10", EMAIL, PASSWORD).await, 429);
}
on_both_databases!(failures_from_one_address_do_not_lock_the_account_for_another);

/// Two replicas (each with its own database) under one Redis key prefix count failures together.
#[actix_web::rt::test(system = "::bakery_test_support::TestSystem")]
async fn replicas_share_sign_in_failures_through_redis() {
    let prefix = format!("{}_", unique_name("signin"));
    let shared = |s: &mut Settings| {
        behind_proxy(s);
        s.redis_url = Some("redis://127.0.0.1:6379".into());
        s.names.prefix = prefix.clone();
    };
    let first = spawn_app_with(Backend::Postgres, shared).await;
    let second = spawn_app_with(Backend::Sqlite, shared).await;
    add_baker(&first).await;
    add_baker(&second).await;
    for i in 0..PER_PAIR {
        let app = if i % 2 == 0 { &first } else { &second };
        assert_eq!(
            sign_in(app, "203.0.113.11", EMAIL, "wrong-password-000").await,
            401
        );
    }
    assert_eq!(sign_in(&first, "203.0.113.11", EMAIL, PASSWORD).await, 429);
    assert_eq!(sign_in(&second, "203.0.113.11", EMAIL, PASSWORD).await, 429);
    assert_eq!(sign_in(&second, "203.0.113.12", EMAIL, PASSWORD).await, 200);
    // The counts live in Redis, not in the replicas.
    assert_eq!(first.sign_ins.entries() + second.sign_ins.entries(), 0);
}
