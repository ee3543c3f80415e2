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

use super::order_processor::{Membership, OrderProcessor, ProcessingContext, Roster};
use super::supervision::Restarts;
use crate::queue::Inbox;

/// The pool of one process.
pub struct ProcessorPool {
    roster: Arc<Mutex<Roster>>,
    resized: watch::Sender<usize>,
    context: Arc<ProcessingContext>,
    inbox: Inbox,
    restart_delays: (Duration, Duration),
}

impl ProcessorPool {
    /// Starts `size` processors taking work from `inbox`, restarted after failures with
    /// `restart_delays` (first, longest).
    pub fn start(
        size: usize,
        context: Arc<ProcessingContext>,
        inbox: Inbox,
        restart_delays: (Duration, Duration),
    ) -> ProcessorPool {
        let (resized, _) = watch::channel(size);
        let pool = ProcessorPool {
            roster: Arc::new(Mutex::new(Roster::default())),
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
        let Ok(mut roster) = self.roster.lock() else {
            return;
        };
        let (before, running) = (roster.target, roster.running);
        roster.target = size;
        while roster.running < size {
            let number = roster.next_number;
            roster.next_number += 1;
            roster.running += 1;
            let membership = Membership {
                roster: Arc::downgrade(&self.roster),
                resized: self.resized.subscribe(),
            };
            let (context, inbox) = (self.context.clone(), self.inbox.clone());
            let (first, longest) = self.restart_delays;
            let restarts = Restarts::new("order_processor", first, longest);
            let addr = Supervisor::start(move |_| {
                OrderProcessor::new(number, context, inbox, restarts, membership)
            });
            roster.members.insert(number, addr);
        }
        crate::metrics::set_worker_pool_size(roster.running);
        drop(roster);
        if before != size {
            tracing::info!(from = before, to = size, running, "processor pool resized");
        }
        self.resized.send_replace(size);
    }
}
