//! The soak's webhook receiver: records every notification call the bakery makes, and when.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bytes::Bytes;

use crate::Error;

/// One call: the delivery id, the order event it tells about, seconds since the soak began.
#[derive(Debug, Clone)]
pub struct Call {
    pub delivery: String,
    pub event_id: i64,
    pub at: f64,
}

struct Received {
    delivery: String,
    event_id: i64,
    at: Instant,
}

#[derive(Clone)]
struct Shared {
    calls: Arc<Mutex<Vec<Received>>>,
}

/// An actix-web server on its own thread answering `POST /hook` with 204.
pub struct HookReceiver {
    pub addr: SocketAddr,
    calls: Arc<Mutex<Vec<Received>>>,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

#[derive(serde::Deserialize)]
struct Notification {
    event_id: i64,
}

async fn hook(request: HttpRequest, body: Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let Ok(notification) = serde_json::from_slice::<Notification>(&body) else {
        return HttpResponse::BadRequest().finish();
    };
    let delivery = request
        .headers()
        .get("x-bakery-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let call = Received {
        delivery,
        event_id: notification.event_id,
        at: Instant::now(),
    };
    shared
        .calls
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(call);
    HttpResponse::NoContent().finish()
}

impl HookReceiver {
    /// Starts it.
    pub fn start() -> Result<HookReceiver, Error> {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            calls: Arc::clone(&calls),
        };
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let data = web::Data::new(shared);
                let bound = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .route("/hook", web::post().to(hook))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .bind(("127.0.0.1", 0));
                let server = match bound {
                    Ok(server) => server,
                    Err(err) => {
                        let _ = tx.send(Err(err.to_string()));
                        return;
                    }
                };
                let Some(addr) = server.addrs().first().copied() else {
                    let _ = tx.send(Err("the webhook receiver bound no address".to_owned()));
                    return;
                };
                let running = server.run();
                let _ = tx.send(Ok((addr, running.handle())));
                let _ = running.await;
            });
        });
        let (addr, handle) = rx.recv().map_err(|e| e.to_string())??;
        Ok(HookReceiver {
            addr,
            calls,
            handle,
            thread: Some(thread),
        })
    }

    /// Every call so far, timed from `start`.
    pub fn calls(&self, start: Instant) -> Vec<Call> {
        self.calls
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .map(|r| Call {
                delivery: r.delivery.clone(),
                event_id: r.event_id,
                at: r.at.saturating_duration_since(start).as_secs_f64(),
            })
            .collect()
    }

    pub async fn stop(mut self) {
        self.handle.stop(false).await;
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}
