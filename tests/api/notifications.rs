//! Customer notifications: signed webhooks and e-mails, one per status change, retried with backoff until delivered, never twice (even across a restart); checked against a webhook receiver and an SMTP receiver inside the test.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Child;

use bakery_test_support::on_both_databases;
use bakery_test_support::{
    Backend, TestApp, TestDatabase, probe, seed_order, spawn_app_with, wait_until,
};

const SECRET: &str = "webhook-secret-of-the-test";
const ADMIN_PASSWORD: &str = "owner-secret-password-1";

/// One call the webhook receiver got, and what it answered.
#[derive(Debug, Clone)]
struct WebhookCall {
    delivery: String,
    signature: String,
    content_type: String,
    body: String,
    answered: u16,
}

/// Serves every connection `listener` accepts with `serve(server, stream)`, each on a task of its
/// own, for the life of the test.
fn serve_each<S, F, Fut>(listener: TcpListener, server: S, serve: F)
where
    S: Clone + Send + 'static,
    F: Fn(S, TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = std::io::Result<()>> + Send + 'static,
{
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(server.clone(), stream));
        }
    });
}

/// An HTTP server that records webhook calls; answers 500 to the first `fail_next` calls.
#[derive(Clone)]
struct WebhookReceiver {
    url: String,
    calls: Arc<Mutex<Vec<WebhookCall>>>,
    fail_next: Arc<AtomicU32>,
}

impl WebhookReceiver {
    async fn start() -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/bakery", listener.local_addr().unwrap());
        let receiver = WebhookReceiver {
            url,
            calls: Arc::default(),
            fail_next: Arc::default(),
        };
        serve_each(listener, receiver.clone(), |me, stream| async move {
            me.serve(stream).await
        });
        receiver
    }

    async fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream);
        loop {
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).await? == 0 {
                return Ok(());
            }
            let mut headers = Vec::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).await?;
                let line = line.trim_end().to_owned();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            let header = |name: &str| {
                headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default()
            };
            let length: usize = header("content-length").parse().unwrap_or(0);
            let mut body = vec![0u8; length];
            reader.read_exact(&mut body).await?;
            let failing = self
                .fail_next
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let answered = if failing { 500 } else { 204 };
            self.calls.lock().unwrap().push(WebhookCall {
                delivery: header("x-bakery-delivery"),
                signature: header("x-bakery-signature"),
                content_type: header("content-type"),
                body: String::from_utf8(body).unwrap(),
                answered,
            });
            let reason = if failing {
                "500 Internal Server Error"
            } else {
                "204 No Content"
            };
            reader
                .get_mut()
                .write_all(format!("HTTP/1.1 {reason}\r\ncontent-length: 0\r\n\r\n").as_bytes())
                .await?;
        }
    }

    fn calls(&self) -> Vec<WebhookCall> {
        self.calls.lock().unwrap().clone()
    }

    /// The calls answered 2xx.
    fn delivered(&self) -> Vec<WebhookCall> {
        self.calls()
            .into_iter()
            .filter(|c| c.answered < 300)
            .collect()
    }
}

/// Just enough of an SMTP server to take mails; while `refusing`, answers 451 to MAIL FROM.
#[derive(Clone)]
struct SmtpReceiver {
    url: String,
    mails: Arc<Mutex<Vec<String>>>,
    refusing: Arc<AtomicBool>,
    /// While set, answers 550 to RCPT TO, quoting the address (as real relays do).
    unknown_recipients: Arc<AtomicBool>,
}

impl SmtpReceiver {
    async fn start() -> SmtpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("smtp://{}", listener.local_addr().unwrap());
        let receiver = SmtpReceiver {
            url,
            mails: Arc::default(),
            refusing: Arc::default(),
            unknown_recipients: Arc::default(),
        };
        serve_each(listener, receiver.clone(), |me, stream| async move {
            me.serve(stream).await
        });
        receiver
    }

    async fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream);
        reader
            .get_mut()
            .write_all(b"220 test.local ESMTP\r\n")
            .await?;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
            if verb == "RCPT" && self.unknown_recipients.load(Ordering::SeqCst) {
                let address = line.trim().trim_start_matches(|c| c != '<');
                let answer = format!("550 5.1.1 {address}: recipient unknown\r\n");
                reader.get_mut().write_all(answer.as_bytes()).await?;
                continue;
            }
            let answer: &[u8] = match verb.as_str() {
                "EHLO" | "HELO" => b"250 test.local\r\n",
                "MAIL" if self.refusing.load(Ordering::SeqCst) => b"451 try again later\r\n",
                "MAIL" | "RCPT" | "RSET" | "NOOP" => b"250 OK\r\n",
                "DATA" => {
                    reader.get_mut().write_all(b"354 go ahead\r\n").await?;
                    let mut mail = String::new();
                    loop {
                        let mut data = String::new();
                        if reader.read_line(&mut data).await? == 0 {
                            return Ok(());
                        }
                        if data == ".\r\n" {
                            break;
                        }
                        mail.push_str(&data);
                    }
                    self.mails.lock().unwrap().push(mail);
                    b"250 OK queued\r\n"
                }
                "QUIT" => {
                    reader.get_mut().write_all(b"221 bye\r\n").await?;
                    return Ok(());
                }
                _ => b"502 not implemented\r\n",
            };
            reader.get_mut().write_all(answer).await?;
        }
    }

    fn mails(&self) -> Vec<String> {
        self.mails.lock().unwrap().clone()
    }
}

