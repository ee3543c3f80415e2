//! OrderStore: group commit of new orders; concurrent requests share one transaction, each gets its own answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix::prelude::*;
use sea_orm::DatabaseConnection;
use tokio::sync::oneshot;

use super::outbox_relay::{OutboxRelay, OutboxWritten};
use super::supervision::Restarts;
use crate::metrics::OrderGauges;
use crate::store::draft::{Booking, OrderDraft, PlaceOutcome};
use crate::store::intake::place_booked_orders;

/// Why an order could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database did not take the order: {0}")]
    Database(#[from] crate::store::StoreError),
    #[error("the order store is not running")]
    Unavailable,
}

/// Store this order with its slot booking (answered once its batch is committed).
#[derive(Message, Debug)]
#[rtype(result = "Result<PlaceOutcome, StoreError>")]
pub struct PlaceOrder(pub OrderDraft, pub Booking);

/// Counts of what the store has written, to see the batching at work.
#[derive(Debug, Default)]
pub struct StoreStats {
    /// Transactions committed (each holds one batch).
    pub batches: AtomicU64,
    /// Orders written.
    pub orders: AtomicU64,
}

type Waiting = (
    (OrderDraft, Booking),
    oneshot::Sender<Result<PlaceOutcome, StoreError>>,
);

/// The actor that batches order writes.
pub struct OrderStore {
    db: DatabaseConnection,
    topic: String,
    max_batch: usize,
    max_wait: Duration,
    relay: Option<Addr<OutboxRelay>>,
    restarts: Restarts,
    gauges: Arc<OrderGauges>,
    stats: Arc<StoreStats>,
    waiting: Vec<Waiting>,
    /// A timer will start the next batch.
    armed: bool,
    /// Batches being written now.
    in_flight: usize,
    /// Most batches written at once: PostgreSQL takes several side by side; SQLite has one
    /// writer, so there one batch at a time lets the next grow meanwhile.
    max_in_flight: usize,
}

/// Batches written side by side on PostgreSQL: with 32 clients, 4 batches took 5 % more orders a
/// second than 2 while the kitchen worked beside them (two A/B pairs of the distributed benchmark).
const PG_BATCHES_IN_FLIGHT: usize = 4;

impl OrderStore {
    /// Writes batches of at most `max_batch` orders; the first order of a batch waits at most
    /// `max_wait` for company. After each commit, `relay` (if any) is told the outbox has rows
    /// and `gauges` how many orders were placed.
    pub fn new(
        db: DatabaseConnection,
        topic: String,
        (max_batch, max_wait): (usize, Duration),
        relay: Option<Addr<OutboxRelay>>,
        restarts: Restarts,
        gauges: Arc<OrderGauges>,
    ) -> OrderStore {
        OrderStore {
            topic,
            max_batch,
            max_wait,
            relay,
            restarts,
            gauges,
            stats: Arc::default(),
            max_in_flight: match db.get_database_backend() {
                sea_orm::DbBackend::Postgres => PG_BATCHES_IN_FLIGHT,
                _ => 1,
            },
            db,
            waiting: Vec::new(),
            armed: false,
            in_flight: 0,
        }
    }

    /// The store's counters.
    pub fn stats(&self) -> Arc<StoreStats> {
        self.stats.clone()
    }

    fn write_batch(&mut self, ctx: &mut Context<Self>) {
        self.armed = false;
        if self.waiting.is_empty() || self.in_flight >= self.max_in_flight {
            return; // A batch that ends calls again.
        }
        self.in_flight += 1;
        let take = self.waiting.len().min(self.max_batch);
        let (drafts, answers): (Vec<(OrderDraft, Booking)>, Vec<_>) =
            self.waiting.drain(..take).unzip();
        self.restarts.member().set_depth(self.waiting.len());
        let db = self.db.clone();
        let topic = self.topic.clone();
        let size = drafts.len();
        let write = async move { place_booked_orders(&db, &drafts, &topic).await };
        ctx.spawn(write.into_actor(self).map(move |outcomes, act, ctx| {
            let mut outcomes = outcomes.into_iter();
            let (mut written, mut new_orders) = (0, 0);
            for answer in answers {
                let outcome = outcomes
                    .next()
                    .unwrap_or(Err(crate::store::StoreError::NoOutcome));
                written += u64::from(outcome.is_ok());
                if let Ok(PlaceOutcome::Placed(placed)) = &outcome
                    && !placed.replayed
                {
                    crate::metrics::order_transition(bakery_wire::OrderStatus::Pending);
                    new_orders += 1;
                }
                let _caller_gone = answer.send(outcome.map_err(StoreError::from));
            }
            act.gauges.placed(new_orders);
            tracing::debug!(actor = "order_store", batch = size, "order batch committed");
            if written > 0 {
                act.stats.batches.fetch_add(1, Ordering::Relaxed);
                act.stats.orders.fetch_add(written, Ordering::Relaxed);
                act.restarts.succeeded();
                if let Some(relay) = &act.relay {
                    relay.do_send(OutboxWritten);
                }
            }
            act.in_flight -= 1;
            act.write_batch(ctx);
        }));
    }

    /// Starts a batch soon, so concurrent requests can join it.
    fn arm(&mut self, after: Duration, ctx: &mut Context<Self>) {
        if !self.armed && self.in_flight < self.max_in_flight {
            self.armed = true;
            ctx.run_later(after, |act, ctx| act.write_batch(ctx));
        }
    }
}

impl Actor for OrderStore {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        self.restarts.member().set_depth(self.waiting.len());
        // Timers and writes of an earlier start are gone with it.
        self.armed = false;
        self.in_flight = 0;
        if !self.waiting.is_empty() {
            self.arm(delay, ctx);
        }
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(OrderStore);

impl Handler<PlaceOrder> for OrderStore {
    type Result = ResponseFuture<Result<PlaceOutcome, StoreError>>;

    fn handle(&mut self, msg: PlaceOrder, ctx: &mut Self::Context) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        self.waiting.push(((msg.0, msg.1), tx));
        self.restarts.member().set_depth(self.waiting.len());
        // Wait a moment so concurrent requests can join this batch.
        self.arm(self.max_wait, ctx);
        Box::pin(async move { rx.await.unwrap_or(Err(StoreError::Unavailable)) })
    }
}
