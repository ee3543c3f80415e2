//! The outbox: messages written with their order, waiting to be handed to the order queue.

use bakery_wire::cents_to_price;
use chrono::{DateTime, Utc};
use entity::{order, order_item, outbox};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::StoreError;
use crate::domain::{MessageItem, OrderMessage};

/// Up to `limit` unpublished rows of `topic`, oldest first. On PostgreSQL the rows are locked
/// and rows locked by another relay are skipped, so two relays never take the same row.
pub async fn take_unpublished(
    conn: &impl ConnectionTrait,
    topic: &str,
    limit: u64,
) -> Result<Vec<outbox::Model>, StoreError> {
    let mut query = outbox::Entity::find()
        .filter(outbox::Column::PublishedAt.is_null())
        .filter(outbox::Column::Topic.eq(topic))
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if conn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    query.all(conn).await.map_err(StoreError::from)
}

/// Marks rows as published now.
pub async fn mark_published(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    outbox::Entity::update_many()
        .col_expr(outbox::Column::PublishedAt, Expr::value(Utc::now()))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(super::one_of(conn, outbox::Column::Id, ids))
        .exec(conn)
        .await?;
    Ok(())
}

/// Writes the order's queue message to the outbox (inside the caller's transaction).
pub async fn insert_outbox(
    conn: &impl ConnectionTrait,
    topic: &str,
    message: &OrderMessage,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let payload = serde_json::to_string(message)?;
    outbox::Entity::insert(outbox::ActiveModel {
        id: NotSet,
        topic: Set(topic.to_owned()),
        payload: Set(payload),
        created_at: Set(now),
        published_at: Set(None),
        attempts: Set(0),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The queue message of a stored order (to hand it to the processors again after a restart).
pub async fn message_for(
    db: &impl ConnectionTrait,
    order: &order::Model,
) -> Result<OrderMessage, StoreError> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order.id))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    Ok(OrderMessage {
        order_id: order.id,
        customer_name: order.customer_name.clone(),
        customer_email: order.customer_email.clone(),
        items: items
            .into_iter()
            .map(|i| MessageItem {
                product_id: i.product_id,
                quantity: i.quantity,
                price: cents_to_price(i.unit_price_cents),
            })
            .collect(),
    })
}
