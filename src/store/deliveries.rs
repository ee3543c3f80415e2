//! Notification deliveries: one notification to one channel (an e-mail, or a webhook endpoint), each with its own tries, next-try time, last error and state.
//!
//! A round of the notifier makes the deliveries of new notifications ([`fan_out`]), takes the
//! pending ones that are due ([`claim_due`]: counted as tried and moved out of reach for a while,
//! in a short transaction), sends them with no transaction open, and writes each outcome
//! ([`record`]). A failing or dead delivery never holds another back.

use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::{notification_delivery, outbox, webhook_endpoint};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockBehavior, LockType, OnConflict, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::StoreError;
use super::notifications::{EMAIL, Outgoing, TOPIC, WEBHOOK};

/// Waiting for its next try.
pub const PENDING: &str = "pending";
/// Taken by its receiver.
pub const DELIVERED: &str = "delivered";
/// Given up: a permanent failure or too many tries. Staff may set it pending again.
pub const DEAD: &str = "dead";

/// A delivery that is due, with what sending it needs.
#[derive(Debug, Clone)]
pub struct Due {
    /// The row as claimed (its `attempts` already counts this try).
    pub delivery: notification_delivery::Model,
    /// The notification's JSON (the webhook body).
    pub payload: String,
    /// The endpoint of a webhook delivery (`None`: removed for good or unknown).
    pub endpoint: Option<webhook_endpoint::Model>,
}

/// What came of one try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Failed; tried again at `at`.
    Retry {
        error: String,
        at: DateTime<Utc>,
    },
    /// Failed for good.
    Dead {
        error: String,
    },
    /// Not sent (an earlier delivery to the same receiver just failed): back to pending, due at
    /// `at`, this try not counted.
    Later {
        at: DateTime<Utc>,
    },
}

/// Makes the deliveries of up to `limit` new notification outbox rows — one per active webhook
/// endpoint, and one e-mail while a process sends e-mail — and marks the rows done, all in one
/// short transaction. Returns how many rows were taken.
pub async fn fan_out(db: &DatabaseConnection, limit: u64) -> Result<usize, StoreError> {
    // A plain read first: an idle round takes no write transaction (on SQLite, no write gate).
    if super::outbox::take_unpublished(db, TOPIC, 1)
        .await?
        .is_empty()
    {
        return Ok(0);
    }
    let write = super::begin_write(db).await?;
    let rows = super::outbox::take_unpublished(&*write, TOPIC, limit).await?;
    if rows.is_empty() {
        write.rollback().await?;
        return Ok(0);
    }
    let endpoints = super::notifications::active_endpoints(&*write).await?;
    let email = email_registered(&*write).await?;
    let now = Utc::now();
    let mut deliveries = Vec::new();
    for row in &rows {
        let targets = endpoints.iter().map(|e| (WEBHOOK, e.id.to_string()));
        let mut targets: Vec<(&str, String)> = targets.collect();
        if email {
            match Outgoing::parse(&row.payload) {
                Ok(n) => targets.push((EMAIL, n.customer_email().to_owned())),
                Err(err) => {
                    tracing::error!(outbox_id = row.id, error = %err, "unreadable notification; no e-mail");
                }
            }
        }
        deliveries.extend(targets.into_iter().map(|(channel, target)| {
            notification_delivery::ActiveModel {
                id: NotSet,
                outbox_id: Set(row.id),
                channel: Set(channel.to_owned()),
                target: Set(target),
                status: Set(PENDING.to_owned()),
                attempts: Set(0),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                delivered_at: Set(None),
                next_attempt_at: Set(Some(now)),
            }
        }));
    }
    for chunk in deliveries.chunks(500) {
        use notification_delivery::Column as C;
        notification_delivery::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([C::OutboxId, C::Channel, C::Target])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&*write)
            .await?;
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    super::outbox::mark_published(&*write, &ids).await?;
    write.commit().await?;
    Ok(rows.len())
}

/// Whether a process that sends e-mail has registered the channel.
async fn email_registered(conn: &impl ConnectionTrait) -> Result<bool, StoreError> {
    let query = Query::select()
        .expr(Expr::cust("1"))
        .from(Alias::new("notification_channels"))
        .and_where(Expr::col(Alias::new("channel")).eq(EMAIL))
        .to_owned();
    Ok(conn.query_one(&query).await?.is_some())
}

