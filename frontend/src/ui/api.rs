//! The bakery's HTTP API as the storefront uses it (same origin, JSON over `fetch`).

use bakery_wire::{IDEMPOTENCY_KEY_HEADER, OrderView, Product};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCache, RequestInit, Response};

/// What the customer reads when the server cannot be reached at all.
pub const OFFLINE: &str = "We could not reach the bakery. Check your connection and try again.";

/// A finished HTTP exchange: status and body text.
pub struct Reply {
    pub status: u16,
    pub body: String,
}

async fn send(
    method: &str,
    url: &str,
    body: Option<&str>,
    key: Option<&str>,
) -> Result<Reply, String> {
    let init = RequestInit::new();
    init.set_method(method);
    // Revalidate every time: with the catalog's ETag that is a cheap 304, and prices stay fresh.
    init.set_cache(RequestCache::NoCache);
    let headers = web_sys::Headers::new().map_err(|_| OFFLINE.to_owned())?;
    let _ = headers.set("Accept", "application/json");
    if let Some(body) = body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(key) = key {
        let _ = headers.set(IDEMPOTENCY_KEY_HEADER, key);
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| OFFLINE.to_owned())?;
    let window = web_sys::window().ok_or_else(|| OFFLINE.to_owned())?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| OFFLINE.to_owned())?
        .dyn_into()
        .map_err(|_| OFFLINE.to_owned())?;
    let text = response.text().map_err(|_| OFFLINE.to_owned())?;
    let body = JsFuture::from(text)
        .await
        .map_err(|_| OFFLINE.to_owned())?
        .as_string()
        .unwrap_or_default();
    Ok(Reply {
        status: response.status(),
        body,
    })
}

/// `GET /api/products`.
pub async fn products() -> Result<Vec<Product>, String> {
    let reply = send("GET", "/api/products", None, None).await?;
    if reply.status != 200 {
        return Err(format!(
            "The menu is not available right now (HTTP {}).",
            reply.status
        ));
    }
    serde_json::from_str(&reply.body).map_err(|_| "The menu could not be read.".to_owned())
}

/// `GET /api/orders/{id}`; `Ok(None)` when there is no such order.
pub async fn order(id: i64) -> Result<Option<OrderView>, String> {
    let reply = send("GET", &format!("/api/orders/{id}"), None, None).await?;
    match reply.status {
        200 => serde_json::from_str(&reply.body)
            .map(Some)
            .map_err(|_| "The order could not be read.".to_owned()),
        404 => Ok(None),
        status => Err(format!(
            "The order is not available right now (HTTP {status})."
        )),
    }
}

/// `POST /api/orders` with the attempt's key; the caller reads the answer with
/// [`crate::checkout::classify`].
pub async fn place_order(body: &str, key: &str) -> Result<Reply, String> {
    send("POST", "/api/orders", Some(body), Some(key)).await
}
