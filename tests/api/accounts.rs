//! The staff account lifecycle over HTTP: deactivation and reactivation cut sessions and tokens at
//! once, role changes apply on the next request, password resets force a change, one's own
//! password change and sign-out everywhere end the other sessions, sessions end when idle or too
//! old, tokens expire and record their last use — each change in the audit log.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, spawn_app, spawn_app_with, wait_until};

const OWNER: &str = "owner@example.com";
const DEPUTY: &str = "deputy@example.com";
const BAKER: &str = "baker@example.com";
const PASSWORD: &str = "a-long-enough-password";

/// A signed-in browser: its session cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
    body: Value,
}

/// Creates an account straight in the database (as `bakery user add` does); returns its id.
async fn add_account(app: &TestApp, email: &str, role: &str) -> i64 {
    let db = app.db.connect().await;
    let role = bakery_wire::staff::StaffRole::parse(role).unwrap();
    let user = bakery::staff::accounts::create_user(&db, email, PASSWORD, role)
        .await
        .unwrap();
    db.close().await.unwrap();
    user.id
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/staff/sign-in"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

/// The session in a sign-in (or password change) answer, asserting a 200.
async fn session_of(res: reqwest::Response) -> Session {
    assert_eq!(res.status().as_u16(), 200);
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    let cookie = set_cookie.split(';').next().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        body,
    }
}

async fn session(app: &TestApp, email: &str, password: &str) -> Session {
    session_of(sign_in(app, email, password).await).await
}

/// Sends a staff request with the session's cookie and CSRF token.
async fn call(
    app: &TestApp,
    s: &Session,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = app
        .client
        .request(method, app.url(path))
        .header("cookie", &s.cookie)
        .header("X-CSRF-Token", &s.csrf);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn with_token(app: &TestApp, token: &str, path: &str) -> u16 {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

/// Creates a bearer token through the API; returns the token and its id.
async fn make_token(app: &TestApp, s: &Session, body: Value) -> (String, i64) {
    let (status, created) = call(app, s, Method::POST, "/api/admin/tokens", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    (
        created["token"].as_str().unwrap().to_owned(),
        created["id"].as_i64().unwrap(),
    )
}

async fn audited(app: &TestApp, action: &str, user_id: i64) -> i64 {
    app.scalar(&format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND target = 'user:{user_id}'"
    ))
    .await
}

async fn a_deactivated_account_loses_its_sessions_and_tokens_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner_id = add_account(&app, OWNER, "admin").await;
    let deputy_id = add_account(&app, DEPUTY, "admin").await;
    let owner = session(&app, OWNER, PASSWORD).await;
    let deputy = session(&app, DEPUTY, PASSWORD).await;
    let (token, _) = make_token(&app, &deputy, json!({"name": "deputy's", "role": "admin"})).await;
    assert_eq!(with_token(&app, &token, "/api/admin/users").await, 200);

    let disable = format!("/api/admin/users/{deputy_id}/disable");
    let (status, user) = call(&app, &owner, Method::POST, &disable, None).await;
    assert_eq!((status, &user["active"]), (200, &json!(false)), "{user}");
    // At once: the next request of the session and of the token is refused.
    let (status, _) = call(&app, &deputy, Method::GET, "/api/staff/me", None).await;
    assert_eq!(status, 401, "the deactivated account's session");
    assert_eq!(with_token(&app, &token, "/api/admin/users").await, 401);
    assert_eq!(sign_in(&app, DEPUTY, PASSWORD).await.status().as_u16(), 401);
    assert_eq!(audited(&app, "user.disable", deputy_id).await, 1);

    // An admin cannot lock themselves out, nor leave the shop without an active admin.
    let own = format!("/api/admin/users/{owner_id}/disable");
    let (status, body) = call(&app, &owner, Method::POST, &own, None).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));
    let (status, _) = call(
        &app,
        &owner,
        Method::POST,
        "/api/admin/users/999/disable",
        None,
    )
    .await;
    assert_eq!(status, 404);

    let enable = format!("/api/admin/users/{deputy_id}/enable");
    let (status, user) = call(&app, &owner, Method::POST, &enable, None).await;
    assert_eq!((status, &user["active"]), (200, &json!(true)));
    assert_eq!(
        with_token(&app, &token, "/api/admin/users").await,
        200,
        "the token works again"
    );
    let (status, _) = call(&app, &deputy, Method::GET, "/api/staff/me", None).await;
    assert_eq!(status, 401, "old sessions stay ended");
    session(&app, DEPUTY, PASSWORD).await;
    assert_eq!(audited(&app, "user.enable", deputy_id).await, 1);
}
on_both_databases!(a_deactivated_account_loses_its_sessions_and_tokens_at_once);

