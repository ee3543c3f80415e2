//! The RabbitMQ transport (lapin): topology, a publisher with confirms, and a consumer feeding the inbox.
//!
//! Topology, every name under the configured prefix: the durable queue `orders` (dead-lettering
//! to the exchange `orders.dlx`, which routes to the durable queue `orders.dlq`) and the fanout
//! exchange `order_status` for status events.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use lapin::options::{
    BasicCancelOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ConfirmSelectOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::{Mutex, mpsc};

use super::acks::ChannelAcks;
use super::{Delivery, OrderQueue, QueueError};
use crate::config::NameSettings;
use crate::config::live::LiveSettings;

/// How long connecting to the broker may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the broker may take to confirm a batch.
const CONFIRM_TIMEOUT: Duration = Duration::from_secs(10);

/// The broker's names for this deployment.
#[derive(Debug, Clone)]
pub struct AmqpNames {
    pub orders: String,
    pub dead_letter_exchange: String,
    pub dead_letter_queue: String,
    pub status_exchange: String,
}

impl AmqpNames {
    /// The names under the settings' prefix.
    pub fn new(names: &NameSettings) -> AmqpNames {
        AmqpNames {
            orders: names.orders_queue(),
            dead_letter_exchange: names.dead_letter_exchange(),
            dead_letter_queue: names.dead_letter_queue(),
            status_exchange: names.status_exchange(),
        }
    }
}

/// Largest AMQP frame we ask for, unless the URL sets `frame_max`. lapin keeps a send and a
/// receive buffer of 32 frames per connection, touched in full: at RabbitMQ's default 128 KiB
/// that was 16 MiB of the idle server's 32 MiB for its two connections. An order message is
/// well under 1 KiB (a larger one is simply split across frames).
const FRAME_MAX: u32 = 16 * 1024;

/// Opens a connection, within [`CONNECT_TIMEOUT`].
pub async fn connect(url: &str) -> Result<Connection, QueueError> {
    let mut uri: lapin::uri::AMQPUri = url.parse().map_err(QueueError::Broker)?;
    uri.query.frame_max.get_or_insert(FRAME_MAX);
    let connecting = Connection::connect_uri(uri, ConnectionProperties::default());
    tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| QueueError::Broker("timed out connecting to the broker".into()))?
        .map_err(QueueError::from)
}

