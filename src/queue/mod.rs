//! The order queue: the seed's message, one transport trait, in-process and RabbitMQ transports.
//!
//! Publishers hand JSON messages to an [`OrderQueue`]; consumers take [`Delivery`]s from an
//! [`Inbox`] shared by the processor pool, and acknowledge each once its work is committed.

pub mod amqp;
mod local;
mod message;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use tokio::sync::{Mutex, mpsc};

pub use local::LocalQueue;
pub use message::{MessageItem, OrderMessage};

/// Why a message could not be handed to the queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("the order queue is closed")]
    Closed,
    #[error("the broker did not take the message: {0}")]
    Broker(String),
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
    /// RabbitMQ: ack, or reject to the dead-letter exchange.
    Amqp(lapin::Acker),
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

    /// A delivery from RabbitMQ.
    pub fn amqp(payload: String, acker: lapin::Acker) -> Delivery {
        Delivery {
            payload,
            attempt: 1,
            receipt: Receipt::Amqp(acker),
        }
    }

    /// Tells the transport the work is committed; the message will not come again.
    pub async fn ack(self) -> Result<(), QueueError> {
        crate::metrics::queue_acked();
        match self.receipt {
            Receipt::Local => Ok(()),
            Receipt::Amqp(acker) => acker
                .ack(lapin::options::BasicAckOptions::default())
                .await
                .map(|_| ())
                .map_err(|e| QueueError::Broker(e.to_string())),
        }
    }

    /// Gives the message up (malformed, or out of attempts); it will not come again.
    pub async fn dead_letter(self, reason: &str) -> Result<(), QueueError> {
        tracing::warn!(reason, payload = %self.payload, "order message dead-lettered");
        crate::metrics::queue_dead_lettered();
        match self.receipt {
            Receipt::Local => Ok(()),
            Receipt::Amqp(acker) => {
                let options = lapin::options::BasicRejectOptions { requeue: false };
                acker
                    .reject(options)
                    .await
                    .map(|_| ())
                    .map_err(|e| QueueError::Broker(e.to_string()))
            }
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

    /// Waits for the next delivery, then takes whatever else is waiting already, up to `max`
    /// deliveries in all (at least one); empty once every sender is gone.
    pub async fn next_batch(&self, max: usize) -> Vec<Delivery> {
        let mut inbox = self.0.lock().await;
        let Some(first) = inbox.recv().await else {
            return Vec::new();
        };
        let mut batch = vec![first];
        while batch.len() < max.max(1) {
            match inbox.try_recv() {
                Ok(delivery) => batch.push(delivery),
                Err(_) => break,
            }
        }
        crate::metrics::set_queue_depth(inbox.len() as u64);
        batch
    }
}
