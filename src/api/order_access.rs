//! Who is asking about an order: its customer (one of its tracking tokens, as `?t=` or
//! `X-Order-Token`), staff (a session or bearer token), or anyone; and the tokens handed out.
//!
//! A token is 32 random bytes as 64 hex characters; only its SHA-256 is stored
//! ([`crate::store::tracking`]). A token this process has seen to be its order's is remembered
//! ([`crate::order_views::tokens`]), so a customer watching their page costs no database read.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use bakery_wire::{ORDER_TOKEN_HEADER, OrderView, TRACKING_QUERY};

use super::AppState;
use super::errors::ApiError;
use super::staff::Staff;
use crate::config::OrderLookup;
use crate::domain::privacy::counter_view;
use crate::staff::secrets::{random_token, token_hash};
use crate::store::tracking;

/// Who asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asker {
    /// The order's customer: a valid tracking token came with the request.
    Owner,
    /// A staff member or bearer token (`actor` as the audit log names it).
    Staff { actor: String },
    /// Anyone else.
    Anyone,
}

impl Asker {
    /// True for the customer and staff.
    pub fn is_trusted(&self) -> bool {
        !matches!(self, Asker::Anyone)
    }

    /// The audit log's name of a staff member.
    pub fn actor(&self) -> Option<&str> {
        match self {
            Asker::Staff { actor } => Some(actor),
            _ => None,
        }
    }
}

/// The tracking token the request carries (header first, then `?t=`), if it looks like one.
fn presented_token(req: &HttpRequest) -> Option<String> {
    let from_header = req
        .headers()
        .get(ORDER_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let from_query = || {
        web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .ok()?
            .into_inner()
            .into_iter()
            .find(|(name, _)| name == TRACKING_QUERY)
            .map(|(_, value)| value)
    };
    let token = from_header.or_else(from_query)?;
    let token = token.trim();
    (token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| token.to_ascii_lowercase())
}

/// Whether the request is order `order_id`'s customer's, staff's, or anyone's. A token that is
/// not the order's counts as none; a staff sign-in that fails counts as none too, but a missing
/// CSRF token of a session on a change is 403 and an unreachable session store is 503.
pub async fn asker(req: &HttpRequest, state: &AppState, order_id: i64) -> Result<Asker, ApiError> {
    if let Some(token) = presented_token(req) {
        let hash = token_hash(&token);
        if state.known_tokens.knows(order_id, &hash) {
            return Ok(Asker::Owner);
        }
        if tracking::token_matches(&state.db, order_id, &hash).await? {
            state.known_tokens.learn(order_id, &hash);
            return Ok(Asker::Owner);
        }
    }
    let has_credentials = req
        .headers()
        .contains_key(actix_web::http::header::AUTHORIZATION)
        || req.cookie(bakery_wire::staff::SESSION_COOKIE).is_some();
    if !has_credentials {
        return Ok(Asker::Anyone);
    }
    match Staff::from_request(req, &mut Payload::None).await {
        Ok(staff) => Ok(Asker::Staff {
            actor: staff.any().actor.clone(),
        }),
        Err(err @ (ApiError::CsrfFailed | ApiError::Unavailable(_))) => Err(err),
        Err(_) => Ok(Asker::Anyone),
    }
}

/// True when anyone may see every order in full (`order_lookup = "open"`).
pub fn open_to_all(state: &AppState) -> bool {
    state.order_lookup == OrderLookup::Open
}

/// The page as `asker` may see it: in full for the customer and staff (and for anyone when the
/// bakery is open), else the counter's view.
pub fn shown_to(mut view: OrderView, asker: &Asker, state: &AppState) -> OrderView {
    state.planning.localize_view(&mut view);
    if asker.is_trusted() || open_to_all(state) {
        view
    } else {
        counter_view(view)
    }
}

/// A new token of order `order_id`: returns the token and stores its hash ([`tracking::add_token`]).
pub async fn issue_token(state: &AppState, order_id: i64) -> Result<String, ApiError> {
    let (token, hash) = new_token()?;
    tracking::add_token(&state.db, order_id, &hash).await?;
    state.known_tokens.learn(order_id, &hash);
    Ok(token)
}

/// A fresh token and its hash (for an order about to be written with it).
pub fn new_token() -> Result<(String, String), ApiError> {
    let token = random_token().map_err(ApiError::internal)?;
    let hash = token_hash(&token);
    Ok((token, hash))
}
