//! Customer notifications: turns the `notifications` outbox rows into deliveries (one per webhook endpoint, and one e-mail) and sends each when it is due, retrying with exponential backoff until it is delivered or dead.
//!
//! A round ([`notify_once`]) makes the deliveries of new notifications, claims the pending ones
//! whose time has come (a short transaction: no transaction is open while anything is sent),
//! sends them — receivers side by side, each receiver's in order, and once one of a receiver's
//! fails its later ones in the round wait with it — and records each outcome: delivered; failed and due again after
//! `notify.retry_base` × 2^(tries − 1) (at most 6 hours); or `dead` after a permanent failure (an
//! address the mailer refuses, a 5xx answer of the SMTP server, a webhook 4xx other than 408 and
//! 429, a host the rules refuse) or `notify.max_attempts` tries. A failing or dead delivery never
//! holds another back; staff may set a dead one pending again.

pub mod email;
pub mod hosts;
pub mod reminders;
pub mod webhooks;

use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;

use crate::store::StoreError;
use crate::store::deliveries::{self, Due, Outcome};
use crate::store::notifications::{EMAIL, Outgoing, WEBHOOK};
use crate::telemetry::{mask_email, without_email};
pub use email::Mailer;

/// Outbox rows turned into deliveries per round, and deliveries claimed per round.
const BATCH: u64 = 64;
/// Deliveries sent at once.
const SIDE_BY_SIDE: usize = 16;
/// How long a claimed delivery is out of other rounds' reach: longer than a round of sends
/// takes (64 at 16 at once, each under its 10 s time limits), so it is tried again only if its
/// process died.
const LEASE: Duration = Duration::from_secs(120);
/// The longest wait between two tries.
const MAX_DELAY: Duration = Duration::from_secs(6 * 3600);

/// Why a try failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// Worth another try (the receiver is down, busy or slow).
    Transient(String),
    /// Another try would fail the same way: the delivery is dead at once.
    Permanent(String),
}

/// When failed deliveries are tried again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries before a delivery is dead.
    pub max_attempts: u32,
    /// The wait after the first failed try; it doubles with each try.
    pub base: Duration,
}

impl RetryPolicy {
    /// When a delivery that failed its `attempts`-th try is tried next; `None`: it is dead.
    pub fn next_try(&self, attempts: i32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let attempts = u32::try_from(attempts).unwrap_or(0);
        if attempts >= self.max_attempts {
            return None;
        }
        let doublings = attempts.saturating_sub(1).min(30);
        let delay = self.base.saturating_mul(1 << doublings).min(MAX_DELAY);
        Some(now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX))
    }
}

/// Where notifications go and how.
#[derive(Debug, Clone)]
pub struct Channels {
    pub http: reqwest::Client,
    /// `None`: no SMTP server configured, so no e-mail.
    pub mailer: Option<Mailer>,
    pub retry: RetryPolicy,
    /// Webhooks may go to loopback, link-local and private hosts.
    pub allow_private_hosts: bool,
}

/// What a round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Round {
    /// Outbox rows and deliveries handled (0: nothing was waiting).
    pub handled: usize,
    /// Outbox rows turned into deliveries (marked published).
    pub published: usize,
    /// The earliest next try this round set, if any failed.
    pub next_try: Option<DateTime<Utc>>,
}

