//! One notification (an outbox row) to one target: a webhook endpoint or a customer's e-mail.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub outbox_id: i64,
    /// `webhook` or `email`.
    pub channel: String,
    /// The endpoint's id (webhooks) or the e-mail address.
    pub target: String,
    /// `pending` (tried when `next_attempt_at` comes), `delivered` or `dead` (given up; staff may
    /// set it pending again).
    pub status: String,
    /// Tries so far (a try is counted when it starts).
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
    /// When a pending delivery is tried next (while one is being tried: when it may be taken
    /// again should its process die); `None` once delivered or dead.
    pub next_attempt_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
