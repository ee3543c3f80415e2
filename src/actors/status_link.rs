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
use crate::domain::Moved;
use crate::events::{ShareStatus, StatusBus};
use crate::queue::QueueError;
use crate::queue::amqp::{AmqpNames, AmqpPublisher, connect, declare_topology};

/// Changes held for the next message at most; more are dropped (logged when dropping starts and
/// once it ends, with the count): events are a convenience, and a broker that takes none must
/// not fill the memory, nor the log.
const MOST_HELD: usize = 50_000;

/// The actor that publishes status changes to the fanout exchange, in order. The changes made
/// while a message is on its way go out together in the next one (a JSON array): one message
/// per change cost the broker a fifth of the machine in the benchmark.
pub struct StatusFanout {
    publisher: Arc<AmqpPublisher>,
    exchange: String,
    restarts: Restarts,
    /// Changes waiting for the next message.
    held: Vec<Moved>,
    /// A message is on its way (waiting for the broker's confirm).
    sending: bool,
    /// Changes dropped since the held ones last went out.
    dropped: u64,
}

impl StatusFanout {
    /// Publishes through `publisher` to `exchange`.
    pub fn new(publisher: Arc<AmqpPublisher>, exchange: String, restarts: Restarts) -> Self {
        StatusFanout {
            publisher,
            exchange,
            restarts,
            held: Vec::new(),
            sending: false,
            dropped: 0,
        }
    }

    /// Sends what is held, unless a message is on its way already (its end sends the rest).
    fn send_held(&mut self, ctx: &mut Context<Self>) {
        if self.sending || self.held.is_empty() {
            return;
        }
        let changes = std::mem::take(&mut self.held);
        if self.dropped > 0 {
            tracing::warn!(
                actor = "status_fanout",
                dropped = self.dropped,
                "status events go out again; the dropped ones are gone"
            );
            self.dropped = 0;
        }
        let json = match serde_json::to_vec(&changes) {
            Ok(json) => json,
            Err(err) => {
                tracing::warn!(actor = "status_fanout", error = %err, "status events not shared");
                return;
            }
        };
        self.sending = true;
        let (publisher, exchange) = (self.publisher.clone(), self.exchange.clone());
        let count = changes.len();
        ctx.spawn(
            async move { publisher.publish_to(&exchange, "", &json).await }
                .into_actor(self)
                .map(move |result, act, ctx| {
                    act.sending = false;
                    if let Err(err) = result {
                        tracing::warn!(actor = "status_fanout", changes = count, error = %err, "status events not shared");
                    }
                    act.send_held(ctx);
                }),
        );
    }
}

impl Actor for StatusFanout {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.restarts.started();
        self.sending = false; // a message of an earlier start is gone with it
        self.send_held(ctx);
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(StatusFanout);

impl Handler<ShareStatus> for StatusFanout {
    type Result = ();

    fn handle(&mut self, msg: ShareStatus, ctx: &mut Self::Context) {
        if self.held.len() >= MOST_HELD {
            if self.dropped == 0 {
                tracing::warn!(
                    actor = "status_fanout",
                    order_id = msg.0.order_id,
                    held = MOST_HELD,
                    "dropping status events: the broker is not taking them"
                );
            }
            self.dropped += 1;
            return;
        }
        self.held.push(msg.0);
        self.send_held(ctx);
    }
}

/// The changes in one message of the fanout exchange: an array, or (from a process of an
/// earlier version) a single change.
fn changes_in(data: &[u8]) -> Result<Vec<Moved>, serde_json::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Shared {
        Many(Vec<Moved>),
        One(Box<Moved>),
    }
    Ok(match serde_json::from_slice::<Shared>(data)? {
        Shared::Many(changes) => changes,
        Shared::One(change) => vec![*change],
    })
}

/// Listens on a queue of its own, bound to the status exchange, until the link drops. Messages
/// whose `app_id` is `own` are this process's own changes, on its bus already, and are skipped.
async fn listen(url: &str, names: &AmqpNames, own: &str, bus: &StatusBus) -> QueueError {
    let listening = async {
        let conn = connect(url).await?;
        let channel = conn.create_channel().await?;
        declare_topology(&channel, names).await?;
        let private = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        let queue = channel
            .queue_declare("".into(), private, FieldTable::default())
            .await?;
        channel
            .queue_bind(
                queue.name().clone(),
                names.status_exchange.as_str().into(),
                "".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
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
            .await?;
        while let Some(delivery) = consumer.next().await {
            let delivery = delivery?;
            if is_own(&delivery.properties, own) {
                continue;
            }
            match changes_in(&delivery.data) {
                Ok(changes) => changes
                    .into_iter()
                    .for_each(|moved| bus.publish_local(moved)),
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

/// True when this process published the message (its publisher's `app_id` is `own`).
fn is_own(properties: &lapin::BasicProperties, own: &str) -> bool {
    properties
        .app_id()
        .as_ref()
        .is_some_and(|id| id.as_str() == own)
}

/// The actor that feeds the local status bus from the fanout exchange.
pub struct StatusListener {
    url: String,
    names: AmqpNames,
    /// The `app_id` of this process's publisher: its own changes are on the bus already.
    own: String,
    bus: StatusBus,
    restarts: Restarts,
}

impl StatusListener {
    /// Listens with `url`'s broker and publishes onto `bus` what other processes (not the one
    /// publishing as `own`) sent.
    pub fn new(
        url: String,
        names: AmqpNames,
        own: String,
        bus: StatusBus,
        restarts: Restarts,
    ) -> Self {
        StatusListener {
            url,
            names,
            own,
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
        let own = self.own.clone();
        let run = async move {
            tokio::time::sleep(delay).await;
            listen(&url, &names, &own, &bus).await
        };
        ctx.spawn(run.into_actor(self).map(|err, act, ctx| {
            tracing::warn!(actor = act.restarts.actor(), error = %err, "status listener lost the broker");
            act.restarts.failed(&err);
            ctx.stop();
        }));
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(StatusListener);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_holds_many_changes_or_one_from_an_earlier_version() {
        let change = |order_id| {
            serde_json::json!({
                "order_id": order_id,
                "change": {"status": "ready", "at": "2026-11-26 06:00:00", "note": null}
            })
        };
        let many = serde_json::to_vec(&serde_json::json!([change(1), change(2)])).unwrap();
        let ids: Vec<i64> = changes_in(&many)
            .unwrap()
            .iter()
            .map(|m| m.order_id)
            .collect();
        assert_eq!(ids, [1, 2]);
        let one = serde_json::to_vec(&change(7)).unwrap();
        assert_eq!(changes_in(&one).unwrap()[0].order_id, 7);
        // What the fanout sends is what the listener reads.
        let sent = changes_in(&many).unwrap();
        assert_eq!(
            changes_in(&serde_json::to_vec(&sent).unwrap()).unwrap(),
            sent
        );
        assert!(changes_in(b"[{\"order_id\": \"x\"}]").is_err());
        assert!(changes_in(b"not json").is_err());
    }

    #[test]
    fn only_messages_stamped_with_our_own_app_id_are_ours() {
        let stamped = |id: &str| lapin::BasicProperties::default().with_app_id(id.into());
        assert!(is_own(&stamped("bakery-a"), "bakery-a"));
        assert!(!is_own(&stamped("bakery-b"), "bakery-a"));
        assert!(!is_own(&lapin::BasicProperties::default(), "bakery-a"));
    }
}
