//! Request and response types of the bakery's HTTP API, shared by the server and the wasm storefront.
//!
//! Field names and shapes follow the seed document's API exactly; fields it does not name are
//! additive. Money travels as a JSON number with two decimals (`29.99`); convert with
//! [`cents_to_price`] and [`price_to_cents`]. The input rules (lengths, quantity range) live in
//! [`rules`] so the site validates exactly as the server does.

use serde::{Deserialize, Serialize};

pub mod lifecycle;
pub mod menu;
pub mod money;
pub mod options;
pub mod production;
pub mod rules;
pub mod staff;

pub use menu::{Allergen, Category, Dietary};
pub use options::{ChosenOption, Inscription, OptionChoice, OptionGroup, ProductOptions};
pub use staff::Fulfillment;

/// The text the seed's API returns once an order has been handed to the queue.
pub const QUEUE_STATUS_SENT: &str = "sent to processing queue";

/// The header that makes `POST /api/orders` safe to retry.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// The header that carries an order's tracking token (the query parameter is [`TRACKING_QUERY`]).
pub const ORDER_TOKEN_HEADER: &str = "X-Order-Token";

/// The query parameter that carries an order's tracking token: `/api/orders/7?t=…`.
pub const TRACKING_QUERY: &str = "t";

/// The storefront's page of order `order_id`, carrying its tracking token (a token is hex, so it
/// needs no escaping).
pub fn tracking_url(order_id: i64, token: &str) -> String {
    format!("/orders/{order_id}?{TRACKING_QUERY}={token}")
}

/// Converts integer cents to the two-decimal JSON price (`2999` → `29.99`).
pub fn cents_to_price(cents: i64) -> f64 {
    cents as f64 / 100.0
}

/// Converts a JSON price to integer cents, or `None` when it is negative, not finite, or has
/// more than two decimals.
pub fn price_to_cents(price: f64) -> Option<i64> {
    if !price.is_finite() || !(0.0..=1e12).contains(&price) {
        return None;
    }
    let scaled = price * 100.0;
    let cents = scaled.round();
    ((scaled - cents).abs() < 1e-6).then_some(cents as i64)
}

/// One product of the catalog, as `GET /api/products` lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Product {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub id: i64,
    pub name: String,
    pub description: String,
    /// Price in the shop's currency, two decimals.
    pub price: f64,
    pub image_url: String,
    /// Pieces on the shelf; 0 means sold out.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub stock: i64,
    /// The EU's 14 allergens the product contains, in the vocabulary's order.
    #[serde(default)]
    pub allergens: Vec<Allergen>,
    /// Allergens the product may contain (traces: made where they are handled).
    #[serde(default)]
    pub may_contain: Vec<Allergen>,
    /// Dietary labels the product carries.
    #[serde(default)]
    pub dietary: Vec<Dietary>,
    /// The name of its category (`GET /api/categories` gives their order); null: uncategorised.
    #[serde(default)]
    pub category: Option<String>,
    /// When the kitchen can make it.
    #[serde(flatten, default)]
    pub planning: ProductPlanning,
    /// Its option groups in the menu's order (`[]`: none); an order names a choice per group in
    /// `items[i].options`, or gets each group's default.
    #[serde(default)]
    pub options: Vec<OptionGroup>,
    /// The inscription it takes (`items[i].inscription`); null: none.
    #[serde(default)]
    pub inscription: Option<Inscription>,
    /// Its picture in the sizes the site serves; null: none.
    #[serde(default)]
    pub picture: Option<menu::ProductPicture>,
}

/// When the kitchen can make a product: its lead time, pieces per day, weekdays and dates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPlanning {
    /// Minutes from ordering to the earliest slot it can be ready for (0 to 43200: 30 days).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 43200))]
    pub lead_time_minutes: i64,
    /// Most pieces the kitchen makes a day (1 to 100000); null: no limit.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100000))]
    pub max_per_day: Option<i64>,
    /// Weekdays it is made, as `mon,sat` or `mon-fri` (lists and ranges of `mon`..`sun`); null:
    /// every day.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 100,
            pattern = r"^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*$"
        )
    )]
    pub made_on: Option<String>,
    /// First date it can be ordered for (`YYYY-MM-DD`); null: no first date.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub available_from: Option<String>,
    /// Last date it can be ordered for (`YYYY-MM-DD`); null: no last date.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub available_until: Option<String>,
}

