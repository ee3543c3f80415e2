//! OrderProcessor: takes order messages from the inbox in batches, reserves stock and puts orders in the oven or on its clock.
//!
//! Each processor takes what is waiting (as [`batching`] says) and starts it in one transaction.
//! A transient failure stops the actor; its supervisor restarts it after a backoff delay and the
//! failed deliveries are tried again, up to `max_attempts`, after which the order is `failed`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use actix::prelude::*;
use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::watch;
use tracing::Instrument;

use super::catalog_cache::{CatalogCache, Invalidate};
use super::oven::{Bake, Oven, StartAt};
use super::supervision::Restarts;
use crate::config::live::LiveSettings;
use crate::events::StatusBus;
use crate::queue::{Delivery, Inbox, OrderMessage};
use crate::store::kitchen::{self, Start, StartOutcome};
use crate::store::moves;

/// What every processor of the pool shares: the database, the rules of work, and who to tell.
pub struct ProcessingContext {
    pub db: DatabaseConnection,
    /// The settings in force (the preparation time is read for each batch).
    pub live: LiveSettings,
    /// This process's oven, recorded on the orders it starts (see `store::oven_leases`).
    pub oven_id: Arc<str>,
    pub max_attempts: u32,
    /// Chaos knob: fail this many first attempts of every order.
    pub failing_attempts: u32,
    pub bus: StatusBus,
    pub oven: Addr<Oven>,
    pub catalog: Option<Addr<CatalogCache>>,
    pub shift: Arc<Shift>,
}

/// The pool's working hours: how many orders are in hand, and whether the shop is closing.
#[derive(Debug, Default)]
pub struct Shift {
    closing: AtomicBool,
    busy: AtomicUsize,
}

impl Shift {
    /// Stop taking new deliveries; work in hand is finished.
    pub fn close(&self) {
        self.closing.store(true, Ordering::SeqCst);
    }

    /// Orders being worked on right now.
    pub fn busy(&self) -> usize {
        self.busy.load(Ordering::SeqCst)
    }

    fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }
}

/// Who is in the pool: how many it should have, how many run, and their addresses (holding an
/// address keeps a processor's supervisor restarting it).
#[derive(Default)]
pub(super) struct Headcount {
    pub(super) target: usize,
    pub(super) running: usize,
    pub(super) next_number: usize,
    pub(super) members: HashMap<usize, Addr<OrderProcessor>>,
}

/// What a processor knows of its pool: whether it is one too many, and when the size changed.
#[derive(Clone)]
pub struct Membership {
    /// Weak: the pool owns the headcount, whose addresses keep the processors running.
    pub(super) headcount: Weak<Mutex<Headcount>>,
    pub(super) resized: watch::Receiver<usize>,
}

impl Membership {
    /// Leaves the pool if it has more processors than it should; true when `number` must go.
    pub fn try_retire(&self, number: usize) -> bool {
        let Some(headcount) = self.headcount.upgrade() else {
            return false;
        };
        let Ok(mut headcount) = headcount.lock() else {
            return false;
        };
        if headcount.running <= headcount.target {
            return false;
        }
        headcount.running -= 1;
        headcount.members.remove(&number);
        crate::metrics::set_worker_pool_size(headcount.running);
        true
    }

    /// A receiver that fires at the next resize (marked as having seen the current size).
    pub fn next_resize(&self) -> watch::Receiver<usize> {
        let mut resized = self.resized.clone();
        resized.borrow_and_update();
        resized
    }
}

/// Why one try at an order did not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProcessError {
    /// The message can never be processed (not JSON, wrong shape): give it up at once.
    #[error("malformed order message: {0}")]
    Malformed(String),
    /// Worth another try (database unreachable, lock timeout, injected fault).
    #[error("order {order_id}: {reason}")]
    Transient { order_id: i64, reason: String },
}

/// How a processor gathers a batch: the most orders it starts in one transaction, and how long
/// it waits for more when it has fewer in hand.
///
/// On PostgreSQL, 256 and 50 ms: a batch costs a fixed handful of statements and a commit
/// whatever its size, so during a rush fewer, fuller batches leave more of the database to order
/// intake (distributed benchmark: POSTs 30 → 43 % of the PostgreSQL ceiling, end to end
/// 24 → 44 %), and an order waits at most 50 ms more, next to preparation times of minutes.
/// On SQLite, 64 at once: its one writer is held for the whole batch, and batches of 256 put
/// the p99 of POSTs at 7–11× their p50 (6× with 64); lingering gained nothing there.
pub fn batching(backend: DbBackend) -> (usize, Duration) {
    match backend {
        DbBackend::Sqlite => (64, Duration::ZERO),
        _ => (256, Duration::from_millis(50)),
    }
}

