//! Orders in the database: placing a batch in one transaction, the guarded status moves, and reads.

use std::collections::HashMap;

use bakery_wire::{Fulfillment, OrderLine, OrderStatus, OrderView, StatusChange, cents_to_price};
use chrono::{DateTime, Utc};
use entity::{order, order_event, order_item, outbox, product};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::{notifications, wire_time};
use crate::domain::can_move;
use crate::queue::{MessageItem, OrderMessage};

/// An order checked against the catalog, ready to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDraft {
    pub customer_name: String,
    pub customer_email: String,
    pub lines: Vec<DraftLine>,
    pub idempotency_key: Option<String>,
    /// Hash of the request, to tell a retry (same body) from a reused key (another body).
    pub request_hash: String,
    pub fulfillment: Fulfillment,
    pub delivery_address: Option<String>,
}

/// One line with the product's name and price as they are now in the catalog.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftLine {
    pub product_id: i64,
    pub product_name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
}

impl OrderDraft {
    /// Whom the notifications of order `order_id`, placed from this draft, concern.
    pub fn recipient(&self, order_id: i64) -> notifications::Recipient<'_> {
        notifications::Recipient {
            order_id,
            customer_name: &self.customer_name,
            customer_email: &self.customer_email,
            fulfillment: self.fulfillment,
        }
    }

    /// Sum of the lines, in cents.
    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .map(|l| l.unit_price_cents.saturating_mul(l.quantity))
            .fold(0i64, i64::saturating_add)
    }
}

/// What placing one draft came to.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaceOutcome {
    /// Written now, or found already written under the same idempotency key and body.
    Placed(Placed),
    /// The idempotency key belongs to an order with another body.
    KeyReused,
}

/// An order that is in the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub order_id: i64,
    pub total_cents: i64,
    pub created_at: DateTime<Utc>,
    /// True when this is the answer to a retry of an earlier request.
    pub replayed: bool,
}

/// Writes many orders in one transaction (each with its items, first event and outbox row).
/// If the shared transaction fails, each draft is tried again alone, so one bad draft (or a race
/// with another replica on an idempotency key) does not fail its neighbours.
pub async fn place_orders(
    db: &DatabaseConnection,
    drafts: &[OrderDraft],
    topic: &str,
) -> Vec<Result<PlaceOutcome, DbErr>> {
    match place_in_one_transaction(db, drafts, topic).await {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(err) if drafts.len() == 1 => vec![Err(err)],
        Err(_) => {
            let mut outcomes = Vec::with_capacity(drafts.len());
            for draft in drafts {
                let one = place_in_one_transaction(db, std::slice::from_ref(draft), topic).await;
                outcomes.push(one.and_then(|mut v| {
                    v.pop()
                        .ok_or_else(|| DbErr::Custom("no outcome for a placed order".into()))
                }));
            }
            outcomes
        }
    }
}

async fn place_in_one_transaction(
    db: &DatabaseConnection,
    drafts: &[OrderDraft],
    topic: &str,
) -> Result<Vec<PlaceOutcome>, DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // One statement writes the batch there, atomic on its own (see `intake_pg`).
        return place_batch(db, drafts, topic).await;
    }
    let write = super::begin_write_as(db, super::Writer::Intake).await?;
    let txn = &*write;
    let outcomes = place_batch(txn, drafts, topic).await?;
    write.commit().await?;
    Ok(outcomes)
}

/// Rows per multi-row INSERT (keeps SQLite under its bound-parameter limit).
const ROWS_PER_INSERT: usize = 500;

/// What one draft of a batch comes to, by the draft's place in the batch.
enum Plan {
    /// Refused: the key was used a moment ago in this batch for another body.
    KeyReused,
    /// The `n`-th order to insert.
    New(usize),
    /// A retry of the `n`-th order to insert, sent again while the batch was forming.
    RetryOfNew(usize),
}

