//! Oven: puts each scheduled order in when its stored `start_at` comes and takes each baking order
//! out when its stored `ready_at` comes, moving it to `ready`; keeps this worker's lease and takes
//! over the baking orders of workers that are gone.
//!
//! Scheduled orders are found by a sweep every `worker.schedule_sweep` (and at every start): those
//! due before the next sweep get a timer, and each is started by a guarded move
//! `scheduled → processing`, so of every worker sweeping, exactly one starts it; a worker killed
//! or scaled away leaves the others to find it.
//!
//! The timers live in memory, the times in the database: on every (re)start the oven reads its
//! `processing` orders back (all of them in the embedded shape), so a crash or restart loses no
//! bake. Every `lease_sweep` it renews its lease and takes over the `processing` orders of any
//! worker whose lease ran out ([`oven_leases`]), so a worker killed or scaled away leaves no order
//! behind.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use super::supervision::Restarts;
use crate::events::StatusBus;
use crate::store::kitchen;
use crate::store::oven_leases::{self, Baking};

/// Longest wait between two tries of a bake that could not be marked ready.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Put an order in the oven until `ready_at`.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Bake {
    pub order_id: i64,
    pub ready_at: DateTime<Utc>,
}

/// Start a scheduled order at `start_at` (told by the processor that scheduled it; the sweep
/// finds it anyway).
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct StartAt {
    pub order_id: i64,
    pub start_at: DateTime<Utc>,
}

/// Most orders taken out (or put in) in one transaction.
const MAX_BATCH: usize = 256;

/// Most scheduled orders one sweep plans timers for (the rest wait for the next sweep).
const MAX_PLANNED: u64 = 10_000;

/// The kitchen's clock: how long an order bakes, and how often scheduled orders are looked for.
#[derive(Debug, Clone, Copy)]
pub struct KitchenClock {
    pub prep_time: Duration,
    pub schedule_sweep: Duration,
}

/// This worker's lease on the orders in its oven.
#[derive(Debug, Clone)]
pub struct OvenLease {
    /// This worker process's id, recorded on the orders it starts.
    pub oven_id: Arc<str>,
    /// How long the lease lasts unrenewed.
    pub lease_time: Duration,
    /// How often it is renewed and gone workers' orders are looked for.
    pub sweep: Duration,
    /// At start take every `processing` order (the embedded shape: no other worker exists).
    pub every_order_at_start: bool,
}

/// The actor that keeps the bake timers.
pub struct Oven {
    db: DatabaseConnection,
    bus: StatusBus,
    restarts: Restarts,
    lease: OvenLease,
    clock: KitchenClock,
    /// A sweep is under way.
    sweeping: bool,
    /// A sweep for scheduled orders is under way.
    looking: bool,
    /// Scheduled orders with a start timer set.
    planned: HashSet<i64>,
    /// Scheduled orders whose start time has come, waiting to be put in.
    to_start: Vec<i64>,
    /// A batch of scheduled orders is being put in.
    starting: bool,
    /// Baked orders waiting to be taken out.
    due: Vec<i64>,
    /// A batch is being taken out (or waits to be tried again).
    busy: bool,
    /// Failed tries in a row, for the retry delay.
    failures: u32,
}

impl Oven {
    /// An oven announcing ready orders on `bus`.
    pub fn new(
        db: DatabaseConnection,
        bus: StatusBus,
        restarts: Restarts,
        lease: OvenLease,
        clock: KitchenClock,
    ) -> Oven {
        Oven {
            db,
            bus,
            restarts,
            lease,
            clock,
            sweeping: false,
            looking: false,
            planned: HashSet::new(),
            to_start: Vec::new(),
            starting: false,
            due: Vec::new(),
            busy: false,
            failures: 0,
        }
    }