/// One try at a batch of order messages (`(payload, attempt)` each): every well-formed one is
/// started or rejected in one transaction. The answers follow `tries`.
pub async fn process_orders(
    kitchen: &ProcessingContext,
    tries: &[(&str, u32)],
) -> Vec<Result<(i64, StartOutcome), ProcessError>> {
    let mut answers: Vec<Option<Result<(i64, StartOutcome), ProcessError>>> = Vec::new();
    let mut starts = Vec::new();
    let mut slots = Vec::new();
    for (payload, attempt) in tries {
        let answer = match OrderMessage::parse(payload) {
            Err(reason) => Some(Err(ProcessError::Malformed(reason))),
            Ok(message) if *attempt <= kitchen.failing_attempts => {
                Some(Err(ProcessError::Transient {
                    order_id: message.order_id,
                    reason: format!(
                        "injected fault (chaos.failing_attempts = {})",
                        kitchen.failing_attempts
                    ),
                }))
            }
            Ok(message) => {
                slots.push(answers.len());
                starts.push(Start {
                    order_id: message.order_id,
                    attempt: *attempt,
                });
                None
            }
        };
        answers.push(answer);
    }
    if !starts.is_empty() {
        let prep_time = kitchen.live.current().worker.prep_time;
        let outcomes =
            kitchen::start_orders(&kitchen.db, &starts, prep_time, &kitchen.oven_id).await;
        for (n, (slot, start)) in slots.iter().zip(&starts).enumerate() {
            let answer = match &outcomes {
                Ok(outcomes) => outcomes
                    .get(n)
                    .cloned()
                    .map(|outcome| (start.order_id, outcome))
                    .ok_or_else(|| "the batch lost an order".to_owned()),
                Err(err) => Err(err.to_string()),
            };
            answers[*slot] = Some(answer.map_err(|reason| ProcessError::Transient {
                order_id: start.order_id,
                reason,
            }));
        }
    }
    answers
        .into_iter()
        .map(|a| {
            a.unwrap_or_else(|| Err(ProcessError::Malformed("no answer for a delivery".into())))
        })
        .collect()
}

/// What to do with a delivery once its batch is through.
enum Settle {
    Ack(Delivery),
    DeadLetter(Delivery, String),
    /// Out of attempts: the order is `failed`, the message dead-lettered.
    GiveUp(Delivery, i64, String),
}

/// One processor of the pool.
pub struct OrderProcessor {
    number: usize,
    kitchen: Arc<ProcessingContext>,
    inbox: Inbox,
    restarts: Restarts,
    /// The pool it belongs to (it retires when the pool shrinks).
    membership: Membership,
    /// The deliveries that failed, to try again once restarted.
    retry: Vec<Delivery>,
}

impl OrderProcessor {
    /// Processor `number` of the pool, taking work from `inbox`.
    pub fn new(
        number: usize,
        kitchen: Arc<ProcessingContext>,
        inbox: Inbox,
        restarts: Restarts,
        membership: Membership,
    ) -> Self {
        OrderProcessor {
            number,
            kitchen,
            inbox,
            restarts,
            membership,
            retry: Vec::new(),
        }
    }

