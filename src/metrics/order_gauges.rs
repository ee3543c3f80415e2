//! The order figures of one process: orders by status and the outbox backlog, kept up to date
//! move by move where this process makes every move, and the exact count of the moves it made.
//!
//! A gauge is `base + net`: `base` comes from the periodic count in the database, `net` is what
//! this process has seen since it started (orders placed, moves, outbox rows written and
//! published). Where the process is the only one writing orders (the embedded shape) the figure
//! is exact between counts and the count only corrects drift; where other processes move orders
//! too (the distributed shape) the gauge is the count alone and the counter
//! `bakery_order_moves_total{from,to}` is the exact, summable figure.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};

use bakery_wire::OrderStatus;
use bakery_wire::lifecycle::can_move;

const STATUSES: usize = OrderStatus::ALL.len();
/// The `from` row of a new order (`from="new"`).
const NEW: usize = STATUSES;

/// Orders per status and unpublished outbox rows, as counted in the database.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderCounts {
    /// Statuses without orders may be left out (they are 0).
    pub by_status: Vec<(OrderStatus, u64)>,
    pub outbox_backlog: u64,
}

/// One process's order gauges and move counters; shared by the parts that place, move and
/// publish, and rendered by the operations listener.
#[derive(Debug)]
pub struct OrderGauges {
    follows_moves: bool,
    counted: AtomicBool,
    base: [AtomicI64; STATUSES],
    net: [AtomicI64; STATUSES],
    backlog_base: AtomicI64,
    backlog_net: AtomicI64,
    /// `moves[from][to]`, `from == NEW` for placed orders.
    moves: [[AtomicU64; STATUSES]; STATUSES + 1],
    /// Bumped by every event, so that a count can tell whether anything happened meanwhile.
    events: AtomicU64,
}

impl OrderGauges {
    /// Gauges that follow each event between counts when `follows_moves` (this process makes
    /// every move of the database's orders), else show the count alone.
    pub fn new(follows_moves: bool) -> OrderGauges {
        OrderGauges {
            follows_moves,
            counted: AtomicBool::new(false),
            base: std::array::from_fn(|_| AtomicI64::new(0)),
            net: std::array::from_fn(|_| AtomicI64::new(0)),
            backlog_base: AtomicI64::new(0),
            backlog_net: AtomicI64::new(0),
            moves: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            events: AtomicU64::new(0),
        }
    }

    /// Whether a count has seeded the gauges.
    pub fn is_counted(&self) -> bool {
        self.counted.load(Ordering::Acquire)
    }

    /// Whether the gauges follow each event (else they are the periodic count).
    pub fn follows_moves(&self) -> bool {
        self.follows_moves
    }

    /// `n` new orders were committed as `pending`, each with its queue message in the outbox.
    pub fn placed(&self, n: u64) {
        if n == 0 {
            return;
        }
        self.moves[NEW][index(OrderStatus::Pending)].fetch_add(n, Ordering::Relaxed);
        self.net[index(OrderStatus::Pending)].fetch_add(signed(n), Ordering::Relaxed);
        self.backlog_net.fetch_add(signed(n), Ordering::Relaxed);
        self.events.fetch_add(1, Ordering::Release);
    }

    /// An order moved from `from` (as the database had it under the row's lock) to `to`, and
    /// wrote `outbox_rows` rows with it; call after the commit.
    pub fn moved(&self, from: OrderStatus, to: OrderStatus, outbox_rows: u32) {
        self.moves[index(from)][index(to)].fetch_add(1, Ordering::Relaxed);
        self.net[index(from)].fetch_sub(1, Ordering::Relaxed);
        self.net[index(to)].fetch_add(1, Ordering::Relaxed);
        self.backlog_net
            .fetch_add(i64::from(outbox_rows), Ordering::Relaxed);
        self.events.fetch_add(1, Ordering::Release);
    }

    /// `n` outbox rows were written without a move (reminders); call after the commit.
    pub fn outbox_written(&self, n: u64) {
        if n == 0 {
            return;
        }
        self.backlog_net.fetch_add(signed(n), Ordering::Relaxed);
        self.events.fetch_add(1, Ordering::Release);
    }

    /// `n` outbox rows were marked published (committed).
    pub fn outbox_published(&self, n: u64) {
        if n == 0 {
            return;
        }
        self.backlog_net.fetch_sub(signed(n), Ordering::Relaxed);
        self.events.fetch_add(1, Ordering::Release);
    }

    /// A mark to take before counting, for [`OrderGauges::counted`].
    pub fn mark(&self) -> u64 {
        self.events.load(Ordering::Acquire)
    }

    /// Sets the gauges from a count made after `mark`. Where the gauges follow the moves, the
    /// count is taken only if nothing was recorded since `mark` (else which moves it saw is not
    /// known) or when `anyway`; returns whether it was taken.
    pub fn counted(&self, counts: &OrderCounts, mark: u64, anyway: bool) -> bool {
        let quiet = self.mark() == mark;
        if self.follows_moves && !quiet && !anyway {
            return false;
        }
        for status in OrderStatus::ALL {
            let n = counts
                .by_status
                .iter()
                .find(|(s, _)| *s == status)
                .map_or(0, |(_, n)| signed(*n));
            let seen = self.seen(&self.net[index(status)]);
            self.base[index(status)].store(n - seen, Ordering::Relaxed);
        }
        let seen = self.seen(&self.backlog_net);
        self.backlog_base
            .store(signed(counts.outbox_backlog) - seen, Ordering::Relaxed);
        self.counted.store(true, Ordering::Release);
        true
    }

