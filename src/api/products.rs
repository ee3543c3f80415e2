//! `GET /api/products` and `GET /api/categories`: the catalog snapshot's bytes, with ETag and 304, touching neither database nor actor; `GET /api/shop`: how the shop writes prices.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use bakery_wire::money::ShopInfo;
use bakery_wire::{Category, Product};
use bytes::Bytes;

use super::AppState;

/// Lists the active products.
#[utoipa::path(
    tag = "catalog",
    summary = "List the active products",
    params(("If-None-Match" = Option<String>, Header, description = "ETags from earlier answers (or `*`); 304 if the catalog is unchanged")),
    responses(
        (status = 200, description = "The catalog", body = Vec<Product>,
            headers(("ETag" = String, description = "Version of the catalog"))),
        (status = 304, description = "The catalog has not changed since the ETag",
            headers(("ETag" = String, description = "Version of the catalog"))),
    )
)]
#[get("/products")]
pub async fn list_products(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.catalog.load();
    cached_json(&req, &snapshot.etag, &snapshot.json)
}

/// Lists the menu's categories in display order.
#[utoipa::path(
    tag = "catalog",
    summary = "List the menu's categories in display order",
    description = "By `position` (1 first); `product_count` counts the products on the menu. Products name their category in `GET /api/products`; the menu shows uncategorised ones last.",
    params(("If-None-Match" = Option<String>, Header, description = "ETags from earlier answers (or `*`); 304 if the categories are unchanged")),
    responses(
        (status = 200, description = "The categories", body = Vec<Category>,
            headers(("ETag" = String, description = "Version of the categories"))),
        (status = 304, description = "The categories have not changed since the ETag",
            headers(("ETag" = String, description = "Version of the categories"))),
    )
)]
#[get("/categories")]
pub async fn list_categories(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let snapshot = state.catalog.load();
    cached_json(&req, &snapshot.categories_etag, &snapshot.categories_json)
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`): the client's copy is current.
fn client_has(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// `json` with its `etag`, or a 304 when the request's `If-None-Match` names it (or `*`).
fn cached_json(req: &HttpRequest, etag: &str, json: &Bytes) -> HttpResponse {
    tagged_answer(req, etag, "no-cache", "application/json", json.clone())
}

/// `body` of `content_type` with its `etag` and `cache_control`, or a 304 (same headers, no
/// body) when the request's `If-None-Match` names `etag` (or `*`).
pub fn tagged_answer(
    req: &HttpRequest,
    etag: &str,
    cache_control: &'static str,
    content_type: &str,
    body: impl Into<Bytes>,
) -> HttpResponse {
    let fresh = client_has(req, etag);
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.to_owned()))
        .insert_header((header::CACHE_CONTROL, cache_control));
    if fresh {
        return response.finish();
    }
    response.content_type(content_type).body(body.into())
}

/// The shop's name, and the currency and locale its prices are written in.
#[utoipa::path(
    tag = "catalog",
    summary = "The shop's name, currency and locale",
    responses((status = 200, description = "The shop", body = ShopInfo)),
)]
#[get("/shop")]
pub async fn shop(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .json(&state.shop)
}