    fn take_next(&mut self, ctx: &mut Context<Self>) {
        if self.kitchen.shift.is_closing() {
            return; // Deliveries not taken go back to the queue when the process ends.
        }
        // Between batches, with nothing in hand: the moment to leave a pool that shrank.
        let mut resized = self.membership.next_resize();
        if self.membership.try_retire(self.number) {
            tracing::info!(
                actor = "order_processor",
                processor = self.number,
                "processor retired: the pool shrank"
            );
            ctx.stop();
            return;
        }
        let inbox = self.inbox.clone();
        let (most, linger) = batching(self.kitchen.db.get_database_backend());
        let resize = async move {
            if resized.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let next = async move { inbox.next_batch_unless(most, linger, resize).await };
        ctx.spawn(next.into_actor(self).map(|batch, act, ctx| match batch {
            // The pool was resized while this one waited: see whether it is to go.
            None => act.take_next(ctx),
            Some(batch) if !batch.is_empty() => act.work(batch, ctx),
            Some(_) => {}
        }));
    }

    fn work(&mut self, batch: Vec<Delivery>, ctx: &mut Context<Self>) {
        let kitchen = self.kitchen.clone();
        let size = batch.len();
        kitchen.shift.busy.fetch_add(size, Ordering::SeqCst);
        for _ in 0..size {
            crate::metrics::queue_delivered();
        }
        crate::metrics::processor_busy(i32::try_from(size).unwrap_or(i32::MAX));
        let span = tracing::info_span!(
            "orders",
            actor = "order_processor",
            processor = self.number,
            orders = size,
            attempt = batch.iter().map(|d| d.attempt).max().unwrap_or(1),
        );
        let settle_span = span.clone();
        let attempt = async move {
            let tries: Vec<(&str, u32)> = batch
                .iter()
                .map(|d| (d.payload.as_str(), d.attempt))
                .collect();
            let results = process_orders(&kitchen, &tries).await;
            (batch, results)
        }
        .instrument(span);
        ctx.spawn(
            attempt
                .into_actor(self)
                .map(move |(batch, results), act, ctx| {
                    let _entered = settle_span.enter();
                    act.settle(batch, results, ctx);
                }),
        );
    }

    fn settle(
        &mut self,
        batch: Vec<Delivery>,
        results: Vec<Result<(i64, StartOutcome), ProcessError>>,
        ctx: &mut Context<Self>,
    ) {
        let size = batch.len();
        let max_attempts = self.kitchen.max_attempts;
        let mut settles = Vec::with_capacity(size);
        let mut retry = Vec::new();
        let mut baked = false;
        for (mut delivery, result) in batch.into_iter().zip(results) {
            let attempt = delivery.attempt;
            match result {
                Ok((order_id, outcome)) => {
                    baked |= matches!(
                        outcome,
                        StartOutcome::Baking { .. } | StartOutcome::Scheduled { .. }
                    );
                    settles.push(if self.announce(order_id, attempt, outcome) {
                        Settle::Ack(delivery)
                    } else {
                        Settle::DeadLetter(delivery, "no such order".into())
                    });
                }
                Err(ProcessError::Malformed(reason)) => {
                    tracing::warn!(actor = "order_processor", %reason, "dead-lettering a malformed message");
                    settles.push(Settle::DeadLetter(delivery, reason));
                }
                Err(ProcessError::Transient { order_id, reason }) if attempt >= max_attempts => {
                    tracing::error!(order_id, attempt, %reason, "order failed on its last attempt; giving up");
                    let why = format!("gave up after {attempt} attempts: {reason}");
                    settles.push(Settle::GiveUp(delivery, order_id, why));
                }
                Err(ProcessError::Transient { order_id, reason }) => {
                    tracing::warn!(order_id, attempt, %reason, "order attempt failed; the processor will restart and retry");
                    self.restarts
                        .failed(&format_args!("order {order_id}: {reason}"));
                    delivery.attempt += 1;
                    retry.push(delivery);
                }
            }
        }
        if baked && let Some(catalog) = &self.kitchen.catalog {
            catalog.do_send(Invalidate { announce: true });
        }
        if retry.is_empty() {
            self.restarts.succeeded();
        }
        let kitchen = self.kitchen.clone();
        let settled = async move {
            for settle in settles {
                settle_one(&kitchen, settle).await;
            }
        };
        ctx.spawn(settled.into_actor(self).map(move |(), act, ctx| {
            act.kitchen.shift.busy.fetch_sub(size, Ordering::SeqCst);
            crate::metrics::processor_busy(-i32::try_from(size).unwrap_or(i32::MAX));
            if retry.is_empty() {
                act.take_next(ctx);
            } else {
                act.retry = retry;
                ctx.stop();
            }
        }));
    }

    /// Tells the bus and the oven what happened; false when the order is unknown.
    fn announce(&self, order_id: i64, attempt: u32, outcome: StartOutcome) -> bool {
        let kitchen = &self.kitchen;
        match outcome {
            StartOutcome::Baking { moved, ready_at } => {
                tracing::info!(order_id, attempt, ready_at = %ready_at, "stock reserved; order in the oven");
                kitchen.bus.publish(moved);
                kitchen.oven.do_send(Bake { order_id, ready_at });
                true
            }
            StartOutcome::Scheduled { moved, start_at } => {
                tracing::info!(order_id, attempt, start_at = %start_at, "stock reserved; order scheduled");
                kitchen.bus.publish(moved);
                kitchen.oven.do_send(StartAt { order_id, start_at });
                true
            }
            StartOutcome::Rejected { moved } => {
                tracing::info!(order_id, attempt, reason = ?moved.change.note, "order rejected");
                kitchen.bus.publish(moved);
                true
            }
            StartOutcome::Skipped(status) => {
                tracing::info!(order_id, attempt, %status, "order already handled; duplicate delivery ignored");
                true
            }
            StartOutcome::Unknown => {
                tracing::warn!(order_id, attempt, "message names an unknown order");
                false
            }
        }
    }
}

/// Acknowledges, dead-letters, or gives up one delivery.
async fn settle_one(kitchen: &ProcessingContext, settle: Settle) {
    match settle {
        Settle::Ack(delivery) => {
            if let Err(err) = delivery.ack().await {
                tracing::warn!(error = %err, "could not acknowledge the delivery");
            }
        }
        Settle::DeadLetter(delivery, reason) => {
            if let Err(err) = delivery.dead_letter(&reason).await {
                tracing::warn!(error = %err, "could not dead-letter the delivery");
            }
        }
        Settle::GiveUp(delivery, order_id, why) => {
            let attempt = delivery.attempt;
            match moves::mark_failed(&kitchen.db, order_id, attempt, &why).await {
                Ok(Some(moved)) => kitchen.bus.publish(moved),
                Ok(None) => {}
                Err(err) => {
                    tracing::error!(order_id, error = %err, "could not mark the order failed")
                }
            }
            let _ = delivery.dead_letter(&why).await;
        }
    }
}

impl Actor for OrderProcessor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        let retry = std::mem::take(&mut self.retry);
        ctx.run_later(delay, move |act, ctx| {
            if retry.is_empty() {
                act.take_next(ctx);
            } else {
                act.work(retry, ctx);
            }
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(OrderProcessor);