/// The body of `POST /api/orders`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewOrder {
    /// Kept verbatim; not blank, no control characters, no invisible or text-direction
    /// characters (see `rules::hidden_format`).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb][^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub customer_name: String,
    /// An e-mail address: a local part, `@`, a dotted domain. The server takes any address with
    /// a local part of up to 64 bytes and a domain of letters, digits and hyphens; the pattern
    /// states a plain ASCII subset of those.
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,32}(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,15}){0,2}@[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?){1,4}$"
        )
    )]
    pub customer_email: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 50))]
    pub items: Vec<NewOrderItem>,
    /// `pickup` (the default) or `delivery`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillment: Option<Fulfillment>,
    /// Required for delivery, and read only then: some visible text, at most 500 characters,
    /// line breaks allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_address: Option<String>,
    /// The start of a slot of `GET /api/slots` (ISO 8601 / RFC 3339 with an offset); absent or
    /// null: the earliest slot that fits. A time that is not a slot's start is a 400; a slot
    /// that cannot be ordered is a 409 whose `code` says why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub pickup_at: Option<String>,
}

/// One line of a new order; `price`, when given, must equal the catalog's price with the
/// chosen options' differences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewOrderItem {
    /// An active product's id.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub product_id: i64,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub quantity: i64,
    /// The unit price, at most two decimals; when given, it must equal the catalog's price plus
    /// the chosen options' differences (else 409).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 0, maximum = 1000000000000.0, multiple_of = 0.01)
    )]
    pub price: Option<f64>,
    /// A choice per option group, `{"size": "8in"}` (group key to choice key); a group left out
    /// gets its default. An unknown group or choice, or a required group without a default left
    /// out, is a 400 naming `items[i].options.<group>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<std::collections::BTreeMap<String, String>>,
    /// Text written on the product, if it takes one: trimmed, at most its `max_length`
    /// characters, no control characters (else 400 naming `items[i].inscription`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub inscription: Option<String>,
}

/// The 201 answer to `POST /api/orders` (the seed's three fields, then ours).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderAccepted {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub order_id: i64,
    pub status: OrderStatus,
    pub queue_status: String,
    /// Sum of the order's lines.
    pub total: f64,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_at: String,
    /// The order's tracking token (64 hex characters, shown only here and by a look-up): sent as
    /// `?t=` or `X-Order-Token`, it shows the order in full and lets its customer cancel it.
    /// A retry with the same `Idempotency-Key` is answered with a new token; both stay valid.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub tracking_token: String,
    /// The storefront's page of the order, carrying the token: `/orders/{order_id}?t={token}`.
    #[serde(default)]
    pub tracking_url: String,
    /// Start of the order's pickup slot or delivery window, RFC 3339 with the bakery's offset.
    #[serde(default)]
    pub pickup_at: Option<String>,
}

/// `POST /api/order-lookup`: an order number and the e-mail it was placed with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLookup {
    /// The order number.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub order_id: i64,
    /// The e-mail the order was placed with (compared without case or surrounding space).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 254))]
    pub customer_email: String,
}

/// The answer to a look-up: a new tracking token of the order (earlier ones stay valid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderTracking {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub order_id: i64,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub tracking_token: String,
    /// `/orders/{order_id}?t={token}`.
    pub tracking_url: String,
}