    fn schedule(&mut self, bake: Bake, ctx: &mut Context<Self>) {
        let wait = (bake.ready_at - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        ctx.run_later(wait, move |act, ctx| {
            act.due.push(bake.order_id);
            act.take_out(ctx);
        });
    }

    fn schedule_all(&mut self, baking: Vec<Baking>, ctx: &mut Context<Self>) {
        for order in baking {
            let (order_id, ready_at) = (order.order_id, order.ready_at);
            self.schedule(Bake { order_id, ready_at }, ctx);
        }
    }

    /// Sets a timer to start scheduled order `order_id` at `start_at` (once per order).
    fn plan(&mut self, order_id: i64, start_at: DateTime<Utc>, ctx: &mut Context<Self>) {
        if !self.planned.insert(order_id) {
            return;
        }
        let wait = (start_at - Utc::now()).to_std().unwrap_or(Duration::ZERO);
        ctx.run_later(wait, move |act, ctx| {
            act.planned.remove(&order_id);
            act.to_start.push(order_id);
            act.start_due(ctx);
        });
    }

    /// Looks for the scheduled orders that start before the next sweep and plans them.
    fn look_for_scheduled(&mut self, ctx: &mut Context<Self>) {
        if self.looking {
            return;
        }
        self.looking = true;
        let db = self.db.clone();
        let until =
            Utc::now() + chrono::Duration::from_std(self.clock.schedule_sweep).unwrap_or_default();
        let look = async move { kitchen::scheduled_until(&db, until, MAX_PLANNED).await };
        ctx.spawn(look.into_actor(self).map(|found, act, ctx| {
            act.looking = false;
            match found {
                Ok(due) => {
                    for (order_id, start_at) in due {
                        act.plan(order_id, start_at, ctx);
                    }
                }
                Err(err) => {
                    tracing::warn!(actor = "oven", error = %err, "could not look for scheduled orders");
                }
            }
        }));
    }

    /// Puts the scheduled orders whose time has come in, a batch at a time. A batch that fails
    /// is left to the next sweep, which finds its orders still scheduled.
    fn start_due(&mut self, ctx: &mut Context<Self>) {
        if self.starting || self.to_start.is_empty() {
            return;
        }
        self.starting = true;
        let take = self.to_start.len().min(MAX_BATCH);
        let ids: Vec<i64> = self.to_start.drain(..take).collect();
        let (db, prep_time) = (self.db.clone(), self.clock.prep_time);
        let oven_id = self.lease.oven_id.clone();
        let span = tracing::info_span!("start", actor = "oven", orders = ids.len());
        let start = async move { kitchen::start_scheduled(&db, &ids, prep_time, &oven_id).await }
            .instrument(span);
        ctx.spawn(start.into_actor(self).map(|result, act, ctx| {
            act.starting = false;
            match result {
                Ok((moved, ready_at)) => {
                    for moved in moved {
                        tracing::info!(actor = "oven", order_id = moved.order_id, "scheduled order into the oven");
                        let order_id = moved.order_id;
                        act.bus.publish(moved);
                        act.schedule(Bake { order_id, ready_at }, ctx);
                    }
                }
                Err(err) => {
                    tracing::warn!(actor = "oven", error = %err, "could not start scheduled orders; the next sweep tries again");
                }
            }
            act.start_due(ctx);
        }));
    }

    /// Renews this worker's lease, then takes over the orders of workers whose lease ran out.
    fn sweep(&mut self, ctx: &mut Context<Self>) {
        if self.sweeping {
            return;
        }
        self.sweeping = true;
        let (db, lease) = (self.db.clone(), self.lease.clone());
        let sweep = async move {
            oven_leases::renew(&db, &lease.oven_id, lease.lease_time).await?;
            oven_leases::take_over_orphans(&db, &lease.oven_id).await
        };
        ctx.spawn(sweep.into_actor(self).map(|found, act, ctx| {
            act.sweeping = false;
            match found {
                Ok(taken) => act.schedule_all(taken, ctx),
                Err(err) => {
                    tracing::warn!(actor = "oven", error = %err, "could not renew the oven's lease or look for orphaned orders");
                }
            }
        }));
    }

    /// Takes the due orders out, a batch at a time; those that come due meanwhile wait for the
    /// next batch, so a busy oven writes fewer, larger transactions.
    fn take_out(&mut self, ctx: &mut Context<Self>) {
        if self.busy || self.due.is_empty() {
            return;
        }
        self.busy = true;
        let take = self.due.len().min(MAX_BATCH);
        let ids: Vec<i64> = self.due.drain(..take).collect();
        let db = self.db.clone();
        let span = tracing::info_span!(
            "bake",
            actor = "oven",
            orders = ids.len(),
            attempt = self.failures + 1
        );
        let mark = async move {
            let result = kitchen::mark_ready(&db, &ids).await;
            (ids, result)
        }
        .instrument(span);
        ctx.spawn(mark.into_actor(self).map(|(ids, result), act, ctx| match result {
            Ok(moved) => {
                act.failures = 0;
                for moved in moved {
                    tracing::info!(actor = "oven", order_id = moved.order_id, note = ?moved.change.note, "order out of the oven");
                    act.bus.publish(moved);
                }
                act.busy = false;
                act.take_out(ctx);
            }
            Err(err) => {
                let wait = (Duration::from_millis(100) * 2u32.saturating_pow(act.failures))
                    .min(MAX_RETRY);
                act.failures += 1;
                tracing::warn!(actor = "oven", orders = ids.len(), first_order_id = ids.first().copied(), attempt = act.failures, error = %err, retry_in_ms = wait.as_millis() as u64, "could not mark orders ready");
                act.due.splice(0..0, ids);
                ctx.run_later(wait, |act, ctx| {
                    act.busy = false;
                    act.take_out(ctx);
                });
            }
        }));
    }
}

impl Actor for Oven {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        // Every baking order is read back below; timers of an earlier start are gone.
        self.due.clear();
        self.busy = false;
        self.sweeping = false;
        self.looking = false;
        self.planned.clear();
        self.to_start.clear();
        self.starting = false;
        let (db, lease) = (self.db.clone(), self.lease.clone());
        let resume = async move {
            tokio::time::sleep(delay).await;
            oven_leases::claim_at_start(&db, &lease.oven_id, lease.every_order_at_start).await
        };
        ctx.wait(resume.into_actor(self).map(|found, act, ctx| match found {
            Ok(baking) => {
                if !baking.is_empty() {
                    tracing::info!(
                        actor = "oven",
                        orders = baking.len(),
                        "resuming bakes after start"
                    );
                }
                act.schedule_all(baking, ctx);
                act.restarts.succeeded();
                act.sweep(ctx);
                ctx.run_interval(act.lease.sweep, |act, ctx| act.sweep(ctx));
                act.look_for_scheduled(ctx);
                ctx.run_interval(act.clock.schedule_sweep, |act, ctx| {
                    act.look_for_scheduled(ctx)
                });
            }
            Err(err) => {
                tracing::error!(actor = "oven", error = %err, "could not read baking orders");
                act.restarts.failed(&err);
                ctx.stop();
            }
        }));
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(Oven);

impl Handler<Bake> for Oven {
    type Result = ();

    fn handle(&mut self, bake: Bake, ctx: &mut Self::Context) {
        self.schedule(bake, ctx);
    }
}

impl Handler<StartAt> for Oven {
    type Result = ();

    fn handle(&mut self, order: StartAt, ctx: &mut Self::Context) {
        let soon =
            Utc::now() + chrono::Duration::from_std(self.clock.schedule_sweep).unwrap_or_default();
        // Later ones are found by a sweep nearer their time.
        if order.start_at <= soon {
            self.plan(order.order_id, order.start_at, ctx);
        }
    }
}