/// Writes a batch with a handful of statements, whatever its size: on SQLite one multi-row INSERT
/// each for the orders, their items, their first events and their outbox rows (queue message and
/// notification); on PostgreSQL the two of [`super::intake_pg`]. An idempotency key stored
/// earlier (a retry, or a reused key) is skipped by the orders' unique index in the same INSERT,
/// and only such keys are looked up afterwards: looking
/// every key up first had cost PostgreSQL a scan of all orders per batch once its cached plan
/// for the look-up was made on an empty table.
async fn place_batch(
    conn: &impl ConnectionTrait,
    drafts: &[OrderDraft],
    topic: &str,
) -> Result<Vec<PlaceOutcome>, DbErr> {
    let mut plans = Vec::with_capacity(drafts.len());
    let mut new: Vec<&OrderDraft> = Vec::new();
    let mut new_by_key: HashMap<&str, usize> = HashMap::new();
    for draft in drafts {
        let plan = match draft.idempotency_key.as_deref() {
            Some(key) if new_by_key.contains_key(key) => {
                let n = new_by_key[key];
                if new[n].request_hash == draft.request_hash {
                    Plan::RetryOfNew(n)
                } else {
                    Plan::KeyReused
                }
            }
            key => {
                if let Some(key) = key {
                    new_by_key.insert(key, new.len());
                }
                new.push(draft);
                Plan::New(new.len() - 1)
            }
        };
        plans.push(plan);
    }
    let now = Utc::now();
    let ids = if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        super::intake_pg::place_new_orders(conn, &new, topic, now).await?
    } else {
        let ids = insert_orders(conn, &new, now).await?;
        let fresh: Vec<(&OrderDraft, i64)> = new
            .iter()
            .zip(&ids)
            .filter_map(|(draft, id)| id.map(|id| (*draft, id)))
            .collect();
        insert_details(conn, &fresh, topic, now).await?;
        ids
    };
    let outcomes = outcomes_of_inserts(conn, &new, &ids, now).await?;
    Ok(plans
        .into_iter()
        .map(|plan| match plan {
            Plan::KeyReused => PlaceOutcome::KeyReused,
            Plan::New(n) => outcomes[n].clone(),
            Plan::RetryOfNew(n) => match &outcomes[n] {
                PlaceOutcome::Placed(placed) => PlaceOutcome::Placed(Placed {
                    replayed: true,
                    ..placed.clone()
                }),
                PlaceOutcome::KeyReused => PlaceOutcome::KeyReused,
            },
        })
        .collect())
}

/// The answer to each insert: the new order, or (its key was stored before) the earlier order
/// if the body is the same, else a refusal.
async fn outcomes_of_inserts(
    conn: &impl ConnectionTrait,
    new: &[&OrderDraft],
    ids: &[Option<i64>],
    now: DateTime<Utc>,
) -> Result<Vec<PlaceOutcome>, DbErr> {
    let skipped: Vec<&str> = new
        .iter()
        .zip(ids)
        .filter(|(_, id)| id.is_none())
        .filter_map(|(draft, _)| draft.idempotency_key.as_deref())
        .collect();
    let earlier: HashMap<String, order::Model> = if skipped.is_empty() {
        HashMap::new()
    } else {
        order::Entity::find()
            .filter(order::Column::IdempotencyKey.is_in(skipped))
            .all(conn)
            .await?
            .into_iter()
            .filter_map(|o| Some((o.idempotency_key.clone()?, o)))
            .collect()
    };
    new.iter()
        .zip(ids)
        .map(|(draft, id)| match id {
            Some(id) => Ok(PlaceOutcome::Placed(Placed {
                order_id: *id,
                total_cents: draft.total_cents(),
                created_at: now,
                replayed: false,
            })),
            None => {
                let key = draft.idempotency_key.as_deref().unwrap_or_default();
                let first = earlier.get(key).ok_or_else(|| {
                    DbErr::Custom(format!(
                        "idempotency key {key:?} conflicted but is not stored"
                    ))
                })?;
                Ok(
                    if first.request_hash.as_deref() == Some(draft.request_hash.as_str()) {
                        PlaceOutcome::Placed(Placed {
                            order_id: first.id,
                            total_cents: first.total_cents,
                            created_at: first.created_at,
                            replayed: true,
                        })
                    } else {
                        PlaceOutcome::KeyReused
                    },
                )
            }
        })
        .collect()
}

