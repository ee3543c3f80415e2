//! Oven leases: which worker process bakes which `processing` order, and taking over the orders of
//! a worker that is gone.
//!
//! A worker keeps one row in `oven_leases` (its id and how long its lease runs) and renews it every
//! sweep while it lives; each order it starts records it in `orders.lease_owner`. A worker whose
//! lease has run out is gone (killed, scaled away, cut off): the first other worker to delete its
//! row — one statement, one winner — takes its `processing` orders over in the same transaction
//! and bakes them. A worker that was only slow renews its row again; the orders taken from it are
//! finished by whoever comes first, the moves being guarded.

use std::time::Duration;

use bakery_wire::OrderStatus;
use chrono::{DateTime, Utc};
use entity::{order, oven_lease};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::StoreError;
use super::moves::for_no_key_update;

/// An order a worker has taken into its oven: when it is baked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Baking {
    pub order_id: i64,
    pub ready_at: DateTime<Utc>,
}

/// A new worker id: the host, the process id and a random part (two processes never share one).
pub fn new_oven_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".into());
    let random = uuid::Uuid::new_v4().simple().to_string();
    let mut id = format!("{host}-{}-{}", std::process::id(), &random[..12]);
    id.truncate(128);
    id
}

/// Registers the worker `oven`, or renews its lease: it runs until now + `lease`.
pub async fn renew(db: &DatabaseConnection, oven: &str, lease: Duration) -> Result<(), StoreError> {
    let now = Utc::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    oven_lease::Entity::insert(oven_lease::ActiveModel {
        owner: Set(oven.to_owned()),
        lease_until: Set(until),
        started_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(oven_lease::Column::Owner)
            .update_column(oven_lease::Column::LeaseUntil)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Ends the lease of `oven` now (a worker shutting down): other workers take its baking orders
/// over at their next sweep.
pub async fn release(db: &DatabaseConnection, oven: &str) -> Result<(), StoreError> {
    oven_lease::Entity::update_many()
        .col_expr(oven_lease::Column::LeaseUntil, Expr::value(Utc::now()))
        .filter(oven_lease::Column::Owner.eq(oven))
        .exec(db)
        .await?;
    Ok(())
}

/// What `oven` takes when it (re)starts: the `processing` orders it owns already (an actor
/// restart), those nobody owns (started before leases existed) and, when `every_order` (the
/// embedded shape, where no other worker can be), all of them.
pub async fn claim_at_start(
    db: &DatabaseConnection,
    oven: &str,
    every_order: bool,
) -> Result<Vec<Baking>, StoreError> {
    let mut query =
        order::Entity::find().filter(order::Column::Status.eq(OrderStatus::Processing.as_str()));
    if !every_order {
        query = query.filter(
            order::Column::LeaseOwner
                .is_null()
                .or(order::Column::LeaseOwner.eq(oven)),
        );
    }
    let write = super::begin_write(db).await?;
    let orders = re_own(&*write, query, oven).await?;
    write.commit().await?;
    Ok(orders)
}

/// Takes over the `processing` orders of every worker whose lease has run out (not `oven`'s
/// own); each gone worker's row is deleted and its orders re-owned in one transaction, so exactly
/// one worker takes them. Returns the orders taken, to bake.
pub async fn take_over_orphans(
    db: &DatabaseConnection,
    oven: &str,
) -> Result<Vec<Baking>, StoreError> {
    let now = Utc::now();
    let gone: Vec<String> = oven_lease::Entity::find()
        .filter(oven_lease::Column::LeaseUntil.lt(now))
        .filter(oven_lease::Column::Owner.ne(oven))
        .all(db)
        .await?
        .into_iter()
        .map(|lease| lease.owner)
        .collect();
    let mut taken = Vec::new();
    for owner in gone {
        let write = super::begin_write(db).await?;
        let won = oven_lease::Entity::delete_many()
            .filter(oven_lease::Column::Owner.eq(owner.as_str()))
            .filter(oven_lease::Column::LeaseUntil.lt(now))
            .exec(&*write)
            .await?;
        if won.rows_affected == 0 {
            write.rollback().await?;
            continue;
        }
        let query = order::Entity::find()
            .filter(order::Column::Status.eq(OrderStatus::Processing.as_str()))
            .filter(order::Column::LeaseOwner.eq(owner.as_str()));
        let orders = re_own(&*write, query, oven).await?;
        write.commit().await?;
        if !orders.is_empty() {
            tracing::warn!(
                actor = "oven",
                gone = %owner,
                orders = orders.len(),
                "taking over the baking orders of a worker whose lease ran out"
            );
        }
        taken.extend(orders);
    }
    Ok(taken)
}

/// Makes `oven` the owner of the orders `query` finds (locked in id order on PostgreSQL, as
/// every batch of moves locks them), and returns them.
async fn re_own(
    conn: &impl ConnectionTrait,
    query: sea_orm::Select<order::Entity>,
    oven: &str,
) -> Result<Vec<Baking>, StoreError> {
    let query = query
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::ReadyAt)
        .order_by_asc(order::Column::Id);
    let found: Vec<(i64, Option<DateTime<Utc>>)> = for_no_key_update(conn, query)
        .into_tuple()
        .all(conn)
        .await?;
    let now = Utc::now();
    for chunk in found.chunks(1000) {
        let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        order::Entity::update_many()
            .col_expr(order::Column::LeaseOwner, Expr::value(oven))
            .filter(super::one_of(conn, order::Column::Id, &ids))
            .filter(order::Column::Status.eq(OrderStatus::Processing.as_str()))
            .exec(conn)
            .await?;
    }
    Ok(found
        .into_iter()
        .map(|(order_id, ready_at)| Baking {
            order_id,
            ready_at: ready_at.unwrap_or(now),
        })
        .collect())
}
