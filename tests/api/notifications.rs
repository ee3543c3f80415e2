//! Customer notifications: signed webhooks (http and https) and e-mails, one per status change, each delivery retried on its own with backoff until delivered or dead, never twice (even across a restart), dead ones retried by staff, private hosts refused; checked against webhook receivers and an SMTP receiver inside the test.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bakery::notify::webhooks::{SIGNATURE_TOLERANCE, SignatureError, verify_signature};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::Child;

use bakery_test_support::on_both_databases;
use bakery_test_support::{
    Backend, TestApp, TestDatabase, probe, seed_order, spawn_app_with, wait_until,
};

pub(crate) const SECRET: &str = "webhook-secret-of-the-test";
const ADMIN_PASSWORD: &str = "owner-secret-password-1";

/// One call the webhook receiver got, and what it answered.
#[derive(Debug, Clone)]
pub(crate) struct WebhookCall {
    pub(crate) delivery: String,
    pub(crate) signature: String,
    pub(crate) content_type: String,
    pub(crate) body: String,
    pub(crate) answered: u16,
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

/// An HTTP server that records webhook calls; answers 500 to the first `fail_next` calls, then
/// `answer` (204 unless changed).
#[derive(Clone)]
pub(crate) struct WebhookReceiver {
    pub(crate) url: String,
    calls: Arc<Mutex<Vec<WebhookCall>>>,
    fail_next: Arc<AtomicU32>,
    answer: Arc<AtomicU16>,
}

impl WebhookReceiver {
    pub(crate) async fn start() -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/bakery", listener.local_addr().unwrap());
        let receiver = WebhookReceiver::new(url);
        serve_each(listener, receiver.clone(), |me, stream| async move {
            me.serve(stream).await
        });
        receiver
    }