/// The items, first history events and outbox rows of orders inserted just now.
async fn insert_details(
    conn: &impl ConnectionTrait,
    fresh: &[(&OrderDraft, i64)],
    topic: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let items: Vec<order_item::ActiveModel> = fresh
        .iter()
        .flat_map(|(draft, order_id)| {
            draft.lines.iter().map(|line| order_item::ActiveModel {
                id: NotSet,
                order_id: Set(*order_id),
                product_id: Set(line.product_id),
                product_name: Set(line.product_name.clone()),
                quantity: Set(line.quantity),
                unit_price_cents: Set(line.unit_price_cents),
            })
        })
        .collect();
    insert_in_chunks(conn, items).await?;
    let note = PLACED_NOTE;
    let events: Vec<order_event::ActiveModel> = fresh
        .iter()
        .map(|(_, order_id)| order_event::ActiveModel {
            id: NotSet,
            order_id: Set(*order_id),
            status: Set(OrderStatus::Pending.as_str().to_owned()),
            note: Set(Some(note.to_owned())),
            at: Set(now),
        })
        .collect();
    let event_ids = insert_returning_ids(conn, events).await?;
    let notify = notifications::wanted(conn).await?;
    let mut outbox_rows = Vec::with_capacity(fresh.len() * 2);
    for ((draft, order_id), event_id) in fresh.iter().zip(&event_ids) {
        outbox_rows.push(outbox::ActiveModel {
            id: NotSet,
            topic: Set(topic.to_owned()),
            payload: Set(message_payload(*order_id, draft)?),
            created_at: Set(now),
            published_at: Set(None),
            attempts: Set(0),
        });
        if !notify {
            continue;
        }
        let recipient = draft.recipient(*order_id);
        let status = OrderStatus::Pending;
        let row = notifications::outbox_row(*event_id, &recipient, status, Some(note), now)?;
        outbox_rows.push(row);
    }
    insert_in_chunks(conn, outbox_rows).await
}

/// Inserts the new orders, skipping any whose idempotency key is stored already; returns each
/// draft's new id (`None`: skipped), in the drafts' order.
async fn insert_orders(
    conn: &impl ConnectionTrait,
    drafts: &[&OrderDraft],
    now: DateTime<Utc>,
) -> Result<Vec<Option<i64>>, DbErr> {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::{OnConflict, Query};
    let mut ids = Vec::with_capacity(drafts.len());
    for chunk in drafts.chunks(ROWS_PER_INSERT) {
        let rows = chunk.iter().map(|draft| order::ActiveModel {
            id: NotSet,
            customer_name: Set(draft.customer_name.clone()),
            customer_email: Set(draft.customer_email.clone()),
            status: Set(OrderStatus::Pending.as_str().to_owned()),
            total_cents: Set(draft.total_cents()),
            idempotency_key: Set(draft.idempotency_key.clone()),
            request_hash: Set(Some(draft.request_hash.clone())),
            failure_reason: Set(None),
            attempts: Set(0),
            ready_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            fulfillment: Set(fulfillment_name(draft.fulfillment).to_owned()),
            delivery_address: Set(draft.delivery_address.clone()),
        });
        let mut insert = order::Entity::insert_many(rows).into_query();
        insert
            .on_conflict(
                OnConflict::column(order::Column::IdempotencyKey)
                    .do_nothing()
                    .to_owned(),
            )
            .returning(
                Query::returning().columns([order::Column::Id, order::Column::IdempotencyKey]),
            );
        let mut by_key = HashMap::new();
        let mut keyless = Vec::new();
        for row in conn.query_all(&insert).await? {
            let id: i64 = row.try_get("", "id")?;
            match row.try_get::<Option<String>>("", "idempotency_key")? {
                Some(key) => {
                    by_key.insert(key, id);
                }
                None => keyless.push(id),
            }
        }
        // One statement numbers its rows in order: the keyless ids, sorted, follow the drafts.
        keyless.sort_unstable();
        let mut keyless = keyless.into_iter();
        for draft in chunk {
            ids.push(match &draft.idempotency_key {
                Some(key) => by_key.get(key).copied(),
                None => Some(keyless.next().ok_or_else(|| {
                    DbErr::Custom("an order without a key was not inserted".into())
                })?),
            });
        }
    }
    Ok(ids)
}

