//! Oven: takes each baking order out when its stored `ready_at` comes, moving it to `ready`.
//!
//! The timers live in memory, the times in the database: on every (re)start the oven reads all
//! `processing` orders back, so a crash or restart loses no bake.

use std::time::Duration;

use actix::prelude::*;
use bakery_wire::OrderStatus;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tracing::Instrument;

use super::supervision::Restarts;
use crate::events::StatusBus;
use crate::store::orders;

/// Longest wait between two tries of a bake that could not be marked ready.
const MAX_RETRY: Duration = Duration::from_secs(5);

/// Put an order in the oven until `ready_at`.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Bake {
    pub order_id: i64,
    pub ready_at: DateTime<Utc>,
}

/// The actor that keeps the bake timers.
pub struct Oven {
    db: DatabaseConnection,
    bus: StatusBus,
    restarts: Restarts,
}

impl Oven {
    /// An oven announcing ready orders on `bus`.
    pub fn new(db: DatabaseConnection, bus: StatusBus, restarts: Restarts) -> Oven {
        Oven { db, bus, restarts }
    }

    fn schedule(&mut self, bake: Bake, ctx: &mut Context<Self>) {
        let wait = (bake.ready_at - Utc::now())
            .to_std()
            .unwrap_or(Duration::ZERO);
        ctx.run_later(wait, move |act, ctx| act.take_out(bake.order_id, 0, ctx));
    }

    fn take_out(&mut self, order_id: i64, tries: u32, ctx: &mut Context<Self>) {
        let db = self.db.clone();
        let span = tracing::info_span!("bake", actor = "oven", order_id, attempt = tries + 1);
        let mark = async move { orders::mark_ready(&db, order_id).await }.instrument(span);
        ctx.spawn(mark.into_actor(self).map(move |result, act, ctx| match result {
            Ok(Some(moved)) => {
                tracing::info!(actor = "oven", order_id, "order ready for pickup");
                act.bus.publish(moved);
            }
            Ok(None) => {}
            Err(err) => {
                let wait = (Duration::from_millis(100) * 2u32.saturating_pow(tries)).min(MAX_RETRY);
                tracing::warn!(actor = "oven", order_id, error = %err, retry_in_ms = wait.as_millis() as u64, "could not mark order ready");
                ctx.run_later(wait, move |act, ctx| act.take_out(order_id, tries + 1, ctx));
            }
        }));
    }
}

impl Actor for Oven {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        let db = self.db.clone();
        let resume = async move {
            tokio::time::sleep(delay).await;
            orders::orders_in(&db, OrderStatus::Processing).await
        };
        ctx.wait(resume.into_actor(self).map(|found, act, ctx| match found {
            Ok(baking) => {
                if !baking.is_empty() {
                    tracing::info!(
                        actor = "oven",
                        orders = baking.len(),
                        "resuming bakes after start"
                    );
                }
                for order in baking {
                    let ready_at = order.ready_at.unwrap_or_else(Utc::now);
                    act.schedule(
                        Bake {
                            order_id: order.id,
                            ready_at,
                        },
                        ctx,
                    );
                }
                act.restarts.succeeded();
            }
            Err(err) => {
                tracing::error!(actor = "oven", error = %err, "could not read baking orders");
                ctx.stop();
            }
        }));
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

impl Supervised for Oven {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.restarts.restarting();
    }
}

impl Handler<Bake> for Oven {
    type Result = ();

    fn handle(&mut self, bake: Bake, ctx: &mut Self::Context) {
        self.schedule(bake, ctx);
    }
}
