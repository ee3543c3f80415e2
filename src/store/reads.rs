//! Reading orders back: an order's page as `GET /api/orders/{id}` shows it, many pages at once,
//! the page of an order just placed, and status look-ups.

use std::collections::HashMap;

use bakery_wire::{OrderLine, OrderStatus, OrderView, StatusChange, cents_to_price};
use chrono::{DateTime, Utc};
use entity::{order, order_event, order_item};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use super::StoreError;
use super::draft::{OrderDraft, PLACED_NOTE, Placed};
use super::rows::parse_fulfillment;
use super::{pickup_time, wire_time};
use crate::domain::options::{self, Chosen};

/// The order's status, if it exists.
pub async fn current_status(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<OrderStatus>, StoreError> {
    Ok(order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .and_then(|o| OrderStatus::parse(&o.status)))
}

/// Orders in `status`, oldest first (used to resume work after a restart).
pub async fn orders_in(
    db: &impl ConnectionTrait,
    status: OrderStatus,
) -> Result<Vec<order::Model>, StoreError> {
    order::Entity::find()
        .filter(order::Column::Status.eq(status.as_str()))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await
        .map_err(StoreError::from)
}

/// The order as `GET /api/orders/{id}` shows it, read in one round trip: the order joined with
/// its lines and its history (a row per line and event pair, folded here).
pub async fn order_view(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<OrderView>, StoreError> {
    use sea_orm::FromQueryResult;
    use sea_orm::sea_query::{Alias, Asterisk, Order, Query};
    let i = |c: order_item::Column| Expr::col((order_item::Entity, c));
    let e = |c: order_event::Column| Expr::col((order_event::Entity, c));
    let query = Query::select()
        .column((order::Entity, Asterisk))
        .expr_as(i(order_item::Column::Id), Alias::new("item_id"))
        .expr_as(i(order_item::Column::ProductId), Alias::new("product_id"))
        .expr_as(
            i(order_item::Column::ProductName),
            Alias::new("product_name"),
        )
        .expr_as(i(order_item::Column::Quantity), Alias::new("quantity"))
        .expr_as(
            i(order_item::Column::UnitPriceCents),
            Alias::new("unit_price_cents"),
        )
        .expr_as(i(order_item::Column::Options), Alias::new("line_options"))
        .expr_as(
            i(order_item::Column::Inscription),
            Alias::new("line_inscription"),
        )
        .expr_as(e(order_event::Column::Id), Alias::new("event_id"))
        .expr_as(e(order_event::Column::Status), Alias::new("event_status"))
        .expr_as(e(order_event::Column::Note), Alias::new("event_note"))
        .expr_as(e(order_event::Column::At), Alias::new("event_at"))
        .from(order::Entity)
        .left_join(
            order_item::Entity,
            i(order_item::Column::OrderId).equals((order::Entity, order::Column::Id)),
        )
        .left_join(
            order_event::Entity,
            e(order_event::Column::OrderId).equals((order::Entity, order::Column::Id)),
        )
        .and_where(Expr::col((order::Entity, order::Column::Id)).eq(order_id))
        .order_by((order_item::Entity, order_item::Column::Id), Order::Asc)
        .order_by((order_event::Entity, order_event::Column::Id), Order::Asc)
        .to_owned();
    let rows = db.query_all(&query).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let order = order::Model::from_query_result(first, "")?;
    let (mut items, mut history) = (Vec::new(), Vec::new());
    let (mut last_item, mut events_done) = (None, false);
    for row in &rows {
        let item_id: Option<i64> = row.try_get("", "item_id")?;
        if item_id.is_some() && item_id != last_item {
            let chosen: Option<String> = row.try_get("", "line_options")?;
            items.push(
                OrderLine::of(
                    row.try_get("", "product_id")?,
                    row.try_get("", "product_name")?,
                    row.try_get("", "quantity")?,
                    row.try_get("", "unit_price_cents")?,
                )
                .with_choices(
                    options::shown_chosen(chosen.as_deref()),
                    row.try_get("", "line_inscription")?,
                ),
            );
            // The history repeats for every line: it is read from the first line's rows.
            events_done |= last_item.is_some();
            last_item = item_id;
        }
        if events_done || row.try_get::<Option<i64>>("", "event_id")?.is_none() {
            continue;
        }
        history.extend(history_entry(
            &row.try_get::<String>("", "event_status")?,
            row.try_get("", "event_note")?,
            row.try_get("", "event_at")?,
        ));
    }
    view_of(order, items, history).map(Some)
}

/// Many orders as `GET /api/orders/{id}` shows them, by id, read in one snapshot with three
/// queries whatever their number (orders, lines, histories); unknown ids are left out.
pub async fn order_views(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<HashMap<i64, OrderView>, StoreError> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let found = order::Entity::find()
        .filter(super::one_of(&txn, order::Column::Id, ids))
        .all(&txn)
        .await?;
    let mut items: HashMap<i64, Vec<OrderLine>> = HashMap::new();
    for item in order_item::Entity::find()
        .filter(super::one_of(&txn, order_item::Column::OrderId, ids))
        .order_by_asc(order_item::Column::Id)
        .all(&txn)
        .await?
    {
        items.entry(item.order_id).or_default().push(line_of(item));
    }
    let mut histories = histories(&txn, ids).await?;
    txn.commit().await?;
    found
        .into_iter()
        .map(|order| {
            let id = order.id;
            let items = items.remove(&id).unwrap_or_default();
            let history = histories.remove(&id).unwrap_or_default();
            Ok((id, view_of(order, items, history)?))
        })
        .collect()
}

/// An order line as an order page shows it.
pub fn line_of(item: order_item::Model) -> OrderLine {
    let chosen = options::shown_chosen(item.options.as_deref());
    OrderLine::of(
        item.product_id,
        item.product_name,
        item.quantity,
        item.unit_price_cents,
    )
    .with_choices(chosen, item.inscription)
}

/// The histories of many orders, by id, oldest change first; unknown ids are left out.
pub async fn histories(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, Vec<StatusChange>>, StoreError> {
    let mut histories: HashMap<i64, Vec<StatusChange>> = HashMap::new();
    for event in order_event::Entity::find()
        .filter(super::one_of(db, order_event::Column::OrderId, ids))
        .order_by_asc(order_event::Column::Id)
        .all(db)
        .await?
    {
        let history = histories.entry(event.order_id).or_default();
        history.extend(history_entry(&event.status, event.note, event.at));
    }
    Ok(histories)
}

/// The page of an order just placed from `draft`, as the database would give it (without
/// reading it back).
pub fn placed_view(draft: &OrderDraft, placed: &Placed) -> OrderView {
    OrderView {
        order_id: placed.order_id,
        customer_name: draft.customer_name.clone(),
        status: OrderStatus::Pending,
        created_at: wire_time(placed.created_at),
        items: draft
            .lines
            .iter()
            .map(|l| {
                OrderLine::of(
                    l.product_id,
                    l.product_name.clone(),
                    l.quantity,
                    l.unit_price_cents,
                )
                .with_choices(
                    l.options.iter().map(Chosen::shown).collect(),
                    l.inscription.clone(),
                )
            })
            .collect(),
        total: cents_to_price(placed.total_cents),
        history: vec![StatusChange {
            status: OrderStatus::Pending,
            note: Some(PLACED_NOTE.to_owned()),
            at: wire_time(placed.created_at),
        }],
        failure_reason: None,
        ready_at: None,
        fulfillment: draft.fulfillment,
        delivery_address: draft.delivery_address.clone(),
        pickup_at: placed.pickup_at.map(pickup_time),
        pickup_until: None,
    }
}

/// One step of an order's history (`None`: a status this version does not know).
fn history_entry(status: &str, note: Option<String>, at: DateTime<Utc>) -> Option<StatusChange> {
    Some(StatusChange {
        status: OrderStatus::parse(status)?,
        note,
        at: wire_time(at),
    })
}

/// The page of `order`, given its lines and history.
fn view_of(
    order: order::Model,
    items: Vec<OrderLine>,
    history: Vec<StatusChange>,
) -> Result<OrderView, StoreError> {
    let Some(status) = OrderStatus::parse(&order.status) else {
        return Err(StoreError::UnknownStatus {
            order_id: order.id,
            status: order.status,
        });
    };
    Ok(OrderView {
        order_id: order.id,
        customer_name: order.customer_name,
        status,
        created_at: wire_time(order.created_at),
        items,
        total: cents_to_price(order.total_cents),
        history,
        failure_reason: order.failure_reason,
        ready_at: order.ready_at.map(wire_time),
        fulfillment: parse_fulfillment(&order.fulfillment),
        delivery_address: order.delivery_address,
        pickup_at: order.pickup_at.map(pickup_time),
        pickup_until: None,
    })
}
