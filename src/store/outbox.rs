//! The outbox: messages written with their order, waiting to be handed to the order queue.

use chrono::Utc;
use entity::outbox;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// Up to `limit` unpublished rows of `topic`, oldest first. On PostgreSQL the rows are locked
/// and rows locked by another relay are skipped, so two relays never take the same row.
pub async fn take_unpublished(
    conn: &impl ConnectionTrait,
    topic: &str,
    limit: u64,
) -> Result<Vec<outbox::Model>, DbErr> {
    let mut query = outbox::Entity::find()
        .filter(outbox::Column::PublishedAt.is_null())
        .filter(outbox::Column::Topic.eq(topic))
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if conn.get_database_backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    query.all(conn).await
}

/// Marks rows as published now.
pub async fn mark_published(conn: &impl ConnectionTrait, ids: &[i64]) -> Result<(), DbErr> {
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
