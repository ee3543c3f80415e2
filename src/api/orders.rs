//! `POST /api/orders` (validated, priced from the catalog, group-committed) and `GET /api/orders/{id}`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use bakery_wire::options::check_inscription;
use bakery_wire::{
    ErrorBody, IDEMPOTENCY_KEY_HEADER, NewOrder, OrderAccepted, OrderStatus, OrderView,
    QUEUE_STATUS_SENT, cents_to_price, tracking_url,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::AppState;
use super::body::read_json;
use super::client::{self, ClientAddress};
use super::errors::ApiError;
use super::extract::parse_order_id;
use super::order_access::{self, Asker, asker, open_to_all, shown_to};
use super::order_moves::act_on_order;
use super::shared_answers::JsonBody;
use super::slots;
use crate::actors::catalog_cache::CatalogSnapshot;
use crate::actors::order_store::{PlaceOrder, StoreError as OrderStoreError};
use crate::domain::options;
use crate::domain::slots::CartLine;
use crate::domain::{Money, OrderRequest};
use crate::domain::{StaffAction, schedule};
use crate::store::draft::{Booking, DraftLine, OrderDraft, PlaceOutcome};
use crate::store::{StoreError, board, intake, reads, wire_time};

/// Places an order: 201 with the seed's `{order_id, status, queue_status}` (plus total and time).
#[utoipa::path(
    tag = "orders",
    summary = "Place an order",
    description = "Prices come from the catalog; an item `price` that differs is refused with 409. \
        With an `Idempotency-Key`, a retry with the same body returns the first answer, with a new \
        `tracking_token` (the first stays valid: only tokens' hashes are stored). The token shows \
        the order in full and lets its customer cancel it.",
    request_body(content = NewOrder, content_type = "application/json"),
    params(("Idempotency-Key" = Option<String>, Header, pattern = r"^[!-~]{1,255}$",
        description = "1 to 255 visible ASCII characters; a retry with the same key and body gets the first answer")),
    responses(
        (status = 201, description = "Accepted and queued for processing", body = OrderAccepted,
            headers(
                ("Location" = String, description = "The order's address"),
                ("Idempotent-Replayed" = String, description = "`true` when this is the first answer again, else `false`"),
            ),
            links(("GetOrder" = (operation_id = "get_order", parameters(("id" = "$response.body#/order_id")))),
                ("CancelOrder" = (operation_id = "cancel_order", parameters(("id" = "$response.body#/order_id"))))),
        ),
        (status = 400, description = "Invalid JSON, invalid fields (`details` lists them; also more pieces of a product than its \
            `max_per_order` allows in one order), unknown product, or bad Idempotency-Key", body = ErrorBody),
        (status = 409, description = "An item's price differs from the catalog's", body = ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = ErrorBody),
        (status = 408, description = "The body did not arrive within the time limit", body = ErrorBody),
        (status = 415, description = "The body is not JSON", body = ErrorBody),
        (status = 422, description = "The Idempotency-Key was used for another body", body = ErrorBody),
        (status = 429, description = "This client posted more orders than `limits.order_posts_per_minute` allows (`rate_limited`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a post may succeed"))),
        (status = 503, description = "The database cannot take the order right now", body = ErrorBody),
    )
)]
#[post("/orders")]
pub async fn create_order(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    client: ClientAddress,
) -> Result<HttpResponse, ApiError> {
    client::order_post(&state, client).await?;
    let idempotency_key = idempotency_key(&req)?;
    let body = read_json(&req, payload, state.body).await?;
    let request = OrderRequest::parse(&body).map_err(ApiError::Validation)?;
    let asked = request.pickup_at;
    let catalog = state.catalog.load();
    let mut draft = price_order(&catalog, request, idempotency_key, &body)?;
    let cart: Vec<CartLine> = draft
        .lines
        .iter()
        .filter_map(|l| Some(slots::cart_line(catalog.product(l.product_id)?, l.quantity)))
        .collect();
    let (first_token, first_hash) = order_access::new_token()?;
    draft.tracking_token_hash = Some(first_hash.clone());
    let planning = state.planning.current(&state.db).await?;
    // Taken before the write, so that a change of the new order reported before its page is
    // kept stops the keep (its id, and so its shard, is not known yet).
    let counts = state.order_views.change_counts();
    let mut tries = 0;
    let outcome = loop {
        let now = chrono::Utc::now();
        let fulfillment = draft.fulfillment;
        let booking =
            match slots::choose_slot(&state, &planning, now, fulfillment, &cart, asked).await {
                Ok(booking) => booking,
                // A retry of a placed order gets its first answer, however full its slot is now.
                Err(refused @ ApiError::SlotRefused { .. }) => match &draft.idempotency_key {
                    Some(key) if intake::key_is_stored(&state.db, key).await? => Booking::default(),
                    _ => return Err(refused),
                },
                Err(other) => return Err(other),
            };
        let sent = state
            .store
            .send(PlaceOrder(draft.clone(), booking))
            .await
            .map_err(|e| ApiError::Unavailable(e.to_string()))?;
        match sent {
            // The slot filled meanwhile: without a time asked for, the next one is tried.
            Err(OrderStoreError::Database(StoreError::NoRoom)) if asked.is_none() && tries < 3 => {
                tries += 1;
            }
            Err(OrderStoreError::Database(StoreError::NoRoom)) => {
                let booked = slots::booked_for(&state, &planning, now, fulfillment, &cart).await?;
                let full = crate::domain::slots::Refusal::SlotFull;
                return Err(slots::refused(
                    &planning,
                    now,
                    fulfillment,
                    &cart,
                    &booked,
                    full,
                ));
            }
            other => break other?,
        }
    };
    let placed = match outcome {
        PlaceOutcome::Placed(placed) => placed,
        PlaceOutcome::KeyReused => return Err(ApiError::IdempotencyKeyReused),
    };
    // A replay did not write this request's token: the order gets a new one (the first answer's
    // token cannot be shown again, only its hash is stored).
    let token = if placed.replayed {
        order_access::issue_token(&state, placed.order_id).await?
    } else {
        state.known_tokens.learn(placed.order_id, &first_hash);
        first_token
    };
    if !placed.replayed {
        let view = reads::placed_view(&draft, &placed);
        state.order_views.placed(&counts, &view);
        tracing::info!(
            order_id = placed.order_id,
            total_cents = placed.total_cents,
            "order placed"
        );
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/orders/{}", placed.order_id)))
        .insert_header((
            "Idempotent-Replayed",
            if placed.replayed { "true" } else { "false" },
        ))
        .json(OrderAccepted {
            order_id: placed.order_id,
            status: OrderStatus::Pending,
            queue_status: QUEUE_STATUS_SENT.to_owned(),
            total: cents_to_price(placed.total_cents),
            created_at: wire_time(placed.created_at),
            tracking_url: tracking_url(placed.order_id, &token),
            tracking_token: token,
            pickup_at: placed.pickup_at.map(|at| planning.calendar.show(at)),
        }))
}

