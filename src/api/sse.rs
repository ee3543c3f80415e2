//! Server-Sent Events responses, shared by an order's stream and the staff's order board.

use actix_web::HttpResponse;
use actix_web::http::header;
use bytes::Bytes;

/// A Server-Sent Events response of `frames`, unbuffered end to end.
pub fn sse_response(
    frames: impl futures_util::Stream<Item = Result<Bytes, actix_web::Error>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        // Compression (here) and proxy buffering (nginx) would hold events back.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(frames)
}
