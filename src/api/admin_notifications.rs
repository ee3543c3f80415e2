//! The back-office's notification pages under `/api/admin`: webhook endpoints (list, add, remove) and the latest deliveries. Admins only; changes are audited.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bakery_wire::staff::{NewWebhook, NotificationDelivery, Webhook};

use super::AppState;
use super::body::read_body;
use super::errors::ApiError;
use super::staff::{ADMIN, Staff};
use crate::staff::secrets::random_token;
use crate::store::notifications;
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

/// Webhooks are plain HTTP from here (https ones go through a TLS-terminating proxy).
fn check_url(url: &str) -> Result<(), ApiError> {
    let host = url.strip_prefix("http://").unwrap_or_default();
    let good = url.len() <= 2000
        && !host.is_empty()
        && !host.starts_with('/')
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if good {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "url",
            "must be an http:// URL of at most 2000 characters (https: put a TLS-terminating proxy in front)",
        ))
    }
}

/// `POST /api/admin/webhooks`: adds an endpoint; its secret is shown once.
pub async fn add_webhook(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let new: NewWebhook = read_body(&req, payload, state.body_limit).await?;
    check_url(&new.url)?;
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
pub async fn remove_webhook(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let id = path
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::invalid("id", "must be a positive whole number"))?;
    if !notifications::deactivate_endpoint_audited(&state.db, id, &who.actor).await? {
        return Err(ApiError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/admin/notifications`: the latest 500 deliveries (webhook and e-mail), most recently
/// tried first, with their status, attempts and last error.
pub async fn deliveries(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let rows = notifications::latest_deliveries(&state.db, 500).await?;
    Ok(HttpResponse::Ok().json(
        rows.into_iter()
            .map(|(d, n)| NotificationDelivery {
                id: d.id,
                outbox_id: d.outbox_id,
                order_id: n.as_ref().map(|n| n.order_id),
                order_status: n.as_ref().map(|n| n.status),
                channel: d.channel,
                target: d.target,
                status: d.status,
                attempts: d.attempts,
                last_error: d.last_error,
                updated_at: wire_time(d.updated_at),
                delivered_at: d.delivered_at.map(wire_time),
            })
            .collect::<Vec<_>>(),
    ))
}