/// The optional `Idempotency-Key` header: 1 to 255 visible ASCII characters.
fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(IDEMPOTENCY_KEY_HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .map_err(|_| ApiError::InvalidIdempotencyKey)?;
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::InvalidIdempotencyKey);
    }
    Ok(Some(key.to_owned()))
}

/// Checks every line against the catalog and takes its name and price from there (the price
/// with the differences of the options chosen, or each group's default).
fn price_order(
    catalog: &CatalogSnapshot,
    request: OrderRequest,
    idempotency_key: Option<String>,
    body: &Value,
) -> Result<OrderDraft, ApiError> {
    let mut lines = Vec::with_capacity(request.lines.len());
    let mut total = Money(0);
    let mut pieces: std::collections::HashMap<i64, i64> = Default::default();
    for (i, line) in request.lines.iter().enumerate() {
        let product = catalog
            .product(line.product_id)
            .ok_or_else(|| ApiError::UnknownProduct {
                product_id: line.product_id,
                field: format!("items[{i}].product_id"),
            })?;
        let max = product
            .max_per_order
            .unwrap_or(bakery_wire::rules::MAX_QUANTITY);
        let ordered = pieces.entry(product.id).or_default();
        *ordered += line.quantity;
        if *ordered > max {
            return Err(ApiError::invalid(
                &format!("items[{i}].quantity"),
                &format!("at most {max} of {} in one order", product.name),
            ));
        }
        let chosen = options::choose(catalog.options(product.id), &line.options).map_err(|r| {
            let field = format!("items[{i}].options.{}", r.group);
            ApiError::invalid(&field, &r.message)
        })?;
        let inscription = match &line.inscription {
            None => None,
            Some(text) => {
                check_inscription(text, product.inscription_max_len).map_err(|message| {
                    ApiError::invalid(&format!("items[{i}].inscription"), &message)
                })?
            }
        };
        let unit_price_cents = options::delta_cents(&chosen)
            .and_then(|delta| product.price_cents.checked_add(delta))
            .ok_or(ApiError::TotalTooLarge)?;
        if unit_price_cents < 0 {
            return Err(ApiError::invalid(
                &format!("items[{i}].options"),
                "these choices cannot be ordered together (their price is below zero)",
            ));
        }
        if let Some(claimed) = line.price_cents.filter(|c| *c != unit_price_cents) {
            return Err(ApiError::PriceMismatch {
                product_id: product.id,
                product_name: product.name.clone(),
                catalog_price: cents_to_price(unit_price_cents),
                your_price: cents_to_price(claimed),
                field: format!("items[{i}].price"),
            });
        }
        total = Money(unit_price_cents)
            .times(line.quantity)
            .and_then(|t| total.0.checked_add(t.0).map(Money))
            .ok_or(ApiError::TotalTooLarge)?;
        lines.push(DraftLine {
            product_id: product.id,
            product_name: product.name.clone(),
            quantity: line.quantity,
            unit_price_cents,
            options: chosen,
            inscription,
        });
    }
    Ok(OrderDraft {
        customer_name: request.customer_name,
        customer_email: request.customer_email,
        lines,
        idempotency_key,
        request_hash: request_hash(body),
        fulfillment: request.fulfillment,
        delivery_address: request.delivery_address,
        tracking_token_hash: None,
    })
}

