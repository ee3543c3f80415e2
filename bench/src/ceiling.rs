//! The ceilings: a bare actix-web handler serving the catalog bytes, and plain one-order transactions.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use bytes::Bytes;
use sea_orm::sqlx;

use crate::Error;
use crate::db::Db;
use crate::load::Step;

/// A bare actix-web server on its own thread and runtime, answering `GET /api/products` with
/// fixed bytes from memory.
pub struct HttpCeiling {
    pub addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

async fn catalog(bytes: web::Data<Bytes>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(bytes.get_ref().clone())
}

impl HttpCeiling {
    /// Starts it with `workers` worker threads (the bakery's default is one per core).
    pub fn start(body: Bytes, workers: usize) -> Result<HttpCeiling, Error> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let system = actix_web::rt::System::new();
            system.block_on(async move {
                let data = web::Data::new(body);
                let bound = HttpServer::new(move || {
                    App::new()
                        .app_data(data.clone())
                        .route("/api/products", web::get().to(catalog))
                })
                .workers(workers)
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
                let addr = server.addrs().first().copied();
                let running = server.run();
                match addr {
                    Some(addr) => {
                        let _ = tx.send(Ok((addr, running.handle())));
                    }
                    None => {
                        let _ = tx.send(Err("the ceiling server bound no address".to_owned()));
                        return;
                    }
                }
                let _ = running.await;
            });
        });
        let (addr, handle) = rx.recv().map_err(|e| e.to_string())??;
        Ok(HttpCeiling {
            addr,
            handle,
            thread: Some(thread),
        })
    }

    pub async fn stop(mut self) {
        self.handle.stop(false).await;
        if let Some(thread) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}

/// The bakery's product ids, names and prices (cents) of the two lines of the benchmark order.
const PG_ORDER: &str = "INSERT INTO orders (customer_name, customer_email, status, total_cents, \
     idempotency_key, request_hash, attempts, created_at, updated_at) \
     VALUES ('Bench', 'bench@example.com', 'pending', 3898, $1, $2, 0, now(), now()) RETURNING id";
const PG_ITEMS: &str = "INSERT INTO order_items (order_id, product_id, product_name, quantity, \
     unit_price_cents) VALUES ($1, 1, 'Chocolate Cake', 1, 2999), ($1, 2, 'Sourdough Bread', 1, 899)";
const SQLITE_ORDER: &str = "INSERT INTO orders (customer_name, customer_email, status, \
     total_cents, idempotency_key, request_hash, attempts, created_at, updated_at) \
     VALUES ('Bench', 'bench@example.com', 'pending', 3898, ?1, ?2, 0, \
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) RETURNING id";
const SQLITE_ITEMS: &str = "INSERT INTO order_items (order_id, product_id, product_name, \
     quantity, unit_price_cents) VALUES (?1, 1, 'Chocolate Cake', 1, 2999), \
     (?1, 2, 'Sourdough Bread', 1, 899)";
/// A request hash as long as the bakery's (SHA-256, hex).
const HASH: &str = "17cab610842a172efa75b2efd3b149416a607041d0128dbb7244c4dd93e470cc";

/// One transaction per step: one order row (with a unique idempotency key, as the bakery writes
/// it) and its two item rows. No event or outbox row: this is the database's ceiling for the
/// order itself.
pub struct InsertOrder {
    db: Db,
    key_prefix: String,
    sequence: u64,
}

impl InsertOrder {
    pub fn new(db: Db, key_prefix: String) -> InsertOrder {
        InsertOrder {
            db,
            key_prefix,
            sequence: 0,
        }
    }
}

impl Step for InsertOrder {
    async fn step(&mut self) -> Result<(), Error> {
        self.sequence += 1;
        let key = format!("{}-{}", self.key_prefix, self.sequence);
        match &self.db {
            Db::Pg(pool) => {
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar(PG_ORDER)
                    .bind(&key)
                    .bind(HASH)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(PG_ITEMS).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let id: i64 = sqlx::query_scalar(SQLITE_ORDER)
                    .bind(&key)
                    .bind(HASH)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(SQLITE_ITEMS).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }
}