/// `GET /api/orders/{id}`: the seed's fields plus `total`, `history` and `failure_reason`.
///
/// Without the order's tracking token (or a staff sign-in) `customer_name` is the first name and
/// the initial of the last ("Vedanti V.") and `delivery_address` is null, unless the bakery runs
/// with `order_lookup = "open"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderView {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub order_id: i64,
    pub customer_name: String,
    pub status: OrderStatus,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_at: String,
    pub items: Vec<OrderLine>,
    pub total: f64,
    /// Every status the order has had, oldest first.
    pub history: Vec<StatusChange>,
    /// Why the order was rejected or failed.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// When baking ends, `YYYY-MM-DD HH:MM:SS` UTC, once the order is in the oven.
    #[serde(default)]
    pub ready_at: Option<String>,
    /// `pickup` or `delivery`.
    #[serde(default)]
    pub fulfillment: Fulfillment,
    /// The delivery address; null for pickup orders and for anyone without the order's token.
    #[serde(default)]
    pub delivery_address: Option<String>,
    /// Start of the order's pickup slot or delivery window, RFC 3339 with the bakery's offset;
    /// null for orders placed before slots existed.
    #[serde(default)]
    pub pickup_at: Option<String>,
    /// End of that slot or window (its start plus the calendar's slot length), RFC 3339 with
    /// the bakery's offset; null when `pickup_at` is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pickup_until: Option<String>,
}

/// One line of a stored order, with the name and price as ordered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderLine {
    /// The product ordered (its allergens and labels are the catalog's).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub product_id: i64,
    pub product_name: String,
    pub quantity: i64,
    pub unit_price: f64,
    pub total: f64,
    /// The options chosen, as they were named and priced when ordered (`unit_price` includes
    /// their differences).
    #[serde(default)]
    pub options: Vec<ChosenOption>,
    /// The text written on it; null: none.
    #[serde(default)]
    pub inscription: Option<String>,
}

impl OrderLine {
    /// The line of `quantity` pieces of a product at `unit_price_cents` each.
    pub fn of(
        product_id: i64,
        product_name: String,
        quantity: i64,
        unit_price_cents: i64,
    ) -> OrderLine {
        OrderLine {
            product_id,
            product_name,
            quantity,
            unit_price: cents_to_price(unit_price_cents),
            total: cents_to_price(unit_price_cents.saturating_mul(quantity)),
            options: Vec::new(),
            inscription: None,
        }
    }

    /// The choices and inscription in words, `8″ · Dark chocolate · “Happy 5th”` (`""` for a
    /// line with neither).
    pub fn details(&self) -> String {
        options::details(
            self.options.iter().map(|o| o.choice.as_str()),
            self.inscription.as_deref(),
        )
    }

    /// The same line with the options and inscription chosen for it.
    pub fn with_choices(
        mut self,
        options: Vec<ChosenOption>,
        inscription: Option<String>,
    ) -> OrderLine {
        self.options = options;
        self.inscription = inscription;
        self
    }
}

/// One step in an order's life; also the payload of each Server-Sent Event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatusChange {
    pub status: OrderStatus,
    #[serde(default)]
    pub note: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub at: String,
}

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    /// Stock reserved; waits for its start time (its slot less the preparation time).
    Scheduled,
    Processing,
    Ready,
    /// A delivery order on its way.
    OutForDelivery,
    /// A delivery order handed over.
    Delivered,
    /// A pickup order picked up.
    Completed,
    Rejected,
    Cancelled,
    Failed,
}

impl OrderStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::Pending,
        OrderStatus::Scheduled,
        OrderStatus::Processing,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
        OrderStatus::Delivered,
        OrderStatus::Completed,
        OrderStatus::Rejected,
        OrderStatus::Cancelled,
        OrderStatus::Failed,
    ];

    /// The lowercase name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Scheduled => "scheduled",
            OrderStatus::Processing => "processing",
            OrderStatus::Ready => "ready",
            OrderStatus::OutForDelivery => "out_for_delivery",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Rejected => "rejected",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Failed => "failed",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(name: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// No further change is expected on its own (the live event stream ends here).
    /// `ready` is not final: the customer has yet to pick the order up.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderStatus::Completed
                | OrderStatus::Delivered
                | OrderStatus::Rejected
                | OrderStatus::Cancelled
                | OrderStatus::Failed
        )
    }

    /// The bakery's work on it is over: it is ready, on its way, or will never be.
    pub fn is_settled(self) -> bool {
        matches!(self, OrderStatus::Ready | OrderStatus::OutForDelivery) || self.is_final()
    }
}