async fn a_role_change_applies_to_the_next_request(backend: Backend) {
    let app = spawn_app(backend).await;
    add_account(&app, OWNER, "admin").await;
    let deputy_id = add_account(&app, DEPUTY, "admin").await;
    let baker_id = add_account(&app, BAKER, "baker").await;
    let owner = session(&app, OWNER, PASSWORD).await;
    let deputy = session(&app, DEPUTY, PASSWORD).await;
    let baker = session(&app, BAKER, PASSWORD).await;
    let (token, _) = make_token(&app, &deputy, json!({"name": "deputy's", "role": "admin"})).await;
    let (status, _) = call(&app, &baker, Method::GET, "/api/admin/users", None).await;
    assert_eq!(status, 403);

    let promote = format!("/api/admin/users/{baker_id}/role");
    let (status, user) = call(
        &app,
        &owner,
        Method::POST,
        &promote,
        Some(json!({"role": "admin"})),
    )
    .await;
    assert_eq!((status, &user["role"]), (200, &json!("admin")), "{user}");
    let (status, _) = call(&app, &baker, Method::GET, "/api/admin/users", None).await;
    assert_eq!(status, 200, "the same session, promoted");

    let demote = format!("/api/admin/users/{deputy_id}/role");
    let (status, _) = call(
        &app,
        &owner,
        Method::POST,
        &demote,
        Some(json!({"role": "baker"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, &deputy, Method::GET, "/api/admin/users", None).await;
    assert_eq!(status, 403, "the demoted session");
    assert_eq!(
        with_token(&app, &token, "/api/admin/users").await,
        403,
        "a token never acts above its owner's role"
    );
    assert_eq!(with_token(&app, &token, "/api/admin/orders").await, 200);
    let (status, body) = call(
        &app,
        &owner,
        Method::POST,
        &demote,
        Some(json!({"role": "chef"})),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("validation_failed"))
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.role' AND target = 'user:{deputy_id}' AND details LIKE '%\"to\":\"baker\"%'"
        ))
        .await,
        1
    );
}
on_both_databases!(a_role_change_applies_to_the_next_request);

async fn a_reset_password_must_be_changed_before_anything_else(backend: Backend) {
    let app = spawn_app(backend).await;
    add_account(&app, OWNER, "admin").await;
    let baker_id = add_account(&app, BAKER, "baker").await;
    let owner = session(&app, OWNER, PASSWORD).await;
    let before = session(&app, BAKER, PASSWORD).await;

    let reset = format!("/api/admin/users/{baker_id}/password");
    let (status, body) = call(
        &app,
        &owner,
        Method::POST,
        &reset,
        Some(json!({"password": "short"})),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let temporary = "temporary-password-9";
    let (status, user) = call(
        &app,
        &owner,
        Method::POST,
        &reset,
        Some(json!({"password": temporary})),
    )
    .await;
    assert_eq!(
        (status, &user["must_change_password"]),
        (200, &json!(true)),
        "{user}"
    );
    let (status, _) = call(&app, &before, Method::GET, "/api/staff/me", None).await;
    assert_eq!(status, 401, "a reset ends the account's sessions");
    assert_eq!(sign_in(&app, BAKER, PASSWORD).await.status().as_u16(), 401);

    let restricted = session(&app, BAKER, temporary).await;
    assert_eq!(restricted.body["must_change_password"], json!(true));
    let (status, body) = call(&app, &restricted, Method::GET, "/api/admin/orders", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("password_change_required"))
    );
    let (status, me) = call(&app, &restricted, Method::GET, "/api/staff/me", None).await;
    assert_eq!((status, &me["must_change_password"]), (200, &json!(true)));

    let change =
        |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    let (status, body) = call(
        &app,
        &restricted,
        Method::POST,
        "/api/staff/password",
        Some(change("wrong-password-1", "brand-new-password")),
    )
    .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("wrong_password"))
    );
    let (status, _) = call(
        &app,
        &restricted,
        Method::POST,
        "/api/staff/password",
        Some(change(temporary, temporary)),
    )
    .await;
    assert_eq!(status, 400, "the new password must differ");
    let res = app
        .client
        .post(app.url("/api/staff/password"))
        .header("cookie", &restricted.cookie)
        .header("X-CSRF-Token", &restricted.csrf)
        .json(&change(temporary, "brand-new-password"))
        .send()
        .await
        .unwrap();
    let changed = session_of(res).await;
    assert_eq!(changed.body["must_change_password"], json!(false));
    let (status, _) = call(&app, &changed, Method::GET, "/api/admin/orders", None).await;
    assert_eq!(status, 200, "the new session does everything its role may");
    let (status, _) = call(&app, &restricted, Method::GET, "/api/staff/me", None).await;
    assert_eq!(status, 401, "the restricted session ended with the change");
    assert_eq!(sign_in(&app, BAKER, temporary).await.status().as_u16(), 401);
    session(&app, BAKER, "brand-new-password").await;
    assert_eq!(audited(&app, "user.reset_password", baker_id).await, 1);
    assert_eq!(audited(&app, "staff.password_change", baker_id).await, 1);
}
on_both_databases!(a_reset_password_must_be_changed_before_anything_else);

