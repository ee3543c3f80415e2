//! OrderViews: this process's cache of `GET /api/orders/{id}` pages, dropped on every status change and refreshed in batches.
//!
//! Customers watch their order's page while it bakes, so the same orders are read again and
//! again. Each kept order is a packed [`record`] of a few dozen bytes (not its 600 bytes of
//! JSON), so the whole day's orders fit in a few MiB, and is rendered as it is read.
//!
//! The status bus tells the cache of every change it publishes (made here, or shared by another
//! process) before any listener hears of it. A kept page follows the change in place when the
//! change says all it wrote and is a move the page's status allows; otherwise the page is
//! dropped and, as it was kept, queued to be read again. An order placed here is kept as it was
//! placed, built from the request.
//! [`refresher::keep_fresh`] reads the queue back from the database in batches once the kitchen
//! has a quiet moment. Two guards keep a page from outliving a
//! change it did not hear of: a read keeps what it read only if its order was not reported
//! changed while it was reading, and nothing is served older than [`MAX_AGE`] (a change lost
//! with a broker link).

pub mod record;
pub mod refresher;
pub mod tokens;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bakery_wire::OrderView;
use bytes::Bytes;
use tokio::sync::Notify;

use record::Words;

use crate::domain::Moved;
use crate::domain::can_move;

/// Longest time a page is served without being read again from the database.
pub const MAX_AGE: Duration = Duration::from_secs(30);

/// Shards, so the HTTP workers rarely wait for each other.
const SHARDS: usize = 16;

/// Changes each shard remembers, to tell a read whether its order changed meanwhile.
const RECENT: usize = 1024;

/// What a kept order costs beside its record (map slot, time, allocation).
const ENTRY_OVERHEAD: usize = 56;

/// Refreshes wait until no order has changed for this long (the kitchen and the order intake
/// come first in a rush; a page asked for meanwhile is read on its own)...
const QUIET: Duration = Duration::from_millis(100);

/// ...or until the oldest has waited this long.
const MOST_WAIT: Duration = Duration::from_secs(2);

/// Most orders queued for a refresh (more are read when asked for).
const MOST_QUEUED: usize = 100_000;

/// The cache (shared by the HTTP workers and the refresher through the app state).
#[derive(Debug)]
pub struct OrderViews {
    shards: Vec<Mutex<Shard>>,
    /// Bytes kept per shard; a full shard keeps what it has until it ages.
    per_shard: usize,
    words: Words,
    queue: Mutex<Queue>,
    queued: Notify,
}

/// Some of the orders (by id), with the changes reported for them lately.
#[derive(Debug, Default)]
struct Shard {
    views: HashMap<i64, Kept>,
    bytes: usize,
    /// Changes reported so far.
    changes: u64,
    /// The orders of the last [`RECENT`] changes, newest last.
    recent: VecDeque<i64>,
}

#[derive(Debug)]
struct Kept {
    record: Box<[u8]>,
    at: Instant,
}

impl Kept {
    /// Bytes it counts for against the budget.
    fn cost(&self) -> usize {
        self.record.len() + ENTRY_OVERHEAD
    }
}

/// `view` after `moved`, or `None` when the change does not say everything it wrote (a process
/// of an earlier version) or is not a move from the page's status (a change missed or come out
/// of order): then only a read tells.
fn follow(mut view: OrderView, moved: &Moved) -> Option<OrderView> {
    let fields = moved.fields.as_ref()?;
    if !can_move(view.status, moved.change.status) {
        return None;
    }
    view.status = moved.change.status;
    view.history.push(moved.change.clone());
    if let Some(ready_at) = &fields.ready_at {
        view.ready_at = Some(ready_at.clone());
    }
    if fields.clear_reason {
        view.failure_reason = None;
    }
    if let Some(reason) = &fields.failure_reason {
        view.failure_reason = Some(reason.clone());
    }
    Some(view)
}

/// The shard of an order.
fn shard_of(order_id: i64) -> usize {
    order_id.rem_euclid(SHARDS as i64) as usize
}

