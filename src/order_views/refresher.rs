//! The refresher: reads the order pages changes dropped back into [`OrderViews`] from the database, in batches, when the kitchen is quiet.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use super::OrderViews;
use crate::store::reads;

/// Orders read per batch.
const BATCH: usize = 256;

/// Runs for the life of the process: waits for changes, lets a burst of them pass
/// (see [`OrderViews::refresh_delay`]), then reads them back in batches. A failed read is
/// logged and dropped: those pages are read again when someone asks for them. Once a burst is
/// over and nothing is left to read, malloc hands back what the burst freed.
pub async fn keep_fresh(views: Arc<OrderViews>, db: DatabaseConnection) {
    loop {
        views.queued.notified().await;
        loop {
            let delay = views.refresh_delay();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
                continue;
            }
            let batch = views.take_queued(BATCH);
            if batch.is_empty() {
                // A burst is over: what it freed can go back to the system.
                crate::memory::give_back_freed();
                break;
            }
            refresh(&views, &db, &batch).await;
        }
    }
}

/// Reads one batch and keeps what its counts allow.
pub async fn refresh(
    views: &OrderViews,
    db: &DatabaseConnection,
    batch: &[(i64, super::ChangeCount)],
) {
    let ids: Vec<i64> = batch.iter().map(|(id, _)| *id).collect();
    match reads::order_views(db, &ids).await {
        Ok(found) => {
            for (id, seen) in batch {
                if let Some(view) = found.get(id) {
                    views.keep(*seen, view);
                }
            }
        }
        Err(err) => {
            tracing::warn!(actor = "order_views", orders = ids.len(), error = %err, "could not refresh order pages");
        }
    }
}
