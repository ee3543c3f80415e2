//! Order intake: a batch of new orders written in one transaction, each with its lines, its first
//! history event and its outbox rows (queue message, notification), idempotency keys honoured,
//! slots booked (an order without room is refused alone).

use std::collections::HashMap;

use bakery_wire::OrderStatus;
use chrono::{DateTime, Utc};
use entity::{order, order_event, order_item, order_tracking_token, outbox};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

use super::StoreError;
use super::bookings;
use super::draft::{Booking, OrderDraft, PLACED_NOTE, PlaceOutcome, Placed, message_payload};
use super::notifications;
use super::rows::{ROWS_PER_INSERT, fulfillment_name, insert_in_chunks, insert_returning_ids};
use crate::domain::options;
use crate::domain::slots::Counter;

/// Writes many orders in one transaction (each with its items, first event and outbox row).
/// If the shared transaction fails, each draft is tried again alone, so one bad draft (or a race
/// with another replica on an idempotency key) does not fail its neighbours.
pub async fn place_orders(
    db: &DatabaseConnection,
    drafts: &[OrderDraft],
    topic: &str,
) -> Vec<Result<PlaceOutcome, StoreError>> {
    let orders: Vec<(OrderDraft, Booking)> = drafts
        .iter()
        .map(|d| (d.clone(), Booking::default()))
        .collect();
    place_booked_orders(db, &orders, topic).await
}

/// [`place_orders`] for orders with their slot bookings: an order whose counters have no room
/// left answers [`StoreError::NoRoom`] and the others of its batch are written.
pub async fn place_booked_orders(
    db: &DatabaseConnection,
    orders: &[(OrderDraft, Booking)],
    topic: &str,
) -> Vec<Result<PlaceOutcome, StoreError>> {
    match place_in_one_transaction(db, orders, topic).await {
        Ok(outcomes) => outcomes,
        Err(err) if orders.len() == 1 => vec![Err(err)],
        Err(_) => {
            let mut outcomes = Vec::with_capacity(orders.len());
            for order in orders {
                let one = place_in_one_transaction(db, std::slice::from_ref(order), topic).await;
                outcomes.push(one.and_then(|mut v| v.pop().ok_or(StoreError::NoOutcome)?));
            }
            outcomes
        }
    }
}

async fn place_in_one_transaction(
    db: &DatabaseConnection,
    orders: &[(OrderDraft, Booking)],
    topic: &str,
) -> Result<Vec<Result<PlaceOutcome, StoreError>>, StoreError> {
    let books = orders.iter().any(|(_, b)| !b.counters.is_empty());
    if db.get_database_backend() == sea_orm::DbBackend::Postgres && !books {
        // One statement writes the batch there, atomic on its own (see `intake_pg`).
        return place_batch(db, orders, topic).await;
    }
    let write = super::begin_write_as(db, super::Writer::Intake).await?;
    let txn = &*write;
    let outcomes = place_batch(txn, orders, topic).await?;
    write.commit().await?;
    Ok(outcomes)
}

/// Whether an order was placed under idempotency `key` (a retry is answered with it, whatever
/// its slot has left).
pub async fn key_is_stored(conn: &impl ConnectionTrait, key: &str) -> Result<bool, StoreError> {
    Ok(order::Entity::find()
        .filter(order::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?
        .is_some())
}

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
    orders: &[(OrderDraft, Booking)],
    topic: &str,
) -> Result<Vec<Result<PlaceOutcome, StoreError>>, StoreError> {
    let mut plans = Vec::with_capacity(orders.len());
    let mut new: Vec<(&OrderDraft, &Booking)> = Vec::new();
    let mut new_by_key: HashMap<&str, usize> = HashMap::new();
    for (draft, booking) in orders {
        let plan = match draft.idempotency_key.as_deref() {
            Some(key) if new_by_key.contains_key(key) => {
                let n = new_by_key[key];
                if new[n].0.request_hash == draft.request_hash {
                    Plan::RetryOfNew(n)
                } else {
                    Plan::KeyReused
                }
            }
            key => {
                if let Some(key) = key {
                    new_by_key.insert(key, new.len());
                }
                new.push((draft, booking));
                Plan::New(new.len() - 1)
            }
        };
        plans.push(plan);
    }
    let counters: Vec<&[Counter]> = new.iter().map(|(_, b)| b.counters.as_slice()).collect();
    let refused = bookings::book_all(conn, &counters).await?;
    let accepted: Vec<(&OrderDraft, &Booking)> = new
        .iter()
        .zip(&refused)
        .filter(|(_, refused)| !**refused)
        .map(|(order, _)| *order)
        .collect();
    let drafts: Vec<&OrderDraft> = accepted.iter().map(|(d, _)| *d).collect();
    let pickups: Vec<Option<DateTime<Utc>>> = accepted.iter().map(|(_, b)| b.pickup_at).collect();
    let now = Utc::now();
    let ids = if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        super::intake_pg::place_new_orders(conn, &drafts, &pickups, topic, now).await?
    } else {
        let ids = insert_orders(conn, &drafts, &pickups, now).await?;
        let fresh: Vec<(&OrderDraft, i64)> = drafts
            .iter()
            .zip(&ids)
            .filter_map(|(draft, id)| id.map(|id| (*draft, id)))
            .collect();
        insert_details(conn, &fresh, topic, now).await?;
        ids
    };
    let mut held = Vec::new();
    for ((_, booking), id) in accepted.iter().zip(&ids) {
        match id {
            Some(id) if !booking.counters.is_empty() => {
                held.push((*id, booking.counters.as_slice()))
            }
            Some(_) => {}
            // Stored before under its key: what this retry booked goes back.
            None => bookings::unbook(conn, &booking.counters).await?,
        }
    }
    bookings::remember(conn, &held).await?;
    let outcomes = outcomes_of_inserts(conn, &accepted, &ids, now).await?;
    let mut accepted_outcomes = outcomes.into_iter();
    let new_outcomes: Vec<Result<PlaceOutcome, StoreError>> = refused
        .iter()
        .map(|refused| match refused {
            true => Err(StoreError::NoRoom),
            false => accepted_outcomes.next().ok_or(StoreError::NoOutcome),
        })
        .collect();
    Ok(plans
        .into_iter()
        .map(|plan| match plan {
            Plan::KeyReused => Ok(PlaceOutcome::KeyReused),
            Plan::New(n) => match &new_outcomes[n] {
                Ok(outcome) => Ok(outcome.clone()),
                Err(_) => Err(StoreError::NoRoom),
            },
            Plan::RetryOfNew(n) => match &new_outcomes[n] {
                Ok(PlaceOutcome::Placed(placed)) => Ok(PlaceOutcome::Placed(Placed {
                    replayed: true,
                    ..placed.clone()
                })),
                Ok(PlaceOutcome::KeyReused) => Ok(PlaceOutcome::KeyReused),
                Err(_) => Err(StoreError::NoRoom),
            },
        })
        .collect())
}

