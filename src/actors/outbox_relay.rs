//! OutboxRelay: hands outbox rows to the order queue and marks them published only once the queue has them.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, TransactionTrait};

use super::supervision::Restarts;
use crate::metrics::OrderGauges;
use crate::queue::{OrderQueue, QueueError};
use crate::store::{StoreError, outbox};

/// Rows taken per round.
const BATCH: u64 = 256;
/// How often the relay looks for rows nobody told it about (e.g. written by another process).
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Why a round of relaying stopped.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Database(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl From<DbErr> for RelayError {
    fn from(err: DbErr) -> Self {
        RelayError::Database(err.into())
    }
}

/// Publishes up to one batch of unpublished rows of `topic`; returns how many were published.
/// On PostgreSQL the rows stay locked until they are marked, so several relays share the work
/// without publishing a row twice.
pub async fn relay_once(
    db: &DatabaseConnection,
    queue: &dyn OrderQueue,
    topic: &str,
) -> Result<usize, RelayError> {
    if db.get_database_backend() == DbBackend::Postgres {
        let txn = db.begin().await?;
        let count = publish_rows(&txn, queue, topic).await?;
        txn.commit().await?;
        Ok(count)
    } else {
        // One process owns an SQLite file; a read-then-write transaction would only risk
        // SQLite's busy-snapshot error.
        publish_rows(db, queue, topic).await
    }
}

async fn publish_rows(
    conn: &impl ConnectionTrait,
    queue: &dyn OrderQueue,
    topic: &str,
) -> Result<usize, RelayError> {
    let rows = outbox::take_unpublished(conn, topic, BATCH).await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let payloads: Vec<String> = rows.iter().map(|r| r.payload.clone()).collect();
    let (taken, failure) = queue.publish_batch(&payloads).await;
    let published: Vec<i64> = rows.iter().take(taken).map(|r| r.id).collect();
    crate::metrics::queue_published(taken as u64);
    outbox::mark_published(conn, &published).await?;
    match failure {
        Some(err) => Err(err.into()),
        None => Ok(published.len()),
    }
}

/// New outbox rows were committed.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct OutboxWritten;

/// The actor that drains the outbox into the order queue.
pub struct OutboxRelay {
    db: DatabaseConnection,
    queue: Arc<dyn OrderQueue>,
    topic: String,
    restarts: Restarts,
    gauges: Arc<OrderGauges>,
    draining: bool,
    /// Rows were announced while draining: drain again.
    again: bool,
}

impl OutboxRelay {
    /// A relay from the outbox rows of `topic` to `queue`, telling `gauges` what it published.
    pub fn new(
        db: DatabaseConnection,
        queue: Arc<dyn OrderQueue>,
        topic: String,
        restarts: Restarts,
        gauges: Arc<OrderGauges>,
    ) -> OutboxRelay {
        OutboxRelay {
            db,
            queue,
            topic,
            restarts,
            gauges,
            draining: false,
            again: false,
        }
    }

    fn drain(&mut self, ctx: &mut Context<Self>) {
        if self.draining {
            self.again = true;
            return;
        }
        self.draining = true;
        self.again = false;
        let (db, queue, topic) = (self.db.clone(), self.queue.clone(), self.topic.clone());
        let round = async move { relay_once(&db, queue.as_ref(), &topic).await };
        ctx.spawn(round.into_actor(self).map(|result, act, ctx| {
            act.draining = false;
            match result {
                Ok(count) => {
                    act.restarts.succeeded();
                    act.gauges.outbox_published(count as u64);
                    if count > 0 || act.again {
                        act.drain(ctx);
                    }
                }
                Err(err) => {
                    tracing::error!(actor = act.restarts.actor(), error = %err, "outbox relay failed");
                    act.restarts.failed(&err);
                    ctx.stop();
                }
            }
        }));
    }
}

impl Actor for OutboxRelay {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        self.draining = false;
        ctx.run_later(delay, |act, ctx| {
            act.drain(ctx);
            ctx.run_interval(SWEEP_EVERY, |act, ctx| act.drain(ctx));
        });
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(OutboxRelay);

impl Handler<OutboxWritten> for OutboxRelay {
    type Result = ();

    fn handle(&mut self, _msg: OutboxWritten, ctx: &mut Self::Context) {
        self.drain(ctx);
    }
}