/// Inserts rows like [`insert_in_chunks`]; returns their ids in the rows' order (one statement
/// numbers its rows in order, and sorting each statement's ids makes the pairing explicit).
pub(super) async fn insert_returning_ids<A>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<Vec<i64>, DbErr>
where
    A: sea_orm::ActiveModelTrait + Clone + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A>,
    <<A::Entity as EntityTrait>::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: Into<i64>,
{
    let mut ids = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut chunk_ids: Vec<i64> = <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_with_returning_keys(conn)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        chunk_ids.sort_unstable();
        ids.extend(chunk_ids);
    }
    Ok(ids)
}

/// Inserts rows with as few statements as the parameter limit allows.
pub(super) async fn insert_in_chunks<A>(
    conn: &impl ConnectionTrait,
    rows: Vec<A>,
) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait + Clone + Send,
{
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Writes the order's queue message to the outbox (inside the caller's transaction).
async fn insert_outbox(
    conn: &impl ConnectionTrait,
    topic: &str,
    message: &OrderMessage,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let payload = serde_json::to_string(message).map_err(|e| DbErr::Custom(e.to_string()))?;
    outbox::Entity::insert(outbox::ActiveModel {
        id: NotSet,
        topic: Set(topic.to_owned()),
        payload: Set(payload),
        created_at: Set(now),
        published_at: Set(None),
        attempts: Set(0),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The JSON of a freshly placed order's queue message (an outbox row's payload).
pub(super) fn message_payload(order_id: i64, draft: &OrderDraft) -> Result<String, DbErr> {
    serde_json::to_string(&message_for_draft(order_id, draft))
        .map_err(|e| DbErr::Custom(e.to_string()))
}

/// The queue message of a freshly placed order.
fn message_for_draft(order_id: i64, draft: &OrderDraft) -> OrderMessage {
    OrderMessage {
        order_id,
        customer_name: draft.customer_name.clone(),
        customer_email: draft.customer_email.clone(),
        items: draft
            .lines
            .iter()
            .map(|l| MessageItem {
                product_id: l.product_id,
                quantity: l.quantity,
                price: cents_to_price(l.unit_price_cents),
            })
            .collect(),
    }
}

/// The queue message of a stored order (to hand it to the processors again after a restart).
pub async fn message_for(
    db: &impl ConnectionTrait,
    order: &order::Model,
) -> Result<OrderMessage, DbErr> {
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order.id))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    Ok(OrderMessage {
        order_id: order.id,
        customer_name: order.customer_name.clone(),
        customer_email: order.customer_email.clone(),
        items: items
            .into_iter()
            .map(|i| MessageItem {
                product_id: i.product_id,
                quantity: i.quantity,
                price: cents_to_price(i.unit_price_cents),
            })
            .collect(),
    })
}

/// A guarded status change: it happens only while the order is in one of `from`.
#[derive(Debug, Clone)]
pub struct Move {
    pub order_id: i64,
    pub from: Vec<OrderStatus>,
    pub to: OrderStatus,
    pub note: Option<String>,
    pub failure_reason: Option<String>,
    pub ready_at: Option<DateTime<Utc>>,
    pub attempts: Option<i32>,
    /// Forget the earlier failure reason.
    pub clear_reason: bool,
}

impl Move {
    /// Moves `order_id` to `to` if it is in one of `from`.
    pub fn new(order_id: i64, from: &[OrderStatus], to: OrderStatus) -> Move {
        Move {
            order_id,
            from: from.to_vec(),
            to,
            note: None,
            failure_reason: None,
            ready_at: None,
            attempts: None,
            clear_reason: false,
        }
    }

    /// Forgets the order's earlier failure reason (it starts over).
    pub fn clearing_reason(mut self) -> Move {
        self.clear_reason = true;
        self
    }

    /// A note for the order's history.
    pub fn note(mut self, note: impl Into<String>) -> Move {
        self.note = Some(note.into());
        self
    }