impl std::fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `GET /health`: the seed's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// `ok` or `degraded`.
    #[cfg_attr(feature = "openapi", schema(pattern = "^(ok|degraded)$"))]
    pub status: String,
    pub services: HealthServices,
}

/// Each backing service: `healthy`, `unhealthy`, or `embedded` (running inside the process).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthServices {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(healthy|unhealthy|embedded)$")
    )]
    pub database: String,
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(healthy|unhealthy|embedded)$")
    )]
    pub rabbitmq: String,
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^(healthy|unhealthy|embedded)$")
    )]
    pub redis: String,
}

/// Every 4xx/5xx body: a sentence for people, a code for programs, and details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// A sentence for people.
    pub error: String,
    /// A code for programs, e.g. `validation_failed`.
    pub code: String,
    /// More about the error (for `validation_failed`: a list of `FieldError`), or null.
    #[serde(default)]
    pub details: serde_json::Value,
}

/// One rejected field of a request, as listed in `details` of a `validation_failed` error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Path of the field: `customer_email`, `items[2].quantity`.
    pub field: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_round_trip_through_cents() {
        for cents in [0, 1, 99, 450, 2999, 123_456_789] {
            assert_eq!(price_to_cents(cents_to_price(cents)), Some(cents));
        }
    }

    #[test]
    fn prices_with_more_than_two_decimals_or_negative_are_refused() {
        assert_eq!(price_to_cents(29.991), None);
        assert_eq!(price_to_cents(-1.0), None);
        assert_eq!(price_to_cents(f64::NAN), None);
        assert_eq!(price_to_cents(4.5), Some(450));
    }

    #[test]
    fn status_names_round_trip() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_string(&s).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }
}

/// Why a slot cannot be ordered (also the `code` of a refused order's 409).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SlotReason {
    /// No room left (the slot's or the day's orders or items, or a product's pieces of the day).
    SlotFull,
    /// The bakery, or the kitchen of a product in the cart, is closed then.
    Closed,
    /// Too soon: the slot ends before the cart can be ready, or is past.
    LeadTime,
    /// Orders for that day closed at the cut-off the day before.
    CutOff,
    /// Beyond the days customers may order ahead.
    TooFarAhead,
    /// Online orders are paused.
    Paused,
}

/// One slot of `GET /api/slots`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotView {
    /// When the slot starts (send it as an order's `pickup_at`), RFC 3339 with the bakery's offset.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub start: String,
    /// When the slot ends, RFC 3339 with the bakery's offset.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub end: String,
    /// Orders it can still take; 0 when `reason` is set; null: no limit.
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub available: Option<i64>,
    /// Why it cannot be ordered; null when it can.
    pub reason: Option<SlotReason>,
}

/// `GET /api/slots`: a day's slots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DaySlots {
    /// The day, `YYYY-MM-DD`, in the bakery's time zone.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub date: String,
    pub fulfillment: Fulfillment,
    /// The bakery's IANA time zone.
    pub time_zone: String,
    pub slots: Vec<SlotView>,
    /// Why no slot of the day can be ordered: `closed` for a day without hours, else the reason
    /// of its last slot (earlier ones are often only past); null when some slot can be.
    #[serde(default)]
    pub reason: Option<SlotReason>,
    /// The first day customers may order for now: today in the bakery's time zone (`YYYY-MM-DD`).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub first_date: String,
    /// The last day customers may order for now (today plus the calendar's days ahead).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub last_date: String,
}

/// `GET /api/slots/next`: the earliest slot with room.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NextSlot {
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub start: String,
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub end: String,
    /// Orders it can still take; null: no limit.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub available: Option<i64>,
}
