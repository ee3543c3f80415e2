//! Notifier: drains the `notifications` outbox into webhook and e-mail deliveries, each retried on its own schedule; restarted with backoff only when the database fails.

use std::time::Duration;

use actix::prelude::*;
use sea_orm::DatabaseConnection;
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;

use super::supervision::Restarts;
use crate::config::Settings;
use crate::domain::Moved;
use crate::events::StatusBus;
use crate::notify::{Channels, Mailer, RetryPolicy, notify_once};

/// How often the notifier looks for rows nobody told it about (moves made in other processes)
/// and for deliveries whose next try has come.
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
    /// Waiting out the backoff delay after a database failure: no rounds until it has passed.
    resting: bool,
    /// The earliest retry the rounds since the last pause set.
    retry_at: Option<chrono::DateTime<chrono::Utc>>,
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
            retry_at: None,
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
                Ok(round) => {
                    act.restarts.succeeded();
                    if let Some(gauges) = act.bus.gauges() {
                        gauges.outbox_published(round.published as u64);
                    }
                    act.retry_at = match (act.retry_at, round.next_try) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    if round.handled > 0 || act.again {
                        act.drain(ctx);
                    } else if let Some(at) = act.retry_at.take() {
                        // A retry due before the next sweep: a round of its own then.
                        let wait = (at - chrono::Utc::now()).to_std().unwrap_or_default();
                        if wait < SWEEP_EVERY {
                            ctx.run_later(wait, |act, ctx| act.drain(ctx));
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(actor = act.restarts.actor(), error = %err, "notification round failed; retrying after backoff");
                    act.restarts.failed(&err);
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
/// error logged) only if the HTTP client, the extra CA certificates or the mailer cannot be set up.
pub fn start(
    db: DatabaseConnection,
    bus: StatusBus,
    settings: &Settings,
    restarts: Restarts,
) -> Option<Addr<Notifier>> {
    let channels = match channels(settings) {
        Ok(channels) => channels,
        Err(err) => {
            tracing::error!(error = %err, "cannot set up notifications; none are sent");
            restarts.failed(&err);
            restarts.stopped();
            return None;
        }
    };
    Some(Supervisor::start(move |_| {
        Notifier::new(db, channels, bus, restarts)
    }))
}

/// The webhook client and the mailer as the settings describe them.
fn channels(settings: &Settings) -> Result<Channels, String> {
    let notify = &settings.notify;
    let extra_roots = match &notify.ca_file {
        None => None,
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| format!("BAKERY_NOTIFY_CA_FILE {}: {e}", path.display()))?;
            Some(pem)
        }
    };
    let certificates = match &extra_roots {
        None => Vec::new(),
        Some(pem) => match reqwest::Certificate::from_pem_bundle(pem) {
            Ok(certificates) if !certificates.is_empty() => certificates,
            _ => return Err("BAKERY_NOTIFY_CA_FILE holds no PEM certificates".to_owned()),
        },
    };
    let http = crate::notify::webhooks::client(&certificates, notify.allow_private_hosts)
        .map_err(|e| format!("cannot build the webhook client: {e}"))?;
    let mailer = match &settings.smtp_url {
        None => None,
        Some(url) => Some(Mailer::new(
            url,
            &settings.smtp_from,
            extra_roots.as_deref(),
            crate::notify::email::MailShop {
                name: settings.shop.name.clone(),
                money: settings.shop.info().money(),
            },
        )?),
    };
    Ok(Channels {
        http,
        mailer,
        retry: RetryPolicy {
            max_attempts: notify.max_attempts,
            base: notify.retry_base,
        },
        allow_private_hosts: notify.allow_private_hosts,
    })
}