    /// Why the order is rejected or failed; also its history note.
    pub fn because(mut self, reason: impl Into<String>) -> Move {
        let reason = reason.into();
        self.note = Some(reason.clone());
        self.failure_reason = Some(reason);
        self
    }

    /// When baking ends.
    pub fn ready_at(mut self, at: DateTime<Utc>) -> Move {
        self.ready_at = Some(at);
        self
    }

    /// How many tries the order has had.
    pub fn attempts(mut self, attempts: u32) -> Move {
        self.attempts = Some(i32::try_from(attempts).unwrap_or(i32::MAX));
        self
    }
}

/// A status change that happened: what to tell the order's watchers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moved {
    pub order_id: i64,
    pub change: StatusChange,
    /// What else the move wrote to the order, so that a kept page can follow the change without
    /// reading the order again; absent when shared by a process of an earlier version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<MovedFields>,
}

/// The order's other columns a move wrote (see [`Move`]).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MovedFields {
    /// The new end of baking, as the API shows it, when the move set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<String>,
    /// The new failure reason, when the move set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The move cleared the failure reason.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear_reason: bool,
}

/// Applies a guarded move and writes its `order_events` row and the customer's notification;
/// `None` when the order was not in any of `from` (someone else moved it first, or it does not
/// exist). The batch of one of [`super::kitchen::move_orders`].
pub async fn move_order(conn: &impl ConnectionTrait, mv: Move) -> Result<Option<Moved>, DbErr> {
    Ok(super::kitchen::move_orders(conn, vec![mv])
        .await?
        .pop()
        .flatten())
}

/// Applies a guarded move in a transaction of its own.
pub async fn move_order_now(db: &DatabaseConnection, mv: Move) -> Result<Option<Moved>, DbErr> {
    let write = super::begin_write(db).await?;
    let txn = &*write;
    let moved = move_order(txn, mv).await?;
    write.commit().await?;
    Ok(moved)
}

/// What trying to start an order came to.
#[derive(Debug, Clone, PartialEq)]
pub enum StartOutcome {
    /// Stock is reserved and the order is in the oven until `ready_at`.
    Baking {
        moved: Moved,
        ready_at: DateTime<Utc>,
    },
    /// Some line could not be served; nothing was taken.
    Rejected { moved: Moved },
    /// The order was no longer pending (a duplicate delivery): nothing done.
    Skipped(OrderStatus),
    /// No order has this id.
    Unknown,
}

/// Gives an order up after its last attempt: any unsettled status → `failed`, with the reason.
pub async fn mark_failed(
    db: &DatabaseConnection,
    order_id: i64,
    attempts: u32,
    reason: &str,
) -> Result<Option<Moved>, DbErr> {
    let give_up = Move::new(
        order_id,
        &[OrderStatus::Pending, OrderStatus::Processing],
        OrderStatus::Failed,
    )
    .because(reason)
    .attempts(attempts);
    move_order_now(db, give_up).await
}

