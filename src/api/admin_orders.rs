//! The back-office's order board under `/api/admin/orders`: the day's orders, their moves
//! (complete, dispatch, deliver, cancel, retry; each audited) and a live stream of every change.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use bakery_wire::staff::{BoardOrder, CancelOrder};
use bakery_wire::{ErrorBody, OrderStatus, cents_to_price};
use bytes::Bytes;
use entity::{order, order_item};
use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use super::body::read_body;
use super::client::{self, ClientAddress};
use super::errors::ApiError;
use super::extract::{check_text, parse_order_id};
use super::openapi::{BoardDay, BoardEvent, StaffCancel};
use super::order_moves::act_on_order;
use super::planning::Planning;
use super::shared_answers::{AdminChange, AdminRead, JsonBody};
use super::sse::sse_response;
use super::staff::{BAKERS, Staff};
use crate::domain::StaffAction;
use crate::domain::lifecycle::Action;
use crate::staff::accounts::Principal;
use crate::store::{board as board_reads, parse_fulfillment};
use crate::store::{reads, wire_time};

fn board_order(
    planning: &Planning,
) -> impl Fn((order::Model, Vec<order_item::Model>)) -> BoardOrder + '_ {
    move |(o, items)| BoardOrder {
        pickup_at: o.pickup_at.map(|at| planning.calendar.show(at)),
        order_id: o.id,
        customer_name: o.customer_name,
        customer_email: o.customer_email,
        status: OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Failed),
        fulfillment: parse_fulfillment(&o.fulfillment),
        delivery_address: o.delivery_address,
        created_at: wire_time(o.created_at),
        ready_at: o.ready_at.map(wire_time),
        items: items.into_iter().map(reads::line_of).collect(),
        total: cents_to_price(o.total_cents),
        failure_reason: o.failure_reason,
    }
}

/// Query of the board: `day=today|YYYY-MM-DD`, optional `status`.
#[derive(Debug, serde::Deserialize)]
pub struct BoardQuery {
    day: Option<String>,
    status: Option<String>,
}

/// `GET /api/admin/orders`: the day's orders, newest first (admins, bakers).
#[utoipa::path(
    tag = "admin",
    summary = "The day's orders, newest first (admin, baker)",
    security(("session" = []), ("bearer" = [])),
    params(
        ("day" = Option<BoardDay>, Query, description = "`today` (the default) or a day, YYYY-MM-DD"),
        ("status" = Option<OrderStatus>, Query, description = "Only orders in this status"),
    ),
    responses(
        (status = 200, description = "The board", body = Vec<BoardOrder>),
        (status = 400, description = "Bad day or status", body = ErrorBody),
        AdminRead,
    )
)]
#[get("/admin/orders")]
pub async fn board(
    query: web::Query<BoardQuery>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let day = match query.day.as_deref() {
        None | Some("today") => chrono::Utc::now().date_naive(),
        Some(day) => chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("day", "must be \"today\" or YYYY-MM-DD"))?,
    };
    let status = match query.status.as_deref() {
        None => None,
        Some(s) => Some(
            OrderStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", "is not an order status"))?,
        ),
    };
    let found = board_reads::orders_of_day(&state.db, day, status).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(
            found
                .into_iter()
                .map(board_order(&state.planning.loaded()))
                .collect::<Vec<_>>(),
        ))
}

#[utoipa::path(
    tag = "admin",
    summary = "A pickup order is picked up (admin, baker)",
    description = "ready → completed, for pickup orders.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The order number")),
    responses(
        (status = 200, description = "Moved", body = BoardOrder),
        (status = 400, description = "`id` is not a number", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "The order is not a ready pickup order", body = ErrorBody),
        AdminChange,
    )
)]
#[post("/admin/orders/{id}/complete")]
pub async fn complete_order(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?.clone();
    move_order(&state, &who, &path, StaffAction::by_staff(Action::Complete)).await
}

#[utoipa::path(
    tag = "admin",
    summary = "A delivery order leaves (admin, baker)",
    description = "ready → out_for_delivery, for delivery orders.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The order number")),
    responses(
        (status = 200, description = "Moved", body = BoardOrder),
        (status = 400, description = "`id` is not a number", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "The order is not a ready delivery order", body = ErrorBody),
        AdminChange,
    )
)]
#[post("/admin/orders/{id}/dispatch")]
pub async fn dispatch_order(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?.clone();
    move_order(&state, &who, &path, StaffAction::by_staff(Action::Dispatch)).await
}

