//! OrderConsumer: holds the RabbitMQ channel (prefetch from settings) and hands deliveries to the processor pool.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use actix::prelude::*;
use tokio::sync::mpsc;

use super::supervision::Restarts;
use crate::config::live::LiveSettings;
use crate::queue::Delivery;
use crate::queue::amqp::{AmqpNames, consume_orders};

/// The actor that consumes the `orders` queue; a lost link fails it and the supervisor reconnects.
pub struct OrderConsumer {
    url: String,
    names: AmqpNames,
    /// The settings in force: the prefetch follows `worker.prefetch` live.
    live: LiveSettings,
    inbox: mpsc::Sender<Delivery>,
    restarts: Restarts,
}

impl OrderConsumer {
    /// A consumer feeding `inbox` with at most `worker.prefetch` unacknowledged deliveries.
    pub fn new(
        url: String,
        names: AmqpNames,
        live: LiveSettings,
        inbox: mpsc::Sender<Delivery>,
        restarts: Restarts,
    ) -> OrderConsumer {
        OrderConsumer {
            url,
            names,
            live,
            inbox,
            restarts,
        }
    }
}

impl Actor for OrderConsumer {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        let (url, names, live, inbox) = (
            self.url.clone(),
            self.names.clone(),
            self.live.clone(),
            self.inbox.clone(),
        );
        let consumed = Arc::new(AtomicBool::new(false));
        let seen = consumed.clone();
        let consume = async move {
            tokio::time::sleep(delay).await;
            let on_delivery = mpsc::Sender::clone(&inbox);
            let err = consume_orders(&url, &names, &live, &on_delivery, &seen).await;
            drop(inbox);
            err
        };
        ctx.spawn(consume.into_actor(self).map(move |err, act, ctx| {
            if consumed.load(Ordering::Relaxed) {
                // It worked for a while: the next reconnect starts from the shortest delay.
                act.restarts.succeeded();
            }
            tracing::error!(actor = act.restarts.actor(), error = %err, "order consumer lost the broker");
            act.restarts.failed(&err);
            ctx.stop();
        }));
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(OrderConsumer);
