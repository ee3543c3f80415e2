//! The HTTP steps the benchmark repeats: catalog reads, order posts and order reads.

use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use hyper::{Method, StatusCode};

use crate::Error;
use crate::load::{Http, Step};

/// The order every POST sends: two lines, no client prices.
pub const ORDER_BODY: &str = r#"{"customer_name":"Bench","customer_email":"bench@example.com","items":[{"product_id":1,"quantity":1},{"product_id":2,"quantity":1}]}"#;

/// GET of one path that must answer 200 (the catalog, or the HTTP ceiling's copy of it; a staff
/// page with a session's cookie).
pub struct Get {
    http: Http,
    path: String,
    cookie: Option<String>,
}

impl Get {
    pub fn new(addr: SocketAddr, path: &str) -> Get {
        Get {
            http: Http::new(addr),
            path: path.to_owned(),
            cookie: None,
        }
    }

    /// A GET sent with `cookie` (`bakery_session=…`) as its `Cookie` header.
    pub fn signed_in(addr: SocketAddr, path: &str, cookie: &str) -> Get {
        Get {
            cookie: Some(cookie.to_owned()),
            ..Get::new(addr, path)
        }
    }
}

impl Step for Get {
    async fn step(&mut self) -> Result<(), Error> {
        let headers = match &self.cookie {
            Some(cookie) => vec![("cookie", cookie.as_str())],
            None => Vec::new(),
        };
        self.http.get_ok_with(&self.path, &headers).await.map(drop)
    }
}

/// POST /api/orders with a fresh Idempotency-Key each time; keeps the ids it was given.
pub struct PostOrder {
    http: Http,
    key_prefix: String,
    sequence: u64,
    body: Bytes,
    pub ids: Vec<i64>,
}

impl PostOrder {
    /// `key_prefix` must be unique per worker and run.
    pub fn new(addr: SocketAddr, key_prefix: String) -> PostOrder {
        PostOrder {
            http: Http::new(addr),
            key_prefix,
            sequence: 0,
            body: Bytes::from_static(ORDER_BODY.as_bytes()),
            ids: Vec::new(),
        }
    }
}

#[derive(serde::Deserialize)]
struct Placed {
    order_id: i64,
}

impl Step for PostOrder {
    async fn step(&mut self) -> Result<(), Error> {
        self.sequence += 1;
        let key = format!("{}-{}", self.key_prefix, self.sequence);
        let headers = [
            ("content-type", "application/json"),
            ("idempotency-key", key.as_str()),
        ];
        let (status, body) = self
            .http
            .send(Method::POST, "/api/orders", &headers, self.body.clone())
            .await?;
        if status != StatusCode::CREATED {
            return Err(format!(
                "POST /api/orders: {status}: {}",
                String::from_utf8_lossy(&body)
            )
            .into());
        }
        let placed: Placed = serde_json::from_slice(&body)?;
        self.ids.push(placed.order_id);
        Ok(())
    }
}

/// GET /api/orders/{id}, walking through the ids of earlier posts.
pub struct GetOrder {
    http: Http,
    ids: Arc<Vec<i64>>,
    next: usize,
    stride: usize,
}

impl GetOrder {
    /// Worker `index` of `workers` starts at its own offset so the workers spread over the ids.
    pub fn new(addr: SocketAddr, ids: Arc<Vec<i64>>, index: usize, workers: usize) -> GetOrder {
        let stride = workers.max(1);
        GetOrder {
            http: Http::new(addr),
            next: index,
            ids,
            stride,
        }
    }
}

impl Step for GetOrder {
    async fn step(&mut self) -> Result<(), Error> {
        if self.ids.is_empty() {
            return Err("no order ids to read".into());
        }
        let id = self.ids[self.next % self.ids.len()];
        self.next = self.next.wrapping_add(self.stride);
        self.http
            .get_ok(&format!("/api/orders/{id}"))
            .await
            .map(drop)
    }
}