    /// The part of a gauge this process followed itself (0 where the gauges are the count).
    fn seen(&self, net: &AtomicI64) -> i64 {
        if self.follows_moves {
            net.load(Ordering::Relaxed)
        } else {
            0
        }
    }

    /// Orders in `status` now, as far as this process knows.
    pub fn orders(&self, status: OrderStatus) -> i64 {
        let i = index(status);
        self.base[i].load(Ordering::Relaxed) + self.seen(&self.net[i])
    }

    /// Unpublished outbox rows now, as far as this process knows.
    pub fn outbox_backlog(&self) -> i64 {
        self.backlog_base.load(Ordering::Relaxed) + self.seen(&self.backlog_net)
    }

    /// The figures in the Prometheus text format; the gauges only once a count has seeded them.
    pub fn render(&self) -> String {
        let mut text = String::new();
        if self.counted.load(Ordering::Acquire) {
            text.push_str(concat!(
                "# HELP bakery_orders Orders in the database by status: counted at start and ",
                "every metrics_count_every, and followed move by move between counts where this ",
                "process makes every move.\n# TYPE bakery_orders gauge\n"
            ));
            for status in OrderStatus::ALL {
                let n = self.orders(status).max(0);
                let _ = writeln!(text, "bakery_orders{{status=\"{}\"}} {n}", status.as_str());
            }
            text.push_str(concat!(
                "# HELP bakery_outbox_backlog Outbox rows not yet published (order messages and ",
                "notifications), counted and followed like bakery_orders.\n",
                "# TYPE bakery_outbox_backlog gauge\n"
            ));
            let _ = writeln!(
                text,
                "bakery_outbox_backlog {}",
                self.outbox_backlog().max(0)
            );
        }
        text.push_str(concat!(
            "# HELP bakery_order_moves_total Orders this process placed (from=\"new\") or moved, ",
            "by the status before and after; exact, and summable over processes.\n",
            "# TYPE bakery_order_moves_total counter\n"
        ));
        let froms = OrderStatus::ALL.iter().map(|s| (index(*s), s.as_str()));
        for (from, from_name) in std::iter::once((NEW, "new")).chain(froms) {
            for to in OrderStatus::ALL {
                let placing = from == NEW && to == OrderStatus::Pending;
                let allowed = from < NEW && can_move(OrderStatus::ALL[from], to);
                if placing || allowed {
                    let n = self.moves[from][index(to)].load(Ordering::Relaxed);
                    let _ = writeln!(
                        text,
                        "bakery_order_moves_total{{from=\"{from_name}\",to=\"{}\"}} {n}",
                        to.as_str()
                    );
                }
            }
        }
        text
    }
}

fn index(status: OrderStatus) -> usize {
    OrderStatus::ALL
        .iter()
        .position(|s| *s == status)
        .unwrap_or(0)
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pending: u64, ready: u64, backlog: u64) -> OrderCounts {
        OrderCounts {
            by_status: vec![(OrderStatus::Pending, pending), (OrderStatus::Ready, ready)],
            outbox_backlog: backlog,
        }
    }

    #[test]
    fn following_gauges_add_each_move_to_the_count() {
        let gauges = OrderGauges::new(true);
        assert!(!gauges.render().contains("bakery_orders{"));
        gauges.placed(2); // before the seed: the seed's count includes them
        let mark = gauges.mark();
        assert!(gauges.counted(&counts(7, 1, 2), mark, false));
        gauges.placed(1);
        gauges.moved(OrderStatus::Pending, OrderStatus::Processing, 1);
        gauges.outbox_published(3);
        assert_eq!(gauges.orders(OrderStatus::Pending), 7);
        assert_eq!(gauges.orders(OrderStatus::Processing), 1);
        assert_eq!(gauges.outbox_backlog(), 1);
        let text = gauges.render();
        assert!(
            text.contains("bakery_orders{status=\"ready\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("bakery_orders{status=\"failed\"} 0\n"),
            "{text}"
        );
        assert!(
            text.contains("bakery_order_moves_total{from=\"new\",to=\"pending\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("bakery_order_moves_total{from=\"pending\",to=\"processing\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("from=\"ready\",to=\"pending\""), "{text}");
    }

    #[test]
    fn a_count_during_moves_is_not_taken_unless_asked() {
        let gauges = OrderGauges::new(true);
        let mark = gauges.mark();
        gauges.placed(1);
        assert!(!gauges.counted(&counts(5, 0, 0), mark, false));
        assert!(gauges.counted(&counts(5, 0, 0), mark, true));
        assert_eq!(gauges.orders(OrderStatus::Pending), 5);
    }

    #[test]
    fn gauges_that_do_not_follow_show_the_count_and_still_count_moves() {
        let gauges = OrderGauges::new(false);
        let mark = gauges.mark();
        gauges.moved(OrderStatus::Processing, OrderStatus::Ready, 0);
        assert!(gauges.counted(&counts(4, 2, 9), mark, false));
        gauges.moved(OrderStatus::Processing, OrderStatus::Ready, 0);
        assert_eq!(gauges.orders(OrderStatus::Ready), 2);
        assert_eq!(gauges.outbox_backlog(), 9);
        let text = gauges.render();
        assert!(
            text.contains("bakery_order_moves_total{from=\"processing\",to=\"ready\"} 2\n"),
            "{text}"
        );
    }
}
