//! The client's address ([`ClientAddress`], behind the `trusted_proxies`) and the guards that
//! hold each client to its limits: call one at the top of a handler.
//!
//! ```ignore
//! pub async fn handler(client: ClientAddress, state: web::Data<AppState>) -> Result<…, ApiError> {
//!     client::order_lookup(&state, client).await?;   // 429 `rate_limited` past the limit
//!     …
//! }
//! ```

use std::future::{Ready, ready};
use std::net::{IpAddr, Ipv4Addr};

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::AppState;
use super::errors::ApiError;
use crate::limits::{StreamPermit, StreamRefusal, client_address};

/// The address of the client a request comes from (see [`crate::limits::client`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// Reads the request's client: its peer, or what the trusted proxies forwarded.
    pub fn of(req: &HttpRequest) -> ClientAddress {
        let peer = req
            .peer_addr()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |a| a.ip());
        let Some(state) = req.app_data::<web::Data<AppState>>() else {
            return ClientAddress(peer);
        };
        let forwarded = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok());
        ClientAddress(client_address(
            peer,
            forwarded,
            &state.limits.trusted_proxies,
        ))
    }
}

impl FromRequest for ClientAddress {
    type Error = ApiError;
    type Future = Ready<Result<ClientAddress, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientAddress::of(req)))
    }
}

impl std::fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Counts an order post of `client`: 429 `rate_limited` past `limits.order_posts_per_minute`.
pub async fn order_post(state: &AppState, client: ClientAddress) -> Result<(), ApiError> {
    state
        .limits
        .order_posts
        .check(client.0)
        .await
        .map_err(|refusal| ApiError::RateLimited { refusal })
}

/// Counts an order look-up of `client` (an order's page, the start of its stream, a look-up by
/// number and e-mail): 429 `rate_limited` past `limits.order_lookups_per_minute`.
pub async fn order_lookup(state: &AppState, client: ClientAddress) -> Result<(), ApiError> {
    state
        .limits
        .order_lookups
        .check(client.0)
        .await
        .map_err(|refusal| ApiError::RateLimited { refusal })
}

/// Takes a live-stream slot for `client`; keep the permit inside the stream (it is given back
/// when the stream is dropped). 429 `rate_limited` past `limits.streams_per_client`, 503 `busy`
/// past `limits.streams_total`.
pub fn stream(state: &AppState, client: ClientAddress) -> Result<StreamPermit, ApiError> {
    state.limits.streams.open(client.0).map_err(|e| match e {
        StreamRefusal::Client(refusal) => ApiError::RateLimited { refusal },
        StreamRefusal::Total(refusal) => ApiError::Busy {
            limit: refusal.limit,
            retry_after_secs: refusal.retry_after_secs(),
        },
    })
}