async fn own_password_change_and_sign_out_everywhere_end_the_other_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner_id = add_account(&app, OWNER, "admin").await;
    let baker_id = add_account(&app, BAKER, "baker").await;
    let laptop = session(&app, BAKER, PASSWORD).await;
    let phone = session(&app, BAKER, PASSWORD).await;
    let res = app
        .client
        .post(app.url("/api/staff/password"))
        .header("cookie", &laptop.cookie)
        .header("X-CSRF-Token", &laptop.csrf)
        .json(&json!({"current_password": PASSWORD, "new_password": "my-own-new-password"}))
        .send()
        .await
        .unwrap();
    let laptop = session_of(res).await;
    let (status, _) = call(&app, &phone, Method::GET, "/api/staff/me", None).await;
    assert_eq!(status, 401, "the other device is signed out");
    let (status, _) = call(&app, &laptop, Method::GET, "/api/staff/me", None).await;
    assert_eq!(status, 200);

    let phone = session(&app, BAKER, "my-own-new-password").await;
    let (status, _) = call(
        &app,
        &laptop,
        Method::POST,
        "/api/staff/sign-out-everywhere",
        None,
    )
    .await;
    assert_eq!(status, 204);
    for s in [&laptop, &phone] {
        let (status, _) = call(&app, s, Method::GET, "/api/staff/me", None).await;
        assert_eq!(status, 401, "every session of the account ended");
    }
    assert_eq!(audited(&app, "user.sign_out_everywhere", baker_id).await, 1);

    // An admin signs someone else out everywhere.
    let owner = session(&app, OWNER, PASSWORD).await;
    let again = session(&app, BAKER, "my-own-new-password").await;
    let path = format!("/api/admin/users/{baker_id}/sign-out");
    let (status, _) = call(&app, &owner, Method::POST, &path, None).await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, &again, Method::GET, "/api/staff/me", None).await;
    assert_eq!(status, 401);
    let (status, _) = call(&app, &owner, Method::GET, "/api/staff/me", None).await;
    assert_eq!(status, 200, "the admin's own session is untouched");
    assert_eq!(audited(&app, "user.sign_out_everywhere", owner_id).await, 0);
}
on_both_databases!(own_password_change_and_sign_out_everywhere_end_the_other_sessions);

