//! Observes every HTTP request: takes a sane `x-request-id` or makes one, runs the request inside a `request` span carrying it (so every log line of the request has it), returns it, and records the request's metrics and one access-log line.

use std::time::Instant;

use actix_web::Error;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

use crate::metrics;

/// The header a request id travels in, both ways.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The route label of requests no route matched (kept as one label so scans can't add series).
const UNMATCHED: &str = "unmatched";

/// Longest request id taken from a client; longer ones are replaced.
const MAX_ID_LEN: usize = 128;

/// The middleware; wrap the `App` with `actix_web::middleware::from_fn(observe_request)`,
/// outermost, so it sees the final status of every response.
pub async fn observe_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let id = request_id(req.headers().get(REQUEST_ID_HEADER));
    let method = req.method().to_string();
    // Matched against the app's route map up front, so every line of the request has the route.
    let route = req.match_pattern().unwrap_or_else(|| UNMATCHED.to_owned());
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = %route);
    // No clone of the request may live across `next.call`: routing needs it unshared.
    let mut res = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let status = res.status().as_u16();
    let seconds = started.elapsed().as_secs_f64();
    metrics::record_http(&route, &method, status, seconds);
    let elapsed_ms = (seconds * 1e6).round() / 1e3;
    span.in_scope(|| {
        // Probes and scrapes come every few seconds; they are only worth a line when debugging.
        if route == "/health" || route == "/metrics" {
            tracing::debug!(status, elapsed_ms, "request served");
        } else {
            tracing::info!(status, elapsed_ms, "request served");
        }
    });
    Ok(res)
}

/// The client's id when it is 1 to 128 characters of `A-Z a-z 0-9 - _ . : / + = @`, else a new UUID.
fn request_id(header: Option<&HeaderValue>) -> String {
    header
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane(id))
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned)
}

fn is_sane(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sane_ids_are_kept_and_others_replaced() {
        let keep = HeaderValue::from_static("req-42_a.b:c");
        assert_eq!(request_id(Some(&keep)), "req-42_a.b:c");
        for bad in [
            "",
            "has space",
            "new\u{7f}line",
            &"x".repeat(129),
            "quote\"d",
        ] {
            let header = HeaderValue::from_bytes(bad.as_bytes()).ok();
            let id = request_id(header.as_ref());
            assert_ne!(id, bad);
            assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        }
        assert!(uuid::Uuid::parse_str(&request_id(None)).is_ok());
    }
}
