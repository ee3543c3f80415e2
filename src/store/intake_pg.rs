//! Order intake on PostgreSQL: a whole batch of new orders in two statements whose text never changes.
//!
//! The multi-row INSERTs of the SQLite path ([`super::intake::place_orders`]) are a new statement
//! for every batch size, so on PostgreSQL most batches paid a parse, a plan and an extra round
//! trip per table, on top of BEGIN and COMMIT. Here the batch travels as arrays: one statement
//! takes the batch's order and history ids from their sequences, and one data-modifying `WITH`
//! inserts the orders (skipping idempotency keys stored earlier), their lines, their tracking
//! tokens, their first history events and their outbox rows. A single statement is atomic on its own, so the batch
//! needs no transaction around it; both statements are prepared once per connection.

use std::collections::HashSet;

use bakery_wire::OrderStatus;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use super::StoreError;
use super::draft::{OrderDraft, PLACED_NOTE, message_payload};
use super::notifications::{self, notifications_wanted_sql};
use super::rows::fulfillment_name;
use crate::domain::options;

/// Ids for `n` new orders and their first history events.
const TAKE_IDS: &str = "SELECT nextval('orders_id_seq') AS order_id, \
    nextval('order_events_id_seq') AS event_id FROM generate_series(1, $1)";

/// The batch: `$1..$11` and `$24` one element per order, `$12..$16` one per line, `$17..$19` one
/// per outbox row; `$20` the time, `$21` the first status, `$22` its note, `$23` the
/// notifications' topic (their rows are written only while someone listens); `$24` the hash of
/// each order's first tracking token (empty: none); `$25` each order's slot start, read where
/// `$26` is true; `$27` and `$28` each line's options and inscription (empty: none). Answers the ids of the orders
/// inserted (an order whose key was stored before is left out, and so are its rows).
const PLACE_BATCH: &str = concat!(
    "WITH draft AS (
    SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::text[], $5::int8[],
        $6::text[], $7::bool[], $8::text[], $9::text[], $10::text[], $11::bool[], $24::text[],
        $25::timestamptz[], $26::bool[])
        AS d(order_id, event_id, customer_name, customer_email, total_cents,
             idempotency_key, keyed, request_hash, fulfillment, delivery_address, addressed,
             token_hash, pickup_at, scheduled)
), placed AS (
    INSERT INTO orders (id, customer_name, customer_email, status, total_cents, idempotency_key,
        request_hash, attempts, created_at, updated_at, fulfillment, delivery_address, pickup_at)
    SELECT order_id, customer_name, customer_email, $21, total_cents,
        CASE WHEN keyed THEN idempotency_key END, request_hash, 0, $20, $20, fulfillment,
        CASE WHEN addressed THEN delivery_address END, CASE WHEN scheduled THEN pickup_at END
    FROM draft
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id
), lines AS (
    INSERT INTO order_items (order_id, product_id, product_name, quantity, unit_price_cents,
        options, inscription)
    SELECT l.order_id, l.product_id, l.product_name, l.quantity, l.unit_price_cents,
        NULLIF(l.options, ''), NULLIF(l.inscription, '')
    FROM unnest($12::int8[], $13::int8[], $14::text[], $15::int8[], $16::int8[], $27::text[],
        $28::text[]) WITH ORDINALITY
        AS l(order_id, product_id, product_name, quantity, unit_price_cents, options, inscription, n)
    WHERE l.order_id IN (SELECT id FROM placed)
    ORDER BY l.n
), tokens AS (
    INSERT INTO order_tracking_tokens (order_id, token_hash, created_at)
    SELECT order_id, token_hash, $20 FROM draft
    WHERE token_hash <> '' AND order_id IN (SELECT id FROM placed)
), events AS (
    INSERT INTO order_events (id, order_id, status, note, at)
    SELECT event_id, order_id, $21, $22, $20 FROM draft WHERE order_id IN (SELECT id FROM placed)
), messages AS (
    INSERT INTO outbox (topic, payload, created_at, published_at, attempts)
    SELECT m.topic, m.payload, $20, NULL, 0
    FROM unnest($17::int8[], $18::text[], $19::text[]) WITH ORDINALITY AS m(order_id, topic, payload, n)
    WHERE m.order_id IN (SELECT id FROM placed) AND (m.topic <> $23 OR ",
    notifications_wanted_sql!(),
    ")
    ORDER BY m.n
)
SELECT id FROM placed"
);

/// Writes `drafts` (their idempotency keys distinct) with their lines, first events, queue
/// messages on `topic` and notifications; returns each draft's new id, or `None` where the
/// draft's key was stored before (nothing of it is written).
pub(super) async fn place_new_orders(
    conn: &impl ConnectionTrait,
    drafts: &[&OrderDraft],
    pickups: &[Option<DateTime<Utc>>],
    topic: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Option<i64>>, StoreError> {
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let ids = take_ids(conn, drafts.len()).await?;
    let stmt = Statement::from_sql_and_values(
        DbBackend::Postgres,
        PLACE_BATCH,
        batch_values(drafts, pickups, &ids, topic, now)?,
    );
    let placed: HashSet<i64> = conn
        .query_all_raw(stmt)
        .await?
        .iter()
        .map(|row| row.try_get::<i64>("", "id"))
        .collect::<Result<_, _>>()?;
    Ok(ids
        .iter()
        .map(|(order_id, _)| placed.contains(order_id).then_some(*order_id))
        .collect())
}

/// `n` pairs of (order id, event id), fresh from the sequences.
async fn take_ids(conn: &impl ConnectionTrait, n: usize) -> Result<Vec<(i64, i64)>, StoreError> {
    let n = i64::try_from(n).map_err(|_| StoreError::TooMany(n))?;
    let stmt = Statement::from_sql_and_values(DbBackend::Postgres, TAKE_IDS, [n.into()]);
    conn.query_all_raw(stmt)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "order_id")?, row.try_get("", "event_id")?)))
        .collect()
}

