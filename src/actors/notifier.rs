//! Notifier: drains the `notifications` outbox into webhooks and e-mails, and is restarted with backoff while a delivery fails.

use std::time::Duration;

use actix::prelude::*;
use sea_orm::DatabaseConnection;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::supervision::Restarts;
use crate::domain::Moved;
use crate::events::StatusBus;
use crate::notify::{Channels, notify_once};

/// How often the notifier looks for rows nobody told it about (moves made in other processes).
const SWEEP_EVERY: Duration = Duration::from_millis(500);

/// The actor that delivers customer notifications; the work is [`notify_once`].
pub struct Notifier {
    db: DatabaseConnection,
    channels: Channels,
    bus: StatusBus,
    restarts: Restarts,
    draining: bool,
    /// Rows were announced while draining: drain again.
    again: bool,
    /// Waiting out the backoff delay after a failure: no deliveries until it has passed.
    resting: bool,
}

impl Notifier {
    /// A notifier woken by every status change on `bus` (each one wrote a notification).
    pub fn new(
        db: DatabaseConnection,
        channels: Channels,
        bus: StatusBus,
        restarts: Restarts,
    ) -> Notifier {
        Notifier {
            db,
            channels,
            bus,
            restarts,
            draining: false,
            again: false,
            resting: false,
        }
    }

    fn drain(&mut self, ctx: &mut Context<Self>) {
        if self.draining || self.resting {
            self.again = true;
            return;
        }
        self.draining = true;
        self.again = false;
        let (db, channels) = (self.db.clone(), self.channels.clone());
        let round = async move { notify_once(&db, &channels).await };
        ctx.spawn(round.into_actor(self).map(|result, act, ctx| {
            act.draining = false;
            match result {
                Ok(count) => {
                    act.restarts.succeeded();
                    if count > 0 || act.again {
                        act.drain(ctx);
                    }
                }
                Err(err) => {
                    tracing::warn!(actor = act.restarts.actor(), error = %err, "notifications not all delivered; retrying after backoff");
                    ctx.stop();
                }
            }
        }));
    }
}

impl Actor for Notifier {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        self.draining = false;
        self.resting = true;
        ctx.add_stream(BroadcastStream::new(self.bus.subscribe()));
        ctx.run_later(delay, |act, ctx| {
            act.resting = false;
            act.drain(ctx);
            ctx.run_interval(SWEEP_EVERY, |act, ctx| act.drain(ctx));
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(Notifier);

impl StreamHandler<Result<Moved, BroadcastStreamRecvError>> for Notifier {
    fn handle(&mut self, _moved: Result<Moved, BroadcastStreamRecvError>, ctx: &mut Self::Context) {
        self.drain(ctx);
    }

    /// The bus outlives the actor; should it ever end, the sweep still finds every row.
    fn finished(&mut self, _ctx: &mut Self::Context) {}
}

/// Starts a supervised notifier: webhooks always, e-mail when `smtp_url` is set. `None` (with an
/// error logged) only if the HTTP client or the mailer cannot be built.
pub fn start(
    db: DatabaseConnection,
    bus: StatusBus,
    smtp_url: Option<&str>,
    smtp_from: &str,
    restarts: Restarts,
) -> Option<Addr<Notifier>> {
    let http = match crate::notify::webhooks::client() {
        Ok(http) => http,
        Err(err) => {
            tracing::error!(error = %err, "cannot build the webhook client; no notifications");
            return None;
        }
    };
    let mailer = match smtp_url.map(|url| crate::notify::Mailer::new(url, smtp_from)) {
        None => None,
        Some(Ok(mailer)) => Some(mailer),
        Some(Err(err)) => {
            tracing::error!(error = %err, "cannot set up e-mail; no notifications");
            return None;
        }
    };
    let channels = Channels { http, mailer };
    Some(Supervisor::start(move |_| {
        Notifier::new(db, channels, bus, restarts)
    }))
}