/// Sessions with a 1.2 s idle timeout and a 3 s lifetime, in the database or (`redis`) in Redis.
async fn sessions_end_when_idle_or_too_old(backend: Backend, redis: bool) {
    let idle = Duration::from_millis(1200);
    let lifetime = Duration::from_millis(3000);
    let app = spawn_app_with(backend, |s| {
        s.sessions.idle_timeout = idle;
        s.sessions.lifetime = lifetime;
        if redis {
            s.redis_url = Some("redis://127.0.0.1:6379".into());
            s.names.prefix = format!("{}_", bakery_test_support::unique_name("sessions"));
        }
    })
    .await;
    add_account(&app, BAKER, "baker").await;
    let me = |s: &Session| {
        let req = app
            .client
            .get(app.url("/api/staff/me"))
            .header("cookie", s.cookie.clone());
        async move { req.send().await.unwrap().status().as_u16() }
    };

    // Left alone (looking would be a use), a session ends after the idle timeout.
    let left = session(&app, BAKER, PASSWORD).await;
    assert_eq!(me(&left).await, 200);
    tokio::time::sleep(idle + Duration::from_millis(300)).await;
    assert_eq!(me(&left).await, 401, "idle for longer than the timeout");

    // Used all the time, it still ends at its lifetime.
    let since = Instant::now();
    let busy = session(&app, BAKER, PASSWORD).await;
    wait_until(
        Duration::from_secs(15),
        "the busy session to end",
        || async { me(&busy).await == 401 },
    )
    .await;
    let lasted = since.elapsed();
    assert!(lasted >= lifetime, "a used session ended after {lasted:?}");
    assert!(
        lasted > idle * 2,
        "kept alive past the idle timeout by use: {lasted:?}"
    );
}

async fn sessions_end_when_idle_or_past_their_lifetime(backend: Backend) {
    sessions_end_when_idle_or_too_old(backend, false).await;
}
on_both_databases!(sessions_end_when_idle_or_past_their_lifetime);

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn redis_sessions_end_when_idle_or_past_their_lifetime() {
    sessions_end_when_idle_or_too_old(Backend::Postgres, true).await;
}

async fn tokens_expire_and_record_their_last_use(backend: Backend) {
    let app = spawn_app(backend).await;
    add_account(&app, OWNER, "admin").await;
    let owner = session(&app, OWNER, PASSWORD).await;
    for bad in [
        json!(0),
        json!(-5),
        json!(1.5),
        json!(315_360_001),
        json!("1h"),
    ] {
        let body = json!({"name": "bad", "role": "admin", "expires_in": bad});
        let (status, answer) =
            call(&app, &owner, Method::POST, "/api/admin/tokens", Some(body)).await;
        assert_eq!(status, 400, "expires_in {bad}: {answer}");
    }
    let since = Instant::now();
    let (short, short_id) = make_token(
        &app,
        &owner,
        json!({"name": "short", "role": "baker", "expires_in": 2}),
    )
    .await;
    let (lasting, lasting_id) =
        make_token(&app, &owner, json!({"name": "lasting", "role": "baker"})).await;

    let listed = |id: i64| {
        let req = app
            .client
            .get(app.url("/api/admin/tokens"))
            .header("cookie", owner.cookie.clone());
        async move {
            let all: Vec<Value> = req.send().await.unwrap().json().await.unwrap();
            all.into_iter().find(|t| t["id"] == id).unwrap()
        }
    };
    assert_eq!(listed(lasting_id).await["last_used_at"], Value::Null);
    assert_eq!(listed(lasting_id).await["expires_at"], Value::Null);
    assert!(listed(short_id).await["expires_at"].is_string());

    assert_eq!(with_token(&app, &lasting, "/api/admin/orders").await, 200);
    assert!(
        listed(lasting_id).await["last_used_at"].is_string(),
        "the use is noted"
    );
    // A note older than a minute is refreshed; one within the minute is left as it is.
    app.execute(&format!(
        "UPDATE api_tokens SET last_used_at = '2000-01-01 00:00:00+00:00' WHERE id = {lasting_id}"
    ))
    .await;
    assert_eq!(with_token(&app, &lasting, "/api/admin/orders").await, 200);
    assert_ne!(
        listed(lasting_id).await["last_used_at"],
        json!("2000-01-01 00:00:00")
    );
    let noted = listed(lasting_id).await["last_used_at"].clone();
    assert_eq!(with_token(&app, &lasting, "/api/admin/orders").await, 200);
    assert_eq!(listed(lasting_id).await["last_used_at"], noted);

    if since.elapsed() < Duration::from_secs(2) {
        assert_eq!(with_token(&app, &short, "/api/admin/orders").await, 200);
    }
    wait_until(
        Duration::from_secs(10),
        "the short token to expire",
        || async { with_token(&app, &short, "/api/admin/orders").await == 401 },
    )
    .await;
    assert!(since.elapsed() >= Duration::from_secs(2));
    assert_eq!(with_token(&app, &lasting, "/api/admin/orders").await, 200);
}
on_both_databases!(tokens_expire_and_record_their_last_use);
