//! The status bus: every order status change, broadcast in-process to whoever streams it,
//! and shared with the other processes when a broker links them.

pub mod watched;

use std::sync::Arc;

use actix::{Message, Recipient};
use tokio::sync::broadcast;

use crate::domain::Moved;
use crate::metrics::OrderGauges;
use crate::order_views::OrderViews;

/// Publish this change to the other processes (handled by the status fanout actor).
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct ShareStatus(pub Moved);

/// Carries [`Moved`] events from the actors that make them to the SSE streams that show them.
#[derive(Debug, Clone)]
pub struct StatusBus {
    tx: broadcast::Sender<Moved>,
    /// Where changes made here go to reach other processes.
    remote: Option<Recipient<ShareStatus>>,
    /// Rendered orders to drop as they change, before anyone hears of the change.
    views: Option<Arc<OrderViews>>,
    /// This process's order figures, told of every move made here.
    gauges: Option<Arc<OrderGauges>>,
}

impl StatusBus {
    /// A bus that keeps up to `capacity` events for slow listeners.
    pub fn new(capacity: usize) -> StatusBus {
        let (tx, _) = broadcast::channel(capacity);
        StatusBus {
            tx,
            remote: None,
            views: None,
            gauges: None,
        }
    }

    /// The same bus, telling `gauges` of every move made here (not of other processes' moves).
    pub fn counting_into(mut self, gauges: Arc<OrderGauges>) -> StatusBus {
        self.gauges = Some(gauges);
        self
    }

    /// This process's order figures, if the bus counts into them.
    pub fn gauges(&self) -> Option<&Arc<OrderGauges>> {
        self.gauges.as_ref()
    }

    /// The same bus, dropping each changed order from `views` as the change is published here,
    /// so a reader who heard of a change never gets the order from before it.
    pub fn dropping_changed(mut self, views: Arc<OrderViews>) -> StatusBus {
        self.views = Some(views);
        self
    }

    /// The same bus, also sharing every change made here through `remote`.
    pub fn shared_through(mut self, remote: Recipient<ShareStatus>) -> StatusBus {
        self.remote = Some(remote);
        self
    }

    /// Tells every listener here and, if linked, every other process, of a move made here
    /// (committed); the order figures count it.
    pub fn publish(&self, moved: Moved) {
        crate::metrics::order_transition(moved.change.status);
        if let (Some(gauges), Some(from)) = (&self.gauges, moved.from) {
            gauges.moved(from, moved.change.status, moved.outbox_rows);
        }
        if let Some(remote) = &self.remote {
            remote.do_send(ShareStatus(moved.clone()));
        }
        self.publish_local(moved);
    }

    /// Tells the listeners in this process only (for changes that came from elsewhere).
    pub fn publish_local(&self, moved: Moved) {
        if let Some(views) = &self.views {
            views.changed(&moved);
        }
        let _listeners = self.tx.send(moved);
    }

    /// Listens from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Moved> {
        self.tx.subscribe()
    }
}
