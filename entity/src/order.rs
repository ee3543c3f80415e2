//! A customer's order: who, its status in the lifecycle, and the idempotency key it came with.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub customer_name: String,
    pub customer_email: String,
    /// `pending`, `scheduled`, `processing`, `ready`, `completed`, `rejected`, `cancelled` or `failed`.
    pub status: String,
    pub total_cents: i64,
    #[sea_orm(unique)]
    pub idempotency_key: Option<String>,
    /// SHA-256 of the request body, to tell a retry from a reused key.
    pub request_hash: Option<String>,
    pub failure_reason: Option<String>,
    pub attempts: i32,
    /// When baking ends; set on `processing`, survives restarts.
    pub ready_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `pickup` or `delivery`.
    pub fulfillment: String,
    pub delivery_address: Option<String>,
    /// The worker process whose oven bakes it (see `oven_lease`); set on `processing`.
    pub lease_owner: Option<String>,
    /// Start of the order's pickup slot or delivery window (UTC); `None` for orders placed
    /// before slots existed.
    pub pickup_at: Option<DateTimeUtc>,
    /// When a `scheduled` order goes into the oven (`pickup_at` less the preparation time);
    /// `None` once it has left `scheduled`, and for every other order.
    pub start_at: Option<DateTimeUtc>,
    /// When the customer's reminder before the slot was written (`notify.reminder_before`);
    /// `None` until then. Set once, by a guarded update, whichever worker sweeps first.
    pub reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::order_item::Entity")]
    OrderItem,
    #[sea_orm(has_many = "super::order_event::Entity")]
    OrderEvent,
}

impl Related<super::order_item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrderItem.def()
    }
}

impl Related<super::order_event::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::OrderEvent.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
