//! The orders this process streams to customers, and one periodic re-check of them all that
//! catches up the changes a stream's bus missed (a broker link that was down, a lagging listener).
//!
//! A stream registers its order while it is open; every `every`, if any order is watched, one
//! batch read of their histories goes to every stream, however many streams there are. An idle
//! stream costs no database read of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bakery_wire::StatusChange;
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast;

use crate::store::reads;

/// Most orders read back in one query of a re-check.
const READ_BATCH: usize = 500;

/// The histories of the watched orders, as one re-check read them.
pub type Histories = Arc<HashMap<i64, Vec<StatusChange>>>;

/// The orders being streamed in this process (with how many streams each) and the channel the
/// re-checks are sent on.
#[derive(Debug)]
pub struct WatchedOrders {
    streams: Mutex<HashMap<i64, usize>>,
    rechecks: broadcast::Sender<Histories>,
    reads: AtomicU64,
}

impl WatchedOrders {
    pub fn new() -> Arc<WatchedOrders> {
        // A stream needs only the latest re-check: older ones are superseded.
        let (rechecks, _) = broadcast::channel(1);
        Arc::new(WatchedOrders {
            streams: Mutex::new(HashMap::new()),
            rechecks,
            reads: AtomicU64::new(0),
        })
    }

    /// Watches `order_id` until the returned [`Watch`] is dropped.
    pub fn watch(self: &Arc<Self>, order_id: i64) -> Watch {
        *self.lock().entry(order_id).or_insert(0) += 1;
        Watch {
            order_id,
            rechecks: self.rechecks.subscribe(),
            owner: Arc::clone(self),
        }
    }

    /// How many orders are watched now.
    pub fn orders(&self) -> usize {
        self.lock().len()
    }

    /// How many re-check reads this process has made since it started.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<i64, usize>> {
        // The map stays consistent even if a holder panicked: each change is one statement.
        self.streams
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn unwatch(&self, order_id: i64) {
        let mut streams = self.lock();
        if let Some(n) = streams.get_mut(&order_id) {
            *n -= 1;
            if *n == 0 {
                streams.remove(&order_id);
            }
        }
    }
}

/// One stream's registration; dropping it (the client went away) ends the watch.
#[derive(Debug)]
pub struct Watch {
    order_id: i64,
    rechecks: broadcast::Receiver<Histories>,
    owner: Arc<WatchedOrders>,
}

impl Watch {
    /// The watched order's history from the next re-check (`None` when the process stops).
    pub async fn next_recheck(&mut self) -> Option<Vec<StatusChange>> {
        loop {
            match self.rechecks.recv().await {
                Ok(histories) => {
                    if let Some(history) = histories.get(&self.order_id) {
                        return Some(history.clone());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.owner.unwatch(self.order_id);
    }
}

/// Re-checks the watched orders every `every`, for as long as the process runs.
pub async fn recheck_every(watched: Arc<WatchedOrders>, db: DatabaseConnection, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let ids: Vec<i64> = watched.lock().keys().copied().collect();
        if ids.is_empty() {
            continue;
        }
        let mut histories = HashMap::with_capacity(ids.len());
        for batch in ids.chunks(READ_BATCH) {
            watched.reads.fetch_add(1, Ordering::Relaxed);
            match reads::histories(&db, batch).await {
                Ok(read) => histories.extend(read),
                Err(err) => tracing::warn!(error = %err, "cannot re-check streamed orders"),
            }
        }
        if !histories.is_empty() {
            let _ = watched.rechecks.send(Arc::new(histories));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_watched_while_any_of_its_streams_is_open() {
        let watched = WatchedOrders::new();
        let first = watched.watch(7);
        let second = watched.watch(7);
        let other = watched.watch(8);
        assert_eq!(watched.orders(), 2);
        drop(first);
        assert_eq!(watched.orders(), 2);
        drop(second);
        drop(other);
        assert_eq!(watched.orders(), 0);
    }
}
