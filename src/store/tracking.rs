//! Tracking tokens of orders: each kept only as its SHA-256, an order may have several (its first,
//! one per replay of its placing, one per look-up by number and e-mail).

use chrono::Utc;
use entity::{order, order_tracking_token};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};

use super::StoreError;

/// Adds a token (by its hash) that shows order `order_id` in full.
pub async fn add_token(
    conn: &impl ConnectionTrait,
    order_id: i64,
    token_hash: &str,
) -> Result<(), StoreError> {
    order_tracking_token::Entity::insert(order_tracking_token::ActiveModel {
        id: NotSet,
        order_id: Set(order_id),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// True when `token_hash` is a token of order `order_id`.
pub async fn token_matches(
    conn: &impl ConnectionTrait,
    order_id: i64,
    token_hash: &str,
) -> Result<bool, StoreError> {
    let found = order_tracking_token::Entity::find()
        .filter(order_tracking_token::Column::TokenHash.eq(token_hash))
        .filter(order_tracking_token::Column::OrderId.eq(order_id))
        .count(conn)
        .await?;
    Ok(found > 0)
}

/// The e-mail order `order_id` was placed with, if there is such an order.
pub async fn order_email(
    conn: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<String>, StoreError> {
    Ok(order::Entity::find_by_id(order_id)
        .select_only()
        .column(order::Column::CustomerEmail)
        .into_tuple::<String>()
        .one(conn)
        .await?)
}
