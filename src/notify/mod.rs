//! Customer notifications: drains the `notifications` outbox rows into signed webhooks and e-mails, recording each delivery so none is sent twice.
//!
//! A round takes unpublished rows (on PostgreSQL locked with `SKIP LOCKED`, so replicas share the
//! work), delivers each to every active webhook endpoint and, when SMTP is configured, to the
//! customer's e-mail, skipping what `notification_deliveries` says was delivered already. A row is
//! marked published once all its deliveries are done; a failed delivery fails the round, and the
//! [`crate::actors::notifier::Notifier`] is restarted with backoff to try it again.

pub mod email;
pub mod webhooks;

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, TransactionTrait};

use crate::store::notifications::{self, EMAIL, Notification, TOPIC, WEBHOOK};
use crate::store::{StoreError, outbox};
use crate::telemetry::{mask_email, url_without_credentials, without_email};
pub use email::Mailer;

/// Rows taken per round.
const BATCH: u64 = 64;

/// Where notifications go.
#[derive(Debug, Clone)]
pub struct Channels {
    pub http: reqwest::Client,
    /// `None`: no SMTP server configured, so no e-mail.
    pub mailer: Option<Mailer>,
}

/// Why a round did not deliver everything.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Database(#[from] StoreError),
    #[error("{failed} notification deliveries failed, e.g. {channel} to {target}: {error}")]
    Undelivered {
        failed: usize,
        channel: &'static str,
        target: String,
        error: String,
    },
}

impl From<DbErr> for NotifyError {
    fn from(err: DbErr) -> Self {
        NotifyError::Database(err.into())
    }
}

/// Delivers up to one batch of notifications; returns how many rows were completed (published).
pub async fn notify_once(
    db: &DatabaseConnection,
    channels: &Channels,
) -> Result<usize, NotifyError> {
    if db.get_database_backend() == DbBackend::Postgres {
        let txn = db.begin().await?;
        let result = deliver_rows(&txn, db, channels).await;
        txn.commit().await?;
        result
    } else {
        // One process owns an SQLite file (as for the order relay).
        deliver_rows(db, db, channels).await
    }
}

/// `locked` holds the rows (and marks them published); each delivery is recorded on `db` at once,
/// outside that transaction, so a crash right after a delivery does not forget it.
async fn deliver_rows(
    locked: &impl ConnectionTrait,
    db: &DatabaseConnection,
    channels: &Channels,
) -> Result<usize, NotifyError> {
    let rows = outbox::take_unpublished(locked, TOPIC, BATCH).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let endpoints = notifications::active_endpoints(db).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let done: HashSet<(i64, String, String)> = notifications::deliveries_of(db, &ids)
        .await?
        .into_iter()
        .filter(|d| d.delivered_at.is_some())
        .map(|d| (d.outbox_id, d.channel, d.target))
        .collect();
    let mut completed = Vec::new();
    let mut failures: Vec<(&'static str, String, String)> = Vec::new();
    for row in &rows {
        let notification: Notification = match serde_json::from_str(&row.payload) {
            Ok(n) => n,
            Err(err) => {
                tracing::error!(outbox_id = row.id, error = %err, "unreadable notification; skipped");
                completed.push(row.id);
                continue;
            }
        };
        let mut row_ok = true;
        for endpoint in &endpoints {
            let target = endpoint.id.to_string();
            if done.contains(&(row.id, WEBHOOK.to_owned(), target.clone())) {
                continue;
            }
            let delivery_id = format!("{}-{}", row.id, endpoint.id);
            let result = webhooks::post(
                &channels.http,
                &endpoint.url,
                &endpoint.secret,
                &delivery_id,
                &row.payload,
            )
            .await;
            let error = result.err();
            notifications::record_try(db, row.id, WEBHOOK, &target, error.as_deref()).await?;
            if let Some(error) = error {
                tracing::warn!(outbox_id = row.id, endpoint = endpoint.id, %error, "webhook not delivered");
                failures.push((WEBHOOK, url_without_credentials(&endpoint.url), error));
                row_ok = false;
            }
        }
        if let Some(mailer) = &channels.mailer {
            let target = notification.customer_email.clone();
            if !done.contains(&(row.id, EMAIL.to_owned(), target.clone())) {
                // The relay's answer may quote the address; the log and the error keep it masked.
                let error = mailer
                    .send(&notification)
                    .await
                    .err()
                    .map(|e| without_email(&e, &target));
                notifications::record_try(db, row.id, EMAIL, &target, error.as_deref()).await?;
                if let Some(error) = error {
                    tracing::warn!(outbox_id = row.id, order_id = notification.order_id, %error, "e-mail not delivered");
                    failures.push((EMAIL, mask_email(&target), error));
                    row_ok = false;
                }
            }
        }
        if row_ok {
            completed.push(row.id);
        }
    }
    outbox::mark_published(locked, &completed).await?;
    match failures.first() {
        None => Ok(completed.len()),
        Some((channel, target, error)) => Err(NotifyError::Undelivered {
            failed: failures.len(),
            channel,
            target: target.clone(),
            error: error.clone(),
        }),
    }
}
