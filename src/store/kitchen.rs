//! The kitchen's batched moves: many orders into the oven, or out of it, in one transaction each.
//!
//! A batch costs a fixed handful of statements whatever its size: one look-up of the orders
//! (rows locked on PostgreSQL, the write lock held on SQLite), one UPDATE per distinct change,
//! one multi-row INSERT each for the history events and the customers' notifications, and for
//! starts one look-up of the lines, one of the products (locked) and one UPDATE per product.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::Duration;

use bakery_wire::{Fulfillment, OrderStatus};
use chrono::{DateTime, Utc};
use entity::{order, order_item, product};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};

use super::StoreError;
use super::moves::{apply_moves, for_no_key_update, lock_orders};
use super::rows::parse_fulfillment;
use super::wire_time;
use crate::domain::schedule::start_time;
use crate::domain::{Move, Moved};

/// What trying to start an order came to.
#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    /// Stock is reserved and the order is in the oven until `ready_at`.
    Baking {
        moved: Moved,
        ready_at: DateTime<Utc>,
    },
    /// Stock is reserved and the order waits for its start time (its slot less the preparation
    /// time), stored in `orders.start_at`.
    Scheduled {
        moved: Moved,
        start_at: DateTime<Utc>,
    },
    /// Some line could not be served; nothing was taken.
    Rejected { moved: Moved },
    /// The order was no longer pending (a duplicate delivery): nothing done.
    Skipped(OrderStatus),
    /// No order has this id.
    Unknown,
}

/// One order to start: its id and which try this is (1 for the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    pub order_id: i64,
    pub attempt: u32,
}

