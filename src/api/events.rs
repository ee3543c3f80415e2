//! `GET /api/orders/{id}/events`: Server-Sent Events of an order's status, first the current one, ending after a final one.

use std::collections::VecDeque;
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use bakery_wire::{ErrorBody, OrderStatus, StatusChange};
use bytes::Bytes;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::{self, error::RecvError};

use super::AppState;
use super::client::{self, ClientAddress};
use super::errors::ApiError;
use super::extract::parse_order_id;
use super::sse::sse_response;
use crate::domain::Moved;
use crate::domain::can_move;
use crate::limits::StreamPermit;
use crate::store::reads;

/// After this long without news the stream re-reads the order (a change announced while a
/// broker link was down is caught up) and sends a comment line that keeps proxies from closing it.
const RESYNC_EVERY: Duration = Duration::from_secs(5);

/// Streams the order's status changes.
#[utoipa::path(
    tag = "orders",
    summary = "Follow an order's status as Server-Sent Events",
    description = "Each event is `event: status` with a `StatusChange` (see the schemas) as its JSON `data`; \
        the first is the current status, and the stream ends after a final one (completed, delivered, \
        rejected, cancelled, failed). Comment lines (`: keep-alive`) come every 5 seconds without news.",
    params(("id" = i64, Path, minimum = 1, description = "The order number")),
    responses(
        (status = 200, description = "An event stream; each event an `OrderEvent`",
            content_type = "text/event-stream", body = super::openapi::OrderEvent),
        (status = 400, description = "`id` is not a number", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 429, description = "This client looked up more orders than `limits.order_lookups_per_minute` allows, or holds \
            `limits.streams_per_client` streams open already (`rate_limited`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a try may succeed"))),
        (status = 503, description = "The database cannot be reached, or the server holds `limits.streams_total` streams open \
            already (`busy`, with `Retry-After`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait, when `busy`"))),
    )
)]
#[get("/orders/{id}/events")]
pub async fn order_events(
    path: web::Path<String>,
    state: web::Data<AppState>,
    client: ClientAddress,
) -> Result<HttpResponse, ApiError> {
    let raw = path.into_inner();
    let order_id = parse_order_id(&raw)?;
    client::order_lookup(&state, client).await?;
    let permit = client::stream(&state, client)?;
    // Listen before reading, so no change can fall between the read and the first event.
    let listener = state.bus.subscribe();
    let history = load_history(&state.db, order_id)
        .await?
        .ok_or(ApiError::OrderNotFound(raw))?;
    let current = history.last().cloned();
    let stream = StatusStream {
        order_id,
        db: state.db.clone(),
        listener,
        last: None,
        queue: current.into_iter().collect(),
        done: false,
        _permit: permit,
    };
    let events = futures_util::stream::unfold(stream, |mut s| async move {
        let frame = s.next_frame().await?;
        Some((Ok::<Bytes, actix_web::Error>(frame), s))
    });
    Ok(sse_response(events))
}

async fn load_history(
    db: &DatabaseConnection,
    order_id: i64,
) -> Result<Option<Vec<StatusChange>>, ApiError> {
    let view = reads::order_view(db, order_id).await?;
    Ok(view.map(|v| v.history))
}

/// The state of one order's event stream.
struct StatusStream {
    order_id: i64,
    db: DatabaseConnection,
    listener: broadcast::Receiver<Moved>,
    /// The status last sent.
    last: Option<OrderStatus>,
    /// Changes to send before listening again.
    queue: VecDeque<StatusChange>,
    done: bool,
    /// This stream's slot, given back when the stream is dropped.
    _permit: StreamPermit,
}

impl StatusStream {
    /// The next SSE frame, or `None` once a final status has been sent.
    async fn next_frame(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        loop {
            if let Some(change) = self.queue.pop_front() {
                if self.is_news(change.status) {
                    return Some(self.send(change));
                }
                continue;
            }
            match tokio::time::timeout(RESYNC_EVERY, self.listener.recv()).await {
                Err(_) => {
                    if let Ok(Some(history)) = load_history(&self.db, self.order_id).await {
                        self.queue.extend(history);
                    }
                    if self.queue.iter().any(|c| self.is_news(c.status)) {
                        continue;
                    }
                    return Some(Bytes::from_static(b": keep-alive\n\n"));
                }
                Ok(Ok(moved)) if moved.order_id == self.order_id => {
                    self.queue.push_back(moved.change)
                }
                Ok(Ok(_)) => {}
                Ok(Err(RecvError::Lagged(_))) => {
                    // Missed some events: catch up from the stored history.
                    if let Ok(Some(history)) = load_history(&self.db, self.order_id).await {
                        self.queue.extend(history);
                    }
                }
                Ok(Err(RecvError::Closed)) => return None,
            }
        }
    }

    fn is_news(&self, status: OrderStatus) -> bool {
        match self.last {
            None => true,
            Some(last) => can_move(last, status),
        }
    }

    fn send(&mut self, change: StatusChange) -> Bytes {
        self.last = Some(change.status);
        self.done = change.status.is_final();
        let json = serde_json::to_string(&change).unwrap_or_default();
        Bytes::from(format!("event: status\ndata: {json}\n\n"))
    }
}
