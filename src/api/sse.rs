//! Server-Sent Events responses, shared by an order's stream and the staff's order board.

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::header;
use bytes::Bytes;
use futures_util::StreamExt;

/// A Server-Sent Events response of `frames`, unbuffered end to end, that ends after
/// `lifetime` at the latest (browsers' `EventSource` then reconnects on its own).
pub fn sse_response(
    frames: impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> + 'static,
    lifetime: Duration,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compression (here) and proxy buffering (nginx) would hold events back.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(frames.take_until(tokio::time::sleep(lifetime)))
}
