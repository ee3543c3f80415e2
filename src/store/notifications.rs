//! Customer notifications in the database: the outbox rows written with each status move (and the reminders before a slot, `store::reminders`), their bodies, and webhook endpoints (their deliveries are in `deliveries`).

use bakery_wire::{Fulfillment, OrderStatus};
use chrono::{DateTime, Utc};
use entity::{outbox, webhook_endpoint};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

use super::StoreError;
use super::wire_time;

/// The outbox topic of notifications (the order relay never takes these rows).
pub const TOPIC: &str = "notifications";

/// The delivery channel of webhooks.
pub const WEBHOOK: &str = "webhook";
/// The delivery channel of e-mails.
pub const EMAIL: &str = "email";

/// What a notification says: one status change of one order, and whom it concerns. This is the
/// webhook body, field for field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The `order_events` row of the change.
    pub event_id: i64,
    pub order_id: i64,
    pub status: OrderStatus,
    pub note: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub at: String,
    pub customer_name: String,
    pub customer_email: String,
    pub fulfillment: Fulfillment,
    /// The order's total, two decimals (absent in notifications written before it was added).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<f64>,
    /// The order's lines in words (`2 × Chocolate Cake · 8″ · Dark chocolate · “Happy 5th”`),
    /// in the notification of its placing only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<String>,
}

/// The `event` of a reminder's JSON.
pub const REMINDER_EVENT: &str = "order.reminder";

/// A reminder of an order's slot, sent once `notify.reminder_before` ahead of it. This is the
/// webhook body, field for field; its `event` (`order.reminder`) tells it from a status
/// notification, which has none.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reminder {
    /// Always [`REMINDER_EVENT`].
    pub event: String,
    pub order_id: i64,
    /// The order's status when it was reminded.
    pub status: OrderStatus,
    /// The slot's start, RFC 3339 with the bakery's offset (`2026-12-05T10:00:00+01:00`).
    pub pickup_at: String,
    /// The slot's end (its start plus the calendar's slot length), the same way.
    pub pickup_until: String,
    /// The bakery's IANA time zone, the one the times are written in.
    pub time_zone: String,
    pub fulfillment: Fulfillment,
    pub customer_name: String,
    pub customer_email: String,
    /// The order's total, two decimals.
    pub total: f64,
    /// When the reminder was written, `YYYY-MM-DD HH:MM:SS`, UTC.
    pub at: String,
}

/// What a notification outbox row carries: a status change, or a reminder.
#[derive(Debug, Clone, PartialEq)]
pub enum Outgoing {
    Status(Notification),
    Reminder(Reminder),
}

impl Outgoing {
    /// Reads an outbox row's JSON: a reminder when its `event` says so, else a status change.
    pub fn parse(payload: &str) -> Result<Outgoing, serde_json::Error> {
        #[derive(Deserialize)]
        struct Event {
            #[serde(default)]
            event: Option<String>,
        }
        let event: Event = serde_json::from_str(payload)?;
        match event.event.as_deref() {
            Some(REMINDER_EVENT) => serde_json::from_str(payload).map(Outgoing::Reminder),
            _ => serde_json::from_str(payload).map(Outgoing::Status),
        }
    }

    pub fn order_id(&self) -> i64 {
        match self {
            Outgoing::Status(n) => n.order_id,
            Outgoing::Reminder(r) => r.order_id,
        }
    }

    pub fn customer_email(&self) -> &str {
        match self {
            Outgoing::Status(n) => &n.customer_email,
            Outgoing::Reminder(r) => &r.customer_email,
        }
    }

    /// The status a status notification announces (`None` for a reminder).
    pub fn announced_status(&self) -> Option<OrderStatus> {
        match self {
            Outgoing::Status(n) => Some(n.status),
            Outgoing::Reminder(_) => None,
        }
    }
}

