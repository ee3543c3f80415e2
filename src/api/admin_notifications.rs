//! The back-office's notification pages under `/api/admin`: webhook endpoints (list, add, remove), the latest deliveries (all, or only the dead ones) and retrying a dead delivery. Admins only; changes are audited.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use bakery_wire::ErrorBody;
use bakery_wire::staff::{DeliveryStatus, NewWebhook, NotificationDelivery, Webhook};

use super::AppState;
use super::body::read_body;
use super::errors::ApiError;
use super::extract::positive_id;
use super::shared_answers::{AdminChange, AdminRead, JsonBody};
use super::staff::{ADMIN, Staff};
use crate::notify::hosts;
use crate::staff::secrets::random_token;
use crate::store::deliveries::{self as delivery_store, Revived};
use crate::store::notifications::{self, Outgoing};
use crate::store::wire_time;

fn webhook(e: entity::webhook_endpoint::Model, secret: Option<String>) -> Webhook {
    Webhook {
        id: e.id,
        url: e.url,
        active: e.active,
        created_at: wire_time(e.created_at),
        secret,
    }
}

/// `GET /api/admin/webhooks`: the active endpoints, newest first, without their secrets.
#[utoipa::path(
    tag = "admin",
    summary = "Webhook endpoints (admin)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The active endpoints, without their secrets", body = Vec<Webhook>),
        AdminRead,
    )
)]
#[get("/admin/webhooks")]
pub async fn list_webhooks(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let endpoints = notifications::endpoints(&state.db).await?;
    Ok(HttpResponse::Ok().json(
        endpoints
            .into_iter()
            .map(|e| webhook(e, None))
            .collect::<Vec<_>>(),
    ))
}

/// `POST /api/admin/webhooks`: adds an endpoint; its secret is shown once.
#[utoipa::path(
    tag = "admin",
    summary = "Add a webhook endpoint (admin)",
    description = "Every order status change is POSTed to it as JSON `{event_id, order_id, status, note, at, customer_name, customer_email, fulfillment, total}`, and each order's reminder before its slot as `{event: \"order.reminder\", order_id, status, pickup_at, pickup_until, time_zone, fulfillment, customer_name, customer_email, total, at}`, with `X-Bakery-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" keyed with the secret>` (signed afresh on every try; receivers refuse a `t` more than 5 minutes from their clock) and `X-Bakery-Delivery: <outbox id>-<endpoint id>` (the same on retries). A 2xx answer counts as delivered; a 4xx other than 408 and 429 makes the delivery `dead` at once; anything else is retried with exponential backoff until `notify.max_attempts`. `http://` or `https://`; no user or password in the URL; hosts on loopback, link-local or private networks are refused (when added, and after each DNS look-up) unless the server allows private hosts.",
    security(("session" = []), ("bearer" = [])),
    request_body(content = NewWebhook, content_type = "application/json"),
    responses(
        (status = 201, description = "Added; `secret` is shown only now", body = Webhook),
        (status = 400, description = "Invalid JSON; a secret not of 16 to 200 characters (`validation_failed`); not an http(s) URL (`webhook_url_invalid`); a URL with a user or password (`webhook_url_credentials`); a host on a loopback, link-local or private network (`webhook_host_private`)", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/webhooks")]
pub async fn add_webhook(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let new: NewWebhook = read_body(&req, payload, state.body).await?;
    hosts::check_url(&new.url, state.allow_private_webhooks).map_err(ApiError::WebhookUrl)?;
    let secret = match new.secret {
        Some(secret) if (16..=200).contains(&secret.chars().count()) => secret,
        Some(_) => {
            return Err(ApiError::invalid("secret", "must be 16 to 200 characters"));
        }
        None => random_token().map_err(ApiError::internal)?,
    };
    let added =
        notifications::add_endpoint_audited(&state.db, &new.url, &secret, &who.actor).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(webhook(added, Some(secret))))
}

/// `DELETE /api/admin/webhooks/{id}`: stops calling an endpoint (its deliveries stay listed).
#[utoipa::path(
    tag = "admin",
    summary = "Remove a webhook endpoint (admin)",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The endpoint")),
    responses(
        (status = 204, description = "Removed; its past deliveries stay listed"),
        (status = 400, description = "`id` is not a positive number", body = ErrorBody),
        (status = 404, description = "No such (active) endpoint", body = ErrorBody),
        AdminChange,
    )
)]
#[delete("/admin/webhooks/{id}")]
pub async fn remove_webhook(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let id = positive_id(&path)?;
    if !notifications::deactivate_endpoint_audited(&state.db, id, &who.actor).await? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Query of the deliveries list: optional `status`.
#[derive(Debug, serde::Deserialize)]
pub struct DeliveriesQuery {
    status: Option<String>,
}

/// `GET /api/admin/notifications`: the latest 500 deliveries (webhook and e-mail), most recently
/// changed first, with their status, attempts, next try and last error; `?status=dead` lists the
/// dead ones.
#[utoipa::path(
    tag = "admin",
    summary = "The latest 500 notification deliveries (admin)",
    security(("session" = []), ("bearer" = [])),
    params(
        ("status" = Option<DeliveryStatus>, Query, description = "Only deliveries in this state, e.g. `dead`"),
    ),
    responses(
        (status = 200, description = "Most recently changed first", body = Vec<NotificationDelivery>),
        (status = 400, description = "`status` is not pending, delivered or dead", body = ErrorBody),
        AdminRead,
    )
)]
#[get("/admin/notifications")]
pub async fn deliveries(
    query: web::Query<DeliveriesQuery>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => Some(
            DeliveryStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", "must be pending, delivered or dead"))?,
        ),
    };
    let rows = delivery_store::latest(&state.db, status.map(DeliveryStatus::as_str), 500).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(
            rows.into_iter()
                .map(|(d, n)| NotificationDelivery {
                    id: d.id,
                    outbox_id: d.outbox_id,
                    order_id: n.as_ref().map(Outgoing::order_id),
                    order_status: n.as_ref().and_then(Outgoing::announced_status),
                    channel: d.channel,
                    target: d.target,
                    status: d.status,
                    attempts: d.attempts,
                    last_error: d.last_error,
                    updated_at: wire_time(d.updated_at),
                    delivered_at: d.delivered_at.map(wire_time),
                    next_attempt_at: d.next_attempt_at.map(wire_time),
                })
                .collect::<Vec<_>>(),
        ))
}

/// `POST /api/admin/notifications/{id}/retry`: sets a dead delivery pending again, due now with
/// its tries counted afresh.
#[utoipa::path(
    tag = "admin",
    summary = "Retry a dead notification delivery (admin)",
    description = "The delivery becomes `pending`, due at once, with its attempts counted from zero; the change is audited (`notification.retry`).",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The delivery")),
    responses(
        (status = 204, description = "Pending again"),
        (status = 400, description = "`id` is not a positive number", body = ErrorBody),
        (status = 404, description = "No such delivery", body = ErrorBody),
        (status = 409, description = "The delivery is not dead (pending or delivered)", body = ErrorBody),
        AdminChange,
    )
)]
#[post("/admin/notifications/{id}/retry")]
pub async fn retry_delivery(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let id = positive_id(&path)?;
    match delivery_store::revive_audited(&state.db, id, &who.actor).await? {
        Revived::Pending => Ok(HttpResponse::NoContent().finish()),
        Revived::NotFound => Err(ApiError::NotFound),
        Revived::NotDead => Err(ApiError::Conflict(format!(
            "Delivery {id} is not dead; only dead deliveries are retried by hand."
        ))),
    }
}