/// SHA-256 of the body's canonical JSON (keys sorted, no spaces): a retry hashes the same.
fn request_hash(body: &Value) -> String {
    let canonical = serde_json::to_vec(body).unwrap_or_default();
    Sha256::digest(&canonical)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Shows one order with its lines, total and history; the name in full and the address only to
/// its customer (tracking token) and staff.
#[utoipa::path(
    tag = "orders",
    summary = "Show an order with its lines and history",
    description = "With one of the order's tracking tokens (`?t=` or `X-Order-Token`), a staff session \
        or a bearer token, the order in full; without (or with a token that is not the order's), \
        the same shape with `customer_name` cut to the first name and the initial of the last \
        (\"Vedanti V.\") and `delivery_address` null. With `order_lookup = \"open\"` everyone sees it in full.",
    params(("id" = i64, Path, minimum = 1, description = "The order number"),
        ("t" = Option<String>, Query, description = "The order's tracking token (64 hex characters)"),
        ("X-Order-Token" = Option<String>, Header, description = "The order's tracking token, as a header")),
    responses(
        (status = 200, description = "The order", body = OrderView),
        (status = 400, description = "`id` is not a number", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 429, description = "This client looked up more orders than `limits.order_lookups_per_minute` allows (`rate_limited`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until a look-up may succeed"))),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
    )
)]
#[get("/orders/{id}")]
pub async fn get_order(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
    client: ClientAddress,
) -> Result<HttpResponse, ApiError> {
    client::order_lookup(&state, client).await?;
    let raw = path.into_inner();
    let id = parse_order_id(&raw)?;
    let asker = if open_to_all(&state) {
        Asker::Anyone
    } else {
        asker(&req, &state, id).await?
    };
    let view = match state.order_views.view(id) {
        Some(view) => view,
        None => {
            let seen = state.order_views.change_count(id);
            let view = reads::order_view(&state.db, id)
                .await?
                .ok_or(ApiError::OrderNotFound(raw))?;
            state.order_views.keep(seen, &view);
            view
        }
    };
    // The slot is shown in the bakery's zone as it is now: a replica that has not read the
    // planning since it started, or since an admin changed it, must not show the old one.
    // Unreachable, the last one read will do: the page itself is already in hand.
    let _ = state.planning.current(&state.db).await;
    let view = shown_to(view, &asker, &state);
    let body = serde_json::to_vec(&view).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(header::ContentType::json())
        .body(body))
}