/// The values of [`PLACE_BATCH`], in its parameters' order.
fn batch_values(
    drafts: &[&OrderDraft],
    pickups: &[Option<DateTime<Utc>>],
    ids: &[(i64, i64)],
    topic: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Value>, StoreError> {
    let mut orders = OrderColumns::default();
    let mut lines = LineColumns::default();
    let mut outbox = OutboxColumns::default();
    let mut token_hashes: Vec<String> = Vec::with_capacity(drafts.len());
    let status = OrderStatus::Pending;
    for (draft, &(order_id, event_id)) in drafts.iter().zip(ids) {
        orders.push(draft, order_id, event_id);
        token_hashes.push(draft.tracking_token_hash.clone().unwrap_or_default());
        for line in &draft.lines {
            lines.order_id.push(order_id);
            lines.product_id.push(line.product_id);
            lines.product_name.push(line.product_name.clone());
            lines.quantity.push(line.quantity);
            lines.unit_price_cents.push(line.unit_price_cents);
            let chosen = options::chosen_column(&line.options);
            lines.options.push(chosen.unwrap_or_default());
            lines
                .inscription
                .push(line.inscription.clone().unwrap_or_default());
        }
        outbox.push(order_id, topic, message_payload(order_id, draft)?);
        let recipient = draft.recipient(order_id);
        let note = Some(PLACED_NOTE);
        let notification = notifications::payload(event_id, &recipient, status, note, now)?;
        outbox.push(order_id, notifications::TOPIC, notification);
    }
    let (line_options, line_inscriptions) = (
        std::mem::take(&mut lines.options),
        std::mem::take(&mut lines.inscription),
    );
    let mut values = orders.into_values();
    values.extend(lines.into_values());
    values.extend(outbox.into_values());
    values.extend([
        now.into(),
        status.as_str().into(),
        PLACED_NOTE.into(),
        notifications::TOPIC.into(),
    ]);
    values.push(token_hashes.into());
    values.push(
        pickups
            .iter()
            .map(|p| p.unwrap_or(now))
            .collect::<Vec<_>>()
            .into(),
    );
    values.push(
        pickups
            .iter()
            .map(Option::is_some)
            .collect::<Vec<_>>()
            .into(),
    );
    values.push(line_options.into());
    values.push(line_inscriptions.into());
    Ok(values)
}

/// The orders of a batch, a column each.
#[derive(Default)]
struct OrderColumns {
    order_id: Vec<i64>,
    event_id: Vec<i64>,
    customer_name: Vec<String>,
    customer_email: Vec<String>,
    total_cents: Vec<i64>,
    // Arrays of text carry no NULLs here: a flag beside each optional value says if it is there.
    idempotency_key: Vec<String>,
    keyed: Vec<bool>,
    request_hash: Vec<String>,
    fulfillment: Vec<String>,
    delivery_address: Vec<String>,
    addressed: Vec<bool>,
}

impl OrderColumns {
    fn push(&mut self, draft: &OrderDraft, order_id: i64, event_id: i64) {
        self.order_id.push(order_id);
        self.event_id.push(event_id);
        self.customer_name.push(draft.customer_name.clone());
        self.customer_email.push(draft.customer_email.clone());
        self.total_cents.push(draft.total_cents());
        self.keyed.push(draft.idempotency_key.is_some());
        self.idempotency_key
            .push(draft.idempotency_key.clone().unwrap_or_default());
        self.request_hash.push(draft.request_hash.clone());
        self.fulfillment
            .push(fulfillment_name(draft.fulfillment).to_owned());
        self.addressed.push(draft.delivery_address.is_some());
        self.delivery_address
            .push(draft.delivery_address.clone().unwrap_or_default());
    }

    fn into_values(self) -> Vec<Value> {
        vec![
            self.order_id.into(),
            self.event_id.into(),
            self.customer_name.into(),
            self.customer_email.into(),
            self.total_cents.into(),
            self.idempotency_key.into(),
            self.keyed.into(),
            self.request_hash.into(),
            self.fulfillment.into(),
            self.delivery_address.into(),
            self.addressed.into(),
        ]
    }
}

/// The order lines of a batch, a column each.
#[derive(Default)]
struct LineColumns {
    order_id: Vec<i64>,
    product_id: Vec<i64>,
    product_name: Vec<String>,
    quantity: Vec<i64>,
    unit_price_cents: Vec<i64>,
    /// `$27` and `$28`, at the end of the parameters.
    options: Vec<String>,
    inscription: Vec<String>,
}

impl LineColumns {
    fn into_values(self) -> Vec<Value> {
        vec![
            self.order_id.into(),
            self.product_id.into(),
            self.product_name.into(),
            self.quantity.into(),
            self.unit_price_cents.into(),
        ]
    }
}

/// The outbox rows of a batch (queue messages and notifications), a column each.
#[derive(Default)]
struct OutboxColumns {
    order_id: Vec<i64>,
    topic: Vec<String>,
    payload: Vec<String>,
}

impl OutboxColumns {
    fn push(&mut self, order_id: i64, topic: &str, payload: String) {
        self.order_id.push(order_id);
        self.topic.push(topic.to_owned());
        self.payload.push(payload);
    }

    fn into_values(self) -> Vec<Value> {
        vec![self.order_id.into(), self.topic.into(), self.payload.into()]
    }
}
