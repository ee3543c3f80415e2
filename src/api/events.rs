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
use crate::events::watched::Watch;
use crate::limits::StreamPermit;
use crate::store::reads;

/// After this long without news the stream sends a comment line that keeps proxies from
/// closing it.
const KEEP_ALIVE: Duration = Duration::from_secs(5);

/// Streams the order's status changes.
#[utoipa::path(
    tag = "orders",
    summary = "Follow an order's status as Server-Sent Events",
    description = "Each event is `event: status` with a `StatusChange` (see the schemas) as its JSON `data`; \
        the first is the current status, and the stream ends after a final one (completed, delivered, \
        rejected, cancelled, failed) or after its maximum lifetime (`stream_max_lifetime`, 30 minutes by default; \
        reconnect to go on, the first event is the current status again). Comment lines (`: keep-alive`) come \
        every 5 seconds without news. The events carry no name, e-mail or address, so the stream is the same \
        for everyone; the order's tracking token is accepted (`?t=` or `X-Order-Token`) so a page can send it along.",
    params(("id" = i64, Path, minimum = 1, description = "The order number"),
        ("t" = Option<String>, Query, description = "The order's tracking token (accepted, not needed)"),
        ("X-Order-Token" = Option<String>, Header, description = "The order's tracking token, as a header (accepted, not needed)")),
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
        watch: state.watched.watch(order_id),
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
    Ok(sse_response(events, state.stream_lifetime))
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
    /// The order's place in the process's shared re-check (no database read of its own).
    watch: Watch,
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
        let keep_alive = tokio::time::sleep(KEEP_ALIVE);
        tokio::pin!(keep_alive);
        loop {
            if let Some(change) = self.queue.pop_front() {
                if self.is_news(change.status) {
                    return Some(self.send(change));
                }
                continue;
            }
            tokio::select! {
                () = &mut keep_alive => return Some(Bytes::from_static(b": keep-alive\n\n")),
                moved = self.listener.recv() => match moved {
                    Ok(moved) if moved.order_id == self.order_id => {
                        self.queue.push_back(moved.change);
                    }
                    // Missed some events: the next re-check brings the order's history.
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                },
                history = self.watch.next_recheck() => match history {
                    Some(history) => self.queue.extend(history),
                    None => return None,
                },
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
