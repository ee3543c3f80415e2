//! OrderProcessor: takes order messages from the inbox, reserves stock and puts orders in the oven.
//!
//! A transient failure stops the actor; its supervisor restarts it after a backoff delay and the
//! same delivery is tried again, up to `max_attempts`, after which the order is `failed`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use actix::prelude::*;
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use super::catalog_cache::{CatalogCache, Invalidate};
use super::oven::{Bake, Oven};
use super::supervision::Restarts;
use crate::events::StatusBus;
use crate::queue::{Delivery, Inbox, OrderMessage};
use crate::store::orders::{self, StartOutcome};

/// What every processor of the pool shares: the database, the rules of work, and who to tell.
pub struct Kitchen {
    pub db: DatabaseConnection,
    pub prep_time: Duration,
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

/// One try at the order in `payload`: reserve its stock and start baking, or reject it.
pub async fn process_order(
    kitchen: &Kitchen,
    payload: &str,
    attempt: u32,
) -> Result<(i64, StartOutcome), ProcessError> {
    let message = OrderMessage::parse(payload).map_err(ProcessError::Malformed)?;
    let order_id = message.order_id;
    tracing::Span::current().record("order_id", order_id);
    if attempt <= kitchen.failing_attempts {
        return Err(ProcessError::Transient {
            order_id,
            reason: format!(
                "injected fault (chaos.failing_attempts = {})",
                kitchen.failing_attempts
            ),
        });
    }
    let outcome = orders::start_processing(&kitchen.db, order_id, attempt, kitchen.prep_time)
        .await
        .map_err(|e| ProcessError::Transient {
            order_id,
            reason: e.to_string(),
        })?;
    Ok((order_id, outcome))
}

/// One processor of the pool.
pub struct OrderProcessor {
    number: usize,
    kitchen: Arc<Kitchen>,
    inbox: Inbox,
    restarts: Restarts,
    /// The delivery that failed, to try again once restarted.
    retry: Option<Delivery>,
}

impl OrderProcessor {
    /// Processor `number` of the pool, taking work from `inbox`.
    pub fn new(number: usize, kitchen: Arc<Kitchen>, inbox: Inbox, restarts: Restarts) -> Self {
        OrderProcessor {
            number,
            kitchen,
            inbox,
            restarts,
            retry: None,
        }
    }

    fn take_next(&mut self, ctx: &mut Context<Self>) {
        if self.kitchen.shift.is_closing() {
            return; // Deliveries not taken go back to the queue when the process ends.
        }
        let inbox = self.inbox.clone();
        let next = async move { inbox.next().await };
        ctx.spawn(next.into_actor(self).map(|delivery, act, ctx| {
            if let Some(delivery) = delivery {
                act.work(delivery, ctx);
            }
        }));
    }

    fn work(&mut self, delivery: Delivery, ctx: &mut Context<Self>) {
        let kitchen = self.kitchen.clone();
        kitchen.shift.busy.fetch_add(1, Ordering::SeqCst);
        crate::metrics::queue_delivered();
        crate::metrics::processor_busy(1);
        let span = tracing::info_span!(
            "order",
            actor = "order_processor",
            processor = self.number,
            order_id = tracing::field::Empty,
            attempt = delivery.attempt,
        );
        let settle_span = span.clone();
        let attempt = async move {
            let result = process_order(&kitchen, &delivery.payload, delivery.attempt).await;
            (delivery, result)
        }
        .instrument(span);
        ctx.spawn(
            attempt
                .into_actor(self)
                .map(move |(delivery, result), act, ctx| {
                    let _entered = settle_span.enter();
                    act.settle(delivery, result, ctx);
                }),
        );
    }

    fn settle(
        &mut self,
        mut delivery: Delivery,
        result: Result<(i64, StartOutcome), ProcessError>,
        ctx: &mut Context<Self>,
    ) {
        let kitchen = self.kitchen.clone();
        match result {
            Ok((order_id, outcome)) => {
                self.restarts.succeeded();
                let known = self.announce(order_id, outcome);
                self.finish(ctx, async move {
                    let settled = if known {
                        delivery.ack().await
                    } else {
                        delivery.dead_letter("no such order").await
                    };
                    if let Err(err) = settled {
                        tracing::warn!(order_id, error = %err, "could not settle the delivery");
                    }
                });
            }
            Err(ProcessError::Malformed(reason)) => {
                tracing::warn!(actor = "order_processor", %reason, "dead-lettering a malformed message");
                self.finish(ctx, async move {
                    let _ = delivery.dead_letter(&reason).await;
                });
            }
            Err(ProcessError::Transient { order_id, reason }) => {
                let attempt = delivery.attempt;
                if attempt >= kitchen.max_attempts {
                    tracing::error!(order_id, attempt, %reason, "order failed on its last attempt; giving up");
                    let bus = kitchen.bus.clone();
                    self.finish(ctx, async move {
                        let why = format!("gave up after {attempt} attempts: {reason}");
                        match orders::mark_failed(&kitchen.db, order_id, attempt, &why).await {
                            Ok(Some(moved)) => bus.publish(moved),
                            Ok(None) => {}
                            Err(err) => tracing::error!(order_id, error = %err, "could not mark the order failed"),
                        }
                        let _ = delivery.dead_letter(&why).await;
                    });
                } else {
                    tracing::warn!(order_id, attempt, %reason, "order attempt failed; the processor will restart and retry");
                    delivery.attempt += 1;
                    self.retry = Some(delivery);
                    self.kitchen.shift.busy.fetch_sub(1, Ordering::SeqCst);
                    crate::metrics::processor_busy(-1);
                    ctx.stop();
                }
            }
        }
    }

    /// Tells the bus, the oven and the catalog what happened; false when the order is unknown.
    fn announce(&self, order_id: i64, outcome: StartOutcome) -> bool {
        let kitchen = &self.kitchen;
        match outcome {
            StartOutcome::Baking { moved, ready_at } => {
                tracing::info!(order_id, ready_at = %ready_at, "stock reserved; order in the oven");
                kitchen.bus.publish(moved);
                kitchen.oven.do_send(Bake { order_id, ready_at });
                if let Some(catalog) = &kitchen.catalog {
                    catalog.do_send(Invalidate { announce: true });
                }
                true
            }
            StartOutcome::Rejected { moved } => {
                tracing::info!(order_id, reason = ?moved.change.note, "order rejected");
                kitchen.bus.publish(moved);
                true
            }
            StartOutcome::Skipped(status) => {
                tracing::info!(order_id, %status, "order already handled; duplicate delivery ignored");
                true
            }
            StartOutcome::Unknown => {
                tracing::warn!(order_id, "message names an unknown order");
                false
            }
        }
    }

    /// Settles the delivery, then takes the next one.
    fn finish(&mut self, ctx: &mut Context<Self>, settle: impl Future<Output = ()> + 'static) {
        ctx.spawn(settle.into_actor(self).map(|(), act, ctx| {
            act.kitchen.shift.busy.fetch_sub(1, Ordering::SeqCst);
            crate::metrics::processor_busy(-1);
            act.take_next(ctx)
        }));
    }
}

impl Actor for OrderProcessor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        let retry = self.retry.take();
        ctx.run_later(delay, move |act, ctx| match retry {
            Some(delivery) => act.work(delivery, ctx),
            None => act.take_next(ctx),
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

impl Supervised for OrderProcessor {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.restarts.restarting();
    }
}
