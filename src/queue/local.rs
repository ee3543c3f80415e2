//! The in-process transport of the embedded shape: messages go straight into the processors' inbox.

use futures_util::future::BoxFuture;
use tokio::sync::mpsc;

use super::{Delivery, OrderQueue, QueueError};

/// Publishes into this process's [`super::Inbox`].
#[derive(Debug, Clone)]
pub struct LocalQueue {
    inbox: mpsc::UnboundedSender<Delivery>,
}

impl LocalQueue {
    /// A queue feeding the inbox behind `inbox`.
    pub fn new(inbox: mpsc::UnboundedSender<Delivery>) -> LocalQueue {
        LocalQueue { inbox }
    }
}

impl OrderQueue for LocalQueue {
    fn publish<'a>(&'a self, payload: &'a str) -> BoxFuture<'a, Result<(), QueueError>> {
        let sent = self
            .inbox
            .send(Delivery::local(payload.to_owned()))
            .map_err(|_| QueueError::Closed);
        Box::pin(async move { sent })
    }
}
