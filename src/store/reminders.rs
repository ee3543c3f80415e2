//! Reminders before an order's slot: finds the orders whose slot starts within
//! `notify.reminder_before` and claims each one's reminder once, by a guarded `UPDATE … WHERE
//! reminded_at IS NULL`, writing its notification outbox row in the same transaction.
//!
//! An order is reminded when all of these hold at the sweep: it is still on (`pending`,
//! `scheduled`, `processing` or `ready`); its slot starts after now and at most `before` from
//! now; it was placed at least `before` ahead of its slot (an order placed inside the window —
//! every "as soon as possible" order — is not reminded of a time it just chose); it has not been
//! reminded; and someone listens for notifications (as for status changes). The mark is stored,
//! so a restart, a second sweep or another worker never reminds it again.

use std::time::Duration;

use bakery_wire::OrderStatus;
use chrono::{DateTime, Utc};
use entity::{order, outbox};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select,
};

use super::StoreError;
use super::notifications::{REMINDER_EVENT, Reminder, TOPIC, notifications_wanted_sql};
use super::{parse_fulfillment, planning, wire_time};
use crate::domain::calendar::Calendar;

/// The statuses of an order still to be handed over: only these are reminded.
pub const STILL_ON: [OrderStatus; 4] = [
    OrderStatus::Pending,
    OrderStatus::Scheduled,
    OrderStatus::Processing,
    OrderStatus::Ready,
];

/// Most orders reminded in one transaction (the rest in the next round, at once).
pub const BATCH: u64 = 256;

/// The orders due a reminder at `now` with the window `before`.
fn due(backend: DbBackend, before: Duration, now: DateTime<Utc>) -> Select<order::Entity> {
    use order::Column as C;
    let window = chrono::Duration::from_std(before).unwrap_or(chrono::Duration::MAX);
    // Placed at least `before` ahead of its slot: a literal number of seconds (to the
    // millisecond, as the window's own bound), the same text on every sweep while the setting
    // holds.
    let seconds = format!("{:.3}", before.as_secs_f64());
    let placed_ahead = match backend {
        DbBackend::Postgres => {
            format!("created_at <= pickup_at - make_interval(secs => {seconds})")
        }
        _ => format!("julianday(created_at) <= julianday(pickup_at) - {seconds} / 86400.0"),
    };
    order::Entity::find()
        .filter(C::RemindedAt.is_null())
        .filter(C::PickupAt.gt(now))
        .filter(C::PickupAt.lte(now.checked_add_signed(window).unwrap_or(now)))
        .filter(C::Status.is_in(STILL_ON.iter().map(|s| s.as_str())))
        .filter(Expr::cust(placed_ahead))
        .filter(Expr::cust(notifications_wanted_sql!()))
}

/// Reminds the orders due a reminder at `now` (see the module), up to [`BATCH`] of them, in one
/// transaction: each is marked `reminded_at = now` by a guarded update and gets its reminder's
/// outbox row. `defaults` is the settings' calendar, used unless admins stored another; its time
/// zone and slot lengths write the reminder's times. Returns the orders reminded. A round with
/// nothing due makes one read and no write.
pub async fn remind_due(
    db: &DatabaseConnection,
    defaults: &Calendar,
    before: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    if before.is_zero() {
        return Ok(Vec::new());
    }
    let backend = db.get_database_backend();
    let any = due(backend, before, now)
        .select_only()
        .column(order::Column::Id)
        .limit(1)
        .into_tuple::<i64>()
        .all(db)
        .await?;
    if any.is_empty() {
        return Ok(Vec::new());
    }
    let calendar = calendar_in_force(db, defaults).await?;
    let write = super::begin_write(db).await?;
    let mut query = due(backend, before, now)
        .select_only()
        .column(order::Column::Id)
        .order_by_asc(order::Column::PickupAt)
        .order_by_asc(order::Column::Id)
        .limit(BATCH);
    if backend == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let ids: Vec<i64> = query.into_tuple().all(&*write).await?;
    if ids.is_empty() {
        write.rollback().await?;
        return Ok(Vec::new());
    }
    let claimed = order::Entity::update_many()
        .col_expr(order::Column::RemindedAt, Expr::value(now))
        .filter(super::one_of(&*write, order::Column::Id, &ids))
        .filter(order::Column::RemindedAt.is_null())
        .filter(order::Column::Status.is_in(STILL_ON.iter().map(|s| s.as_str())))
        .exec_with_returning(&*write)
        .await?;
    let mut rows = Vec::with_capacity(claimed.len());
    for order in &claimed {
        rows.push(outbox::ActiveModel {
            id: NotSet,
            topic: Set(TOPIC.to_owned()),
            payload: Set(payload(order, &calendar, now)?),
            created_at: Set(now),
            published_at: Set(None),
            attempts: Set(0),
        });
    }
    super::rows::insert_in_chunks(&*write, rows).await?;
    write.commit().await?;
    Ok(claimed.iter().map(|o| o.id).collect())
}

/// The reminder of `order` written at `now`, as the JSON its outbox row carries (and a webhook
/// receives): its slot in the bakery's time zone.
fn payload(
    order: &order::Model,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let fulfillment = parse_fulfillment(&order.fulfillment);
    let start = order.pickup_at.unwrap_or(now);
    let length = i64::from(calendar.window(fulfillment).slot_minutes);
    let reminder = Reminder {
        event: REMINDER_EVENT.to_owned(),
        order_id: order.id,
        status: OrderStatus::parse(&order.status).unwrap_or(OrderStatus::Scheduled),
        pickup_at: calendar.show(start),
        pickup_until: calendar.show(start + chrono::Duration::minutes(length)),
        time_zone: calendar.time_zone.name().to_owned(),
        fulfillment,
        customer_name: order.customer_name.clone(),
        customer_email: order.customer_email.clone(),
        total: bakery_wire::cents_to_price(order.total_cents),
        at: wire_time(now),
    };
    Ok(serde_json::to_string(&reminder)?)
}

/// The calendar in force: the one admins stored, else `defaults` (also when the stored one no
/// longer parses, as the API does).
pub async fn calendar_in_force(
    conn: &impl ConnectionTrait,
    defaults: &Calendar,
) -> Result<Calendar, StoreError> {
    let stored = planning::load(conn).await?.calendar;
    let parsed = stored.and_then(planning::stored_calendar);
    Ok(parsed.map_or_else(|| defaults.clone(), |(calendar, _)| calendar))
}
