//! OrderViews: this process's cache of rendered `GET /api/orders/{id}` answers, dropped on every status change.
//!
//! Customers watch their order's page, so the same few thousand orders are read again and again
//! while they bake. A read that misses renders the order from the database and keeps the JSON
//! bytes; the status bus drops an order's bytes as it publishes the order's change (made here,
//! or shared by another process), before any listener hears of it. Two guards keep a view from
//! outliving a change it did not hear of: a read keeps its bytes only if no change of an order
//! of its shard was reported while it was reading, and no bytes are served older than
//! [`MAX_AGE`] (a change lost with a broker link).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::Bytes;

/// Longest time a rendered order is served without being read again from the database.
pub const MAX_AGE: Duration = Duration::from_secs(30);

/// Shards, so the HTTP workers rarely wait for each other.
const SHARDS: usize = 16;

/// The cache (shared by the HTTP workers through the app state).
#[derive(Debug)]
pub struct OrderViews {
    shards: Vec<Mutex<Shard>>,
    /// Orders kept per shard; a full shard keeps what it has until it ages.
    per_shard: usize,
}

/// Some of the orders (by id), with the count of changes reported for them so far.
#[derive(Debug, Default)]
struct Shard {
    views: HashMap<i64, (Bytes, Instant)>,
    changes: u64,
}

/// Taken before reading an order from the database; see [`OrderViews::keep`].
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl OrderViews {
    /// A cache of at most about `capacity` orders.
    pub fn new(capacity: usize) -> OrderViews {
        OrderViews {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    fn shard(&self, order_id: i64) -> Option<std::sync::MutexGuard<'_, Shard>> {
        let n = order_id.rem_euclid(SHARDS as i64) as usize;
        self.shards.get(n)?.lock().ok()
    }

    /// The order's rendered answer, if one is kept and young enough.
    pub fn get(&self, order_id: i64) -> Option<Bytes> {
        let shard = self.shard(order_id)?;
        let (bytes, at) = shard.views.get(&order_id)?;
        (at.elapsed() < MAX_AGE).then(|| bytes.clone())
    }

    /// Take before reading the order from the database.
    pub fn ticket(&self, order_id: i64) -> Ticket {
        Ticket(self.shard(order_id).map_or(u64::MAX, |s| s.changes))
    }

    /// Keeps what was read under `ticket`, unless a change of an order of its shard was reported
    /// since (what was read might be older than that change).
    pub fn keep(&self, ticket: Ticket, order_id: i64, bytes: Bytes) {
        let Some(mut shard) = self.shard(order_id) else {
            return;
        };
        if shard.changes != ticket.0 {
            return;
        }
        if shard.views.len() >= self.per_shard {
            shard.views.retain(|_, (_, at)| at.elapsed() < MAX_AGE);
            if shard.views.len() >= self.per_shard {
                // Full of young pages: those keep their place (a full shard that started over
                // would never answer anyone while more orders are watched than it holds).
                return;
            }
        }
        shard.views.insert(order_id, (bytes, Instant::now()));
    }

    /// Forgets the order (it changed).
    pub fn changed(&self, order_id: i64) {
        if let Some(mut shard) = self.shard(order_id) {
            shard.changes = shard.changes.wrapping_add(1);
            shard.views.remove(&order_id);
        }
    }

    /// Forgets every order (changes may have been missed).
    pub fn forget_all(&self) {
        for shard in &self.shards {
            if let Ok(mut shard) = shard.lock() {
                shard.changes = shard.changes.wrapping_add(1);
                shard.views.clear();
            }
        }
    }

    /// Orders kept now.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .filter_map(|s| s.lock().ok().map(|s| s.views.len()))
            .sum()
    }

    /// True when nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_drops_the_order_and_stops_an_older_read_from_being_kept() {
        let views = OrderViews::new(64);
        let ticket = views.ticket(7);
        views.keep(ticket, 7, Bytes::from_static(b"pending"));
        assert_eq!(views.get(7).as_deref(), Some(&b"pending"[..]));
        // A read started before a change must not keep what it read.
        let before = views.ticket(7);
        views.changed(7);
        assert!(views.get(7).is_none());
        views.keep(before, 7, Bytes::from_static(b"pending"));
        assert!(views.get(7).is_none());
        views.keep(views.ticket(7), 7, Bytes::from_static(b"processing"));
        assert_eq!(views.get(7).as_deref(), Some(&b"processing"[..]));
        views.forget_all();
        assert!(views.is_empty());
    }

    #[test]
    fn a_full_shard_keeps_what_it_has() {
        let views = OrderViews::new(SHARDS * 2);
        for id in 0..(SHARDS as i64 * 10) {
            views.keep(views.ticket(id), id, Bytes::from_static(b"{}"));
        }
        assert_eq!(views.len(), SHARDS * 2);
        assert!(views.get(0).is_some(), "the first pages stay");
        assert!(views.get(SHARDS as i64 * 10 - 1).is_none());
    }
}