/// Starts pending orders together: in the given order, each whose lines all fit in the stock
/// left moves to `processing` (stock taken, in the oven of worker `oven` until now +
/// `prep_time`) or, when its slot less `prep_time` is still to come, to `scheduled` (stock
/// taken, its start time stored); one that does not fit is `rejected` with the reason and takes
/// nothing. Answers follow `starts`.
pub async fn start_orders(
    db: &DatabaseConnection,
    starts: &[Start],
    prep_time: Duration,
    oven: &str,
) -> Result<Vec<StartOutcome>, StoreError> {
    let prep = chrono::Duration::from_std(prep_time).unwrap_or_default();
    let started = Utc::now();
    let ready_at = started + prep;
    let write = super::begin_write(db).await?;
    let txn = &*write;
    let ids: Vec<i64> = starts.iter().map(|s| s.order_id).collect();
    let orders = lock_orders(txn, &ids).await?;
    let is_pending =
        |id: &i64| orders.get(id).map(|o| o.status.as_str()) == Some(OrderStatus::Pending.as_str());
    let pending: Vec<i64> = ids.iter().copied().filter(is_pending).collect();
    let mut lines: HashMap<i64, Vec<order_item::Model>> = HashMap::new();
    for item in order_item::Entity::find()
        .filter(super::one_of(txn, order_item::Column::OrderId, &pending))
        .order_by_asc(order_item::Column::ProductId)
        .order_by_asc(order_item::Column::Id)
        .all(txn)
        .await?
    {
        lines.entry(item.order_id).or_default().push(item);
    }
    let product_ids: Vec<i64> = lines
        .values()
        .flatten()
        .map(|i| i.product_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut stock = lock_stock(txn, &product_ids).await?;
    let mut taken: BTreeMap<i64, i64> = BTreeMap::new();
    let note = format!("in the oven until {}", wire_time(ready_at));
    let mut moves = Vec::with_capacity(starts.len());
    let mut seen = HashSet::new();
    for start in starts {
        // Only the first mention of a pending order counts (a duplicate delivery is skipped).
        if !seen.insert(start.order_id) || !is_pending(&start.order_id) {
            continue;
        }
        let order_lines = lines.get(&start.order_id).map(Vec::as_slice).unwrap_or(&[]);
        let start_at = orders
            .get(&start.order_id)
            .and_then(|o| o.pickup_at)
            .map(|pickup_at| start_time(pickup_at, prep))
            .filter(|start_at| *start_at > started);
        let mv = match short_line(order_lines, &stock) {
            None => {
                for line in order_lines {
                    *stock.entry(line.product_id).or_default() -= line.quantity;
                    *taken.entry(line.product_id).or_default() += line.quantity;
                }
                if let Some(start_at) = start_at {
                    moves.push(
                        Move::new(
                            start.order_id,
                            &[OrderStatus::Pending],
                            OrderStatus::Scheduled,
                        )
                        .note(format!("baking starts at {}", wire_time(start_at)))
                        .starting_at(start_at)
                        .attempts(start.attempt),
                    );
                    continue;
                }
                Move::new(
                    start.order_id,
                    &[OrderStatus::Pending],
                    OrderStatus::Processing,
                )
                .note(note.clone())
                .ready_at(ready_at)
                .attempts(start.attempt)
                .leased_to(oven)
            }
            Some((line, left)) => {
                let reason = format!(
                    "not enough {} in stock: {} ordered, {left} left",
                    line.product_name, line.quantity
                );
                Move::new(
                    start.order_id,
                    &[OrderStatus::Pending],
                    OrderStatus::Rejected,
                )
                .because(reason)
            }
        };
        moves.push(mv);
    }
    let now = Utc::now();
    for (product_id, quantity) in &taken {
        product::Entity::update_many()
            .col_expr(
                product::Column::Stock,
                Expr::col(product::Column::Stock).sub(*quantity),
            )
            .col_expr(product::Column::UpdatedAt, Expr::value(now))
            .filter(product::Column::Id.eq(*product_id))
            .exec(txn)
            .await?;
    }
    let mut moved: HashMap<i64, Moved> = apply_moves(txn, moves, &orders)
        .await?
        .into_iter()
        .flatten()
        .map(|m| (m.order_id, m))
        .collect();
    write.commit().await?;
    let mut status: HashMap<i64, OrderStatus> = orders
        .values()
        .filter_map(|o| Some((o.id, OrderStatus::parse(&o.status)?)))
        .collect();
    status.extend(moved.values().map(|m| (m.order_id, m.change.status)));
    Ok(starts
        .iter()
        .map(|start| match moved.remove(&start.order_id) {
            Some(m) if m.change.status == OrderStatus::Processing => {
                StartOutcome::Baking { moved: m, ready_at }
            }
            Some(m) if m.change.status == OrderStatus::Scheduled => {
                let start_at = orders
                    .get(&start.order_id)
                    .and_then(|o| o.pickup_at)
                    .map_or(ready_at, |pickup_at| start_time(pickup_at, prep));
                StartOutcome::Scheduled { moved: m, start_at }
            }
            Some(m) => StartOutcome::Rejected { moved: m },
            None => match status.get(&start.order_id) {
                Some(now) => StartOutcome::Skipped(*now),
                None => StartOutcome::Unknown,
            },
        })
        .collect())
}

/// The stock of these products, by id; on PostgreSQL locked in id order until the end of the
/// transaction (the same order every start and cancel takes them in), `FOR NO KEY UPDATE` so
/// that new orders, whose lines reference the products, are placed meanwhile.
async fn lock_stock(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<BTreeMap<i64, i64>, StoreError> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let query = product::Entity::find()
        .filter(super::one_of(conn, product::Column::Id, ids))
        .order_by_asc(product::Column::Id);
    let found = for_no_key_update(conn, query).all(conn).await?;
    Ok(found.into_iter().map(|p| (p.id, p.stock)).collect())
}

/// The first line (in product order) the stock cannot serve, with how much is left of it.
fn short_line<'a>(
    lines: &'a [order_item::Model],
    stock: &BTreeMap<i64, i64>,
) -> Option<(&'a order_item::Model, i64)> {
    let mut want: BTreeMap<i64, i64> = BTreeMap::new();
    for line in lines {
        let left = stock.get(&line.product_id).copied().unwrap_or(0);
        let wanted = want.entry(line.product_id).or_default();
        *wanted += line.quantity;
        if *wanted > left {
            return Some((line, left));
        }
    }
    None
}

