//! The back-office API under `/api/admin`: catalog and stock, the order board and its moves,
//! staff accounts, bearer tokens and the audit log. Every change is audited.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bakery_wire::staff::{
    AdminProduct, ApiToken, AuditEntry, BoardOrder, CancelOrder, NewApiToken, NewProduct,
    NewStaffUser, ProductPatch, StaffUser, StockChange,
};
use bakery_wire::{OrderLine, OrderStatus, cents_to_price, price_to_cents};
use bytes::Bytes;
use entity::{order, order_item, product};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use super::body::read_body as body;
use super::errors::ApiError;
use super::orders::parse_order_id;
use super::staff::{ADMIN, BAKERS, Staff};
use crate::actors::catalog_cache::Invalidate;
use crate::domain::lifecycle::Action;
use crate::domain::{Moved, StaffAction};
use crate::staff::accounts;
use crate::staff::audit;
use crate::store::catalog::{self, ProductChange, ProductRecord, StockMove, StockOutcome};
use crate::store::staff_actions::{self, ActionError};
use crate::store::wire_time;
use crate::store::{board, parse_fulfillment};

fn admin_product(p: product::Model) -> AdminProduct {
    AdminProduct {
        id: p.id,
        name: p.name,
        description: p.description,
        price: cents_to_price(p.price_cents),
        image_url: p.image_url,
        stock: p.stock,
        active: p.active,
    }
}

fn check_text(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let chars = value.chars().count();
    if chars < min || chars > max || value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::invalid(
            field,
            &format!("must be {min} to {max} characters, no control characters"),
        ));
    }
    if min > 0 && value.trim().is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    Ok(())
}

fn check_price(price: f64) -> Result<i64, ApiError> {
    price_to_cents(price)
        .filter(|c| *c > 0 && *c <= 100_000_000)
        .ok_or_else(|| {
            ApiError::invalid(
                "price",
                "must be a positive amount with at most two decimals",
            )
        })
}

/// Tells every replica's catalog cache that products changed.
fn catalog_changed(state: &AppState) {
    state.catalog_cache.do_send(Invalidate { announce: true });
}

/// `GET /api/admin/products`: every product, inactive ones too.
pub async fn list_products(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let products = catalog::all_products(&state.db).await?;
    Ok(HttpResponse::Ok().json(products.into_iter().map(admin_product).collect::<Vec<_>>()))
}

/// `POST /api/admin/products`: adds a product (admins).
pub async fn add_product(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let new: NewProduct = body(&req, payload, state.body_limit).await?;
    check_text("name", &new.name, 1, 200)?;
    check_text("description", &new.description, 0, 2000)?;
    check_text("image_url", &new.image_url, 0, 500)?;
    let price_cents = check_price(new.price)?;
    if !(0..=1_000_000).contains(&new.stock) {
        return Err(ApiError::invalid("stock", "must be 0 to 1000000"));
    }
    let record = ProductRecord {
        name: new.name,
        description: new.description,
        price_cents,
        image_url: new.image_url,
        stock: new.stock,
    };
    let added = catalog::add_product(&state.db, record, &who.actor).await?;
    catalog_changed(&state);
    Ok(HttpResponse::Created().json(admin_product(added)))
}

fn product_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::invalid("id", "must be a positive whole number"))
}

/// `PATCH /api/admin/products/{id}`: changes some fields (admins). Existing orders keep their prices.
pub async fn change_product(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let id = product_id(&path)?;
    let patch: ProductPatch = body(&req, payload, state.body_limit).await?;
    if let Some(name) = &patch.name {
        check_text("name", name, 1, 200)?;
    }
    if let Some(description) = &patch.description {
        check_text("description", description, 0, 2000)?;
    }
    if let Some(image_url) = &patch.image_url {
        check_text("image_url", image_url, 0, 500)?;
    }
    let price_cents = patch.price.map(check_price).transpose()?;
    let details = serde_json::to_value(&patch).unwrap_or(Value::Null);
    let change = ProductChange {
        name: patch.name,
        description: patch.description,
        price_cents,
        image_url: patch.image_url,
        active: patch.active,
    };
    let changed = catalog::change_product(&state.db, id, change, &who.actor, details)
        .await?
        .ok_or(ApiError::ProductNotFound(id))?;
    catalog_changed(&state);
    Ok(HttpResponse::Ok().json(admin_product(changed)))
}

