//! The soak's load: customers who browse, order, follow their order live and cancel some, and
//! staff who move the board and change stock, at a bounded rate.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpStream;

use super::cluster::{Address, current};
use super::record::Recorder;
use crate::Error;
use crate::load::Http;

/// Statuses after which an order never moves again.
pub const FINAL: [&str; 5] = ["completed", "delivered", "cancelled", "rejected", "failed"];

/// Products the customers order (the sample catalog's first ones).
const PRODUCTS: i64 = 4;

/// How long a customer keeps retrying an order that got no answer.
const ORDER_PATIENCE: Duration = Duration::from_secs(90);

/// An order the customer saw a 201 for.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub id: i64,
}

/// What the clients saw, for the checks.
#[derive(Default)]
pub struct Ledger {
    accepted: Mutex<Vec<Accepted>>,
    /// Idempotency-Key → the order its first 201 named.
    by_key: Mutex<HashMap<String, i64>>,
    /// Keys whose 201s named different orders.
    pub key_conflicts: Mutex<Vec<String>>,
    /// Orders followed live, with the statuses their stream showed.
    follows: Mutex<Vec<(i64, Vec<String>)>>,
    pub refused_orders: AtomicU64,
    pub first_refusal: Mutex<Option<String>>,
    pub gave_up: AtomicU64,
    pub customer_cancels: AtomicU64,
    pub customer_cancels_refused: AtomicU64,
    pub staff_moves: AtomicU64,
    pub stock_changes: AtomicU64,
    pub skipped: AtomicU64,
}

impl Ledger {
    fn accept(&self, id: i64, key: &str) {
        let mut by_key = self.by_key.lock().unwrap_or_else(|e| e.into_inner());
        match by_key.get(key) {
            Some(first) if *first != id => self
                .key_conflicts
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(format!("{key}: {first} and {id}")),
            Some(_) => {}
            None => {
                by_key.insert(key.to_owned(), id);
                self.accepted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(Accepted { id });
            }
        }
    }

