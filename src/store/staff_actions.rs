//! Moves people ask for (staff from the board, the customer's cancel), each in one transaction
//! with what goes with it: stock back on the shelf for a cancel, a new queue message for a retry.

use bakery_wire::OrderStatus;
use chrono::Utc;
use entity::{order, order_item, product};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::moves::move_order;
use super::outbox::{insert_outbox, message_for};
use super::reads::current_status;
use super::rows::parse_fulfillment;
use super::{StoreError, audit};
use crate::domain::lifecycle::{Action, Mover};
use crate::domain::{Moved, StaffAction};

/// Why a staff action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such order")]
    NotFound,
    #[error("the order is {0}")]
    Refused(OrderStatus),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<DbErr> for ActionError {
    fn from(err: DbErr) -> Self {
        ActionError::Store(err.into())
    }
}

/// How many times a staff action is tried against an order the kitchen keeps moving.
const STAFF_TRIES: usize = 3;

/// Applies `action` to the order in one transaction: the guarded move the lifecycle allows from
/// the order's status, its event, for a cancel of an order in the oven the stock returned, for a
/// retry a new outbox message on `topic`, and, when staff made it, its audit entry by `actor`.
///
/// The kitchen may move the order between the read of its status and the guarded move (a
/// pending order going into the oven as a baker cancels it). A staff action is then tried again
/// against the order as it is now, when the lifecycle allows it from there; a customer's is not,
/// because what a customer may do also hangs on times its caller checks (the cancel cut-off).
pub async fn apply_action(
    db: &DatabaseConnection,
    order_id: i64,
    action: &StaffAction,
    topic: &str,
    actor: Option<&str>,
) -> Result<Moved, ActionError> {
    let tries = match action.by {
        Mover::Customer => 1,
        _ => STAFF_TRIES,
    };
    let mut refused = OrderStatus::Pending;
    for _ in 0..tries {
        match try_action(db, order_id, action, topic, actor).await? {
            Try::Moved(moved) => return Ok(moved),
            Try::Raced(now) => refused = now,
        }
    }
    Err(ActionError::Refused(refused))
}

/// What one try of an action came to.
enum Try {
    Moved(Moved),
    /// The order moved on between the read of its status and the guarded move; it is now in
    /// this status.
    Raced(OrderStatus),
}

/// One try of [`apply_action`].
async fn try_action(
    db: &DatabaseConnection,
    order_id: i64,
    action: &StaffAction,
    topic: &str,
    actor: Option<&str>,
) -> Result<Try, ActionError> {
    let Some(order) = order::Entity::find_by_id(order_id).one(db).await? else {
        return Err(ActionError::NotFound);
    };
    let status = OrderStatus::parse(&order.status).unwrap_or(OrderStatus::Failed);
    let fulfillment = parse_fulfillment(&order.fulfillment);
    let Some(mv) = action.to_move(order_id, status, fulfillment) else {
        return Err(ActionError::Refused(status));
    };
    let write = super::begin_write(db).await?;
    let txn = &*write;
    let Some(mut moved) = move_order(txn, mv).await? else {
        write.rollback().await?;
        let now = current_status(db, order_id).await?.unwrap_or(status);
        return match now == status {
            true => Err(ActionError::Refused(now)),
            false => Ok(Try::Raced(now)),
        };
    };
    match action.action {
        Action::Cancel if matches!(status, OrderStatus::Scheduled | OrderStatus::Processing) => {
            // Its stock was reserved when it was scheduled or went into the oven.
            let items = order_item::Entity::find()
                .filter(order_item::Column::OrderId.eq(order_id))
                .order_by_asc(order_item::Column::ProductId)
                .all(txn)
                .await?;
            for item in items {
                product::Entity::update_many()
                    .col_expr(
                        product::Column::Stock,
                        Expr::col(product::Column::Stock).add(item.quantity),
                    )
                    .filter(product::Column::Id.eq(item.product_id))
                    .exec(txn)
                    .await?;
            }
        }
        Action::Retry => {
            let message = message_for(txn, &order).await?;
            insert_outbox(txn, topic, &message, Utc::now()).await?;
            moved.outbox_rows += 1;
        }
        _ => {}
    }
    if let Some(actor) = actor {
        let details =
            serde_json::json!({ "status": moved.change.status, "note": moved.change.note });
        let what = format!("order.{}", action.name());
        audit::record(txn, actor, &what, &format!("order:{order_id}"), details).await?;
    }
    write.commit().await?;
    Ok(Try::Moved(moved))
}