/// `POST /api/admin/products/{id}/stock`: sets or adjusts stock with a reason (admins, bakers).
pub async fn change_stock(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?;
    let id = product_id(&path)?;
    let change: StockChange = body(&req, payload, state.body_limit).await?;
    check_text("reason", &change.reason, 1, 500)?;
    let stock_move = match (change.set, change.adjust) {
        (Some(count), None) if (0..=1_000_000).contains(&count) => StockMove::Set(count),
        (None, Some(delta)) if (-1_000_000..=1_000_000).contains(&delta) => {
            StockMove::Adjust(delta)
        }
        _ => {
            return Err(ApiError::invalid(
                "set",
                "give either \"set\" (0 to 1000000) or \"adjust\" (-1000000 to 1000000)",
            ));
        }
    };
    let product =
        match catalog::change_stock(&state.db, id, stock_move, &who.actor, &change.reason).await? {
            StockOutcome::Changed(product) => product,
            StockOutcome::NoSuchProduct => return Err(ApiError::ProductNotFound(id)),
            StockOutcome::WouldGoNegative { stock } => {
                return Err(ApiError::Conflict(format!(
                    "Only {stock} in stock; the adjustment would go below zero."
                )));
            }
        };
    catalog_changed(&state);
    Ok(HttpResponse::Ok().json(admin_product(product)))
}

fn board_order((o, items): (order::Model, Vec<order_item::Model>)) -> BoardOrder {
    BoardOrder {
        order_id: o.id,
        customer_name: o.customer_name,
        customer_email: o.customer_email,
        status: OrderStatus::parse(&o.status).unwrap_or(OrderStatus::Failed),
        fulfillment: parse_fulfillment(&o.fulfillment),
        delivery_address: o.delivery_address,
        created_at: wire_time(o.created_at),
        ready_at: o.ready_at.map(wire_time),
        items: items
            .into_iter()
            .map(|i| OrderLine {
                product_name: i.product_name,
                quantity: i.quantity,
                unit_price: cents_to_price(i.unit_price_cents),
                total: cents_to_price(i.unit_price_cents.saturating_mul(i.quantity)),
            })
            .collect(),
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
    let found = board::orders_of_day(&state.db, day, status).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(found.into_iter().map(board_order).collect::<Vec<_>>()))
}

/// `POST /api/admin/orders/{id}/{action}`: complete, dispatch, deliver, cancel (with a reason)
/// or retry (admins, bakers).
pub async fn order_action(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?.clone();
    let (raw_id, action) = path.into_inner();
    let order_id = parse_order_id(&raw_id)?;
    let action = match Action::parse(&action) {
        Some(Action::Cancel) => {
            let cancel: CancelOrder = body(&req, payload, state.body_limit).await?;
            let reason = cancel.reason.unwrap_or_default();
            check_text("reason", &reason, 1, 500)?;
            StaffAction::cancel(reason)
        }
        Some(action) => StaffAction::by_staff(action),
        None => return Err(ApiError::NotFound),
    };
    act_on_order(&state, order_id, &action, &raw_id, Some(&who.actor)).await?;
    let order = board::order_with_items(&state.db, order_id)
        .await?
        .ok_or(ApiError::OrderNotFound(raw_id))?;
    Ok(HttpResponse::Ok().json(board_order(order)))
}