/// Takes up to `limit` pending deliveries of `channels` whose time has come, earliest first: in
/// one short transaction each is counted as tried and its next try put `lease` ahead, so no other
/// round (of this process or a replica) takes it while it is sent; should this process die
/// meanwhile, it is tried again once the lease has passed. On PostgreSQL rows another replica is
/// claiming are skipped.
pub async fn claim_due(
    db: &DatabaseConnection,
    channels: &[&str],
    limit: u64,
    lease: Duration,
) -> Result<Vec<Due>, StoreError> {
    use notification_delivery::Column as C;
    let now = Utc::now();
    let due = || {
        notification_delivery::Entity::find()
            .filter(C::Status.eq(PENDING))
            .filter(C::NextAttemptAt.lte(now))
            .filter(C::Channel.is_in(channels.iter().copied()))
    };
    // A plain read first: an idle round takes no write transaction (on SQLite, no write gate).
    if due().limit(1).all(db).await?.is_empty() {
        return Ok(Vec::new());
    }
    let write = super::begin_write(db).await?;
    let mut query = due()
        .order_by_asc(C::NextAttemptAt)
        .order_by_asc(C::Id)
        .limit(limit);
    if db.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut claimed = query.all(&*write).await?;
    if claimed.is_empty() {
        write.rollback().await?;
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = claimed.iter().map(|d| d.id).collect();
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX);
    notification_delivery::Entity::update_many()
        .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
        .col_expr(C::NextAttemptAt, Expr::value(until))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(super::one_of(&*write, C::Id, &ids))
        .exec(&*write)
        .await?;
    write.commit().await?;
    for d in &mut claimed {
        d.attempts += 1;
        d.next_attempt_at = Some(until);
        d.updated_at = now;
    }
    let outbox_ids: Vec<i64> = claimed.iter().map(|d| d.outbox_id).collect();
    let payloads = outbox::Entity::find()
        .filter(super::one_of(db, outbox::Column::Id, &outbox_ids))
        .all(db)
        .await?;
    let endpoint_ids: Vec<i64> = claimed
        .iter()
        .filter(|d| d.channel == WEBHOOK)
        .filter_map(|d| d.target.parse().ok())
        .collect();
    let endpoints = if endpoint_ids.is_empty() {
        Vec::new()
    } else {
        webhook_endpoint::Entity::find()
            .filter(super::one_of(
                db,
                webhook_endpoint::Column::Id,
                &endpoint_ids,
            ))
            .all(db)
            .await?
    };
    Ok(claimed
        .into_iter()
        .map(|delivery| {
            let payload = payloads
                .iter()
                .find(|p| p.id == delivery.outbox_id)
                .map(|p| p.payload.clone())
                .unwrap_or_default();
            let endpoint = (delivery.channel == WEBHOOK)
                .then(|| {
                    endpoints
                        .iter()
                        .find(|e| e.id.to_string() == delivery.target && e.active)
                        .cloned()
                })
                .flatten();
            Due {
                delivery,
                payload,
                endpoint,
            }
        })
        .collect())
}

/// Writes what came of a try of delivery `id` (only while it is still pending).
pub async fn record(
    conn: &impl ConnectionTrait,
    id: i64,
    outcome: &Outcome,
) -> Result<(), StoreError> {
    use notification_delivery::Column as C;
    let now = Utc::now();
    let mut update = notification_delivery::Entity::update_many()
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(PENDING));
    update = match outcome {
        Outcome::Delivered => update
            .col_expr(C::Status, Expr::value(DELIVERED))
            .col_expr(C::DeliveredAt, Expr::value(now))
            .col_expr(C::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None)),
        Outcome::Retry { error, at } => update
            .col_expr(C::LastError, Expr::value(error.clone()))
            .col_expr(C::NextAttemptAt, Expr::value(*at)),
        Outcome::Dead { error } => update
            .col_expr(C::Status, Expr::value(DEAD))
            .col_expr(C::LastError, Expr::value(error.clone()))
            .col_expr(C::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None)),
        Outcome::Later { at } => update
            .col_expr(C::Attempts, Expr::col(C::Attempts).sub(1))
            .col_expr(C::NextAttemptAt, Expr::value(*at)),
    };
    update.exec(conn).await?;
    Ok(())
}

/// What a staff retry of a delivery found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revived {
    /// It was dead and is pending again, due now.
    Pending,
    /// No delivery has that id.
    NotFound,
    /// It is not dead (pending or delivered): nothing changed.
    NotDead,
}

/// Sets dead delivery `id` pending again, due now with its tries counted afresh, by `actor`, with
/// its audit entry in the same transaction.
pub async fn revive_audited(
    db: &DatabaseConnection,
    id: i64,
    actor: &str,
) -> Result<Revived, StoreError> {
    use notification_delivery::Column as C;
    let write = super::begin_write(db).await?;
    let Some(found) = notification_delivery::Entity::find_by_id(id)
        .one(&*write)
        .await?
    else {
        write.rollback().await?;
        return Ok(Revived::NotFound);
    };
    if found.status != DEAD {
        write.rollback().await?;
        return Ok(Revived::NotDead);
    }
    let now = Utc::now();
    notification_delivery::Entity::update_many()
        .col_expr(C::Status, Expr::value(PENDING))
        .col_expr(C::Attempts, Expr::value(0))
        .col_expr(C::NextAttemptAt, Expr::value(now))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .filter(C::Id.eq(id))
        .filter(C::Status.eq(DEAD))
        .exec(&*write)
        .await?;
    let target = format!("notification:{id}");
    let details = serde_json::json!({
        "channel": found.channel,
        "outbox_id": found.outbox_id,
        "attempts": found.attempts,
    });
    super::audit::record(&*write, actor, "notification.retry", &target, details).await?;
    write.commit().await?;
    Ok(Revived::Pending)
}

/// The latest `limit` deliveries (only those in `status`, when given), most recently changed
/// first, each with its notification (when readable).
pub async fn latest(
    conn: &impl ConnectionTrait,
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<(notification_delivery::Model, Option<Outgoing>)>, StoreError> {
    let mut query = notification_delivery::Entity::find();
    if let Some(status) = status {
        query = query.filter(notification_delivery::Column::Status.eq(status));
    }
    let deliveries = query
        .order_by_desc(notification_delivery::Column::UpdatedAt)
        .order_by_desc(notification_delivery::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    let ids: Vec<i64> = deliveries.iter().map(|d| d.outbox_id).collect();
    let rows = outbox::Entity::find()
        .filter(outbox::Column::Id.is_in(ids))
        .all(conn)
        .await?;
    Ok(deliveries
        .into_iter()
        .map(|d| {
            let notification = rows
                .iter()
                .find(|r| r.id == d.outbox_id)
                .and_then(|r| Outgoing::parse(&r.payload).ok());
            (d, notification)
        })
        .collect())
}
