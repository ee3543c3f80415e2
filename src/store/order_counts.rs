//! How many orders are in each status and how many outbox rows wait: the metrics gauges' seed and correction.

use bakery_wire::OrderStatus;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use super::StoreError;
use crate::metrics::OrderCounts;

/// Counts them in the database (a scan of the status index and of the unpublished outbox rows).
pub async fn count(db: &DatabaseConnection) -> Result<OrderCounts, StoreError> {
    let backend = db.get_database_backend();
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT status, COUNT(*) FROM orders GROUP BY status",
        ))
        .await?;
    let mut counts = OrderCounts::default();
    for row in rows {
        let status: String = row.try_get_by_index(0)?;
        let n: i64 = row.try_get_by_index(1)?;
        if let Some(status) = OrderStatus::parse(&status) {
            counts
                .by_status
                .push((status, u64::try_from(n).unwrap_or(0)));
        }
    }
    let backlog = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) FROM outbox WHERE published_at IS NULL",
        ))
        .await?;
    if let Some(row) = backlog {
        let n: i64 = row.try_get_by_index(0)?;
        counts.outbox_backlog = u64::try_from(n).unwrap_or(0);
    }
    Ok(counts)
}