fn expected_signature(body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={hex}")
}

/// [`wait_until`] for a check that needs no waiting of its own (what the receivers recorded).
async fn eventually(within: Duration, what: &str, mut check: impl FnMut() -> bool) {
    wait_until(within, what, || std::future::ready(check())).await
}

/// A bearer token of a new admin, made straight in the database.
async fn admin_token(database_url: &str) -> String {
    let mut options = sea_orm::ConnectOptions::new(database_url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    let db = sea_orm::Database::connect(options).await.unwrap();
    let admin = bakery_wire::staff::StaffRole::Admin;
    let (_, token) =
        bakery::staff::accounts::create_api_token(&db, "notifications test", admin, "test")
            .await
            .unwrap();
    db.close().await.unwrap();
    token
}

async fn admin_call(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client
        .request(method, format!("{base}{path}"))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Signs in as a new admin (cookie + CSRF token), as the back-office pages do.
async fn admin_session(app: &TestApp) -> (String, String) {
    let db = app.db.connect().await;
    let admin = bakery_wire::staff::StaffRole::Admin;
    bakery::staff::accounts::create_user(&db, "owner@example.com", ADMIN_PASSWORD, admin)
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/api/staff/sign-in"))
        .json(&json!({"email": "owner@example.com", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

async fn a_full_order_notifies_once_per_transition(backend: Backend) {
    let hooks = WebhookReceiver::start().await;
    let smtp = SmtpReceiver::start().await;
    let smtp_url = smtp.url.clone();
    let app = spawn_app_with(backend, |s| {
        s.smtp_url = Some(smtp_url);
        s.smtp_from = "The Bakery <orders@bakery.test>".into();
    })
    .await;
    let (cookie, csrf) = admin_session(&app).await;
    let staff = |method: reqwest::Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header("cookie", &cookie)
            .header("X-CSRF-Token", &csrf)
    };

    let res = staff(reqwest::Method::POST, "/api/admin/webhooks")
        .json(&json!({"url": hooks.url, "secret": SECRET}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let endpoint: Value = res.json().await.unwrap();
    assert_eq!(endpoint["secret"], SECRET, "shown once, at creation");
    let endpoint_id = endpoint["id"].as_i64().unwrap();

    let id = app.place(&seed_order()).await;
    app.wait_for_status(id, &["ready"], Duration::from_secs(10))
        .await;
    let res = staff(
        reqwest::Method::POST,
        &format!("/api/admin/orders/{id}/complete"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 200);

    eventually(
        Duration::from_secs(10),
        "4 webhook calls and 4 mails",
        || hooks.calls().len() >= 4 && smtp.mails().len() >= 4,
    )
    .await;
    // A duplicate would go out before its notification is marked done: wait for that mark.
    app.wait_for_scalar(
        "SELECT COUNT(*) FROM outbox WHERE topic = 'notifications' AND published_at IS NULL",
        0,
        Duration::from_secs(10),
        "notifications still waiting",
    )
    .await;
    let calls = hooks.calls();
    assert_eq!(calls.len(), 4, "one call per transition: {calls:#?}");
    let statuses: Vec<String> = calls
        .iter()
        .map(|c| {
            assert_eq!(c.content_type, "application/json");
            assert_eq!(c.signature, expected_signature(&c.body), "signed body");
            assert_eq!(c.answered, 204);
            let body: Value = serde_json::from_str(&c.body).unwrap();
            assert_eq!(body["order_id"], id);
            assert_eq!(body["customer_name"], "Vedanti Verma");
            assert_eq!(body["customer_email"], "vedanti@example.com");
            assert_eq!(body["fulfillment"], "pickup");
            assert!(body["event_id"].as_i64().unwrap() > 0);
            assert!(body["at"].as_str().unwrap().len() == 19, "{body}");
            assert!(
                c.delivery.ends_with(&format!("-{endpoint_id}")),
                "{}",
                c.delivery
            );
            body["status"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(statuses, ["pending", "processing", "ready", "completed"]);
    let mut deliveries: Vec<&str> = calls.iter().map(|c| c.delivery.as_str()).collect();
    deliveries.sort();
    deliveries.dedup();
    assert_eq!(deliveries.len(), 4, "distinct delivery ids");

    let mails = smtp.mails();
    assert_eq!(mails.len(), 4, "one mail per transition");
    for (mail, subject) in mails.iter().zip([
        format!("We have your order #{id}"),
        format!("Your order #{id} is in the oven"),
        format!("Your order #{id} is ready for pickup"),
        format!("Your order #{id} was picked up"),
    ]) {
        assert!(mail.contains(&format!("Subject: {subject}")), "{mail}");
        assert!(mail.contains("To: vedanti@example.com"), "{mail}");
        assert!(mail.contains("orders@bakery.test"), "{mail}");
    }

    // The admin pages show the deliveries and the endpoint (without its secret).
    let res = staff(reqwest::Method::GET, "/api/admin/notifications")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let listed: Vec<Value> = res.json().await.unwrap();
    assert_eq!(listed.len(), 8, "{listed:#?}");
    for d in &listed {
        assert_eq!(d["status"], "delivered", "{d}");
        assert_eq!(d["attempts"], 1, "{d}");
        assert_eq!(d["order_id"], id, "{d}");
        assert!(d["delivered_at"].is_string(), "{d}");
    }
    let channels = |c: &str| listed.iter().filter(|d| d["channel"] == c).count();
    assert_eq!((channels("webhook"), channels("email")), (4, 4));
    let res = staff(reqwest::Method::GET, "/api/admin/webhooks")
        .send()
        .await
        .unwrap();
    let hooks_listed: Value = res.json().await.unwrap();
    assert_eq!(hooks_listed[0]["url"], hooks.url);
    assert!(hooks_listed[0].get("secret").is_none(), "{hooks_listed}");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM outbox WHERE topic = 'notifications' AND published_at IS NULL"
        )
        .await,
        0
    );

    // Removed: no more calls; the change is audited.
    let res = staff(
        reqwest::Method::DELETE,
        &format!("/api/admin/webhooks/{endpoint_id}"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    let again = app.place(&seed_order()).await;
    app.wait_for_status(again, &["ready"], Duration::from_secs(10))
        .await;
    eventually(Duration::from_secs(10), "the second order's mails", || {
        smtp.mails().len() >= 7
    })
    .await;
    assert_eq!(hooks.calls().len(), 4, "a removed endpoint is not called");
    let audit: Vec<Value> = staff(reqwest::Method::GET, "/api/admin/audit")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for action in ["webhook.create", "webhook.delete"] {
        assert!(audit.iter().any(|e| e["action"] == action), "{action}");
    }
    // Bakers may not see or change them.
    let baker = bakery_wire::staff::StaffRole::Baker;
    let db = app.db.connect().await;
    let (_, token) = bakery::staff::accounts::create_api_token(&db, "baker", baker, "test")
        .await
        .unwrap();
    for path in ["/api/admin/webhooks", "/api/admin/notifications"] {
        let (status, _) = admin_call(
            &app.client,
            &app.address,
            &token,
            reqwest::Method::GET,
            path,
            None,
        )
        .await;
        assert_eq!(status, 403, "{path}");
    }
}
on_both_databases!(a_full_order_notifies_once_per_transition);

async fn a_failing_webhook_is_retried_until_delivered_once(backend: Backend) {
    let hooks = WebhookReceiver::start().await;
    hooks.fail_next.store(3, Ordering::SeqCst);
    let app = spawn_app_with(backend, |s| {
        s.worker.restart_initial = Duration::from_millis(50);
        s.worker.restart_max = Duration::from_millis(400);
    })
    .await;
    let token = admin_token(&app.db.url).await;
    let (status, _) = admin_call(
        &app.client,
        &app.address,
        &token,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        Some(json!({"url": hooks.url, "secret": SECRET})),
    )
    .await;
    assert_eq!(status, 201);

    let id = app.place(&seed_order()).await;
    app.wait_for_status(id, &["ready"], Duration::from_secs(10))
        .await;
    eventually(Duration::from_secs(15), "3 delivered webhooks", || {
        hooks.delivered().len() >= 3
    })
    .await;
    app.wait_for_scalar(
        "SELECT COUNT(*) FROM outbox WHERE topic = 'notifications' AND published_at IS NULL",
        0,
        Duration::from_secs(10),
        "notifications still waiting",
    )
    .await;
    let calls = hooks.calls();
    assert_eq!(
        calls.iter().filter(|c| c.answered == 500).count(),
        3,
        "{calls:#?}"
    );
    let delivered = hooks.delivered();
    assert_eq!(
        delivered.len(),
        3,
        "each transition delivered once: {calls:#?}"
    );
    let mut ids: Vec<&str> = delivered.iter().map(|c| c.delivery.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "{calls:#?}");
    // Every retry carried the same delivery id, body and signature.
    for failed in calls.iter().filter(|c| c.answered == 500) {
        let ok = delivered
            .iter()
            .find(|c| c.delivery == failed.delivery)
            .unwrap();
        assert_eq!((&ok.body, &ok.signature), (&failed.body, &failed.signature));
    }
    // The first delivery waited out growing restart delays (jittered, 50 ms doubling).
    let (_, listed) = admin_call(
        &app.client,
        &app.address,
        &token,
        reqwest::Method::GET,
        "/api/admin/notifications",
        None,
    )
    .await;
    let listed = listed.as_array().unwrap().clone();
    assert_eq!(listed.len(), 3, "{listed:#?}");
    let attempts: i64 = listed.iter().map(|d| d["attempts"].as_i64().unwrap()).sum();
    assert_eq!(attempts, 6, "3 failures + 3 deliveries: {listed:#?}");
    assert!(listed.iter().all(|d| d["status"] == "delivered"));
    assert!(
        listed
            .iter()
            .any(|d| d["last_error"].as_str().unwrap_or("").contains("500")),
        "{listed:#?}"
    );
    let logs = bakery_test_support::captured_logs();
    assert!(
        logs.contains("\"actor\":\"notifier\"") && logs.contains("actor restarting after failure"),
        "restarts are logged"
    );
}
on_both_databases!(a_failing_webhook_is_retried_until_delivered_once);

/// Failed deliveries are logged (and retried) without the customer's e-mail address or name,
/// and without the webhook URL's credentials, even when the relay's answer quotes the address.
async fn failed_deliveries_log_no_customer_data(backend: Backend) {
    const EMAIL: &str = "vedanti.privacy@example.org";
    const NAME: &str = "Vedanti Privacy-Verma";
    const HOOK_PASSWORD: &str = "hook-password-of-the-privacy-test";
    let smtp = SmtpReceiver::start().await;
    smtp.unknown_recipients.store(true, Ordering::SeqCst);
    let smtp_url = smtp.url.clone();
    let app = spawn_app_with(backend, |s| {
        s.smtp_url = Some(smtp_url);
        s.worker.restart_initial = Duration::from_millis(50);
        s.worker.restart_max = Duration::from_millis(200);
    })
    .await;
    // Nothing listens on port 1: every post fails.
    let hook_url = format!("http://hook:{HOOK_PASSWORD}@127.0.0.1:1/privacy-hook?key=k");
    let token = admin_token(&app.db.url).await;
    let (status, _) = admin_call(
        &app.client,
        &app.address,
        &token,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        Some(json!({"url": hook_url, "secret": SECRET})),
    )
    .await;
    assert_eq!(status, 201);

    let mut order = seed_order();
    order["customer_name"] = json!(NAME);
    order["customer_email"] = json!(EMAIL);
    app.place(&order).await;
    eventually(Duration::from_secs(15), "both failures logged", || {
        let logs = bakery_test_support::captured_logs();
        logs.contains("v***@example.org") && logs.contains("http://127.0.0.1:1/privacy-hook?…")
    })
    .await;
    let logs = bakery_test_support::captured_logs();
    for secret in [EMAIL, NAME, HOOK_PASSWORD] {
        assert!(!logs.contains(secret), "{secret} is in the logs");
    }
}
on_both_databases!(failed_deliveries_log_no_customer_data);

/// With no webhook endpoint and no SMTP, status moves write no notifications at all (nothing
/// to deliver, nothing to mark done); once an endpoint is added, the next order's moves are
/// written and delivered to it.
async fn with_nobody_to_tell_no_notifications_are_written(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.worker.prep_time = Duration::from_millis(50);
    })
    .await;
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(app.place(&seed_order()).await);
    }
    for id in &ids {
        app.wait_for_status(*id, &["ready"], Duration::from_secs(30))
            .await;
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbox WHERE topic = 'notifications'")
            .await,
        0,
        "nobody listens"
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM order_events").await,
        3 * 40,
        "the history has every move"
    );

    let hooks = WebhookReceiver::start().await;
    let (cookie, csrf) = admin_session(&app).await;
    let res = app
        .client
        .post(app.url("/api/admin/webhooks"))
        .header("cookie", &cookie)
        .header("X-CSRF-Token", &csrf)
        .json(&json!({"url": hooks.url, "secret": SECRET}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let id = app.place(&seed_order()).await;
    app.wait_for_status(id, &["ready"], Duration::from_secs(30))
        .await;
    eventually(
        Duration::from_secs(15),
        "the new order's 3 webhooks",
        || hooks.delivered().len() >= 3,
    )
    .await;
    let delivered = hooks.delivered();
    assert_eq!(
        delivered.len(),
        3,
        "only the order placed after the endpoint"
    );
    assert!(
        delivered
            .iter()
            .all(|call| call.body.contains(&format!("\"order_id\":{id}"))),
        "{delivered:#?}"
    );
}
on_both_databases!(with_nobody_to_tell_no_notifications_are_written);

/// Starts the real binary with notifications by e-mail to `smtp_url`.
async fn start_bakery(database_url: &str, smtp_url: &str) -> (Child, String) {
    let env = [("BAKERY_PREP_TIME", "0s"), ("BAKERY_SMTP_URL", smtp_url)];
    bakery_test_support::start_binary(database_url, &env).await
}

async fn deliveries_survive_a_restart_without_duplicates(backend: Backend) {
    let db = TestDatabase::create(backend).await;
    let hooks = WebhookReceiver::start().await;
    let smtp = SmtpReceiver::start().await;
    smtp.refusing.store(true, Ordering::SeqCst);
    let client = bakery_test_support::client();

    let (mut first, url) = start_bakery(&db.url, &smtp.url).await;
    let token = admin_token(&db.url).await;
    let (status, _) = admin_call(
        &client,
        &url,
        &token,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        Some(json!({"url": hooks.url, "secret": SECRET})),
    )
    .await;
    assert_eq!(status, 201);
    bakery_test_support::place_at(&client, &url, &seed_order()).await;
    // Webhooks go out; the mail server refuses, so the notifications stay in the outbox.
    eventually(
        Duration::from_secs(15),
        "3 webhooks from the first process",
        || hooks.delivered().len() >= 3,
    )
    .await;
    // Killed once the deliveries are recorded, not merely sent.
    let data = probe(&db.url).await;
    let recorded = "SELECT COUNT(*) FROM notification_deliveries WHERE delivered_at IS NOT NULL";
    wait_until(Duration::from_secs(10), "3 recorded deliveries", || async {
        data.scalar(recorded).await == 3
    })
    .await;
    first.kill().await.unwrap(); // SIGKILL
    first.wait().await.unwrap();
    assert_eq!(
        data.scalar(
            "SELECT COUNT(*) FROM outbox WHERE topic = 'notifications' AND published_at IS NULL"
        )
        .await,
        3,
        "the refused mails keep their notifications waiting"
    );
    assert_eq!(smtp.mails().len(), 0);

    smtp.refusing.store(false, Ordering::SeqCst);
    let (mut second, _url) = start_bakery(&db.url, &smtp.url).await;
    eventually(
        Duration::from_secs(15),
        "3 mails from the second process",
        || smtp.mails().len() >= 3,
    )
    .await;
    // A duplicate would go out before its notification is marked done: wait for that mark.
    wait_until(Duration::from_secs(10), "every notification done", || async {
        data.scalar("SELECT COUNT(*) FROM outbox WHERE topic = 'notifications' AND published_at IS NULL").await == 0
    })
    .await;
    assert_eq!(smtp.mails().len(), 3, "one mail per transition");
    let delivered = hooks.delivered();
    assert_eq!(
        delivered.len(),
        3,
        "the webhooks delivered before the restart are not sent again: {delivered:#?}"
    );
    assert_eq!(
        data.scalar(
            "SELECT COUNT(*) FROM outbox WHERE topic = 'notifications' AND published_at IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        data.scalar("SELECT COUNT(*) FROM notification_deliveries WHERE delivered_at IS NOT NULL")
            .await,
        6
    );
    second.kill().await.unwrap();
}
on_both_databases!(deliveries_survive_a_restart_without_duplicates);