/// The answer to each insert: the new order, or (its key was stored before) the earlier order
/// if the body is the same, else a refusal.
async fn outcomes_of_inserts(
    conn: &impl ConnectionTrait,
    new: &[(&OrderDraft, &Booking)],
    ids: &[Option<i64>],
    now: DateTime<Utc>,
) -> Result<Vec<PlaceOutcome>, StoreError> {
    let skipped: Vec<&str> = new
        .iter()
        .zip(ids)
        .filter(|(_, id)| id.is_none())
        .filter_map(|((draft, _), _)| draft.idempotency_key.as_deref())
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
        .map(|((draft, booking), id)| match id {
            Some(id) => Ok(PlaceOutcome::Placed(Placed {
                order_id: *id,
                total_cents: draft.total_cents(),
                created_at: now,
                replayed: false,
                pickup_at: booking.pickup_at,
            })),
            None => {
                let key = draft.idempotency_key.as_deref().unwrap_or_default();
                let first = earlier
                    .get(key)
                    .ok_or_else(|| StoreError::KeyNotStored(key.to_owned()))?;
                Ok(
                    if first.request_hash.as_deref() == Some(draft.request_hash.as_str()) {
                        PlaceOutcome::Placed(Placed {
                            order_id: first.id,
                            total_cents: first.total_cents,
                            created_at: first.created_at,
                            replayed: true,
                            pickup_at: first.pickup_at,
                        })
                    } else {
                        PlaceOutcome::KeyReused
                    },
                )
            }
        })
        .collect()
}

/// The items, tracking tokens, first history events and outbox rows of orders inserted just now.
async fn insert_details(
    conn: &impl ConnectionTrait,
    fresh: &[(&OrderDraft, i64)],
    topic: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
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
                options: Set(options::chosen_column(&line.options)),
                inscription: Set(line.inscription.clone()),
            })
        })
        .collect();
    insert_in_chunks(conn, items).await?;
    let tokens: Vec<order_tracking_token::ActiveModel> = fresh
        .iter()
        .filter_map(|(draft, order_id)| {
            Some(order_tracking_token::ActiveModel {
                id: NotSet,
                order_id: Set(*order_id),
                token_hash: Set(draft.tracking_token_hash.clone()?),
                created_at: Set(now),
            })
        })
        .collect();
    insert_in_chunks(conn, tokens).await?;
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
    insert_in_chunks(conn, outbox_rows)
        .await
        .map_err(StoreError::from)
}

/// Inserts the new orders, skipping any whose idempotency key is stored already; returns each
/// draft's new id (`None`: skipped), in the drafts' order.
async fn insert_orders(
    conn: &impl ConnectionTrait,
    drafts: &[&OrderDraft],
    pickups: &[Option<DateTime<Utc>>],
    now: DateTime<Utc>,
) -> Result<Vec<Option<i64>>, StoreError> {
    use sea_orm::QueryTrait;
    use sea_orm::sea_query::{OnConflict, Query};
    let mut ids = Vec::with_capacity(drafts.len());
    for (chunk, pickups) in drafts
        .chunks(ROWS_PER_INSERT)
        .zip(pickups.chunks(ROWS_PER_INSERT))
    {
        let rows = chunk
            .iter()
            .zip(pickups)
            .map(|(draft, pickup_at)| order::ActiveModel {
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
                lease_owner: Set(None),
                pickup_at: Set(*pickup_at),
                start_at: Set(None),
                reminded_at: NotSet,
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
                None => Some(keyless.next().ok_or(StoreError::KeylessNotInserted)?),
            });
        }
    }
    Ok(ids)
}