/// The order as far as a notification needs it.
pub struct Recipient<'a> {
    pub order_id: i64,
    pub customer_name: &'a str,
    pub customer_email: &'a str,
    pub fulfillment: Fulfillment,
    pub total_cents: i64,
    /// The order's lines in words, told when it is placed (`[]` for later changes).
    pub items: Vec<String>,
}

/// The outbox row of a status change's notification, for the caller to write in its transaction
/// (so the notification exists exactly when the change does), many in one statement.
pub fn outbox_row(
    event_id: i64,
    to: &Recipient<'_>,
    status: OrderStatus,
    note: Option<&str>,
    at: DateTime<Utc>,
) -> Result<outbox::ActiveModel, StoreError> {
    Ok(outbox::ActiveModel {
        id: NotSet,
        topic: Set(TOPIC.to_owned()),
        payload: Set(payload(event_id, to, status, note, at)?),
        created_at: Set(at),
        published_at: Set(None),
        attempts: Set(0),
    })
}

/// SQL that is true while someone listens for notifications: an active webhook endpoint, or a
/// channel a process registered ([`register_channel`]). Status moves write their customers'
/// notifications only then; an endpoint added later gets the changes made after it.
macro_rules! notifications_wanted_sql {
    () => {
        "(EXISTS (SELECT 1 FROM webhook_endpoints WHERE active) \
         OR EXISTS (SELECT 1 FROM notification_channels))"
    };
}
pub(super) use notifications_wanted_sql;

/// Whether a status move made now should write its customer's notification.
pub async fn wanted(conn: &impl ConnectionTrait) -> Result<bool, StoreError> {
    let sql = concat!("SELECT ", notifications_wanted_sql!(), " AS wanted");
    let stmt = sea_orm::Statement::from_string(conn.get_database_backend(), sql);
    match conn.query_one_raw(stmt).await? {
        Some(row) => Ok(row.try_get("", "wanted")?),
        None => Ok(false),
    }
}

/// Records that a process delivers notifications on `channel` (e-mail: it has an SMTP server),
/// so that from now on every status move writes one.
pub async fn register_channel(
    conn: &impl ConnectionTrait,
    channel: &str,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::{Alias, Query};
    let insert = Query::insert()
        .into_table(Alias::new("notification_channels"))
        .columns([Alias::new("channel"), Alias::new("registered_at")])
        .values([channel.into(), Utc::now().into()])?
        .on_conflict(
            OnConflict::column(Alias::new("channel"))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    conn.execute(&insert).await?;
    Ok(())
}

/// The notification of one status change (the `order_events` row `event_id`) to `to`, as the
/// JSON an outbox row carries (and a webhook receives).
pub fn payload(
    event_id: i64,
    to: &Recipient<'_>,
    status: OrderStatus,
    note: Option<&str>,
    at: DateTime<Utc>,
) -> Result<String, StoreError> {
    let notification = Notification {
        event_id,
        order_id: to.order_id,
        status,
        note: note.map(str::to_owned),
        at: wire_time(at),
        customer_name: to.customer_name.to_owned(),
        customer_email: to.customer_email.to_owned(),
        fulfillment: to.fulfillment,
        total: Some(bakery_wire::cents_to_price(to.total_cents)),
        items: to.items.clone(),
    };
    Ok(serde_json::to_string(&notification)?)
}

/// Every active webhook endpoint, oldest first.
pub async fn active_endpoints(
    conn: &impl ConnectionTrait,
) -> Result<Vec<webhook_endpoint::Model>, StoreError> {
    webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Active.eq(true))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(conn)
        .await
        .map_err(StoreError::from)
}

/// Adds an active endpoint.
pub async fn add_endpoint(
    conn: &impl ConnectionTrait,
    url: &str,
    secret: &str,
) -> Result<webhook_endpoint::Model, StoreError> {
    let id = webhook_endpoint::Entity::insert(webhook_endpoint::ActiveModel {
        id: NotSet,
        url: Set(url.to_owned()),
        secret: Set(secret.to_owned()),
        active: Set(true),
        created_at: Set(Utc::now()),
    })
    .exec(conn)
    .await?
    .last_insert_id;
    webhook_endpoint::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("webhook endpoint {id}")).into())
}

