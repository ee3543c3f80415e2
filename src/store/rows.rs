//! Row-writing helpers shared by intake and the kitchen: multi-row INSERTs within the database's
//! parameter limit, and how a fulfillment is stored.

use bakery_wire::Fulfillment;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

/// Rows per multi-row INSERT (keeps SQLite under its bound-parameter limit).
pub(super) const ROWS_PER_INSERT: usize = 500;

/// Inserts rows like [`insert_in_chunks`]; returns their ids in the rows' order (one statement
/// numbers its rows in order, and sorting each statement's ids makes the pairing explicit).
pub(super) async fn insert_returning_ids<A>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<Vec<i64>, DbErr>
where
    A: sea_orm::ActiveModelTrait + Clone + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
    <<A::Entity as EntityTrait>::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: Into<i64>,
{
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut chunk_ids: Vec<i64> = <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_with_returning_keys(conn)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        chunk_ids.sort_unstable();
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// Inserts rows with as few statements as the parameter limit allows.
pub(super) async fn insert_in_chunks<A>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait + Clone + Send,
{
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// The stored name of a fulfillment.
pub fn fulfillment_name(fulfillment: Fulfillment) -> &'static str {
    match fulfillment {
        Fulfillment::Pickup => "pickup",
        Fulfillment::Delivery => "delivery",
    }
}

/// Reads a stored fulfillment (anything unknown is pickup).
pub fn parse_fulfillment(name: &str) -> Fulfillment {
    if name == "delivery" {
        Fulfillment::Delivery
    } else {
        Fulfillment::Pickup
    }
}