    /// The receiver over HTTPS with `tls` (a certificate for 127.0.0.1).
    async fn start_tls(tls: tokio_rustls::TlsAcceptor) -> WebhookReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/hooks/bakery", listener.local_addr().unwrap());
        let receiver = WebhookReceiver::new(url);
        serve_each(
            listener,
            (receiver.clone(), tls),
            |(me, tls), stream| async move { me.serve(tls.accept(stream).await?).await },
        );
        receiver
    }

    fn new(url: String) -> WebhookReceiver {
        WebhookReceiver {
            url,
            calls: Arc::default(),
            fail_next: Arc::default(),
            answer: Arc::new(AtomicU16::new(204)),
        }
    }

    async fn serve(&self, stream: impl AsyncRead + AsyncWrite + Unpin) -> std::io::Result<()> {
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
            let answered = if failing {
                500
            } else {
                self.answer.load(Ordering::SeqCst)
            };
            self.calls.lock().unwrap().push(WebhookCall {
                delivery: header("x-bakery-delivery"),
                signature: header("x-bakery-signature"),
                content_type: header("content-type"),
                body: String::from_utf8(body).unwrap(),
                answered,
            });
            reader
                .get_mut()
                .write_all(format!("HTTP/1.1 {answered} X\r\ncontent-length: 0\r\n\r\n").as_bytes())
                .await?;
            reader.get_mut().flush().await?;
        }
    }

    pub(crate) fn calls(&self) -> Vec<WebhookCall> {
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

/// Just enough of an SMTP server to take mails; while `refusing`, answers 451 to MAIL FROM; a
/// recipient `nobody@…` is unknown (550).
#[derive(Clone)]
pub(crate) struct SmtpReceiver {
    pub(crate) url: String,
    mails: Arc<Mutex<Vec<String>>>,
    refusing: Arc<AtomicBool>,
    /// While set, answers 550 to RCPT TO, quoting the address (as real relays do).
    unknown_recipients: Arc<AtomicBool>,
}

impl SmtpReceiver {
    pub(crate) async fn start() -> SmtpReceiver {
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
            let nobody = line.to_ascii_lowercase().contains("<nobody@");
            if verb == "RCPT" && (nobody || self.unknown_recipients.load(Ordering::SeqCst)) {
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

    pub(crate) fn mails(&self) -> Vec<String> {
        self.mails.lock().unwrap().clone()
    }
}

/// Whether a call's signature holds now, as a receiver checks it.
pub(crate) fn signed(call: &WebhookCall) -> bool {
    let now = chrono::Utc::now().timestamp();
    verify_signature(
        SECRET,
        &call.signature,
        call.body.as_bytes(),
        now,
        SIGNATURE_TOLERANCE,
    )
    .is_ok()
}

/// Lets webhooks go to the receivers on 127.0.0.1, and retries failures after 50 ms.
pub(crate) fn private_receivers(s: &mut bakery::config::Settings) {
    s.notify.allow_private_hosts = true;
    s.notify.retry_base = Duration::from_millis(50);
}

/// Waits until every notification written so far has its deliveries and none is pending.
pub(crate) async fn all_settled(app: &TestApp) {
    app.wait_for_scalar(
        "SELECT COUNT(*) FROM outbox WHERE topic = 'notifications' AND published_at IS NULL",
        0,
        Duration::from_secs(10),
        "notifications without deliveries",
    )
    .await;
    app.wait_for_scalar(
        "SELECT COUNT(*) FROM notification_deliveries WHERE status = 'pending'",
        0,
        Duration::from_secs(15),
        "pending deliveries",
    )
    .await;
}

/// [`wait_until`] for a check that needs no waiting of its own (what the receivers recorded).
pub(crate) async fn eventually(within: Duration, what: &str, mut check: impl FnMut() -> bool) {
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
        private_receivers(s);
        s.smtp_url = Some(smtp_url);
        s.smtp_from = "The Bakery <orders@bakery.test>".into();
        // Written `CA$59.98`: plain ASCII, so the mail's body reads as sent.
        s.shop.currency = bakery_wire::money::Currency::CAD;
        s.shop.name = "Zoe's Bakery".into();
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
    // A duplicate would go out before its delivery is recorded: wait for the records.
    all_settled(&app).await;
    let calls = hooks.calls();
    assert_eq!(calls.len(), 4, "one call per transition: {calls:#?}");
    let statuses: Vec<String> = calls
        .iter()
        .map(|c| {
            assert_eq!(c.content_type, "application/json");
            assert!(signed(c), "signed body: {c:?}");
            assert_eq!(c.answered, 204);
            let body: Value = serde_json::from_str(&c.body).unwrap();
            assert_eq!(body["order_id"], id);
            assert_eq!(body["customer_name"], "Vedanti Verma");
            assert_eq!(body["customer_email"], "vedanti@example.com");
            assert_eq!(body["fulfillment"], "pickup");
            assert_eq!(body["total"], 59.98);
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
    // The placed order's call lists its lines in words, the cake's default options included.
    let placed: Value = serde_json::from_str(&calls[0].body).unwrap();
    assert_eq!(
        placed["items"],
        json!(["2 × Chocolate Cake · 6″ (serves 6–8) · Dark chocolate"])
    );
    assert!(!calls[1].body.contains("\"items\""), "{}", calls[1].body);
    let mut deliveries: Vec<&str> = calls.iter().map(|c| c.delivery.as_str()).collect();
    deliveries.sort();
    deliveries.dedup();
    assert_eq!(deliveries.len(), 4, "distinct delivery ids");
    // The documented check: the signature holds within 5 minutes of its time, and a captured
    // call replayed later fails.
    let call = &calls[0];
    let t: i64 = call.signature[2..call.signature.find(',').unwrap()]
        .parse()
        .unwrap();
    let check = |now| {
        verify_signature(
            SECRET,
            &call.signature,
            call.body.as_bytes(),
            now,
            SIGNATURE_TOLERANCE,
        )
    };
    assert_eq!(check(t + 300), Ok(()));
    assert_eq!(check(t + 301), Err(SignatureError::OutsideTolerance));
    let forged = call.body.replace("pending", "cancelled");
    assert_eq!(
        verify_signature(
            SECRET,
            &call.signature,
            forged.as_bytes(),
            t,
            SIGNATURE_TOLERANCE
        ),
        Err(SignatureError::Mismatch)
    );

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
        assert!(mail.contains("Total: CA$59.98"), "{mail}");
        assert!(mail.contains("Zoe's Bakery"), "{mail}");
    }
    assert!(mails[0].contains("Chocolate Cake"), "{}", mails[0]);

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
        assert!(d["next_attempt_at"].is_null(), "{d}");
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
    let app = spawn_app_with(backend, private_receivers).await;
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
    all_settled(&app).await;
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
    // Every retry carried the same delivery id and body, signed afresh.
    for failed in calls.iter().filter(|c| c.answered == 500) {
        let ok = delivered
            .iter()
            .find(|c| c.delivery == failed.delivery)
            .unwrap();
        assert_eq!(ok.body, failed.body);
        assert!(signed(ok) && signed(failed));
    }
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
        logs.contains("notification not delivered; will try again"),
        "failures are logged"
    );
}
on_both_databases!(a_failing_webhook_is_retried_until_delivered_once);

/// Failed deliveries are logged without the customer's e-mail address or name, nor the webhook
/// URL (its query may hold a key), even when the relay's answer quotes the address; a URL with
/// credentials is refused without repeating them.
async fn failed_deliveries_log_no_customer_data(backend: Backend) {
    const EMAIL: &str = "vedanti.privacy@example.org";
    const NAME: &str = "Vedanti Privacy-Verma";
    const HOOK_PASSWORD: &str = "hook-password-of-the-privacy-test";
    let smtp = SmtpReceiver::start().await;
    smtp.unknown_recipients.store(true, Ordering::SeqCst);
    let smtp_url = smtp.url.clone();
    let app = spawn_app_with(backend, |s| {
        private_receivers(s);
        s.smtp_url = Some(smtp_url);
    })
    .await;
    let token = admin_token(&app.db.url).await;
    let with_credentials = format!("http://hook:{HOOK_PASSWORD}@127.0.0.1:1/privacy-hook");
    let (status, body) = admin_call(
        &app.client,
        &app.address,
        &token,
        reqwest::Method::POST,
        "/api/admin/webhooks",
        Some(json!({"url": with_credentials, "secret": SECRET})),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["code"], "webhook_url_credentials", "{body}");
    assert!(!body.to_string().contains(HOOK_PASSWORD), "{body}");
    // Nothing listens on port 1: every post fails.
    let hook_url = format!("http://127.0.0.1:1/privacy-hook?key={HOOK_PASSWORD}");
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
        logs.contains("v***@example.org") && logs.contains("\"to\":\"endpoint ")
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
        private_receivers(s);
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
    let env = [
        ("BAKERY_PREP_TIME", "0s"),
        ("BAKERY_SMTP_URL", smtp_url),
        ("BAKERY_NOTIFY_ALLOW_PRIVATE_HOSTS", "true"),
        ("BAKERY_NOTIFY_RETRY_BASE", "2s"),
    ];
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
    // Webhooks go out; the mail server refuses for now, so the mails wait for their next try.
    eventually(
        Duration::from_secs(15),
        "3 webhooks from the first process",
        || hooks.delivered().len() >= 3,
    )
    .await;
    // Killed once the deliveries and the mails' failures are recorded, not merely sent: each
    // mail failed (its next try 2 s away) or waits with one that failed, untried.
    let data = probe(&db.url).await;
    let recorded = "SELECT COUNT(*) FROM notification_deliveries WHERE delivered_at IS NOT NULL";
    let failed = "SELECT COUNT(*) FROM notification_deliveries WHERE channel = 'email' \
                  AND status = 'pending' AND (last_error IS NOT NULL OR attempts = 0)";
    wait_until(Duration::from_secs(10), "3 recorded deliveries", || async {
        data.scalar(recorded).await == 3 && data.scalar(failed).await == 3
    })
    .await;
    first.kill().await.unwrap(); // SIGKILL
    first.wait().await.unwrap();
    assert_eq!(
        data.scalar("SELECT COUNT(*) FROM notification_deliveries WHERE status = 'pending'")
            .await,
        3,
        "the refused mails wait for their next try"
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
    // A duplicate would go out before its delivery is recorded: wait for the records.
    wait_until(Duration::from_secs(10), "every delivery done", || async {
        data.scalar("SELECT COUNT(*) FROM notification_deliveries WHERE status = 'pending'")
            .await
            == 0
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

/// The order form takes only addresses the mailer takes: one it would refuse is 400, naming
/// the field, before any order exists.
async fn an_address_the_mailer_refuses_is_refused_at_intake(backend: Backend) {
    let app = spawn_app_with(backend, |_| {}).await;
    let long_label = format!("ann@{}.example.com", "b".repeat(64));
    for email in ["a(b@example.com", long_label.as_str()] {
        let mut order = seed_order();
        order["customer_email"] = json!(email);
        let res = app
            .client
            .post(app.url("/api/orders"))
            .json(&order)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "{email}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "validation_failed", "{body}");
        let fields = body["details"].as_array().unwrap();
        assert!(
            fields.iter().any(|f| f["field"] == "customer_email"),
            "{body}"
        );
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
}
on_both_databases!(an_address_the_mailer_refuses_is_refused_at_intake);

/// A receiver that answers 410, one that is down for good and a mail address the SMTP server
/// does not know hold nobody back: every other notification is delivered, those end `dead`
/// (the 4xx and the unknown address at the first try, the down one after `max_attempts`),
/// listed for staff, and a retry after the receiver is fixed delivers.
async fn dead_and_down_receivers_hold_nobody_back(backend: Backend) {
    use reqwest::Method;
    let good = WebhookReceiver::start().await;
    let gone = WebhookReceiver::start().await;
    gone.answer.store(410, Ordering::SeqCst);
    let down = {
        // Nothing listens on this port once the listener is dropped.
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        format!("http://{}/hooks/bakery", listener.local_addr().unwrap())
    };
    let smtp = SmtpReceiver::start().await;
    let smtp_url = smtp.url.clone();
    let app = spawn_app_with(backend, |s| {
        private_receivers(s);
        s.notify.max_attempts = 3;
        s.smtp_url = Some(smtp_url);
    })
    .await;
    let (cookie, csrf) = admin_session(&app).await;
    let staff = |method: Method, path: &str| {
        app.client
            .request(method, app.url(path))
            .header("cookie", &cookie)
            .header("X-CSRF-Token", &csrf)
    };
    let mut endpoints = Vec::new();
    for url in [&good.url, &gone.url, &down] {
        let res = staff(Method::POST, "/api/admin/webhooks")
            .json(&json!({"url": url, "secret": SECRET}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let added: Value = res.json().await.unwrap();
        endpoints.push(added["id"].as_i64().unwrap().to_string());
    }
    let first = app.place(&seed_order()).await;
    let mut unknown = seed_order();
    unknown["customer_email"] = json!("nobody@example.com");
    let second = app.place(&unknown).await;
    for id in [first, second] {
        app.wait_for_status(id, &["ready"], Duration::from_secs(10))
            .await;
    }
    all_settled(&app).await;

    // Everything else went out, once.
    let delivered = good.delivered();
    assert_eq!(delivered.len(), 6, "{delivered:#?}");
    assert!(delivered.iter().all(signed));
    let mails = smtp.mails();
    assert_eq!(mails.len(), 3, "the known customer's mails");
    assert!(mails.iter().all(|m| m.contains("To: vedanti@example.com")));
    assert_eq!(gone.calls().len(), 6, "a 4xx is not tried again");

    let res = staff(Method::GET, "/api/admin/notifications?status=dead")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let dead: Vec<Value> = res.json().await.unwrap();
    assert_eq!(dead.len(), 6 + 6 + 3, "{dead:#?}");
    let of =
        |target: &str| -> Vec<&Value> { dead.iter().filter(|d| d["target"] == target).collect() };
    for (target, attempts, error) in [
        (endpoints[1].as_str(), 1, "410"),
        (endpoints[2].as_str(), 3, "error sending request"),
        ("nobody@example.com", 1, "550"),
    ] {
        let found = of(target);
        assert_eq!(
            found.len(),
            if target.contains('@') { 3 } else { 6 },
            "{target}"
        );
        for d in found {
            assert_eq!(d["status"], "dead", "{d}");
            assert_eq!(d["attempts"], attempts, "{d}");
            assert!(d["next_attempt_at"].is_null(), "{d}");
            let last = d["last_error"].as_str().unwrap();
            assert!(last.contains(error), "{d}");
            assert!(!last.contains("nobody@"), "the address is masked: {d}");
        }
    }
    let res = staff(Method::GET, "/api/admin/notifications?status=failing")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);

    // Fixed, then retried by hand: delivered.
    gone.answer.store(204, Ordering::SeqCst);
    let revived = of(&endpoints[1])[0]["id"].as_i64().unwrap();
    let retry = |id: String| {
        staff(
            Method::POST,
            &format!("/api/admin/notifications/{id}/retry"),
        )
    };
    let res = retry(revived.to_string()).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 204);
    eventually(Duration::from_secs(10), "the retried delivery", || {
        gone.delivered().len() == 1
    })
    .await;
    all_settled(&app).await;
    assert!(signed(&gone.delivered()[0]));
    let all: Vec<Value> = staff(Method::GET, "/api/admin/notifications")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let again = all.iter().find(|d| d["id"] == revived).unwrap();
    assert_eq!(again["status"], "delivered", "{again}");
    assert_eq!(again["attempts"], 1, "{again}");
    for (id, status) in [
        (revived.to_string(), 409),
        ("987654".to_owned(), 404),
        ("abc".to_owned(), 400),
    ] {
        let res = retry(id.clone()).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{id}");
    }
    let audit: Vec<Value> = staff(Method::GET, "/api/admin/audit")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let target = format!("notification:{revived}");
    assert!(
        audit
            .iter()
            .any(|e| e["action"] == "notification.retry" && e["target"] == target.as_str()),
        "{audit:#?}"
    );
}
on_both_databases!(dead_and_down_receivers_hold_nobody_back);

/// By default webhooks may not go to loopback, link-local or private hosts, nor carry
/// credentials: refused when added (400 with a code), and an endpoint stored anyway (as while
/// private hosts were allowed) is refused again at delivery.
async fn webhooks_to_private_hosts_are_refused_by_default(backend: Backend) {
    let hooks = WebhookReceiver::start().await;
    let app = spawn_app_with(backend, |_| {}).await;
    let token = admin_token(&app.db.url).await;
    for (url, code) in [
        (hooks.url.as_str(), "webhook_host_private"),
        ("http://0", "webhook_host_private"),
        ("http://localhost:8080/hook", "webhook_host_private"),
        (
            "http://169.254.169.254/latest/meta-data",
            "webhook_host_private",
        ),
        ("http://[::1]:9/hook", "webhook_host_private"),
        ("http://10.0.0.7/hook", "webhook_host_private"),
        (
            "http://user:pw@hooks.example.com/",
            "webhook_url_credentials",
        ),
        ("ftp://hooks.example.com/", "webhook_url_invalid"),
    ] {
        let (status, body) = admin_call(
            &app.client,
            &app.address,
            &token,
            reqwest::Method::POST,
            "/api/admin/webhooks",
            Some(json!({"url": url, "secret": SECRET})),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{url}: {body}"
        );
        assert_eq!(body["details"]["field"], "url", "{body}");
    }
    let db = app.db.connect().await;
    bakery::store::notifications::add_endpoint(&db, &hooks.url, SECRET)
        .await
        .unwrap();
    let id = app.place(&seed_order()).await;
    app.wait_for_status(id, &["ready"], Duration::from_secs(10))
        .await;
    app.wait_for_scalar(
        "SELECT COUNT(*) FROM notification_deliveries WHERE status = 'dead'",
        3,
        Duration::from_secs(10),
        "3 refused deliveries",
    )
    .await;
    assert!(hooks.calls().is_empty(), "nothing reached 127.0.0.1");
    let (_, listed) = admin_call(
        &app.client,
        &app.address,
        &token,
        reqwest::Method::GET,
        "/api/admin/notifications?status=dead",
        None,
    )
    .await;
    for d in listed.as_array().unwrap() {
        assert_eq!(d["attempts"], 1, "refused for good at once: {d}");
        assert!(d["last_error"].as_str().unwrap().contains("private"), "{d}");
    }
}
on_both_databases!(webhooks_to_private_hosts_are_refused_by_default);

/// Receivers on https:// get their webhooks (rustls; here a self-signed certificate trusted
/// through `notify.ca_file`).
async fn https_receivers_get_their_webhooks(backend: Backend) {
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let dir = std::env::temp_dir().join(bakery_test_support::unique_name("bakery_hooks_tls"));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("receiver-ca.pem");
    std::fs::write(&ca_file, generated.cert.pem()).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        generated.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![generated.cert.der().clone()], key)
        .unwrap();
    let hooks = WebhookReceiver::start_tls(tokio_rustls::TlsAcceptor::from(Arc::new(config))).await;
    let app = spawn_app_with(backend, |s| {
        private_receivers(s);
        s.notify.ca_file = Some(ca_file);
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
    eventually(Duration::from_secs(15), "3 webhooks over https", || {
        hooks.delivered().len() >= 3
    })
    .await;
    all_settled(&app).await;
    let delivered = hooks.delivered();
    assert_eq!(delivered.len(), 3, "{delivered:#?}");
    assert!(delivered.iter().all(signed));
    let _ = std::fs::remove_dir_all(dir);
}
on_both_databases!(https_receivers_get_their_webhooks);
