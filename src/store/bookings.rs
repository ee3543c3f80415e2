//! Slot bookings: the counters of slots, days and products' days raised by a guarded UPDATE in
//! the intake transaction (so no slot is oversold by concurrent orders or replicas), what each
//! order booked, given back when it is rejected, cancelled or failed, and what is booked so far.

use std::collections::BTreeSet;

use entity::{booking, order_booking};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter};

use super::StoreError;
use super::rows::insert_in_chunks;
use crate::domain::slots::{Booked, Counter};

/// Books each order's counters, in order; `true` where an order found no room (nothing of it is
/// booked then). The rows are created if missing and, on PostgreSQL, locked in one order first,
/// so concurrent batches wait for each other instead of deadlocking.
pub async fn book_all(
    conn: &impl ConnectionTrait,
    orders: &[&[Counter]],
) -> Result<Vec<bool>, StoreError> {
    let keys: BTreeSet<(&str, &str)> = orders
        .iter()
        .flat_map(|counters| counters.iter().map(|c| (c.scope.as_str(), c.at.as_str())))
        .collect();
    if keys.is_empty() {
        return Ok(vec![false; orders.len()]);
    }
    let mut insert = Query::insert();
    insert
        .into_table(booking::Entity)
        .columns([
            booking::Column::Scope,
            booking::Column::At,
            booking::Column::Orders,
            booking::Column::Items,
        ])
        .on_conflict(
            OnConflict::columns([booking::Column::Scope, booking::Column::At])
                .do_nothing()
                .to_owned(),
        );
    for (scope, at) in &keys {
        insert.values([(*scope).into(), (*at).into(), 0i64.into(), 0i64.into()])?;
    }
    conn.execute(&insert).await?;
    if conn.get_database_backend() == DbBackend::Postgres {
        for (scope, at) in &keys {
            let mut lock = Query::update();
            lock.table(booking::Entity)
                .value(booking::Column::Orders, Expr::col(booking::Column::Orders))
                .and_where(Expr::col(booking::Column::Scope).eq(*scope))
                .and_where(Expr::col(booking::Column::At).eq(*at));
            conn.execute(&lock).await?;
        }
    }
    let mut refused = Vec::with_capacity(orders.len());
    for counters in orders {
        let mut done = 0;
        for counter in counters.iter() {
            if !raise(conn, counter, 1).await? {
                break;
            }
            done += 1;
        }
        if done < counters.len() {
            for counter in &counters[..done] {
                raise(conn, counter, -1).await?;
            }
        }
        refused.push(done < counters.len());
    }
    Ok(refused)
}

/// Adds `sign` times the counter's orders and items, only within its limits when adding.
async fn raise(
    conn: &impl ConnectionTrait,
    counter: &Counter,
    sign: i64,
) -> Result<bool, StoreError> {
    let (orders, items) = (counter.orders * sign, counter.items * sign);
    let mut update = Query::update();
    update
        .table(booking::Entity)
        .value(
            booking::Column::Orders,
            Expr::col(booking::Column::Orders).add(orders),
        )
        .value(
            booking::Column::Items,
            Expr::col(booking::Column::Items).add(items),
        )
        .and_where(Expr::col(booking::Column::Scope).eq(counter.scope.as_str()))
        .and_where(Expr::col(booking::Column::At).eq(counter.at.as_str()));
    if sign > 0 {
        if let Some(max) = counter.max_orders {
            update.and_where(Expr::col(booking::Column::Orders).add(orders).lte(max));
        }
        if let Some(max) = counter.max_items {
            update.and_where(Expr::col(booking::Column::Items).add(items).lte(max));
        }
    }
    Ok(conn.execute(&update).await?.rows_affected() == 1)
}

/// Remembers what order `order_id` booked.
pub async fn remember(
    conn: &impl ConnectionTrait,
    booked: &[(i64, &[Counter])],
) -> Result<(), StoreError> {
    let rows: Vec<order_booking::ActiveModel> = booked
        .iter()
        .flat_map(|(order_id, counters)| {
            counters.iter().map(|c| order_booking::ActiveModel {
                id: NotSet,
                order_id: Set(*order_id),
                scope: Set(c.scope.clone()),
                at: Set(c.at.clone()),
                orders: Set(c.orders),
                items: Set(c.items),
            })
        })
        .collect();
    insert_in_chunks(conn, rows).await.map_err(StoreError::from)
}

/// Takes back counters booked for an order that was not written after all (its idempotency key
/// was stored before).
pub async fn unbook(conn: &impl ConnectionTrait, counters: &[Counter]) -> Result<(), StoreError> {
    for counter in counters {
        raise(conn, counter, -1).await?;
    }
    Ok(())
}

/// Gives back what the orders `ids` booked (they were rejected, cancelled or failed); an order
/// gives back once.
pub async fn give_back(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let held = order_booking::Entity::find()
        .filter(super::one_of(conn, order_booking::Column::OrderId, ids))
        .all(conn)
        .await?;
    if held.is_empty() {
        return Ok(());
    }
    let mut sorted = held.clone();
    sorted.sort_by(|a, b| (&a.scope, &a.at).cmp(&(&b.scope, &b.at)));
    for row in &sorted {
        let counter = Counter {
            scope: row.scope.clone(),
            at: row.at.clone(),
            orders: row.orders,
            items: row.items,
            max_orders: None,
            max_items: None,
        };
        raise(conn, &counter, -1).await?;
    }
    order_booking::Entity::delete_many()
        .filter(order_booking::Column::Id.is_in(held.iter().map(|r| r.id)))
        .exec(conn)
        .await?;
    Ok(())
}

/// What is booked under `scopes` with keys from `from` up to (not including) `to`.
pub async fn booked(
    conn: &impl ConnectionTrait,
    scopes: &[String],
    from: &str,
    to: &str,
) -> Result<Booked, StoreError> {
    let rows = booking::Entity::find()
        .filter(booking::Column::Scope.is_in(scopes.iter().map(String::as_str)))
        .filter(booking::Column::At.gte(from))
        .filter(booking::Column::At.lt(to))
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ((r.scope, r.at), (r.orders, r.items)))
        .collect())
}
