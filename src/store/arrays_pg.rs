//! Many rows in one PostgreSQL statement whose text never changes: history events and notifications passed as arrays.
//!
//! A multi-row `VALUES` list is a new statement for every row count, parsed and planned again
//! (and an extra round trip) each time; `unnest` of one array per column is prepared once per
//! connection. SQLite keeps the multi-row INSERTs ([`super::rows::insert_in_chunks`]).

use chrono::{DateTime, Utc};
use entity::{order_event, outbox};
use sea_orm::{ActiveValue, ConnectionTrait, DbBackend, Statement, Value};

use super::StoreError;
use super::notifications::notifications_wanted_sql;

/// History events; `RETURNING` numbers them in the arrays' order (sorted to be sure of it).
const INSERT_EVENTS: &str = "INSERT INTO order_events (order_id, status, note, at)
    SELECT e.order_id, e.status, CASE WHEN e.noted THEN e.note END, e.at
    FROM unnest($1::int8[], $2::text[], $3::text[], $4::bool[], $5::timestamptz[]) WITH ORDINALITY
        AS e(order_id, status, note, noted, at, n)
    ORDER BY e.n
    RETURNING id";

/// Notifications' outbox rows, waiting to be delivered; written only while someone listens.
const INSERT_NOTIFICATIONS: &str = concat!(
    "INSERT INTO outbox (topic, payload, created_at, published_at, attempts)
    SELECT m.topic, m.payload, m.created_at, NULL, 0
    FROM unnest($1::text[], $2::text[], $3::timestamptz[]) WITH ORDINALITY
        AS m(topic, payload, created_at, n)
    WHERE ",
    notifications_wanted_sql!(),
    "
    ORDER BY m.n"
);

/// Inserts history events; returns their ids in `rows`' order.
pub(super) async fn insert_events(
    conn: &impl ConnectionTrait,
    rows: &[order_event::ActiveModel],
) -> Result<Vec<i64>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let (mut order_id, mut status, mut note, mut noted, mut at) =
        (vec![], vec![], vec![], vec![], vec![]);
    for row in rows {
        order_id.push(set(&row.order_id)?);
        status.push(set(&row.status)?);
        let this_note: Option<String> = set(&row.note)?;
        noted.push(this_note.is_some());
        note.push(this_note.unwrap_or_default());
        at.push(set(&row.at)?);
    }
    let values: Vec<Value> = vec![
        order_id.into(),
        status.into(),
        note.into(),
        noted.into(),
        at.into(),
    ];
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, INSERT_EVENTS, values);
    let mut ids = conn
        .query_all_raw(stmt)
        .await?
        .iter()
        .map(|row| row.try_get::<i64>("", "id"))
        .collect::<Result<Vec<_>, _>>()?;
    ids.sort_unstable();
    Ok(ids)
}

/// Inserts the outbox rows of customers' notifications (each unpublished, no tries yet) if
/// anyone listens; returns how many were written (all or none).
pub(super) async fn insert_notifications(
    conn: &impl ConnectionTrait,
    rows: &[outbox::ActiveModel],
) -> Result<u64, StoreError> {
    if rows.is_empty() {
        return Ok(0);
    }
    let (mut topic, mut payload, mut created_at) = (vec![], vec![], Vec::<DateTime<Utc>>::new());
    for row in rows {
        topic.push(set(&row.topic)?);
        payload.push(set(&row.payload)?);
        created_at.push(set(&row.created_at)?);
    }
    let values: Vec<Value> = vec![topic.into(), payload.into(), created_at.into()];
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, INSERT_NOTIFICATIONS, values);
    Ok(conn.execute_raw(stmt).await?.rows_affected())
}

/// The value a row was given (these rows are built in full by their callers).
fn set<T: Clone + Into<Value>>(value: &ActiveValue<T>) -> Result<T, StoreError> {
    match value {
        ActiveValue::Set(v) | ActiveValue::Unchanged(v) => Ok(v.clone()),
        ActiveValue::NotSet => Err(StoreError::IncompleteRow),
    }
}
