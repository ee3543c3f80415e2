//! The staff board's reads: a day's orders with their lines, and one order with its lines.

use entity::{order, order_item};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use bakery_wire::OrderStatus;

use super::StoreError;

/// The orders created on `day` (UTC), newest first, optionally only those in `status`.
pub async fn orders_of_day(
    db: &impl ConnectionTrait,
    day: chrono::NaiveDate,
    status: Option<OrderStatus>,
) -> Result<Vec<(order::Model, Vec<order_item::Model>)>, StoreError> {
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = start + chrono::Duration::days(1);
    let mut query = order::Entity::find()
        .filter(order::Column::CreatedAt.gte(start))
        .filter(order::Column::CreatedAt.lt(end))
        .order_by_desc(order::Column::Id)
        .limit(1000);
    if let Some(status) = status {
        query = query.filter(order::Column::Status.eq(status.as_str()));
    }
    let orders = query.all(db).await?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(ids))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    Ok(orders
        .into_iter()
        .map(|o| {
            let (mine, rest): (Vec<_>, Vec<_>) = items.drain(..).partition(|i| i.order_id == o.id);
            items = rest;
            (o, mine)
        })
        .collect())
}

/// One order and its items (for the board's answer to an action).
pub async fn order_with_items(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<(order::Model, Vec<order_item::Model>)>, StoreError> {
    let Some(order) = order::Entity::find_by_id(order_id).one(db).await? else {
        return Ok(None);
    };
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order_id))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    Ok(Some((order, items)))
}