#[utoipa::path(
    tag = "admin",
    summary = "A delivery order is handed over (admin, baker)",
    description = "out_for_delivery → delivered.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The order number")),
    responses(
        (status = 200, description = "Moved", body = BoardOrder),
        (status = 400, description = "`id` is not a number", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "The order is not out for delivery", body = ErrorBody),
        AdminChange,
    )
)]
#[post("/admin/orders/{id}/deliver")]
pub async fn deliver_order(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?.clone();
    move_order(&state, &who, &path, StaffAction::by_staff(Action::Deliver)).await
}

#[utoipa::path(
    tag = "admin",
    summary = "A failed order is tried again (admin, baker)",
    description = "failed → pending; it is queued again.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The order number")),
    responses(
        (status = 200, description = "Moved", body = BoardOrder),
        (status = 400, description = "`id` is not a number", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "The order has not failed", body = ErrorBody),
        AdminChange,
    )
)]
#[post("/admin/orders/{id}/retry")]
pub async fn retry_order(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?.clone();
    move_order(&state, &who, &path, StaffAction::by_staff(Action::Retry)).await
}

/// `POST /api/admin/orders/{id}/cancel`: the staff cancel with a reason; the stock comes back.
#[utoipa::path(
    tag = "admin",
    summary = "Cancel an order with a reason (admin, baker)",
    description = "pending or processing → cancelled; its stock is returned.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The order number")),
    request_body(content = StaffCancel, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled", body = BoardOrder),
        (status = 400, description = "`id` is not a number, invalid JSON, or no reason", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "The order is past pending and processing", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/orders/{id}/cancel")]
pub async fn cancel_order_as_staff(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?.clone();
    // A bad id is refused before the body is read.
    parse_order_id(&path)?;
    let cancel: CancelOrder = read_body(&req, payload, state.body).await?;
    let reason = cancel.reason.unwrap_or_default();
    check_text("reason", &reason, 1, 500)?;
    move_order(&state, &who, &path, StaffAction::cancel(reason)).await
}

/// Applies a staff move to the order at `raw_id` (audited in the move's transaction) and answers
/// with the order.
async fn move_order(
    state: &AppState,
    who: &Principal,
    raw_id: &str,
    action: StaffAction,
) -> Result<HttpResponse, ApiError> {
    let order_id = parse_order_id(raw_id)?;
    act_on_order(state, order_id, &action, raw_id, Some(&who.actor)).await?;
    let order = board_reads::order_with_items(&state.db, order_id)
        .await?
        .ok_or_else(|| ApiError::OrderNotFound(raw_id.to_owned()))?;
    Ok(HttpResponse::Ok().json(board_order(&state.planning.loaded())(order)))
}

/// Every Server-Sent Event frame of the board: one per status change of any order.
const BOARD_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /api/admin/orders/events`: every order's status changes, live (admins, bakers).
#[utoipa::path(
    tag = "admin",
    summary = "Every order's status changes, live (admin, baker)",
    description = "Server-Sent Events: `event: status` with JSON `data: {order_id, change}` (`change` a `StatusChange`, \
        plus optional `fields` the move wrote: `ready_at`, `failure_reason`); `event: reload` with `data: {}` \
        when the stream fell behind and the board should be read again; `: keep-alive` comments every 15 seconds. \
        The stream ends after its maximum lifetime (`stream_max_lifetime`, 30 minutes by default): reconnect and read the board again.",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "An event stream; each event a `BoardEvent`", content_type = "text/event-stream", body = BoardEvent),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Role not allowed", body = ErrorBody),
        (status = 429, description = "This client holds `limits.streams_per_client` streams open already (`rate_limited`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a try may succeed"))),
        (status = 503, description = "The database cannot be reached, or the server holds `limits.streams_total` streams open \
            already (`busy`, with `Retry-After`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait, when `busy`"))),
    )
)]
#[get("/admin/orders/events")]
pub async fn board_events(
    staff: Staff,
    state: web::Data<AppState>,
    client: ClientAddress,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    // Kept in the stream: its slot is given back when the stream is dropped.
    let permit = client::stream(&state, client)?;
    let listener = state.bus.subscribe();
    let frames =
        futures_util::stream::unfold((listener, permit), |(mut listener, permit)| async move {
            let frame = match tokio::time::timeout(BOARD_KEEP_ALIVE, listener.recv()).await {
                Err(_) => Bytes::from_static(b": keep-alive\n\n"),
                Ok(Ok(moved)) => {
                    let json = serde_json::to_string(&moved).unwrap_or_default();
                    Bytes::from(format!("event: status\ndata: {json}\n\n"))
                }
                // Missed some: tell the board to reload.
                Ok(Err(RecvError::Lagged(_))) => Bytes::from_static(b"event: reload\ndata: {}\n\n"),
                Ok(Err(RecvError::Closed)) => return None,
            };
            Some((Ok::<Bytes, actix_web::Error>(frame), (listener, permit)))
        });
    Ok(sse_response(frames, state.stream_lifetime))
}
