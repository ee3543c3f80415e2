//! The production sheet's read: the lines of the orders whose slot falls in a span of time and
//! that the kitchen still makes (not cancelled, rejected or failed).

use bakery_wire::OrderStatus;
use chrono::{DateTime, Utc};
use entity::{order, order_item};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::StoreError;
use crate::domain::options::{self, Chosen};

/// One order line to bake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineToBake {
    pub order_id: i64,
    /// The start of the order's slot.
    pub pickup_at: DateTime<Utc>,
    pub product_id: i64,
    pub product_name: String,
    pub quantity: i64,
    /// The choices made, as kept on the line.
    pub options: Vec<Chosen>,
    pub inscription: Option<String>,
}

/// The lines of the orders with `pickup_at` from `from` up to (not including) `to`, that are
/// not cancelled, rejected or failed; by slot, then order, then line.
pub async fn lines_to_bake(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<LineToBake>, StoreError> {
    let ended = [
        OrderStatus::Cancelled,
        OrderStatus::Rejected,
        OrderStatus::Failed,
    ]
    .map(OrderStatus::as_str);
    let orders: Vec<(i64, Option<DateTime<Utc>>)> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::PickupAt)
        .filter(order::Column::PickupAt.gte(from))
        .filter(order::Column::PickupAt.lt(to))
        .filter(order::Column::Status.is_not_in(ended))
        .order_by_asc(order::Column::PickupAt)
        .order_by_asc(order::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let ids: Vec<i64> = orders.iter().map(|(id, _)| *id).collect();
    let mut lines = Vec::new();
    for chunk in ids.chunks(1000) {
        let items = order_item::Entity::find()
            .filter(super::one_of(conn, order_item::Column::OrderId, chunk))
            .all(conn)
            .await?;
        lines.extend(items);
    }
    let slot_of: std::collections::HashMap<i64, DateTime<Utc>> = orders
        .into_iter()
        .filter_map(|(id, at)| Some((id, at?)))
        .collect();
    let mut out: Vec<LineToBake> = lines
        .into_iter()
        .filter_map(|item| {
            Some(LineToBake {
                order_id: item.order_id,
                pickup_at: *slot_of.get(&item.order_id)?,
                product_id: item.product_id,
                product_name: item.product_name,
                quantity: item.quantity,
                options: options::chosen_of(item.options.as_deref()),
                inscription: item.inscription,
            })
        })
        .collect();
    out.sort_by_key(|l| (l.pickup_at, l.order_id, l.product_id));
    Ok(out)
}
