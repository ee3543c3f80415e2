//! StatusFanout and StatusListener: carry order status changes between processes over a RabbitMQ fanout exchange.
//!
//! Workers publish every change they make; each API process listens on a queue of its own bound
//! to the exchange and hands the changes to its local [`crate::events::StatusBus`]. Events are a
//! convenience for live pages: one lost in a broker outage is caught up from the database by the
//! event stream itself.

use std::sync::Arc;

use actix::prelude::*;
use futures_util::StreamExt;
use lapin::options::{BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::FieldTable;

use super::supervision::Restarts;
use crate::events::StatusBus;
use crate::queue::QueueError;
use crate::queue::amqp::{AmqpNames, AmqpPublisher, connect, declare_topology};
use crate::store::orders::Moved;

/// Publish this change to the other processes.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub struct ShareStatus(pub Moved);

/// The actor that publishes status changes to the fanout exchange, one at a time, in order.
pub struct StatusFanout {
    publisher: Arc<AmqpPublisher>,
    exchange: String,
    restarts: Restarts,
}

impl StatusFanout {
    /// Publishes through `publisher` to `exchange`.
    pub fn new(publisher: Arc<AmqpPublisher>, exchange: String, restarts: Restarts) -> Self {
        StatusFanout {
            publisher,
            exchange,
            restarts,
        }
    }
}

impl Actor for StatusFanout {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Self::Context) {
        self.restarts.started();
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

impl Supervised for StatusFanout {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.restarts.restarting();
    }
}

impl Handler<ShareStatus> for StatusFanout {
    type Result = ();

    fn handle(&mut self, msg: ShareStatus, ctx: &mut Self::Context) {
        let Ok(json) = serde_json::to_vec(&msg.0) else {
            return;
        };
        let (publisher, exchange) = (self.publisher.clone(), self.exchange.clone());
        let order_id = msg.0.order_id;
        // `wait` keeps the events in order: the next one goes out after this one is confirmed.
        ctx.wait(
            async move { publisher.publish_to(&exchange, "", &json).await }
                .into_actor(self)
                .map(move |result, _act, _ctx| {
                    if let Err(err) = result {
                        tracing::warn!(actor = "status_fanout", order_id, error = %err, "status event not shared");
                    }
                }),
        );
    }
}

/// Listens on a queue of its own, bound to the status exchange, until the link drops.
async fn listen(url: &str, names: &AmqpNames, bus: &StatusBus) -> QueueError {
    let broker = |e: lapin::Error| QueueError::Broker(e.to_string());
    let listening = async {
        let conn = connect(url).await?;
        let channel = conn.create_channel().await.map_err(broker)?;
        declare_topology(&channel, names).await?;
        let own = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        let queue = channel
            .queue_declare("".into(), own, FieldTable::default())
            .await
            .map_err(broker)?;
        channel
            .queue_bind(
                queue.name().clone(),
                names.status_exchange.as_str().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .map_err(broker)?;
        let no_ack = BasicConsumeOptions {
            no_ack: true,
            ..BasicConsumeOptions::default()
        };
        let mut consumer = channel
            .basic_consume(
                queue.name().clone(),
                "".into(),
                no_ack,
                FieldTable::default(),
            )
            .await
            .map_err(broker)?;
        while let Some(delivery) = consumer.next().await {
            let delivery = delivery.map_err(broker)?;
            match serde_json::from_slice::<Moved>(&delivery.data) {
                Ok(moved) => bus.publish_local(moved),
                Err(err) => tracing::warn!(error = %err, "ignoring a malformed status event"),
            }
        }
        drop(conn);
        Err::<(), _>(QueueError::Broker("the status subscription ended".into()))
    };
    match listening.await {
        Ok(()) => QueueError::Closed,
        Err(err) => err,
    }
}

/// The actor that feeds the local status bus from the fanout exchange.
pub struct StatusListener {
    url: String,
    names: AmqpNames,
    bus: StatusBus,
    restarts: Restarts,
}

impl StatusListener {
    /// Listens with `url`'s broker and publishes onto `bus`.
    pub fn new(url: String, names: AmqpNames, bus: StatusBus, restarts: Restarts) -> Self {
        StatusListener {
            url,
            names,
            bus,
            restarts,
        }
    }
}

impl Actor for StatusListener {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        let (url, names, bus) = (self.url.clone(), self.names.clone(), self.bus.clone());
        let run = async move {
            tokio::time::sleep(delay).await;
            listen(&url, &names, &bus).await
        };
        ctx.spawn(run.into_actor(self).map(|err, act, ctx| {
            tracing::warn!(actor = act.restarts.actor(), error = %err, "status listener lost the broker");
            ctx.stop();
        }));
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

impl Supervised for StatusListener {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.restarts.restarting();
    }
}