/// The order's status, if it exists.
pub async fn current_status(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<OrderStatus>, DbErr> {
    Ok(order::Entity::find_by_id(order_id)
        .one(db)
        .await?
        .and_then(|o| OrderStatus::parse(&o.status)))
}

/// Orders in `status`, oldest first (used to resume work after a restart).
pub async fn orders_in(
    db: &impl ConnectionTrait,
    status: OrderStatus,
) -> Result<Vec<order::Model>, DbErr> {
    order::Entity::find()
        .filter(order::Column::Status.eq(status.as_str()))
        .order_by_asc(order::Column::Id)
        .all(db)
        .await
}

/// The order as `GET /api/orders/{id}` shows it, read in one round trip: the order joined with
/// its lines and its history (a row per line and event pair, folded here).
pub async fn order_view(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<OrderView>, DbErr> {
    use sea_orm::FromQueryResult;
    use sea_orm::sea_query::{Alias, Asterisk, Order, Query};
    let i = |c: order_item::Column| Expr::col((order_item::Entity, c));
    let e = |c: order_event::Column| Expr::col((order_event::Entity, c));
    let query = Query::select()
        .column((order::Entity, Asterisk))
        .expr_as(i(order_item::Column::Id), Alias::new("item_id"))
        .expr_as(
            i(order_item::Column::ProductName),
            Alias::new("product_name"),
        )
        .expr_as(i(order_item::Column::Quantity), Alias::new("quantity"))
        .expr_as(
            i(order_item::Column::UnitPriceCents),
            Alias::new("unit_price_cents"),
        )
        .expr_as(e(order_event::Column::Id), Alias::new("event_id"))
        .expr_as(e(order_event::Column::Status), Alias::new("event_status"))
        .expr_as(e(order_event::Column::Note), Alias::new("event_note"))
        .expr_as(e(order_event::Column::At), Alias::new("event_at"))
        .from(order::Entity)
        .left_join(
            order_item::Entity,
            i(order_item::Column::OrderId).equals((order::Entity, order::Column::Id)),
        )
        .left_join(
            order_event::Entity,
            e(order_event::Column::OrderId).equals((order::Entity, order::Column::Id)),
        )
        .and_where(Expr::col((order::Entity, order::Column::Id)).eq(order_id))
        .order_by((order_item::Entity, order_item::Column::Id), Order::Asc)
        .order_by((order_event::Entity, order_event::Column::Id), Order::Asc)
        .to_owned();
    let rows = db.query_all(&query).await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let order = order::Model::from_query_result(first, "")?;
    let (mut items, mut history) = (Vec::new(), Vec::new());
    let (mut last_item, mut events_done) = (None, false);
    for row in &rows {
        let item_id: Option<i64> = row.try_get("", "item_id")?;
        if item_id.is_some() && item_id != last_item {
            items.push(order_line(
                row.try_get("", "product_name")?,
                row.try_get("", "quantity")?,
                row.try_get("", "unit_price_cents")?,
            ));
            // The history repeats for every line: it is read from the first line's rows.
            events_done |= last_item.is_some();
            last_item = item_id;
        }
        if events_done || row.try_get::<Option<i64>>("", "event_id")?.is_none() {
            continue;
        }
        history.extend(history_entry(
            &row.try_get::<String>("", "event_status")?,
            row.try_get("", "event_note")?,
            row.try_get("", "event_at")?,
        ));
    }
    view_of(order, items, history).map(Some)
}

/// Many orders as `GET /api/orders/{id}` shows them, by id, read in one snapshot with three
/// queries whatever their number (orders, lines, histories); unknown ids are left out.
pub async fn order_views(
    db: &DatabaseConnection,
    ids: &[i64],
) -> Result<HashMap<i64, OrderView>, DbErr> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    let found = order::Entity::find()
        .filter(super::one_of(&txn, order::Column::Id, ids))
        .all(&txn)
        .await?;
    let mut items: HashMap<i64, Vec<OrderLine>> = HashMap::new();
    for item in order_item::Entity::find()
        .filter(super::one_of(&txn, order_item::Column::OrderId, ids))
        .order_by_asc(order_item::Column::Id)
        .all(&txn)
        .await?
    {
        items.entry(item.order_id).or_default().push(order_line(
            item.product_name,
            item.quantity,
            item.unit_price_cents,
        ));
    }
    let mut histories: HashMap<i64, Vec<StatusChange>> = HashMap::new();
    for event in order_event::Entity::find()
        .filter(super::one_of(&txn, order_event::Column::OrderId, ids))
        .order_by_asc(order_event::Column::Id)
        .all(&txn)
        .await?
    {
        let history = histories.entry(event.order_id).or_default();
        history.extend(history_entry(&event.status, event.note, event.at));
    }
    txn.commit().await?;
    found
        .into_iter()
        .map(|order| {
            let id = order.id;
            let items = items.remove(&id).unwrap_or_default();
            let history = histories.remove(&id).unwrap_or_default();
            Ok((id, view_of(order, items, history)?))
        })
        .collect()
}

/// The first history note of every order.
pub(super) const PLACED_NOTE: &str = "order placed";

/// The page of an order just placed from `draft`, as the database would give it (without
/// reading it back).
pub fn placed_view(draft: &OrderDraft, placed: &Placed) -> OrderView {
    OrderView {
        order_id: placed.order_id,
        customer_name: draft.customer_name.clone(),
        status: OrderStatus::Pending,
        created_at: wire_time(placed.created_at),
        items: draft
            .lines
            .iter()
            .map(|l| order_line(l.product_name.clone(), l.quantity, l.unit_price_cents))
            .collect(),
        total: cents_to_price(placed.total_cents),
        history: vec![StatusChange {
            status: OrderStatus::Pending,
            note: Some(PLACED_NOTE.to_owned()),
            at: wire_time(placed.created_at),
        }],
        failure_reason: None,
        ready_at: None,
        fulfillment: draft.fulfillment,
        delivery_address: draft.delivery_address.clone(),
    }
}

/// One line of an order's page.
fn order_line(product_name: String, quantity: i64, unit_price_cents: i64) -> OrderLine {
    OrderLine {
        product_name,
        quantity,
        unit_price: cents_to_price(unit_price_cents),
        total: cents_to_price(unit_price_cents.saturating_mul(quantity)),
    }
}

/// One step of an order's history (`None`: a status this version does not know).
fn history_entry(status: &str, note: Option<String>, at: DateTime<Utc>) -> Option<StatusChange> {
    Some(StatusChange {
        status: OrderStatus::parse(status)?,
        note,
        at: wire_time(at),
    })
}

/// The page of `order`, given its lines and history.
fn view_of(
    order: order::Model,
    items: Vec<OrderLine>,
    history: Vec<StatusChange>,
) -> Result<OrderView, DbErr> {
    let status = OrderStatus::parse(&order.status).ok_or_else(|| {
        DbErr::Custom(format!("order {} has status {:?}", order.id, order.status))
    })?;
    Ok(OrderView {
        order_id: order.id,
        customer_name: order.customer_name,
        status,
        created_at: wire_time(order.created_at),
        items,
        total: cents_to_price(order.total_cents),
        history,
        failure_reason: order.failure_reason,
        ready_at: order.ready_at.map(wire_time),
        fulfillment: parse_fulfillment(&order.fulfillment),
        delivery_address: order.delivery_address,
    })
}

/// The stored name of a fulfillment.
pub fn fulfillment_name(fulfillment: Fulfillment) -> &'static str {
    match fulfillment {
        Fulfillment::Pickup => "pickup",
        Fulfillment::Delivery => "delivery",
    }
}

