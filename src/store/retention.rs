//! What the bakery forgets, and when: idempotency keys after a day, published outbox rows and
//! delivered notifications after some days, staff sessions once they are over.
//!
//! [`sweep`] deletes (or, for an order's idempotency key, clears) what is older than its
//! [`Retention`], each kind in one short write transaction; orders, their history, audit rows and
//! dead or pending notifications are never touched.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{notification_delivery, order, outbox, staff_session};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::StoreError;
use super::deliveries::DELIVERED;

/// How long each kind of record is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// An order's `Idempotency-Key` (and the hash of its request) after the order was placed.
    pub idempotency_keys: Duration,
    /// An outbox row after it was published, once none of its notifications is still to deliver.
    pub published_outbox: Duration,
    /// A delivered notification's record after its delivery.
    pub delivered_notifications: Duration,
    /// A database staff session after its last use (with the idle timeout) or its end of life.
    pub session_idle_timeout: Duration,
}

/// How many records one sweep forgot, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub idempotency_keys: u64,
    pub outbox_rows: u64,
    pub notifications: u64,
    pub sessions: u64,
}

/// Forgets what `retention` no longer keeps, as of `now`.
pub async fn sweep(
    db: &DatabaseConnection,
    retention: &Retention,
    now: DateTime<Utc>,
) -> Result<Swept, StoreError> {
    let before =
        |kept: Duration| now - chrono::Duration::from_std(kept).unwrap_or(chrono::Duration::MAX);
    let mut swept = Swept::default();

    let write = super::begin_write(db).await?;
    swept.idempotency_keys = order::Entity::update_many()
        .col_expr(
            order::Column::IdempotencyKey,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            order::Column::RequestHash,
            Expr::value(Option::<String>::None),
        )
        .filter(order::Column::IdempotencyKey.is_not_null())
        .filter(order::Column::CreatedAt.lt(before(retention.idempotency_keys)))
        .exec(&*write)
        .await?
        .rows_affected;
    write.commit().await?;

    // Delivered records first: an outbox row goes once no delivery of it is left.
    let write = super::begin_write(db).await?;
    swept.notifications = notification_delivery::Entity::delete_many()
        .filter(notification_delivery::Column::Status.eq(DELIVERED))
        .filter(
            notification_delivery::Column::DeliveredAt
                .lt(before(retention.delivered_notifications)),
        )
        .exec(&*write)
        .await?
        .rows_affected;
    write.commit().await?;

    let write = super::begin_write(db).await?;
    let any_delivery = Query::select()
        .expr(Expr::val(1))
        .from(notification_delivery::Entity)
        .and_where(
            Expr::col((
                notification_delivery::Entity,
                notification_delivery::Column::OutboxId,
            ))
            .equals((outbox::Entity, outbox::Column::Id)),
        )
        .to_owned();
    swept.outbox_rows = outbox::Entity::delete_many()
        .filter(outbox::Column::PublishedAt.lt(before(retention.published_outbox)))
        .filter(Expr::exists(any_delivery).not())
        .exec(&*write)
        .await?
        .rows_affected;
    write.commit().await?;

    let write = super::begin_write(db).await?;
    swept.sessions = staff_session::Entity::delete_many()
        .filter(
            staff_session::Column::ExpiresAt
                .lt(now)
                .or(staff_session::Column::LastSeenAt.lt(before(retention.session_idle_timeout)))
                .or(staff_session::Column::LastSeenAt.is_null().and(
                    staff_session::Column::CreatedAt.lt(before(retention.session_idle_timeout)),
                )),
        )
        .exec(&*write)
        .await?
        .rows_affected;
    write.commit().await?;
    Ok(swept)
}

/// Sweeps every `every`, for as long as the process runs.
pub async fn keep_tidy(db: DatabaseConnection, retention: Retention, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match sweep(&db, &retention, Utc::now()).await {
            Ok(swept) if swept != Swept::default() => tracing::info!(
                idempotency_keys = swept.idempotency_keys,
                outbox_rows = swept.outbox_rows,
                notifications = swept.notifications,
                sessions = swept.sessions,
                "retention: forgot old records"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "retention sweep failed; tried again later"),
        }
    }
}