/// One round: makes the deliveries of new notifications, then sends the due ones.
pub async fn notify_once(
    db: &DatabaseConnection,
    channels: &Channels,
) -> Result<Round, StoreError> {
    let fanned = deliveries::fan_out(db, BATCH).await?;
    let kinds: &[&str] = match channels.mailer {
        Some(_) => &[WEBHOOK, EMAIL],
        None => &[WEBHOOK],
    };
    let due = deliveries::claim_due(db, kinds, BATCH, LEASE).await?;
    let claimed = due.len();
    let mut receivers: Vec<Vec<Due>> = Vec::new();
    for d in due {
        let same = |r: &&mut Vec<Due>| {
            r.first().is_some_and(|first| {
                (&first.delivery.channel, &first.delivery.target)
                    == (&d.delivery.channel, &d.delivery.target)
            })
        };
        match receivers.iter_mut().find(same) {
            Some(receiver) => receiver.push(d),
            None => receivers.push(vec![d]),
        }
    }
    let mut rounds = futures_util::stream::iter(receivers)
        .map(|receiver| send_in_order(db, receiver, channels))
        .buffer_unordered(SIDE_BY_SIDE);
    let mut next_try: Option<DateTime<Utc>> = None;
    while let Some(retry) = rounds.next().await {
        next_try = match (next_try, retry?) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Ok(Round {
        handled: fanned + claimed,
        published: fanned,
        next_try,
    })
}

/// Sends one receiver's deliveries in order, recording each outcome. After a failure worth
/// another try, the rest wait with it (not counted as tried), so a receiver that is down costs
/// one try per round; so do the rest once the round has taken half the lease. Returns when the
/// receiver is tried next, if it failed.
async fn send_in_order(
    db: &DatabaseConnection,
    receiver: Vec<Due>,
    channels: &Channels,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let started = std::time::Instant::now();
    let mut held_until: Option<DateTime<Utc>> = None;
    for due in receiver {
        if held_until.is_none() && started.elapsed() > LEASE / 2 {
            held_until = Some(Utc::now());
        }
        let outcome = match held_until {
            Some(at) => Outcome::Later { at },
            None => outcome(&due, deliver(&due, channels).await, channels.retry),
        };
        if let Outcome::Retry { at, .. } = &outcome {
            held_until = Some(*at);
        }
        deliveries::record(db, due.delivery.id, &outcome).await?;
    }
    Ok(held_until)
}

/// Sends one delivery.
async fn deliver(due: &Due, channels: &Channels) -> Result<(), Failure> {
    let d = &due.delivery;
    if d.channel == WEBHOOK {
        let Some(endpoint) = &due.endpoint else {
            return Err(Failure::Permanent("the endpoint was removed".to_owned()));
        };
        let delivery_id = format!("{}-{}", d.outbox_id, endpoint.id);
        return webhooks::post(
            &channels.http,
            &endpoint.url,
            &endpoint.secret,
            &delivery_id,
            &due.payload,
            channels.allow_private_hosts,
        )
        .await;
    }
    let Some(mailer) = &channels.mailer else {
        return Err(Failure::Transient(
            "this process sends no e-mail".to_owned(),
        ));
    };
    let notification = Outgoing::parse(&due.payload)
        .map_err(|e| Failure::Permanent(format!("unreadable notification: {e}")))?;
    // The relay's answer may quote the address; the log and the stored error keep it masked.
    mailer
        .send(&notification)
        .await
        .map_err(|failure| match failure {
            Failure::Transient(e) => Failure::Transient(without_email(&e, &d.target)),
            Failure::Permanent(e) => Failure::Permanent(without_email(&e, &d.target)),
        })
}

/// What a try's result makes of its delivery, logged when it failed (without the customer's
/// address or the endpoint's URL).
fn outcome(due: &Due, result: Result<(), Failure>, retry: RetryPolicy) -> Outcome {
    let d = &due.delivery;
    let target = match d.channel.as_str() {
        EMAIL => mask_email(&d.target),
        _ => format!("endpoint {}", d.target),
    };
    let (error, permanent) = match result {
        Ok(()) => return Outcome::Delivered,
        Err(Failure::Transient(error)) => (error, false),
        Err(Failure::Permanent(error)) => (error, true),
    };
    let next = (!permanent)
        .then(|| retry.next_try(d.attempts, Utc::now()))
        .flatten();
    match next {
        Some(at) => {
            tracing::warn!(delivery = d.id, outbox_id = d.outbox_id, channel = %d.channel, to = %target, attempts = d.attempts, %error, retry_at = %at, "notification not delivered; will try again");
            Outcome::Retry { error, at }
        }
        None => {
            tracing::warn!(delivery = d.id, outbox_id = d.outbox_id, channel = %d.channel, to = %target, attempts = d.attempts, %error, "notification not delivered; given up (dead)");
            Outcome::Dead { error }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_six_hours_then_the_delivery_is_dead() {
        let policy = RetryPolicy {
            max_attempts: 30,
            base: Duration::from_secs(10),
        };
        let now = Utc::now();
        let wait = |attempts| (policy.next_try(attempts, now).unwrap() - now).num_seconds();
        assert_eq!(
            [wait(1), wait(2), wait(3), wait(4)],
            [10, 20, 40, 80],
            "base × 2^(tries − 1)"
        );
        assert_eq!(wait(29), 6 * 3600, "at most 6 hours");
        assert_eq!(policy.next_try(30, now), None, "dead after max_attempts");
        let once = RetryPolicy {
            max_attempts: 1,
            base: Duration::from_secs(10),
        };
        assert_eq!(once.next_try(1, now), None);
    }
}
