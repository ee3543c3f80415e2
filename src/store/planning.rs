//! The bakery's planning as set at run time: the admins' calendar and the board's busy and pause
//! switches, each a JSON row of `planning`, changed and audited in one transaction.

use chrono::Utc;
use entity::planning;
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::Value;

use super::StoreError;
use super::audit;
use crate::config::CalendarSettings;
use crate::domain::calendar::Calendar;

/// The calendar's row.
pub const CALENDAR: &str = "calendar";
/// The switches' row.
pub const SWITCHES: &str = "switches";

/// The stored planning: the calendar and the switches as JSON, where set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StoredPlanning {
    pub calendar: Option<Value>,
    pub switches: Option<Value>,
}

/// The stored calendar's value read back: the calendar and its text form; `None` when it does
/// not parse (the settings' calendar is in force then).
pub fn stored_calendar(value: Value) -> Option<(Calendar, CalendarSettings)> {
    let text = serde_json::from_value::<CalendarSettings>(value).ok()?;
    Some((Calendar::parse(&text).ok()?, text))
}

/// Reads both rows in one query.
pub async fn load(conn: &impl ConnectionTrait) -> Result<StoredPlanning, StoreError> {
    let mut stored = StoredPlanning::default();
    for row in planning::Entity::find().all(conn).await? {
        let value = serde_json::from_str(&row.value)?;
        match row.name.as_str() {
            CALENDAR => stored.calendar = Some(value),
            SWITCHES => stored.switches = Some(value),
            _ => {}
        }
    }
    Ok(stored)
}

/// Stores `value` under `name` (`CALENDAR` or `SWITCHES`), audited as `actor`'s `action` in
/// the same transaction.
pub async fn store(
    db: &DatabaseConnection,
    name: &str,
    value: &Value,
    actor: &str,
    action: &str,
) -> Result<(), StoreError> {
    let write = super::begin_write(db).await?;
    planning::Entity::insert(planning::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(value.to_string()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(planning::Column::Name)
            .update_columns([planning::Column::Value, planning::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(&*write)
    .await?;
    audit::record(
        &*write,
        actor,
        action,
        &format!("planning:{name}"),
        value.clone(),
    )
    .await?;
    write.commit().await?;
    Ok(())
}

/// Changes only the fields of `changes` in the JSON object stored under `name`, keeping the
/// others as they are, audited as `actor`'s `action`; returns the object now stored. The row is
/// locked while it is read and written, so two staff changing different fields at once both
/// keep their change.
pub async fn merge(
    db: &DatabaseConnection,
    name: &str,
    changes: &serde_json::Map<String, Value>,
    actor: &str,
    action: &str,
) -> Result<Value, StoreError> {
    use sea_orm::{DbBackend, QuerySelect};
    let write = super::begin_write(db).await?;
    // A row to lock, if there was none yet.
    planning::Entity::insert(planning::ActiveModel {
        name: Set(name.to_owned()),
        value: Set("{}".to_owned()),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(planning::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&*write)
    .await?;
    // SQLite's writer already holds the whole database (`BEGIN IMMEDIATE`).
    let mut find = planning::Entity::find_by_id(name.to_owned());
    if db.get_database_backend() == DbBackend::Postgres {
        find = find.lock_exclusive();
    }
    let stored = match find.one(&*write).await? {
        Some(row) => serde_json::from_str(&row.value)?,
        None => Value::Object(Default::default()),
    };
    let mut merged = match stored {
        Value::Object(fields) => fields,
        _ => Default::default(),
    };
    merged.extend(changes.iter().map(|(k, v)| (k.clone(), v.clone())));
    let merged = Value::Object(merged);
    planning::Entity::update_many()
        .col_expr(planning::Column::Value, merged.to_string().into())
        .col_expr(planning::Column::UpdatedAt, Utc::now().into())
        .filter(planning::Column::Name.eq(name))
        .exec(&*write)
        .await?;
    audit::record(
        &*write,
        actor,
        action,
        &format!("planning:{name}"),
        Value::Object(changes.clone()),
    )
    .await?;
    write.commit().await?;
    Ok(merged)
}
