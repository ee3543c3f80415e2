//! Ops commands for the dead-letter queue: list what is there, and replay orders from it.

use lapin::options::{BasicAckOptions, BasicGetOptions};
use lapin::types::{AMQPValue, FieldTable};
use sea_orm::DatabaseConnection;

use crate::domain::Move;
use crate::domain::OrderStatus;
use crate::queue::amqp::{AmqpNames, AmqpPublisher, connect, declare_topology};
use crate::queue::{OrderMessage, QueueError};
use crate::store::moves;

/// Most messages looked at in one command.
const MAX_MESSAGES: usize = 100_000;

/// One message in the dead-letter queue.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The order it names, when it is a readable order message.
    pub order_id: Option<i64>,
    /// Why the broker dead-lettered it (`rejected`, …) and how often.
    pub reason: String,
    pub payload: String,
}

/// Which dead letters to replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replay {
    All,
    Order(i64),
}

fn death_reason(headers: Option<&FieldTable>) -> String {
    let death = headers
        .and_then(|h| h.inner().get("x-death"))
        .and_then(|v| match v {
            AMQPValue::FieldArray(deaths) => deaths.as_slice().first().cloned(),
            _ => None,
        });
    let Some(AMQPValue::FieldTable(death)) = death else {
        return "unknown".into();
    };
    let field = |name: &str| death.inner().get(name).cloned();
    let reason = match field("reason") {
        Some(AMQPValue::LongString(s)) => s.to_string(),
        Some(AMQPValue::ShortString(s)) => s.to_string(),
        _ => "unknown".into(),
    };
    match field("count") {
        Some(AMQPValue::LongLongInt(n)) if n > 1 => format!("{reason} ({n} times)"),
        _ => reason,
    }
}

/// Walks the dead-letter queue once: `keep` decides for each message whether it is taken
/// (acknowledged, after `take` succeeded) or left in place. Returns what was seen.
async fn walk<F, Fut>(
    url: &str,
    names: &AmqpNames,
    mut take: F,
) -> Result<Vec<(DeadLetter, bool)>, QueueError>
where
    F: FnMut(&DeadLetter) -> Option<Fut>,
    Fut: Future<Output = Result<(), QueueError>>,
{
    let conn = connect(url).await?;
    let channel = conn.create_channel().await?;
    declare_topology(&channel, names).await?;
    let mut seen = Vec::new();
    while seen.len() < MAX_MESSAGES {
        let got = channel
            .basic_get(
                names.dead_letter_queue.as_str().into(),
                BasicGetOptions::default(),
            )
            .await?;
        let Some(message) = got else { break };
        let payload = String::from_utf8_lossy(&message.delivery.data).into_owned();
        let letter = DeadLetter {
            order_id: OrderMessage::parse(&payload).ok().map(|m| m.order_id),
            reason: death_reason(message.delivery.properties.headers().as_ref()),
            payload,
        };
        let taken = match take(&letter) {
            Some(work) => {
                work.await?;
                message
                    .delivery
                    .acker
                    .ack(BasicAckOptions::default())
                    .await?;
                true
            }
            None => false,
        };
        seen.push((letter, taken));
    }
    // Messages not acknowledged go back to the dead-letter queue when the connection closes.
    let _ = conn.close(200, "done".into()).await;
    Ok(seen)
}

/// Every message in the dead-letter queue, left in place.
pub async fn list(url: &str, names: &AmqpNames) -> Result<Vec<DeadLetter>, QueueError> {
    let seen = walk(url, names, |_| {
        None::<std::future::Ready<Result<(), QueueError>>>
    })
    .await?;
    Ok(seen.into_iter().map(|(letter, _)| letter).collect())
}

/// Puts the chosen orders back on the order queue with their attempts reset (a `failed` order
/// becomes `pending` again). Messages that are not order messages stay where they are.
/// Returns the order ids replayed.
pub async fn replay(
    url: &str,
    names: &AmqpNames,
    db: &DatabaseConnection,
    which: Replay,
) -> Result<Vec<i64>, QueueError> {
    let publisher = AmqpPublisher::new(url, names.clone());
    let seen = walk(url, names, |letter| {
        let order_id = letter.order_id?;
        if which != Replay::All && which != Replay::Order(order_id) {
            return None;
        }
        let (payload, publisher, db) = (letter.payload.clone(), &publisher, db);
        Some(async move {
            let again = Move::new(order_id, &[OrderStatus::Failed], OrderStatus::Pending)
                .note("replayed from the dead-letter queue")
                .attempts(0)
                .clearing_reason();
            let moved = moves::move_order_now(db, again)
                .await
                .map_err(|e| QueueError::Broker(format!("database: {e}")))?;
            publisher
                .publish_to("", &names.orders, payload.as_bytes())
                .await?;
            // Tell the API processes, as a move made there would: their live streams show it
            // and their cached page of the order is dropped.
            if let Some(event) = moved.and_then(|m| serde_json::to_vec(&m).ok()) {
                publisher
                    .publish_to(&names.status_exchange, "", &event)
                    .await?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(seen
        .into_iter()
        .filter(|(_, taken)| *taken)
        .filter_map(|(letter, _)| letter.order_id)
        .collect())
}
