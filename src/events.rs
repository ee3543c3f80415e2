//! The status bus: every order status change, broadcast in-process to whoever streams it.

use tokio::sync::broadcast;

use crate::store::orders::Moved;

/// Carries [`Moved`] events from the actors that make them to the SSE streams that show them.
#[derive(Debug, Clone)]
pub struct StatusBus {
    tx: broadcast::Sender<Moved>,
}

impl StatusBus {
    /// A bus that keeps up to `capacity` events for slow listeners.
    pub fn new(capacity: usize) -> StatusBus {
        let (tx, _) = broadcast::channel(capacity);
        StatusBus { tx }
    }

    /// Tells every listener; nobody listening is fine.
    pub fn publish(&self, moved: Moved) {
        let _listeners = self.tx.send(moved);
    }

    /// Listens from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Moved> {
        self.tx.subscribe()
    }
}
