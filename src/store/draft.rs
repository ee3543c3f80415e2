//! An order checked against the catalog and ready to be written, and what writing it came to.

use bakery_wire::{Fulfillment, cents_to_price};
use chrono::{DateTime, Utc};

use super::StoreError;
use super::notifications;
use crate::domain::options::{Chosen, line_words};
use crate::domain::slots::Counter;
use crate::domain::{MessageItem, OrderMessage};

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
    /// SHA-256 of the order's first tracking token (see [`super::tracking`]), written with it.
    pub tracking_token_hash: Option<String>,
}

/// One line with the product's name and price as they are now in the catalog (the unit price
/// includes the chosen options' differences), its options and its inscription.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftLine {
    pub product_id: i64,
    pub product_name: String,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub options: Vec<Chosen>,
    pub inscription: Option<String>,
}

impl OrderDraft {
    /// Whom the notifications of order `order_id`, placed from this draft, concern.
    pub fn recipient(&self, order_id: i64) -> notifications::Recipient<'_> {
        notifications::Recipient {
            order_id,
            customer_name: &self.customer_name,
            customer_email: &self.customer_email,
            fulfillment: self.fulfillment,
            total_cents: self.total_cents(),
            items: self
                .lines
                .iter()
                .map(|l| {
                    let inscription = l.inscription.as_deref();
                    line_words(l.quantity, &l.product_name, &l.options, inscription)
                })
                .collect(),
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

/// The slot an order is for and the counters it books there (only those with a limit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Booking {
    /// Start of the slot; `None`: the order has none (placed without the calendar).
    pub pickup_at: Option<DateTime<Utc>>,
    pub counters: Vec<Counter>,
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
    /// Start of the order's slot.
    pub pickup_at: Option<DateTime<Utc>>,
}

/// The first history note of every order.
pub(super) const PLACED_NOTE: &str = "order placed";

/// The JSON of a freshly placed order's queue message (an outbox row's payload).
pub(super) fn message_payload(order_id: i64, draft: &OrderDraft) -> Result<String, StoreError> {
    Ok(serde_json::to_string(&message_for_draft(order_id, draft))?)
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
