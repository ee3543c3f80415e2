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
    fn publish_batch<'a>(
        &'a self,
        payloads: &'a [String],
    ) -> BoxFuture<'a, (usize, Option<QueueError>)> {
        let mut sent = 0;
        for payload in payloads {
            if self.inbox.send(Delivery::local(payload.clone())).is_err() {
                return Box::pin(async move { (sent, Some(QueueError::Closed)) });
            }
            sent += 1;
        }
        Box::pin(async move { (sent, None) })
    }
}