/// The `scheduled` orders whose start time is at or before `until`, earliest first (at most
/// `most`): `(order id, start time)`.
pub async fn scheduled_until(
    db: &DatabaseConnection,
    until: DateTime<Utc>,
    most: u64,
) -> Result<Vec<(i64, DateTime<Utc>)>, StoreError> {
    use sea_orm::QuerySelect;
    let found: Vec<(i64, Option<DateTime<Utc>>)> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::StartAt)
        .filter(order::Column::StartAt.lte(until))
        .filter(order::Column::Status.eq(OrderStatus::Scheduled.as_str()))
        .order_by_asc(order::Column::StartAt)
        .limit(most)
        .into_tuple()
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .filter_map(|(id, at)| Some((id, at?)))
        .collect())
}

/// Puts scheduled orders whose start time has come into the oven of worker `oven` together:
/// each still `scheduled` moves to `processing`, in the oven until now + `prep_time`. The move
/// is guarded, so of several workers trying, one moves each order. Returns the moves made and
/// the end of their baking.
pub async fn start_scheduled(
    db: &DatabaseConnection,
    ids: &[i64],
    prep_time: Duration,
    oven: &str,
) -> Result<(Vec<Moved>, DateTime<Utc>), StoreError> {
    let now = Utc::now();
    let ready_at = now + chrono::Duration::from_std(prep_time).unwrap_or_default();
    let write = super::begin_write(db).await?;
    let txn = &*write;
    let orders = lock_orders(txn, ids).await?;
    let note = format!("in the oven until {}", wire_time(ready_at));
    let moves = ids
        .iter()
        .filter_map(|id| orders.get(id))
        .filter(|o| o.start_at.is_some_and(|at| at <= now))
        .map(|o| {
            Move::new(o.id, &[OrderStatus::Scheduled], OrderStatus::Processing)
                .note(note.clone())
                .ready_at(ready_at)
                .leased_to(oven)
        })
        .collect();
    let moved = apply_moves(txn, moves, &orders).await?;
    write.commit().await?;
    Ok((moved.into_iter().flatten().collect(), ready_at))
}

/// Takes baked orders out of the oven together: each still `processing` becomes `ready` (for
/// pickup or for delivery). Returns the moves that happened.
pub async fn mark_ready(db: &DatabaseConnection, ids: &[i64]) -> Result<Vec<Moved>, StoreError> {
    let write = super::begin_write(db).await?;
    let txn = &*write;
    let orders = lock_orders(txn, ids).await?;
    let moves = ids
        .iter()
        .filter_map(|id| orders.get(id))
        .map(|order| {
            let note = if parse_fulfillment(&order.fulfillment) == Fulfillment::Delivery {
                "ready for delivery"
            } else {
                "ready for pickup"
            };
            Move::new(order.id, &[OrderStatus::Processing], OrderStatus::Ready).note(note)
        })
        .collect();
    let moved = apply_moves(txn, moves, &orders).await?;
    write.commit().await?;
    Ok(moved.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: i64, product_id: i64, quantity: i64) -> order_item::Model {
        order_item::Model {
            id,
            order_id: 1,
            product_id,
            product_name: format!("product {product_id}"),
            quantity,
            unit_price_cents: 100,
            options: None,
            inscription: None,
        }
    }

    #[test]
    fn a_line_is_short_when_the_order_wants_more_than_is_left() {
        let stock = BTreeMap::from([(1, 5), (2, 3)]);
        assert!(short_line(&[line(1, 1, 5), line(2, 2, 3)], &stock).is_none());
        let lines = [line(1, 1, 2), line(2, 2, 4)];
        let (short, left) = short_line(&lines, &stock).unwrap();
        assert_eq!((short.product_id, left), (2, 3));
        // Two lines of the same product count together.
        let lines = [line(1, 1, 3), line(2, 1, 3)];
        assert_eq!(short_line(&lines, &stock).unwrap().0.id, 2);
        // A product the shop does not have is short.
        assert_eq!(short_line(&[line(1, 9, 1)], &stock).unwrap().1, 0);
    }
}