/// Declares the queues and exchanges (idempotent; every process does it on connect).
pub async fn declare_topology(channel: &Channel, names: &AmqpNames) -> Result<(), QueueError> {
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            names.dead_letter_exchange.as_str().into(),
            ExchangeKind::Direct,
            durable,
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(
            names.dead_letter_queue.as_str().into(),
            QueueDeclareOptions::durable(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            names.dead_letter_queue.as_str().into(),
            names.dead_letter_exchange.as_str().into(),
            names.dead_letter_queue.as_str().into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;
    let mut arguments = FieldTable::default();
    arguments.insert(
        "x-dead-letter-exchange".into(),
        AMQPValue::LongString(names.dead_letter_exchange.as_str().into()),
    );
    arguments.insert(
        "x-dead-letter-routing-key".into(),
        AMQPValue::LongString(names.dead_letter_queue.as_str().into()),
    );
    channel
        .queue_declare(
            names.orders.as_str().into(),
            QueueDeclareOptions::durable(),
            arguments,
        )
        .await?;
    channel
        .exchange_declare(
            names.status_exchange.as_str().into(),
            ExchangeKind::Fanout,
            durable,
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

/// Persistent JSON, stamped with the publishing process.
fn json_properties(app_id: &str) -> BasicProperties {
    BasicProperties::default()
        .with_content_type(ShortString::from("application/json"))
        .with_delivery_mode(2)
        .with_app_id(ShortString::from(app_id))
}

/// Publishes order messages with publisher confirms and `mandatory`; reconnects lazily after a failure.
pub struct AmqpPublisher {
    url: String,
    names: AmqpNames,
    link: Mutex<Option<(Connection, Channel)>>,
    app_id: String,
}

impl AmqpPublisher {
    /// A publisher that connects on first use.
    pub fn new(url: &str, names: AmqpNames) -> AmqpPublisher {
        AmqpPublisher {
            url: url.to_owned(),
            names,
            link: Mutex::new(None),
            app_id: format!("bakery-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// The `app_id` on every message this publisher sends: unique to it, so that a process can
    /// tell its own status events when the fanout brings them back.
    pub fn app_id(&self) -> &str {
        &self.app_id
    }

    async fn channel(&self) -> Result<Channel, QueueError> {
        let mut link = self.link.lock().await;
        if let Some((conn, channel)) = link.as_ref()
            && conn.status().connected()
            && channel.status().connected()
        {
            return Ok(channel.clone());
        }
        let conn = connect(&self.url).await?;
        let channel = conn.create_channel().await?;
        declare_topology(&channel, &self.names).await?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await?;
        *link = Some((conn, channel.clone()));
        Ok(channel)
    }

    async fn forget_link(&self) {
        if let Some((conn, _)) = self.link.lock().await.take() {
            let _ = conn.close(200, "reconnecting".into()).await;
        }
    }

    /// True when the broker answers (connecting if needed).
    pub async fn is_healthy(&self) -> bool {
        self.channel().await.is_ok()
    }

    /// Publishes `payload` to `exchange` with `routing_key`, waiting for the broker's confirm.
    pub async fn publish_to(
        &self,
        exchange: &str,
        routing_key: &str,
        payload: &[u8],
    ) -> Result<(), QueueError> {
        let result = self
            .publish_confirmed(exchange, routing_key, &[payload])
            .await;
        match result {
            (1, None) => Ok(()),
            (_, err) => Err(err.unwrap_or(QueueError::Closed)),
        }
    }

    /// Publishes every payload, then waits for the confirms in order; returns how many leading
    /// messages the broker confirmed, and the error that stopped the rest.
    async fn publish_confirmed(
        &self,
        exchange: &str,
        routing_key: &str,
        payloads: &[&[u8]],
    ) -> (usize, Option<QueueError>) {
        let outcome = async {
            let channel = self.channel().await.map_err(|e| (0, e))?;
            let mut confirms = Vec::with_capacity(payloads.len());
            for payload in payloads {
                let options = BasicPublishOptions {
                    mandatory: true,
                    ..BasicPublishOptions::default()
                };
                let confirm = channel
                    .basic_publish(
                        exchange.into(),
                        routing_key.into(),
                        options,
                        payload,
                        json_properties(&self.app_id),
                    )
                    .await
                    .map_err(|e| (0, QueueError::broker(e)))?;
                confirms.push(confirm);
            }
            let mut confirmed = 0;
            for confirm in confirms {
                let answer = tokio::time::timeout(CONFIRM_TIMEOUT, confirm)
                    .await
                    .map_err(|_| {
                        (
                            confirmed,
                            QueueError::broker("timed out waiting for a publisher confirm"),
                        )
                    })?
                    .map_err(|e| (confirmed, QueueError::broker(e)))?;
                if !answer.is_ack() {
                    return Err((
                        confirmed,
                        QueueError::broker("the broker refused a message (nack)"),
                    ));
                }
                if let Some(returned) = answer.take_message() {
                    let why = format!(
                        "the broker could not route a message: {}",
                        returned.reply_text
                    );
                    return Err((confirmed, QueueError::Broker(why)));
                }
                confirmed += 1;
            }
            Ok(confirmed)
        };
        match outcome.await {
            Ok(confirmed) => (confirmed, None),
            Err((confirmed, err)) => {
                self.forget_link().await;
                (confirmed, Some(err))
            }
        }
    }
}

impl OrderQueue for AmqpPublisher {
    fn publish_batch<'a>(
        &'a self,
        payloads: &'a [String],
    ) -> BoxFuture<'a, (usize, Option<QueueError>)> {
        Box::pin(async move {
            let bodies: Vec<&[u8]> = payloads.iter().map(|p| p.as_bytes()).collect();
            self.publish_confirmed("", &self.names.orders, &bodies)
                .await
        })
    }
}

/// Consumes the order queue with `prefetch` unacknowledged deliveries at most, handing each to
/// the inbox; `consuming` turns true once the consumer is registered. Returns (with the reason)
/// when the link to the broker is lost.
pub async fn consume_orders(
    url: &str,
    names: &AmqpNames,
    live: &LiveSettings,
    inbox: &mpsc::Sender<Delivery>,
    consuming: &AtomicBool,
) -> QueueError {
    let consuming = async {
        let conn = connect(url).await?;
        let channel = conn.create_channel().await?;
        declare_topology(&channel, names).await?;
        let mut changes = live.subscribe();
        let mut prefetch = changes.borrow_and_update().worker.prefetch;
        channel
            .basic_qos(prefetch, BasicQosOptions::default())
            .await?;
        let mut consumer = start_consumer(&channel, names).await?;
        tracing::info!(queue = %names.orders, prefetch, "consuming orders");
        consuming.store(true, Ordering::Relaxed);
        let acks = Arc::new(ChannelAcks::new(channel.clone()));
        let mut following = true;
        loop {
            tokio::select! {
                delivery = consumer.next() => match delivery {
                    Some(delivery) => forward(delivery?, &acks, inbox).await?,
                    None => break,
                },
                changed = changes.changed(), if following => {
                    following = changed.is_ok();
                    let wanted = changes.borrow_and_update().worker.prefetch;
                    if following && wanted != prefetch {
                        // A prefetch applies to consumers started after it: the channel (and
                        // its unacknowledged deliveries) stays, the consumer is replaced, and
                        // what the old one had received is handed on first.
                        channel.basic_qos(wanted, BasicQosOptions::default()).await?;
                        channel
                            .basic_cancel(consumer.tag().as_str().into(), BasicCancelOptions::default())
                            .await?;
                        while let Some(delivery) = consumer.next().await {
                            forward(delivery?, &acks, inbox).await?;
                        }
                        consumer = start_consumer(&channel, names).await?;
                        tracing::info!(queue = %names.orders, from = prefetch, to = wanted, "prefetch changed");
                        prefetch = wanted;
                    }
                }
            }
        }
        // Keep the connection alive until here: dropping it ends the consumer.
        drop(conn);
        Err::<(), _>(QueueError::Broker("the broker ended the consumer".into()))
    };
    match consuming.await {
        Ok(()) => QueueError::Closed,
        Err(err) => err,
    }
}

async fn start_consumer(
    channel: &Channel,
    names: &AmqpNames,
) -> Result<lapin::Consumer, QueueError> {
    Ok(channel
        .basic_consume(
            names.orders.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?)
}

/// Hands one delivery to the processors' inbox, tracked for its acknowledgement.
async fn forward(
    delivery: lapin::message::Delivery,
    acks: &Arc<ChannelAcks>,
    inbox: &mpsc::Sender<Delivery>,
) -> Result<(), QueueError> {
    let payload = String::from_utf8_lossy(&delivery.data).into_owned();
    let tag = delivery.delivery_tag;
    acks.delivered(tag).await;
    inbox
        .send(Delivery::amqp(payload, tag, acks.clone()))
        .await
        .map_err(|_| QueueError::Closed)
}
