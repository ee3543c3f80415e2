//! The bakery's HTTP API as the storefront uses it (same origin, JSON over `fetch`).

use bakery_wire::{
    DaySlots, Fulfillment, IDEMPOTENCY_KEY_HEADER, NextSlot, OrderLookup, OrderTracking, OrderView,
    Product,
};
use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCache, RequestInit, Response};

use super::browser;

pub use crate::staff::ApiError;

/// What the customer reads when the server cannot be reached at all.
pub const OFFLINE: &str = "We could not reach the bakery. Check your connection and try again.";

/// A finished HTTP exchange: status and body text.
pub struct Reply {
    pub status: u16,
    pub body: String,
}

/// One HTTP exchange; `header` is one extra request header (idempotency key, CSRF token).
pub async fn send(
    method: &str,
    url: &str,
    body: Option<&str>,
    header: Option<(&str, &str)>,
) -> Result<Reply, String> {
    let body = body.map(|b| (JsValue::from_str(b), "application/json"));
    send_body(method, url, body, header).await
}

/// [`send`] with any body (a JSON text, a file) and its content type.
pub async fn send_body(
    method: &str,
    url: &str,
    body: Option<(JsValue, &str)>,
    header: Option<(&str, &str)>,
) -> Result<Reply, String> {
    let init = RequestInit::new();
    init.set_method(method);
    // Revalidate every time: with the catalog's ETag that is a cheap 304, and prices stay fresh.
    init.set_cache(RequestCache::NoCache);
    let headers = web_sys::Headers::new().map_err(|_| OFFLINE.to_owned())?;
    let _ = headers.set("Accept", "application/json");
    if let Some((body, content_type)) = body {
        let _ = headers.set("Content-Type", content_type);
        init.set_body(&body);
    }
    if let Some((name, value)) = header {
        let _ = headers.set(name, value);
    }
    init.set_headers(&headers);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| OFFLINE.to_owned())?;
    let window = browser::window().ok_or_else(|| OFFLINE.to_owned())?;
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

/// `GET /api/categories`: the menu's categories in display order.
pub async fn categories() -> Result<Vec<bakery_wire::Category>, String> {
    let reply = send("GET", "/api/categories", None, None).await?;
    decode(reply).map_err(|e| e.message)
}

/// `GET /api/shop`: the shop's name, currency and locale.
pub async fn shop() -> Result<bakery_wire::money::ShopInfo, String> {
    let reply = send("GET", "/api/shop", None, None).await?;
    decode(reply).map_err(|e| e.message)
}

/// `GET /api/orders/{id}` (in full with the order's tracking token); `Ok(None)` when there is no
/// such order.
pub async fn order(id: i64, token: Option<&str>) -> Result<Option<OrderView>, String> {
    let url = crate::recent::with_token(&format!("/api/orders/{id}"), token);
    let reply = send("GET", &url, None, None).await?;
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
    send(
        "POST",
        "/api/orders",
        Some(body),
        Some((IDEMPOTENCY_KEY_HEADER, key)),
    )
    .await
}

/// Reads a 2xx answer as `T` (an empty body reads as JSON `null`, so `()` fits a 204), anything
/// else as the API's error.
pub fn decode<T: DeserializeOwned>(reply: Reply) -> Result<T, ApiError> {
    if !(200..300).contains(&reply.status) {
        return Err(ApiError::from_reply(reply.status, &reply.body));
    }
    let text = if reply.body.trim().is_empty() {
        "null"
    } else {
        &reply.body
    };
    serde_json::from_str(text)
        .map_err(|_| ApiError::offline("The bakery sent an answer we could not read."))
}

/// `POST /api/orders/{id}/cancel`: a customer cancels their own pending order, proving it is
/// theirs with its tracking token.
pub async fn cancel_order(id: i64, token: &str) -> Result<OrderView, ApiError> {
    let reply = send(
        "POST",
        &format!("/api/orders/{id}/cancel"),
        Some("{}"),
        Some((bakery_wire::ORDER_TOKEN_HEADER, token)),
    )
    .await
    .map_err(|m| ApiError::offline(&m))?;
    decode(reply)
}

/// `POST /api/order-lookup`: an order number and its e-mail exchanged for a tracking token.
pub async fn look_up(order_id: i64, email: &str) -> Result<OrderTracking, ApiError> {
    let body = OrderLookup {
        order_id,
        customer_email: email.to_owned(),
    };
    let body = serde_json::to_string(&body).unwrap_or_default();
    let reply = send("POST", "/api/order-lookup", Some(&body), None)
        .await
        .map_err(|m| ApiError::offline(&m))?;
    decode(reply)
}

fn fulfillment_query(fulfillment: Fulfillment) -> &'static str {
    match fulfillment {
        Fulfillment::Pickup => "pickup",
        Fulfillment::Delivery => "delivery",
    }
}

/// `GET /api/slots`: a day's slots for the cart (`items` as `1:2,3:1`, maybe empty).
pub async fn day_slots(
    date: &str,
    fulfillment: Fulfillment,
    items: &str,
) -> Result<DaySlots, ApiError> {
    let mut url = format!(
        "/api/slots?date={date}&fulfillment={}",
        fulfillment_query(fulfillment)
    );
    if !items.is_empty() {
        url.push_str(&format!("&items={items}"));
    }
    let reply = send("GET", &url, None, None)
        .await
        .map_err(|m| ApiError::offline(&m))?;
    decode(reply)
}

/// `GET /api/slots/next`: the earliest slot for the cart; `Ok(None)` when no day ahead has room.
pub async fn next_slot(
    fulfillment: Fulfillment,
    items: &str,
) -> Result<Option<NextSlot>, ApiError> {
    let mut url = format!(
        "/api/slots/next?fulfillment={}",
        fulfillment_query(fulfillment)
    );
    if !items.is_empty() {
        url.push_str(&format!("&items={items}"));
    }
    let reply = send("GET", &url, None, None)
        .await
        .map_err(|m| ApiError::offline(&m))?;
    if reply.status == 404 {
        return Ok(None);
    }
    decode(reply).map(Some)
}
