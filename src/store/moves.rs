//! Guarded status moves: many orders moved in the caller's transaction with a fixed handful of
//! statements, their history events and the customers' notifications written alongside.

use std::collections::{HashMap, HashSet};

use bakery_wire::{OrderStatus, StatusChange};
use chrono::{DateTime, Utc};
use entity::{order, order_event};
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::StoreError;
use super::rows::{insert_in_chunks, insert_returning_ids, parse_fulfillment};
use super::{notifications, wire_time};
use crate::domain::{Move, Moved, MovedFields};

/// The orders with these ids, by id; on PostgreSQL their rows stay locked (in id order, so two
/// batches cannot deadlock) until the caller's transaction ends. The lock is `FOR NO KEY UPDATE`,
/// the one an UPDATE of a non-key column takes: inserts whose foreign keys point at these rows
/// (new lines, events) are not held up by it, so they cannot deadlock with it either.
pub async fn lock_orders(
    conn: &impl ConnectionTrait,
    ids: &[i64],
) -> Result<HashMap<i64, order::Model>, StoreError> {
    let query = order::Entity::find()
        .filter(super::one_of(conn, order::Column::Id, ids))
        .order_by_asc(order::Column::Id);
    let found = for_no_key_update(conn, query).all(conn).await?;
    Ok(found.into_iter().map(|o| (o.id, o)).collect())
}

/// `query` with the rows it finds locked `FOR NO KEY UPDATE` on PostgreSQL (on SQLite the
/// transaction holds the write lock already).
pub(super) fn for_no_key_update<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    query: sea_orm::Select<E>,
) -> sea_orm::Select<E> {
    if conn.get_database_backend() == DbBackend::Postgres {
        query.lock(LockType::NoKeyUpdate)
    } else {
        query
    }
}

/// Applies guarded moves together in the caller's transaction; each answer is `None` when its
/// order is not (or no longer) in any of its `from`. An order named twice moves at most once.
pub async fn move_orders(
    conn: &impl ConnectionTrait,
    moves: Vec<Move>,
) -> Result<Vec<Option<Moved>>, StoreError> {
    let ids: Vec<i64> = moves.iter().map(|m| m.order_id).collect();
    let orders = lock_orders(conn, &ids).await?;
    apply_moves(conn, moves, &orders).await
}

/// [`move_orders`] on orders the caller has looked up (and locked) already.
pub async fn apply_moves(
    conn: &impl ConnectionTrait,
    moves: Vec<Move>,
    orders: &HashMap<i64, order::Model>,
) -> Result<Vec<Option<Moved>>, StoreError> {
    if let Some(bad) = moves.iter().find(|m| !m.is_allowed()) {
        return Err(StoreError::NoSuchMove(format!(
            "{:?} -> {}",
            bad.from, bad.to
        )));
    }
    let now = Utc::now();
    let mut moved_ids = HashSet::new();
    let applies: Vec<bool> = moves
        .iter()
        .map(|mv| {
            let status = orders
                .get(&mv.order_id)
                .and_then(|o| OrderStatus::parse(&o.status));
            status.is_some_and(|s| mv.from.contains(&s)) && moved_ids.insert(mv.order_id)
        })
        .collect();
    // One UPDATE per distinct change (the same `to`, note, reason, time and attempts).
    let mut groups: Vec<(&Move, Vec<i64>)> = Vec::new();
    for (mv, _) in moves.iter().zip(&applies).filter(|(_, a)| **a) {
        match groups.iter_mut().find(|(first, _)| same_change(first, mv)) {
            Some((_, ids)) => ids.push(mv.order_id),
            None => groups.push((mv, vec![mv.order_id])),
        }
    }
    // By id alone: the rows are locked and their statuses were read under the lock. (A status
    // filter here had PostgreSQL's cached plan, made while the table was empty, walk the status
    // index through every open order.)
    for (change, ids) in &groups {
        let expected = ids.len() as u64;
        let updated = update_for(change, now)
            .filter(super::one_of(conn, order::Column::Id, ids))
            .exec(conn)
            .await?;
        if updated.rows_affected != expected {
            return Err(StoreError::MovedUnderLock {
                moved: updated.rows_affected,
                expected,
            });
        }
    }
    // A rejected, cancelled or failed order gives back the slot it booked.
    let ended: Vec<i64> = groups
        .iter()
        .filter(|(change, _)| {
            matches!(
                change.to,
                OrderStatus::Rejected | OrderStatus::Cancelled | OrderStatus::Failed
            )
        })
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    super::bookings::give_back(conn, &ended).await?;
    let applied: Vec<&Move> = moves
        .iter()
        .zip(&applies)
        .filter(|(_, a)| **a)
        .map(|(m, _)| m)
        .collect();
    let events: Vec<order_event::ActiveModel> = applied
        .iter()
        .map(|mv| order_event::ActiveModel {
            id: NotSet,
            order_id: Set(mv.order_id),
            status: Set(mv.to.as_str().to_owned()),
            note: Set(mv.note.clone()),
            at: Set(now),
        })
        .collect();
    let pg = conn.get_database_backend() == DbBackend::Postgres;
    let event_ids = if pg {
        super::arrays_pg::insert_events(conn, &events).await?
    } else {
        insert_returning_ids(conn, events).await?
    };
    // The customers' notifications, in the same transaction: they exist exactly when the moves do
    // (and someone listens: on PostgreSQL the INSERT asks, here SQLite is asked first).
    let mut rows = Vec::with_capacity(applied.len());
    let wanted = pg || notifications::wanted(conn).await?;
    for (mv, event_id) in applied.iter().zip(&event_ids).filter(|_| wanted) {
        if let Some(order) = orders.get(&mv.order_id) {
            let recipient = notifications::Recipient {
                order_id: order.id,
                customer_name: &order.customer_name,
                customer_email: &order.customer_email,
                fulfillment: parse_fulfillment(&order.fulfillment),
                total_cents: order.total_cents,
                items: Vec::new(),
            };
            let note = mv.note.as_deref();
            rows.push(notifications::outbox_row(
                *event_id, &recipient, mv.to, note, now,
            )?);
        }
    }
    // All or none of them are written (on PostgreSQL the INSERT asks whether anyone listens).
    let notified = if pg {
        super::arrays_pg::insert_notifications(conn, &rows).await? > 0
    } else {
        let any = !rows.is_empty();
        insert_in_chunks(conn, rows).await?;
        any
    };
    let at = wire_time(now);
    Ok(moves
        .into_iter()
        .zip(applies)
        .map(|(mv, applies)| {
            applies.then(|| Moved {
                order_id: mv.order_id,
                from: orders
                    .get(&mv.order_id)
                    .and_then(|o| OrderStatus::parse(&o.status)),
                outbox_rows: u32::from(notified),
                change: StatusChange {
                    status: mv.to,
                    note: mv.note,
                    at: at.clone(),
                },
                fields: Some(MovedFields {
                    ready_at: mv.ready_at.map(wire_time),
                    failure_reason: mv.failure_reason,
                    clear_reason: mv.clear_reason,
                }),
            })
        })
        .collect())
}

