//! The order queue: the seed's message, one transport trait, in-process and RabbitMQ transports.
//!
//! Publishers hand JSON messages to an [`OrderQueue`]; consumers take [`Delivery`]s from an
//! [`Inbox`] shared by the processor pool, and acknowledge each once its work is committed.

mod acks;
pub mod amqp;
mod local;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::{Mutex, mpsc};

pub use crate::domain::{MessageItem, OrderMessage};
pub use local::LocalQueue;

/// Why a message could not be handed to the queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the order queue is closed")]
    Closed,
    #[error("the broker did not take the message: {0}")]
    Broker(String),
}

impl QueueError {
    /// A broker failure (or anything else that kept a message from the broker) as the queue's error.
    pub fn broker(err: impl std::fmt::Display) -> QueueError {
        QueueError::Broker(err.to_string())
    }
}

impl From<lapin::Error> for QueueError {
    fn from(err: lapin::Error) -> QueueError {
        QueueError::broker(err)
    }
}

/// Somewhere order messages can be published, durably once the future resolves.
pub trait OrderQueue: Send + Sync + 'static {
    /// Publishes JSON messages in order; returns how many leading messages the queue has taken
    /// for sure, and the error that stopped the rest (if any).
    fn publish_batch<'a>(
        &'a self,
        payloads: &'a [String],
    ) -> BoxFuture<'a, (usize, Option<QueueError>)>;
}

/// One message handed to a processor, with how many times it has been tried.
#[derive(Debug)]
pub struct Delivery {
    pub payload: String,
    /// 1 for the first try.
    pub attempt: u32,
    receipt: Receipt,
}

/// How to settle a delivery with the transport it came from.
#[derive(Debug)]
enum Receipt {
    /// In-process: the outbox and the resume-on-start scan make it durable; nothing to settle.
    Local,
    /// RabbitMQ: ack (with others, see [`acks`]), or reject to the dead-letter exchange.
    Amqp {
        tag: u64,
        acks: Arc<acks::ChannelAcks>,
    },
}

impl Delivery {
    /// A delivery from the in-process queue.
    pub fn local(payload: String) -> Delivery {
        Delivery {
            payload,
            attempt: 1,
            receipt: Receipt::Local,
        }
    }

    /// A delivery from RabbitMQ, `tag` on the channel `acks` settles.
    pub fn amqp(payload: String, tag: u64, acks: Arc<acks::ChannelAcks>) -> Delivery {
        Delivery {
            payload,
            attempt: 1,
            receipt: Receipt::Amqp { tag, acks },
        }
    }

    /// Tells the transport the work is committed; the message will not come again.
    pub async fn ack(self) -> Result<(), QueueError> {
        crate::metrics::queue_acked();
        match self.receipt {
            Receipt::Local => Ok(()),
            Receipt::Amqp { tag, acks } => acks.ack(tag).await,
        }
    }

    /// Gives the message up (malformed, or out of attempts); it will not come again.
    pub async fn dead_letter(self, reason: &str) -> Result<(), QueueError> {
        tracing::warn!(reason, payload = %self.payload, "order message dead-lettered");
        crate::metrics::queue_dead_lettered();
        match self.receipt {
            Receipt::Local => Ok(()),
            Receipt::Amqp { tag, acks } => acks.reject(tag).await,
        }
    }
}

/// Where the processor pool takes deliveries from: one receiver shared by every processor.
#[derive(Debug, Clone)]
pub struct Inbox(Arc<Mutex<mpsc::Receiver<Delivery>>>);

impl Inbox {
    /// Deliveries an inbox holds; a sender waits while it is full. (The outbox, or RabbitMQ,
    /// holds the rest of a backlog: an unbounded inbox held a rush's 50,000 messages in memory.)
    pub const CAPACITY: usize = 1024;

    /// A new inbox and the sender that fills it.
    pub fn new() -> (mpsc::Sender<Delivery>, Inbox) {
        let (tx, rx) = mpsc::channel(Self::CAPACITY);
        (tx, Inbox(Arc::new(Mutex::new(rx))))
    }

    /// Waits for the next delivery, then for more until `max` deliveries (at least one) are in
    /// hand or `linger` has passed since the first; empty once every sender is gone.
    pub async fn next_batch(&self, max: usize, linger: Duration) -> Vec<Delivery> {
        self.next_batch_unless(max, linger, std::future::pending())
            .await
            .unwrap_or_default()
    }

    /// [`Inbox::next_batch`], or `None` if `stop` comes first while nothing is in hand yet (once
    /// a first delivery is taken the batch is finished and handed over, so none is dropped).
    pub async fn next_batch_unless(
        &self,
        max: usize,
        linger: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) -> Option<Vec<Delivery>> {
        let first = async {
            let mut inbox = self.0.lock().await;
            let first = inbox.recv().await;
            (inbox, first)
        };
        let (mut inbox, first) = tokio::select! {
            biased;
            taken = first => taken,
            () = stop => return None,
        };
        let Some(first) = first else {
            return Some(Vec::new());
        };
        let until = tokio::time::Instant::now() + linger;
        let mut batch = vec![first];
        while batch.len() < max.max(1) {
            let next = match inbox.try_recv() {
                Ok(delivery) => Some(delivery),
                Err(_) => tokio::time::timeout_at(until, inbox.recv())
                    .await
                    .ok()
                    .flatten(),
            };
            match next {
                Some(delivery) => batch.push(delivery),
                None => break,
            }
        }
        crate::metrics::set_queue_depth(inbox.len() as u64);
        Some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(n: u32) -> Delivery {
        Delivery {
            payload: n.to_string(),
            attempt: 1,
            receipt: Receipt::Local,
        }
    }

    #[tokio::test]
    async fn a_batch_waits_for_company_until_it_is_full_or_the_linger_is_over() {
        let (tx, inbox) = Inbox::new();
        // Deliveries coming in within the linger join the batch, which goes when it is over.
        let linger = Duration::from_millis(600);
        let sender = tx.clone();
        tokio::spawn(async move {
            for n in 0..3 {
                sender.send(delivery(n)).await.unwrap();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        let started = std::time::Instant::now();
        let batch = inbox.next_batch(10, linger).await;
        assert_eq!(batch.len(), 3);
        assert!(started.elapsed() >= linger, "it waited out the linger");

        // A full batch goes at once, long before its linger.
        for n in 0..5 {
            tx.send(delivery(n)).await.unwrap();
        }
        let long = Duration::from_secs(30);
        let started = std::time::Instant::now();
        let batch = inbox.next_batch(4, long).await;
        let payloads: Vec<&str> = batch.iter().map(|d| d.payload.as_str()).collect();
        assert_eq!(payloads, ["0", "1", "2", "3"]);
        assert!(started.elapsed() < long);

        // No linger: what is waiting, at once.
        assert_eq!(inbox.next_batch(4, Duration::ZERO).await.len(), 1);

        drop(tx);
        assert!(
            inbox.next_batch(4, long).await.is_empty(),
            "no senders, no batch"
        );
    }
}
