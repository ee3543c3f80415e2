//! The processor pool: starts the OrderProcessors and resizes the pool while it runs — it grows by
//! starting processors and shrinks by letting processors retire once their batch is settled.
//!
//! A processor retires only between batches (never with a delivery in hand, never with a batch
//! to retry), so resizing neither drops nor repeats an order. Idle processors waiting on the
//! inbox are woken by a resize to check whether they are the ones to go.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::Supervisor;
use tokio::sync::watch;

use super::order_processor::{Headcount, Membership, OrderProcessor, ProcessingContext};
use super::roster::Roster;
use super::supervision::Restarts;
use crate::queue::Inbox;

/// The pool of one process.
pub struct ProcessorPool {
    headcount: Arc<Mutex<Headcount>>,
    /// The process's roster, where each new processor is enlisted.
    roster: Arc<Roster>,
    /// The depth of the shared inbox, for each processor's roster entry.
    inbox_depth: Arc<dyn Fn() -> u64 + Send + Sync>,
    resized: watch::Sender<usize>,
    context: Arc<ProcessingContext>,
    inbox: Inbox,
    restart_delays: (Duration, Duration),
}

impl ProcessorPool {
    /// Starts `size` processors taking work from `inbox` (whose depth `inbox_depth` measures),
    /// each enlisted in `roster` and restarted after failures with `restart_delays` (first,
    /// longest).
    pub fn start(
        size: usize,
        context: Arc<ProcessingContext>,
        (inbox, inbox_depth): (Inbox, Arc<dyn Fn() -> u64 + Send + Sync>),
        roster: Arc<Roster>,
        restart_delays: (Duration, Duration),
    ) -> ProcessorPool {
        let (resized, _) = watch::channel(size);
        let pool = ProcessorPool {
            headcount: Arc::new(Mutex::new(Headcount::default())),
            roster,
            inbox_depth,
            resized,
            context,
            inbox,
            restart_delays,
        };
        pool.resize(size);
        pool
    }

    /// Processors the pool is to have from now on: new ones start at once, extra ones retire
    /// after their current batch.
    pub fn resize(&self, size: usize) {
        let Ok(mut headcount) = self.headcount.lock() else {
            return;
        };
        let (before, running) = (headcount.target, headcount.running);
        headcount.target = size;
        while headcount.running < size {
            let number = headcount.next_number;
            headcount.next_number += 1;
            headcount.running += 1;
            let membership = Membership {
                headcount: Arc::downgrade(&self.headcount),
                resized: self.resized.subscribe(),
            };
            let (context, inbox) = (self.context.clone(), self.inbox.clone());
            let (first, longest) = self.restart_delays;
            let member = self.roster.enlist("order_processor");
            let depth = self.inbox_depth.clone();
            member.measure_depth(move || depth());
            let restarts = Restarts::new(member, first, longest);
            let addr = Supervisor::start(move |_| {
                OrderProcessor::new(number, context, inbox, restarts, membership)
            });
            headcount.members.insert(number, addr);
        }
        crate::metrics::set_worker_pool_size(headcount.running);
        drop(headcount);
        if before != size {
            tracing::info!(from = before, to = size, running, "processor pool resized");
        }
        self.resized.send_replace(size);
    }
}
