//! Reads a request body: checks its content type (JSON), size limit and time limit, then parses
//! it; or its bytes as they are (a picture).

use std::time::Duration;

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web;
use bytes::BytesMut;
use futures_util::StreamExt;
use serde_json::Value;

use super::errors::ApiError;

/// What a request body may be: at most `bytes` long, all of it arrived within `time` (zero: no
/// time limit). A client that trickles its body slower gets 408 and the connection is closed.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub bytes: usize,
    pub time: Duration,
}

/// The body as a JSON object read into `T`, or what [`read_json`] refuses, or 400 naming what is
/// wrong (serde alone would also read a struct from an array of its fields).
pub async fn read_body<T: serde::de::DeserializeOwned>(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<T, ApiError> {
    let value = read_json(req, payload, limits).await?;
    if !value.is_object() {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    serde_json::from_value(value).map_err(|e| ApiError::invalid("body", &e.to_string()))
}

/// The body as JSON, or 415 (not JSON), 413 (over the size limit), 408 (not all there within the
/// time limit) or 400 (malformed).
pub async fn read_json(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<Value, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" && !essence.ends_with("+json") {
        return Err(ApiError::UnsupportedMediaType);
    }
    let body = read_bytes(req, payload, limits).await?;
    serde_json::from_slice(&body).map_err(|e| ApiError::InvalidJson(e.to_string()))
}

/// The body's bytes, whatever their type, or 413 (over the size limit) or 408 (not all there
/// within the time limit).
pub async fn read_bytes(
    req: &HttpRequest,
    payload: web::Payload,
    limits: BodyLimits,
) -> Result<BytesMut, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let limit = limits.bytes;
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    if limits.time.is_zero() {
        read_all(payload, declared, limit).await
    } else {
        tokio::time::timeout(limits.time, read_all(payload, declared, limit))
            .await
            .map_err(|_| ApiError::RequestTimeout)?
    }
}

/// The whole body, refused past `limit` bytes.
async fn read_all(
    mut payload: web::Payload,
    declared: Option<usize>,
    limit: usize,
) -> Result<BytesMut, ApiError> {
    let mut body = BytesMut::with_capacity(declared.unwrap_or(1024).min(limit));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::InvalidJson(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::PayloadTooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