/// Applies an order move (audited as `actor`'s when staff made it) and tells the status bus;
/// shared with the customer's own cancel.
pub async fn act_on_order(
    state: &AppState,
    order_id: i64,
    action: &StaffAction,
    raw_id: &str,
    actor: Option<&str>,
) -> Result<Moved, ApiError> {
    let moved =
        staff_actions::apply_action(&state.db, order_id, action, &state.orders_topic, actor)
            .await
            .map_err(|e| match e {
                ActionError::NotFound => ApiError::OrderNotFound(raw_id.to_owned()),
                ActionError::Refused(status) => ApiError::InvalidTransition {
                    order_id,
                    status: status.as_str().to_owned(),
                    wanted: action.name().to_owned(),
                },
                ActionError::Store(err) => err.into(),
            })?;
    if action.action == Action::Cancel {
        catalog_changed(state);
    }
    state.bus.publish(moved.clone());
    Ok(moved)
}

/// Every Server-Sent Event frame of the board: one per status change of any order.
const BOARD_KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /api/admin/orders/events`: every order's status changes, live (admins, bakers).
pub async fn board_events(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let listener = state.bus.subscribe();
    let frames = futures_util::stream::unfold(listener, |mut listener| async move {
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
        Some((Ok::<Bytes, actix_web::Error>(frame), listener))
    });
    Ok(super::events::sse_response(frames))
}

/// A role as stored; one the code no longer knows shows as the lesser role, baker.
fn stored_role(raw: &str) -> bakery_wire::staff::StaffRole {
    bakery_wire::staff::StaffRole::parse(raw).unwrap_or(bakery_wire::staff::StaffRole::Baker)
}

fn staff_user(u: entity::staff_user::Model) -> StaffUser {
    StaffUser {
        id: u.id,
        role: stored_role(&u.role),
        email: u.email,
        active: u.active,
    }
}

/// `GET /api/admin/users` (admins).
pub async fn list_users(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let users = accounts::users(&state.db).await?;
    Ok(HttpResponse::Ok().json(users.into_iter().map(staff_user).collect::<Vec<_>>()))
}

/// `POST /api/admin/users`: a new staff account (admins).
pub async fn add_user(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let new: NewStaffUser = body(&req, payload, state.body_limit).await?;
    let password = new.password;
    let user =
        accounts::create_user_audited(&state.db, &who.actor, &new.email, &password, new.role)
            .await?;
    Ok(HttpResponse::Created().json(staff_user(user)))
}

fn api_token(t: entity::api_token::Model, token: Option<String>) -> ApiToken {
    ApiToken {
        id: t.id,
        name: t.name,
        role: stored_role(&t.role),
        created_at: wire_time(t.created_at),
        revoked_at: t.revoked_at.map(wire_time),
        token,
    }
}

/// `GET /api/admin/tokens` (admins).
pub async fn list_tokens(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let tokens = accounts::api_tokens(&state.db).await?;
    Ok(HttpResponse::Ok().json(
        tokens
            .into_iter()
            .map(|t| api_token(t, None))
            .collect::<Vec<_>>(),
    ))
}

/// `POST /api/admin/tokens`: creates a bearer token, shown once (admins).
pub async fn add_token(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let new: NewApiToken = body(&req, payload, state.body_limit).await?;
    let (model, token) =
        accounts::create_api_token_audited(&state.db, &new.name, new.role, &who.actor).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(api_token(model, Some(token))))
}

/// `DELETE /api/admin/tokens/{id}`: revokes a token (admins).
pub async fn revoke_token(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?.clone();
    let id = product_id(&path)?;
    if !accounts::revoke_api_token_audited(&state.db, id, &who.actor).await? {
        return Err(ApiError::TokenNotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/admin/audit`: the latest 500 entries, newest first (admins).
pub async fn audit_log(staff: Staff, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    staff.require(ADMIN)?;
    let entries = audit::latest(&state.db, 500).await?;
    Ok(HttpResponse::Ok().json(
        entries
            .into_iter()
            .map(|e| AuditEntry {
                id: e.id,
                actor: e.actor,
                action: e.action,
                target: e.target,
                details: serde_json::from_str(&e.details).unwrap_or(Value::Null),
                at: wire_time(e.at),
            })
            .collect::<Vec<_>>(),
    ))
}