/// Deactivates an endpoint (its deliveries stay on record); false if there was no active one.
pub async fn deactivate_endpoint(conn: &impl ConnectionTrait, id: i64) -> Result<bool, StoreError> {
    let done = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Active, Expr::value(false))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::Active.eq(true))
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// [`add_endpoint`] by `actor`, with its audit entry in the same transaction.
pub async fn add_endpoint_audited(
    db: &DatabaseConnection,
    url: &str,
    secret: &str,
    actor: &str,
) -> Result<webhook_endpoint::Model, StoreError> {
    let write = super::begin_write(db).await?;
    let added = add_endpoint(&*write, url, secret).await?;
    let target = format!("webhook:{}", added.id);
    let details = serde_json::json!({ "url": added.url });
    super::audit::record(&*write, actor, "webhook.create", &target, details).await?;
    write.commit().await?;
    Ok(added)
}

/// [`deactivate_endpoint`] by `actor`, with its audit entry in the same transaction.
pub async fn deactivate_endpoint_audited(
    db: &DatabaseConnection,
    id: i64,
    actor: &str,
) -> Result<bool, StoreError> {
    let write = super::begin_write(db).await?;
    if !deactivate_endpoint(&*write, id).await? {
        write.rollback().await?;
        return Ok(false);
    }
    let target = format!("webhook:{id}");
    super::audit::record(
        &*write,
        actor,
        "webhook.delete",
        &target,
        serde_json::json!({}),
    )
    .await?;
    write.commit().await?;
    Ok(true)
}

/// Active endpoints, newest first.
pub async fn endpoints(
    conn: &impl ConnectionTrait,
) -> Result<Vec<webhook_endpoint::Model>, StoreError> {
    webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Active.eq(true))
        .order_by_desc(webhook_endpoint::Column::Id)
        .all(conn)
        .await
        .map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_change_reads_as_one_and_a_reminder_by_its_event() {
        let to = Recipient {
            order_id: 7,
            customer_name: "Zoë",
            customer_email: "zoe@example.com",
            fulfillment: Fulfillment::Pickup,
            total_cents: 5998,
            items: Vec::new(),
        };
        let at = "2026-12-05T09:00:00Z".parse().unwrap();
        let status = payload(3, &to, OrderStatus::Ready, None, at).unwrap();
        assert!(
            !status.contains("event\""),
            "status bodies stay as they were: {status}"
        );
        let read = Outgoing::parse(&status).unwrap();
        assert_eq!(read.announced_status(), Some(OrderStatus::Ready));
        assert_eq!(
            (read.order_id(), read.customer_email()),
            (7, "zoe@example.com")
        );

        let reminder = Reminder {
            event: REMINDER_EVENT.to_owned(),
            order_id: 8,
            status: OrderStatus::Scheduled,
            pickup_at: "2026-12-05T10:00:00+01:00".to_owned(),
            pickup_until: "2026-12-05T10:15:00+01:00".to_owned(),
            time_zone: "Europe/Paris".to_owned(),
            fulfillment: Fulfillment::Delivery,
            customer_name: "Zoë".to_owned(),
            customer_email: "zoe@example.com".to_owned(),
            total: 59.98,
            at: "2026-12-05 08:00:00".to_owned(),
        };
        let json = serde_json::to_string(&reminder).unwrap();
        let read = Outgoing::parse(&json).unwrap();
        assert_eq!(read, Outgoing::Reminder(reminder));
        assert_eq!((read.order_id(), read.announced_status()), (8, None));
        assert!(Outgoing::parse(r#"{"event":"order.reminder","order_id":1}"#).is_err());
    }
}
