//! The in-process transport of the embedded shape: messages go straight into the processors' inbox.

use futures_util::future::BoxFuture;
use tokio::sync::mpsc;

use super::{Delivery, OrderQueue, QueueError};

/// Publishes into this process's [`super::Inbox`].
#[derive(Debug, Clone)]
pub struct LocalQueue {
    inbox: mpsc::Sender<Delivery>,
}

impl LocalQueue {
    /// A queue feeding the inbox behind `inbox`.
    pub fn new(inbox: mpsc::Sender<Delivery>) -> LocalQueue {
        LocalQueue { inbox }
    }
}

impl OrderQueue for LocalQueue {
    fn publish_batch<'a>(
        &'a self,
        payloads: &'a [String],
    ) -> BoxFuture<'a, (usize, Option<QueueError>)> {
        Box::pin(async move {
            let mut sent = 0;
            for payload in payloads {
                // Waits while the inbox is full: the rest stay in the outbox meanwhile.
                if self
                    .inbox
                    .send(Delivery::local(payload.clone()))
                    .await
                    .is_err()
                {
                    return (sent, Some(QueueError::Closed));
                }
                sent += 1;
            }
            (sent, None)
        })
    }
}