    pub fn accepted(&self) -> Vec<Accepted> {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn follows(&self) -> Vec<(i64, Vec<String>)> {
        self.follows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A small xorshift generator: the soak needs variety, not quality.
#[derive(Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// 0..n
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64 <= p
    }

    /// Uniform in `low..high` seconds.
    pub fn seconds(&mut self, low: f64, high: f64) -> Duration {
        let unit = (self.next() >> 11) as f64 / (1_u64 << 53) as f64;
        Duration::from_secs_f64(low + (high - low) * unit)
    }
}

/// Everything the load's tasks share.
pub struct Traffic {
    pub recorder: Arc<Recorder>,
    pub ledger: Ledger,
    /// The processes that serve HTTP; customer `n` uses `n % len`.
    pub http: Vec<Address>,
    pub bearer: String,
    pub run: String,
    pub stop: AtomicBool,
}

impl Traffic {
    /// A live HTTP process, preferring slot `n`; waits while all are down.
    async fn address(&self, n: usize) -> Option<SocketAddr> {
        let give_up = Instant::now() + Duration::from_secs(120);
        while Instant::now() < give_up {
            for i in 0..self.http.len() {
                if let Some(addr) = current(&self.http[(n + i) % self.http.len()]) {
                    return Some(addr);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    }
}

/// Starts a customer visit `rate` times a second until `stop` is set, at most `concurrency` at
/// once (a visit that would exceed it is skipped and counted).
pub async fn customers(traffic: Arc<Traffic>, rate: f64, concurrency: usize, seed: u64) {
    let permits = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut visits = Vec::new();
    let mut n: u64 = 0;
    while !traffic.stop.load(Ordering::SeqCst) {
        tick.tick().await;
        n += 1;
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            traffic.ledger.skipped.fetch_add(1, Ordering::Relaxed);
            continue;
        };
        let traffic = Arc::clone(&traffic);
        visits.push(tokio::spawn(async move {
            visit(&traffic, n, Rng::new(seed ^ n)).await;
            drop(permit);
        }));
        visits.retain(|v| !v.is_finished());
    }
    for v in visits {
        let _ = v.await;
    }
}

/// One customer: the menu, an order (retried with its key until answered), then perhaps a
/// cancel or a live follow.
async fn visit(traffic: &Traffic, n: u64, mut rng: Rng) {
    let recorder = &traffic.recorder;
    let Some(addr) = traffic.address(n as usize).await else {
        return;
    };
    let mut http = Http::new(addr);
    let began = Instant::now();
    match http.get_ok("/api/products").await {
        Ok(_) => recorder.ok("browse", began),
        Err(err) => recorder.error("browse", &err.to_string()),
    }
    let mut items = Vec::new();
    let first = 1 + rng.below(PRODUCTS as u64) as i64;
    items.push(json!({"product_id": first, "quantity": 1 + rng.below(3)}));
    if rng.chance(0.4) {
        let second = 1 + (first % PRODUCTS);
        items.push(json!({"product_id": second, "quantity": 1 + rng.below(2)}));
    }
    let body = json!({
        "customer_name": format!("Soak Customer {n}"),
        "customer_email": format!("soak{n}@example.com"),
        "items": items,
    });
    let body = Bytes::from(body.to_string());
    let key = format!("{}-{n}", traffic.run);
    let Some((id, token)) = place(traffic, n, &key, body).await else {
        return;
    };
    if rng.chance(0.1) {
        cancel(traffic, n, id, &token).await;
    } else if rng.chance(0.35) {
        let mut seen = Vec::new();
        let Some(addr) = traffic.address(n as usize).await else {
            return;
        };
        let began = Instant::now();
        let followed =
            tokio::time::timeout(Duration::from_secs(60), follow(addr, id, &token, &mut seen))
                .await;
        match followed {
            Ok(Ok(())) => recorder.ok("follow", began),
            Ok(Err(err)) => recorder.error("follow", &err.to_string()),
            Err(_) => recorder.error("follow", "no final status within 60 s"),
        }
        traffic
            .ledger
            .follows
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((id, seen));
    }
}

#[derive(serde::Deserialize)]
struct Placed {
    order_id: i64,
    tracking_token: String,
}

/// POST /api/orders with `key` until a 201 (the order and its token), a refusal, or patience
/// runs out.
async fn place(traffic: &Traffic, n: u64, key: &str, body: Bytes) -> Option<(i64, String)> {
    let recorder = &traffic.recorder;
    let give_up = Instant::now() + ORDER_PATIENCE;
    let headers = [
        ("content-type", "application/json"),
        ("idempotency-key", key),
    ];
    while Instant::now() < give_up && !traffic.stop.load(Ordering::SeqCst) {
        let addr = traffic.address(n as usize).await?;
        let began = Instant::now();
        let sent = Http::new(addr)
            .send(Method::POST, "/api/orders", &headers, body.clone())
            .await;
        match sent {
            Ok((StatusCode::CREATED, answer)) => match serde_json::from_slice::<Placed>(&answer) {
                Ok(placed) => {
                    recorder.ok("order", began);
                    traffic.ledger.accept(placed.order_id, key);
                    return Some((placed.order_id, placed.tracking_token));
                }
                Err(err) => {
                    recorder.error("order", &err.to_string());
                    return None;
                }
            },
            Ok((status, answer)) if status.is_client_error() && status.as_u16() != 408 => {
                recorder.error("order", &format!("{status}"));
                traffic
                    .ledger
                    .refused_orders
                    .fetch_add(1, Ordering::Relaxed);
                let mut first = traffic
                    .ledger
                    .first_refusal
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                first.get_or_insert_with(|| {
                    format!("{status}: {}", String::from_utf8_lossy(&answer))
                });
                return None;
            }
            Ok((status, _)) => recorder.error("order", &format!("{status}")),
            Err(err) => recorder.error("order", &err.to_string()),
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Stopped by the end of the load, the customer just leaves; else patience ran out.
    if !traffic.stop.load(Ordering::SeqCst) {
        traffic.ledger.gave_up.fetch_add(1, Ordering::Relaxed);
    }
    None
}

/// The customer takes the order back (409 when the kitchen has started: also fine).
async fn cancel(traffic: &Traffic, n: u64, id: i64, token: &str) {
    let Some(addr) = traffic.address(n as usize).await else {
        return;
    };
    let began = Instant::now();
    let headers = [
        ("content-type", "application/json"),
        ("x-order-token", token),
    ];
    let path = format!("/api/orders/{id}/cancel");
    match Http::new(addr)
        .send(Method::POST, &path, &headers, Bytes::from_static(b"{}"))
        .await
    {
        Ok((StatusCode::OK, _)) => {
            traffic.recorder.ok("cancel", began);
            traffic
                .ledger
                .customer_cancels
                .fetch_add(1, Ordering::Relaxed);
        }
        Ok((StatusCode::CONFLICT, _)) => {
            traffic.recorder.ok("cancel", began);
            traffic
                .ledger
                .customer_cancels_refused
                .fetch_add(1, Ordering::Relaxed);
        }
        Ok((status, _)) => traffic.recorder.error("cancel", &status.to_string()),
        Err(err) => traffic.recorder.error("cancel", &err.to_string()),
    }
}

/// Reads the order's Server-Sent Events into `seen` until a final status or the end.
async fn follow(
    addr: SocketAddr,
    id: i64,
    token: &str,
    seen: &mut Vec<String>,
) -> Result<(), Error> {
    let stream = TcpStream::connect(addr).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let request = Request::builder()
        .method(Method::GET)
        .uri(format!("/api/orders/{id}/events"))
        .header(header::HOST, addr.to_string())
        .header("x-order-token", token)
        .body(Full::new(Bytes::new()))?;
    let response = sender.send_request(request).await?;
    if response.status() != StatusCode::OK {
        return Err(format!("events of order {id}: {}", response.status()).into());
    }
    let mut body = response.into_body();
    let mut text = String::new();
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        text.push_str(&String::from_utf8_lossy(&data));
        while let Some(end) = text.find('\n') {
            let line: String = text.drain(..=end).collect();
            let Some(json) = line.trim_end().strip_prefix("data:") else {
                continue;
            };
            let Some(status) = serde_json::from_str::<Value>(json.trim())
                .ok()
                .and_then(|v| v.get("status").and_then(Value::as_str).map(str::to_owned))
            else {
                continue;
            };
            let done = FINAL.contains(&status.as_str());
            if seen.last() != Some(&status) {
                seen.push(status);
            }
            if done {
                return Ok(());
            }
        }
    }
    Err(format!("the events of order {id} ended before a final status").into())
}

/// The staff at the board: complete ready orders, cancel an order in the oven now and then,
/// change stock; until `stop` is set.
pub async fn staff(traffic: Arc<Traffic>, seed: u64) {
    let mut rng = Rng::new(seed);
    let mut tick: u64 = 0;
    while !traffic.stop.load(Ordering::SeqCst) {
        tick += 1;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let Some(addr) = traffic.address(tick as usize).await else {
            continue;
        };
        let mut http = Http::new(addr);
        for id in board(&traffic, &mut http, "ready")
            .await
            .into_iter()
            .take(25)
        {
            staff_move(&traffic, &mut http, id, "complete", "{}").await;
        }
        if tick.is_multiple_of(5)
            && let Some(id) = board(&traffic, &mut http, "processing").await.first()
        {
            let reason = r#"{"reason":"soak: the oven is needed"}"#;
            staff_move(&traffic, &mut http, *id, "cancel", reason).await;
        }
        if tick.is_multiple_of(3) {
            let product = 1 + rng.below(PRODUCTS as u64);
            let adjust = rng.below(11) as i64 - 5;
            let body = json!({"adjust": adjust, "reason": "soak: counted the shelf"});
            let path = format!("/api/admin/products/{product}/stock");
            let began = Instant::now();
            match staff_call(&traffic, &mut http, Method::POST, &path, body.to_string()).await {
                Ok((StatusCode::OK, _)) => {
                    traffic.recorder.ok("staff", began);
                    traffic.ledger.stock_changes.fetch_add(1, Ordering::Relaxed);
                }
                Ok((status, _)) => traffic.recorder.error("staff", &status.to_string()),
                Err(err) => traffic.recorder.error("staff", &err.to_string()),
            }
        }
    }
}

/// The ids of today's orders in `status`, from the staff board (empty on an error).
async fn board(traffic: &Traffic, http: &mut Http, status: &str) -> Vec<i64> {
    let path = format!("/api/admin/orders?day=today&status={status}");
    let began = Instant::now();
    match staff_call(traffic, http, Method::GET, &path, String::new()).await {
        Ok((StatusCode::OK, body)) => {
            traffic.recorder.ok("staff", began);
            let orders: Vec<Value> = serde_json::from_slice(&body).unwrap_or_default();
            orders
                .iter()
                .filter_map(|o| o.get("order_id").and_then(Value::as_i64))
                .collect()
        }
        Ok((status, _)) => {
            traffic.recorder.error("staff", &status.to_string());
            Vec::new()
        }
        Err(err) => {
            traffic.recorder.error("staff", &err.to_string());
            Vec::new()
        }
    }
}

/// POST /api/admin/orders/{id}/{action}; a 409 (moved meanwhile) is not an error.
pub async fn staff_move(traffic: &Traffic, http: &mut Http, id: i64, action: &str, body: &str) {
    let path = format!("/api/admin/orders/{id}/{action}");
    let began = Instant::now();
    match staff_call(traffic, http, Method::POST, &path, body.to_owned()).await {
        Ok((StatusCode::OK, _)) => {
            traffic.recorder.ok("staff", began);
            traffic.ledger.staff_moves.fetch_add(1, Ordering::Relaxed);
        }
        Ok((StatusCode::CONFLICT, _)) => traffic.recorder.ok("staff", began),
        Ok((status, _)) => traffic.recorder.error("staff", &status.to_string()),
        Err(err) => traffic.recorder.error("staff", &err.to_string()),
    }
}

/// A staff request with the run's admin bearer token.
async fn staff_call(
    traffic: &Traffic,
    http: &mut Http,
    method: Method,
    path: &str,
    body: String,
) -> Result<(StatusCode, Bytes), Error> {
    let bearer = format!("Bearer {}", traffic.bearer);
    let headers = [
        ("content-type", "application/json"),
        ("authorization", bearer.as_str()),
    ];
    http.send(method, path, &headers, Bytes::from(body)).await
}

/// Signs in as `email` on `addr` and makes an admin bearer token; then registers the soak's
/// webhook receiver at `hook_url`. Returns the token.
pub async fn admin_set_up(
    addr: SocketAddr,
    email: &str,
    password: &str,
    hook_url: &str,
) -> Result<String, Error> {
    let mut http = Http::new(addr);
    let sign_in = json!({"email": email, "password": password}).to_string();
    let (status, headers, body) = http
        .send_full(
            Method::POST,
            "/api/staff/sign-in",
            &[("content-type", "application/json")],
            Bytes::from(sign_in),
        )
        .await?;
    if status != StatusCode::OK {
        return Err(format!("sign-in: {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    let cookie = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let session: Value = serde_json::from_slice(&body)?;
    let csrf = session["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let new_token = json!({"name": "soak", "role": "admin"}).to_string();
    let (status, body) = http
        .send(
            Method::POST,
            "/api/admin/tokens",
            &[
                ("content-type", "application/json"),
                ("cookie", cookie.as_str()),
                ("x-csrf-token", csrf.as_str()),
            ],
            Bytes::from(new_token),
        )
        .await?;
    if !status.is_success() {
        return Err(format!("new token: {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    let created: Value = serde_json::from_slice(&body)?;
    let token = created["token"]
        .as_str()
        .ok_or("the new token's answer has no token")?
        .to_owned();
    let bearer = format!("Bearer {token}");
    let hook = json!({"url": hook_url}).to_string();
    let (status, body) = http
        .send(
            Method::POST,
            "/api/admin/webhooks",
            &[
                ("content-type", "application/json"),
                ("authorization", bearer.as_str()),
            ],
            Bytes::from(hook),
        )
        .await?;
    if !status.is_success() {
        return Err(format!("new webhook: {status}: {}", String::from_utf8_lossy(&body)).into());
    }
    Ok(token)
}