/// `POST /api/orders/{id}/cancel`: a customer takes back their own order while it is pending, or
/// scheduled until its day's cut-off, proving it is theirs with its tracking token (staff may
/// too, any time before it is baked).
#[utoipa::path(
    tag = "orders",
    summary = "A customer cancels their pending or scheduled order",
    description = "One of the order's tracking tokens (`?t=` or `X-Order-Token`), a staff bearer token \
        or a staff session (with `X-CSRF-Token`) proves the right to cancel; a `customer_email` in the body \
        proves nothing, unless the bakery runs with `order_lookup = \"open\"`, where the order's e-mail does.",
    params(("id" = i64, Path, minimum = 1, description = "The order number"),
        ("t" = Option<String>, Query, description = "The order's tracking token (64 hex characters)"),
        ("X-Order-Token" = Option<String>, Header, description = "The order's tracking token, as a header")),
    request_body(content = super::openapi::CustomerCancel, content_type = "application/json"),
    responses(
        (status = 200, description = "Cancelled", body = OrderView),
        (status = 400, description = "Bad order number, not JSON, or a `customer_email` that is not text", body = ErrorBody),
        (status = 403, description = "No valid tracking token nor staff sign-in (`order_token_required`), \
            a session without its CSRF token (`csrf_failed`), or with `order_lookup = \"open\"` an e-mail that is not the order's (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such order", body = ErrorBody),
        (status = 409, description = "The order is no longer pending or scheduled (`invalid_transition`), \
            or it is scheduled and its day's cut-off has passed (`cancel_cut_off`, `details.cut_off`)", body = ErrorBody),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
        JsonBody,
    )
)]
#[post("/orders/{id}/cancel")]
pub async fn cancel_order(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let raw = path.into_inner();
    let id = parse_order_id(&raw)?;
    let body = read_json(&req, payload, state.body).await?;
    if !body.is_object() {
        return Err(ApiError::invalid("body", "must be a JSON object"));
    }
    let email = match body.get("customer_email") {
        None | Some(Value::Null) => None,
        Some(Value::String(email)) => Some(email.as_str()),
        Some(_) => return Err(ApiError::invalid("customer_email", "must be text")),
    };
    let asker = asker(&req, &state, id).await?;
    let cancel = StaffAction::customer_cancel();
    // The kitchen may move a pending order to `scheduled` between this read and the cancel: the
    // cancel is then checked again (the cut-off) and tried once more against the order as it is.
    let mut tried_again = false;
    loop {
        let (order, _) = board::order_with_items(&state.db, id)
            .await?
            .ok_or_else(|| ApiError::OrderNotFound(raw.clone()))?;
        if !asker.is_trusted() {
            if !open_to_all(&state) {
                return Err(ApiError::OrderTokenRequired);
            }
            let same =
                email.is_some_and(|e| order.customer_email.trim().eq_ignore_ascii_case(e.trim()));
            if !same {
                return Err(ApiError::NotYourOrder);
            }
        }
        if asker.actor().is_none()
            && order.status == OrderStatus::Scheduled.as_str()
            && let Some(pickup_at) = order.pickup_at
        {
            let planning = state.planning.current(&state.db).await?;
            let until = schedule::customer_cancel_until(&planning.calendar, pickup_at);
            if let Some(cut_off) = until.filter(|cut_off| chrono::Utc::now() >= *cut_off) {
                return Err(ApiError::CancelClosed {
                    order_id: id,
                    cut_off: planning.calendar.show(cut_off),
                });
            }
        }
        match act_on_order(&state, id, &cancel, &raw, asker.actor()).await {
            Ok(_) => break,
            Err(ApiError::InvalidTransition { status, .. })
                if !tried_again
                    && order.status == OrderStatus::Pending.as_str()
                    && status == OrderStatus::Scheduled.as_str() =>
            {
                tried_again = true;
            }
            Err(err) => return Err(err),
        }
    }
    let mut view = reads::order_view(&state.db, id)
        .await?
        .ok_or(ApiError::OrderNotFound(raw))?;
    let _ = state.planning.current(&state.db).await;
    state.planning.localize_view(&mut view);
    Ok(HttpResponse::Ok().json(view))
}