fn same_change(a: &Move, b: &Move) -> bool {
    a.from == b.from
        && a.to == b.to
        && a.note == b.note
        && a.failure_reason == b.failure_reason
        && a.ready_at == b.ready_at
        && a.attempts == b.attempts
        && a.clear_reason == b.clear_reason
        && a.lease_owner == b.lease_owner
        && a.start_at == b.start_at
}

/// The UPDATE that makes `change` (without its WHERE).
fn update_for(change: &Move, now: chrono::DateTime<Utc>) -> sea_orm::UpdateMany<order::Entity> {
    let mut update = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(change.to.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now));
    if let Some(reason) = &change.failure_reason {
        update = update.col_expr(order::Column::FailureReason, Expr::value(reason.as_str()));
    }
    if change.clear_reason {
        update = update.col_expr(order::Column::FailureReason, Expr::value(None::<String>));
    }
    if let Some(ready_at) = change.ready_at {
        update = update.col_expr(order::Column::ReadyAt, Expr::value(ready_at));
    }
    if let Some(attempts) = change.attempts {
        update = update.col_expr(order::Column::Attempts, Expr::value(attempts));
    }
    if let Some(oven) = &change.lease_owner {
        update = update.col_expr(order::Column::LeaseOwner, Expr::value(oven.as_str()));
    }
    if let Some(start_at) = change.start_at {
        update = update.col_expr(order::Column::StartAt, Expr::value(start_at));
    } else if change.from.contains(&OrderStatus::Scheduled) {
        // Off the kitchen's clock (a NULL left NULL keeps the update in place on PostgreSQL).
        update = update.col_expr(order::Column::StartAt, Expr::value(None::<DateTime<Utc>>));
    }
    update
}

/// Applies a guarded move and writes its `order_events` row and the customer's notification;
/// `None` when the order was not in any of `from` (someone else moved it first, or it does not
/// exist). The batch of one of [`move_orders`].
pub async fn move_order(
    conn: &impl ConnectionTrait,
    mv: Move,
) -> Result<Option<Moved>, StoreError> {
    Ok(move_orders(conn, vec![mv]).await?.pop().flatten())
}

/// Applies a guarded move in a transaction of its own.
pub async fn move_order_now(
    db: &DatabaseConnection,
    mv: Move,
) -> Result<Option<Moved>, StoreError> {
    let write = super::begin_write(db).await?;
    let txn = &*write;
    let moved = move_order(txn, mv).await?;
    write.commit().await?;
    Ok(moved)
}

/// Gives an order up after its last attempt: any unsettled status → `failed`, with the reason.
pub async fn mark_failed(
    db: &DatabaseConnection,
    order_id: i64,
    attempts: u32,
    reason: &str,
) -> Result<Option<Moved>, StoreError> {
    let give_up = Move::new(
        order_id,
        &[OrderStatus::Pending, OrderStatus::Processing],
        OrderStatus::Failed,
    )
    .because(reason)
    .attempts(attempts);
    move_order_now(db, give_up).await
}
