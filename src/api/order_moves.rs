//! Moving an order on behalf of the staff or its customer, and telling whoever caches products.

use super::AppState;
use super::errors::ApiError;
use crate::actors::catalog_cache::Invalidate;
use crate::domain::lifecycle::Action;
use crate::domain::{Moved, StaffAction};
use crate::store::staff_actions::{self, ActionError};

/// Tells every replica's catalog cache that products changed.
pub fn catalog_changed(state: &AppState) {
    state.catalog_cache.do_send(Invalidate { announce: true });
}

/// Applies an order move (audited as `actor`'s when staff made it) and tells the status bus;
/// `raw_id` is the id as the path gave it.
pub async fn act_on_order(
    state: &AppState,
    order_id: i64,
    action: &StaffAction,
    raw_id: &str,
    actor: Option<&str>,
) -> Result<Moved, ApiError> {
    let moved =
        staff_actions::apply_action(&state.db, order_id, action, &state.orders_topic, actor)
            .await
            .map_err(|e| match e {
                ActionError::NotFound => ApiError::OrderNotFound(raw_id.to_owned()),
                ActionError::Refused(status) => ApiError::InvalidTransition {
                    order_id,
                    status: status.as_str().to_owned(),
                    wanted: action.name().to_owned(),
                },
                ActionError::Store(err) => err.into(),
            })?;
    if action.action == Action::Cancel {
        catalog_changed(state);
    }
    state.bus.publish(moved.clone());
    Ok(moved)
}
