//! The audit log: every staff action written with who, what, to what, and when.

use chrono::Utc;
use entity::audit_log;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, QuerySelect};
use serde_json::Value;

use super::StoreError;

/// Writes one entry.
pub async fn record(
    conn: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    target: &str,
    details: Value,
) -> Result<(), StoreError> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: NotSet,
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        details: Set(details.to_string()),
        at: Set(Utc::now()),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The latest `limit` entries, newest first.
pub async fn latest(
    conn: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<audit_log::Model>, StoreError> {
    audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(conn)
        .await
        .map_err(StoreError::from)
}