/// Orders to read again, and when the shop last changed.
#[derive(Debug)]
struct Queue {
    ids: HashSet<i64>,
    oldest: Option<Instant>,
    last_change: Instant,
    /// Orders changed since the refresher last found the queue empty (it then waits for the
    /// quiet, hands freed memory back, and sleeps until the next change).
    stirred: bool,
}

/// How many changes an order's shard had seen, taken before reading the order from the database;
/// see [`OrderViews::keep`].
#[derive(Debug, Clone, Copy)]
pub struct ChangeCount(u64);

impl OrderViews {
    /// A cache of at most about `budget` bytes.
    pub fn new(budget: usize) -> OrderViews {
        OrderViews {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: budget.div_ceil(SHARDS).max(1),
            words: Words::default(),
            queue: Mutex::new(Queue {
                ids: HashSet::new(),
                oldest: None,
                last_change: Instant::now(),
                stirred: false,
            }),
            queued: Notify::new(),
        }
    }

    fn shard(&self, order_id: i64) -> Option<std::sync::MutexGuard<'_, Shard>> {
        self.shards.get(shard_of(order_id))?.lock().ok()
    }

    /// The order's page as JSON, if it is kept and young enough.
    pub fn get(&self, order_id: i64) -> Option<Bytes> {
        let view = self.view(order_id)?;
        serde_json::to_vec(&view).ok().map(Bytes::from)
    }

    /// The order's page, if it is kept and young enough (unpacked, for the caller to show all
    /// of it or what anyone may see before rendering).
    pub fn view(&self, order_id: i64) -> Option<OrderView> {
        let shard = self.shard(order_id)?;
        let kept = shard.views.get(&order_id)?;
        if kept.at.elapsed() >= MAX_AGE {
            return None;
        }
        record::unpack(order_id, &kept.record, &self.words)
    }

    /// Take before reading the order from the database.
    pub fn change_count(&self, order_id: i64) -> ChangeCount {
        ChangeCount(self.shard(order_id).map_or(u64::MAX, |s| s.changes))
    }

    /// Keeps what was read under `seen`, unless the order was reported changed since (what
    /// was read might be older than that change), or its shard is full of young pages; true when
    /// kept.
    pub fn keep(&self, seen: ChangeCount, view: &OrderView) -> bool {
        let Some(record) = record::pack(view, &self.words) else {
            return false;
        };
        let Some(mut shard) = self.shard(view.order_id) else {
            return false;
        };
        let since = shard.changes.wrapping_sub(seen.0);
        let Ok(since) = usize::try_from(since) else {
            return false;
        };
        if since > shard.recent.len()
            || shard
                .recent
                .iter()
                .rev()
                .take(since)
                .any(|id| *id == view.order_id)
        {
            return false;
        }
        let kept = Kept {
            record,
            at: Instant::now(),
        };
        let cost = kept.cost();
        if shard.bytes + cost > self.per_shard {
            let Shard { views, bytes, .. } = &mut *shard;
            views.retain(|_, kept| {
                let young = kept.at.elapsed() < MAX_AGE;
                if !young {
                    *bytes -= kept.cost();
                }
                young
            });
            if shard.bytes + cost > self.per_shard {
                // Full of young pages: those keep their place (a full shard that started over
                // would never answer anyone while more orders are watched than it holds).
                return false;
            }
        }
        shard.bytes += cost;
        if let Some(old) = shard.views.insert(view.order_id, kept) {
            shard.bytes -= old.cost();
        }
        true
    }

    /// The order changed: a kept page follows the change, or is forgotten and read again soon.
    pub fn changed(&self, moved: &Moved) {
        let order_id = moved.order_id;
        let reread = self.shard(order_id).is_some_and(|mut shard| {
            shard.changes = shard.changes.wrapping_add(1);
            if shard.recent.len() == RECENT {
                shard.recent.pop_front();
            }
            shard.recent.push_back(order_id);
            let Some(old) = shard.views.remove(&order_id) else {
                return false;
            };
            shard.bytes -= old.cost();
            let Some(kept) = self.followed(&old, moved) else {
                return true;
            };
            if shard.bytes + kept.cost() > self.per_shard {
                return true;
            }
            shard.bytes += kept.cost();
            shard.views.insert(order_id, kept);
            false
        });
        self.queue(order_id, reread);
    }

    /// The page `kept` after `moved`, if the change tells all of it (its age stays that of the
    /// last read, so [`MAX_AGE`] still bounds a page that followed changes only).
    fn followed(&self, kept: &Kept, moved: &Moved) -> Option<Kept> {
        let view = record::unpack(moved.order_id, &kept.record, &self.words)?;
        let view = follow(view, moved)?;
        Some(Kept {
            record: record::pack(&view, &self.words)?,
            at: kept.at,
        })
    }

    /// A seen of every shard, for an order whose id is not known yet (one being placed).
    pub fn change_counts(&self) -> Vec<ChangeCount> {
        self.shards
            .iter()
            .map(|s| ChangeCount(s.lock().map_or(u64::MAX, |s| s.changes)))
            .collect()
    }

    /// Keeps the page of an order placed just now under `counts` (taken before it was
    /// written); if it cannot be kept, reads it back soon.
    pub fn placed(&self, counts: &[ChangeCount], view: &OrderView) {
        let kept = counts
            .get(shard_of(view.order_id))
            .is_some_and(|seen| self.keep(*seen, view));
        if !kept {
            self.queue(view.order_id, true);
        }
    }

    fn queue(&self, order_id: i64, wanted: bool) {
        let Ok(mut queue) = self.queue.lock() else {
            return;
        };
        let now = Instant::now();
        queue.last_change = now;
        let stirs = !queue.stirred;
        queue.stirred = true;
        if wanted && queue.ids.len() < MOST_QUEUED && queue.ids.insert(order_id) {
            queue.oldest.get_or_insert(now);
            self.queued.notify_one();
        } else if stirs {
            self.queued.notify_one();
        }
    }

    /// How long the refresher should still wait before reading the queue (zero: now).
    fn refresh_delay(&self) -> Duration {
        let Ok(queue) = self.queue.lock() else {
            return Duration::ZERO;
        };
        let quiet = QUIET.saturating_sub(queue.last_change.elapsed());
        match queue.oldest {
            Some(oldest) => quiet.min(MOST_WAIT.saturating_sub(oldest.elapsed())),
            // Nothing to read: only the end of the burst is waited for.
            None => quiet,
        }
    }

    /// Up to `most` queued orders that are not kept now, with counts for reading them.
    fn take_queued(&self, most: usize) -> Vec<(i64, ChangeCount)> {
        let ids: Vec<i64> = {
            let Ok(mut queue) = self.queue.lock() else {
                return Vec::new();
            };
            let ids: Vec<i64> = queue.ids.iter().copied().take(most).collect();
            for id in &ids {
                queue.ids.remove(id);
            }
            if queue.ids.is_empty() {
                queue.oldest = None;
                queue.ids.shrink_to_fit();
                queue.stirred = false;
            }
            ids
        };
        ids.into_iter()
            .filter_map(|id| {
                let shard = self.shard(id)?;
                (!shard.views.contains_key(&id)).then_some((id, ChangeCount(shard.changes)))
            })
            .collect()
    }

    /// Forgets every order (changes may have been missed).
    pub fn forget_all(&self) {
        for shard in &self.shards {
            if let Ok(mut shard) = shard.lock() {
                shard.changes = shard.changes.wrapping_add(RECENT as u64 + 1);
                shard.views.clear();
                shard.bytes = 0;
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

    /// Bytes kept now (records and their overhead).
    pub fn bytes(&self) -> usize {
        self.shards
            .iter()
            .filter_map(|s| s.lock().ok().map(|s| s.bytes))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MovedFields;
    use bakery_wire::{Fulfillment, OrderStatus, StatusChange};

    fn view(order_id: i64, status: OrderStatus) -> OrderView {
        OrderView {
            order_id,
            customer_name: "Customer".to_owned(),
            status,
            created_at: "2026-11-26 08:00:00".to_owned(),
            items: Vec::new(),
            total: 0.0,
            history: vec![StatusChange {
                status,
                note: None,
                at: "2026-11-26 08:00:01".to_owned(),
            }],
            failure_reason: None,
            ready_at: None,
            fulfillment: Fulfillment::Pickup,
            delivery_address: None,
            pickup_at: None,
            pickup_until: None,
        }
    }

    /// A change that does not say what else it wrote (as from a process of an earlier version).
    fn unsaid(order_id: i64) -> Moved {
        Moved {
            order_id,
            change: StatusChange {
                status: OrderStatus::Processing,
                note: None,
                at: "2026-11-26 08:00:02".to_owned(),
            },
            fields: None,
            from: None,
            outbox_rows: 0,
        }
    }

    /// The kitchen's move of `order_id` to `status`, saying what else it wrote.
    fn said(order_id: i64, status: OrderStatus, fields: MovedFields) -> Moved {
        Moved {
            order_id,
            change: StatusChange {
                status,
                note: Some(format!("now {status}")),
                at: "2026-11-26 08:00:03".to_owned(),
            },
            fields: Some(fields),
            from: None,
            outbox_rows: 0,
        }
    }

    #[test]
    fn a_kept_page_follows_a_change_that_says_what_it_wrote() {
        let views = OrderViews::new(1 << 20);
        views.keep(views.change_count(5), &view(5, OrderStatus::Pending));
        let ready_at = Some("2026-11-26 08:03:00".to_owned());
        let start = MovedFields {
            ready_at: ready_at.clone(),
            ..MovedFields::default()
        };
        views.changed(&said(5, OrderStatus::Processing, start));
        views.changed(&said(5, OrderStatus::Ready, MovedFields::default()));
        let mut expected = view(5, OrderStatus::Pending);
        expected.status = OrderStatus::Ready;
        expected.ready_at = ready_at;
        for status in [OrderStatus::Processing, OrderStatus::Ready] {
            expected.history.push(StatusChange {
                status,
                note: Some(format!("now {status}")),
                at: "2026-11-26 08:00:03".to_owned(),
            });
        }
        let page: serde_json::Value = serde_json::from_slice(&views.get(5).unwrap()).unwrap();
        assert_eq!(page, serde_json::to_value(&expected).unwrap());
        // Nothing to read again: the page is as the database has it; the refresher only waits
        // for the end of the burst (then malloc hands back what it freed).
        assert!(views.refresh_delay() > Duration::from_millis(50));
        std::thread::sleep(QUIET);
        assert_eq!(views.refresh_delay(), Duration::ZERO);
        assert!(views.take_queued(10).is_empty());

        // A failure reason is set and cleared as the move wrote it.
        views.keep(views.change_count(6), &view(6, OrderStatus::Processing));
        let failed = MovedFields {
            failure_reason: Some("oven broke".to_owned()),
            ..MovedFields::default()
        };
        views.changed(&said(6, OrderStatus::Failed, failed));
        let page: serde_json::Value = serde_json::from_slice(&views.get(6).unwrap()).unwrap();
        assert_eq!(page["failure_reason"], "oven broke");
        let retry = MovedFields {
            clear_reason: true,
            ..MovedFields::default()
        };
        views.changed(&said(6, OrderStatus::Pending, retry));
        let page: serde_json::Value = serde_json::from_slice(&views.get(6).unwrap()).unwrap();
        assert_eq!(
            (page["status"].as_str(), page["failure_reason"].as_str()),
            (Some("pending"), None)
        );
    }

    #[test]
    fn a_change_out_of_order_or_unsaid_drops_the_page_to_be_read_again() {
        let views = OrderViews::new(1 << 20);
        views.keep(views.change_count(5), &view(5, OrderStatus::Pending));
        views.changed(&said(5, OrderStatus::Ready, MovedFields::default()));
        assert!(views.get(5).is_none(), "pending cannot become ready");
        views.keep(views.change_count(6), &view(6, OrderStatus::Pending));
        views.changed(&unsaid(6));
        assert!(views.get(6).is_none());
        std::thread::sleep(QUIET);
        assert_eq!(queued_ids(&views), [5, 6]);
    }

    /// The ids the refresher would read next, in order.
    fn queued_ids(views: &OrderViews) -> Vec<i64> {
        let mut ids: Vec<i64> = views
            .take_queued(10)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        ids.sort_unstable();
        ids
    }

    fn status_of(views: &OrderViews, order_id: i64) -> Option<String> {
        let page: serde_json::Value = serde_json::from_slice(&views.get(order_id)?).ok()?;
        Some(page["status"].as_str()?.to_owned())
    }

    #[test]
    fn a_change_drops_the_order_and_stops_an_older_read_from_being_kept() {
        let views = OrderViews::new(1 << 20);
        views.keep(views.change_count(7), &view(7, OrderStatus::Pending));
        assert_eq!(status_of(&views, 7).as_deref(), Some("pending"));
        let page: serde_json::Value = serde_json::from_slice(&views.get(7).unwrap()).unwrap();
        assert_eq!(
            page,
            serde_json::to_value(view(7, OrderStatus::Pending)).unwrap()
        );
        // A read started before a change must not keep what it read.
        let before = views.change_count(7);
        let other = views.change_count(7 + SHARDS as i64);
        views.changed(&unsaid(7));
        assert!(views.get(7).is_none());
        views.keep(before, &view(7, OrderStatus::Pending));
        assert!(views.get(7).is_none());
        // A read of another order of the shard is kept: only its own changes count.
        views.keep(other, &view(7 + SHARDS as i64, OrderStatus::Pending));
        assert!(views.get(7 + SHARDS as i64).is_some());
        views.keep(views.change_count(7), &view(7, OrderStatus::Processing));
        assert_eq!(status_of(&views, 7).as_deref(), Some("processing"));
        views.forget_all();
        assert!(views.is_empty());
        assert_eq!(views.bytes(), 0);
    }

    #[test]
    fn a_read_that_outlasted_the_remembered_changes_is_not_kept() {
        let views = OrderViews::new(1 << 20);
        let seen = views.change_count(0);
        // Every remembered change is of another order: what was read can be kept...
        for n in 1..=RECENT as i64 {
            views.changed(&unsaid(n * SHARDS as i64));
        }
        views.keep(seen, &view(0, OrderStatus::Pending));
        assert!(views.get(0).is_some());
        // ...but not once more changes happened than are remembered.
        let seen = views.change_count(0);
        for n in 1..=RECENT as i64 + 1 {
            views.changed(&unsaid(n * SHARDS as i64));
        }
        views.keep(seen, &view(0, OrderStatus::Processing));
        assert_eq!(status_of(&views, 0).as_deref(), Some("pending"));
    }

    #[test]
    fn a_full_shard_keeps_what_it_has() {
        let one = record::pack(&view(0, OrderStatus::Pending), &Words::default())
            .unwrap()
            .len();
        let views = OrderViews::new(SHARDS * 2 * (one + ENTRY_OVERHEAD));
        for id in 0..(SHARDS as i64 * 10) {
            views.keep(views.change_count(id), &view(id, OrderStatus::Pending));
        }
        assert_eq!(views.len(), SHARDS * 2);
        assert!(views.get(0).is_some(), "the first pages stay");
        assert!(views.get(SHARDS as i64 * 10 - 1).is_none());
    }

    #[test]
    fn changed_and_placed_orders_are_queued_once_the_shop_is_quiet() {
        let views = OrderViews::new(1 << 20);
        views.keep(views.change_count(1), &view(1, OrderStatus::Pending));
        views.changed(&unsaid(1)); // was kept: read it again
        views.changed(&unsaid(2)); // nobody reads it: not queued
        let mut placed = OrderViews::new(1 << 20);
        placed.per_shard = 0; // full: the page of a placed order is queued instead
        placed.placed(&placed.change_counts(), &view(3, OrderStatus::Pending));
        assert_eq!(placed.take_queued(10).len(), 1);
        views.queue(3, true);
        assert!(views.refresh_delay() > Duration::from_millis(50));
        std::thread::sleep(QUIET);
        assert_eq!(views.refresh_delay(), Duration::ZERO);
        assert_eq!(queued_ids(&views), [1, 3]);
        assert!(views.take_queued(10).is_empty());
    }
}