/// Reads a stored fulfillment (anything unknown is pickup).
pub fn parse_fulfillment(name: &str) -> Fulfillment {
    if name == "delivery" {
        Fulfillment::Delivery
    } else {
        Fulfillment::Pickup
    }
}

/// A move the staff (or the customer) asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StaffAction {
    /// A pickup order handed over: `ready` → `completed`.
    Complete,
    /// A delivery order on its way: `ready` → `out_for_delivery`.
    Dispatch,
    /// A delivery order handed over: `out_for_delivery` → `delivered`.
    Deliver,
    /// `pending` or `processing` → `cancelled`; reserved stock goes back on the shelf.
    Cancel { reason: String },
    /// A failed order starts over: `failed` → `pending`, and back on the queue.
    Retry,
    /// The customer takes back an order nobody has started on: `pending` → `cancelled`.
    CustomerCancel,
}

impl StaffAction {
    /// The action's name in the API and the audit log.
    pub fn name(&self) -> &'static str {
        match self {
            StaffAction::Complete => "complete",
            StaffAction::Dispatch => "dispatch",
            StaffAction::Deliver => "deliver",
            StaffAction::Cancel { .. } => "cancel",
            StaffAction::Retry => "retry",
            StaffAction::CustomerCancel => "cancel",
        }
    }
}

