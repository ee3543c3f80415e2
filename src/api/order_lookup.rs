//! `POST /api/order-lookup`: an order number and its e-mail exchanged for a new tracking token.
//!
//! A wrong e-mail and an unknown order get the same 404, so the answer tells nothing about
//! either. Each success adds a token (the order's earlier tokens stay valid: only their hashes
//! are stored, none can be shown again).

use actix_web::{HttpRequest, HttpResponse, post, web};
use bakery_wire::rules::MAX_EMAIL_CHARS;
use bakery_wire::{ErrorBody, OrderLookup, OrderTracking, tracking_url};

use super::AppState;
use super::body::read_body;
use super::client::{self, ClientAddress};
use super::errors::ApiError;
use super::order_access::issue_token;
use super::shared_answers::JsonBody;
use crate::store::tracking;

/// Exchanges an order number and its e-mail for a tracking token.
#[utoipa::path(
    tag = "orders",
    summary = "Look an order up by its number and e-mail",
    description = "Answers a new tracking token of the order (its earlier tokens stay valid) and the \
        storefront's page for it. An unknown order and a wrong e-mail get the same 404 \
        `order_not_found`. The e-mail is compared without case or surrounding space.",
    request_body(content = OrderLookup, content_type = "application/json"),
    responses(
        (status = 200, description = "The order's new tracking token", body = OrderTracking),
        (status = 400, description = "Not a JSON object, or a field missing or invalid", body = ErrorBody),
        (status = 404, description = "No order with this number and e-mail", body = ErrorBody),
        (status = 429, description = "This client looked up more orders than `limits.order_lookups_per_minute` allows \
            (`rate_limited`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a try may succeed"))),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
        JsonBody,
    )
)]
#[post("/order-lookup")]
pub async fn look_up_order(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    client: ClientAddress,
) -> Result<HttpResponse, ApiError> {
    // Guesses are bounded per client by the look-up limiter, before the body is read.
    client::order_lookup(&state, client).await?;
    let lookup: OrderLookup = read_body(&req, payload, state.body).await?;
    if lookup.order_id < 1 {
        return Err(ApiError::invalid(
            "order_id",
            "must be a positive whole number",
        ));
    }
    let given = lookup.customer_email.trim();
    if lookup.customer_email.is_empty() || lookup.customer_email.chars().count() > MAX_EMAIL_CHARS {
        return Err(ApiError::invalid(
            "customer_email",
            "must be 1 to 254 characters",
        ));
    }
    let not_found = || ApiError::OrderNotFound(lookup.order_id.to_string());
    let stored = tracking::order_email(&state.db, lookup.order_id).await?;
    let Some(stored) = stored else {
        return Err(not_found());
    };
    if !stored.trim().eq_ignore_ascii_case(given) {
        return Err(not_found());
    }
    let token = issue_token(&state, lookup.order_id).await?;
    Ok(HttpResponse::Ok().json(OrderTracking {
        order_id: lookup.order_id,
        tracking_url: tracking_url(lookup.order_id, &token),
        tracking_token: token,
    }))
}