/// Why a staff action did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("no such order")]
    NotFound,
    #[error("the order is {0}")]
    Refused(OrderStatus),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Applies `action` to the order in one transaction (guarded move, its event, and for a cancel
/// the stock returned, for a retry a new outbox message on `topic`).
pub async fn apply_action(
    db: &DatabaseConnection,
    order_id: i64,
    action: &StaffAction,
    topic: &str,
) -> Result<Moved, ActionError> {
    let Some(order) = order::Entity::find_by_id(order_id).one(db).await? else {
        return Err(ActionError::NotFound);
    };
    let status = OrderStatus::parse(&order.status).unwrap_or(OrderStatus::Failed);
    let delivery = parse_fulfillment(&order.fulfillment) == Fulfillment::Delivery;
    use OrderStatus::*;
    let mv = match action {
        StaffAction::Complete if !delivery => {
            Move::new(order_id, &[Ready], Completed).note("picked up")
        }
        StaffAction::Dispatch if delivery => {
            Move::new(order_id, &[Ready], OutForDelivery).note("out for delivery")
        }
        StaffAction::Deliver => Move::new(order_id, &[OutForDelivery], Delivered).note("delivered"),
        StaffAction::Cancel { reason } => {
            Move::new(order_id, &[status], Cancelled).because(reason.clone())
        }
        StaffAction::CustomerCancel => {
            Move::new(order_id, &[Pending], Cancelled).because("cancelled by the customer")
        }
        StaffAction::Retry => Move::new(order_id, &[Failed], Pending)
            .note("retried by staff")
            .attempts(0)
            .clearing_reason(),
        _ => return Err(ActionError::Refused(status)),
    };
    if !mv.from.iter().all(|from| can_move(*from, mv.to)) {
        return Err(ActionError::Refused(status));
    }
    let write = super::begin_write(db).await?;
    let txn = &*write;
    let Some(moved) = move_order(txn, mv).await? else {
        write.rollback().await?;
        let now = current_status(db, order_id).await?.unwrap_or(status);
        return Err(ActionError::Refused(now));
    };
    match action {
        StaffAction::Cancel { .. } if status == Processing => {
            // Its stock was reserved when it went into the oven.
            let items = order_item::Entity::find()
                .filter(order_item::Column::OrderId.eq(order_id))
                .order_by_asc(order_item::Column::ProductId)
                .all(txn)
                .await?;
            for item in items {
                product::Entity::update_many()
                    .col_expr(
                        product::Column::Stock,
                        Expr::col(product::Column::Stock).add(item.quantity),
                    )
                    .filter(product::Column::Id.eq(item.product_id))
                    .exec(txn)
                    .await?;
            }
        }
        StaffAction::Retry => {
            let message = message_for(txn, &order).await?;
            insert_outbox(txn, topic, &message, Utc::now()).await?;
        }
        _ => {}
    }
    write.commit().await?;
    Ok(moved)
}

/// The orders created on `day` (UTC), newest first, optionally only those in `status`.
pub async fn orders_of_day(
    db: &impl ConnectionTrait,
    day: chrono::NaiveDate,
    status: Option<OrderStatus>,
) -> Result<Vec<(order::Model, Vec<order_item::Model>)>, DbErr> {
    let start = day.and_time(chrono::NaiveTime::MIN).and_utc();
    let end = start + chrono::Duration::days(1);
    let mut query = order::Entity::find()
        .filter(order::Column::CreatedAt.gte(start))
        .filter(order::Column::CreatedAt.lt(end))
        .order_by_desc(order::Column::Id)
        .limit(1000);
    if let Some(status) = status {
        query = query.filter(order::Column::Status.eq(status.as_str()));
    }
    let orders = query.all(db).await?;
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.is_in(ids))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    Ok(orders
        .into_iter()
        .map(|o| {
            let (mine, rest): (Vec<_>, Vec<_>) = items.drain(..).partition(|i| i.order_id == o.id);
            items = rest;
            (o, mine)
        })
        .collect())
}

/// One order and its items (for the board's answer to an action).
pub async fn order_with_items(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<Option<(order::Model, Vec<order_item::Model>)>, DbErr> {
    let Some(order) = order::Entity::find_by_id(order_id).one(db).await? else {
        return Ok(None);
    };
    let items = order_item::Entity::find()
        .filter(order_item::Column::OrderId.eq(order_id))
        .order_by_asc(order_item::Column::Id)
        .all(db)
        .await?;
    Ok(Some((order, items)))
}
