//! The back-office's rules on the host side: what each role may do, the order board's columns
//! and actions, how a live event changes the board, and the staff forms' checks.

use bakery_wire::staff::{
    BoardOrder, NewWebhook, NotificationDelivery, StaffRole, StockChange, Webhook,
};
use bakery_wire::{ErrorBody, Fulfillment, OrderStatus, StatusChange, price_to_cents};
use serde::Deserialize;

/// What a signed-in role may see and do (the server enforces the same, this only hides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// Add products, edit them, take them off the menu.
    pub edit_catalog: bool,
    /// Staff accounts, API tokens, notifications and the audit log.
    pub administer: bool,
}

impl Caps {
    pub fn of(role: StaffRole) -> Caps {
        let admin = role == StaffRole::Admin;
        Caps {
            edit_catalog: admin,
            administer: admin,
        }
    }
}

/// A column of the order board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Pending,
    /// Stock set aside, waiting for its start time.
    Scheduled,
    Processing,
    Ready,
    OutForDelivery,
    /// Handed over, cancelled, rejected or failed.
    Done,
}

impl Column {
    pub const ALL: [Column; 6] = [
        Column::Pending,
        Column::Scheduled,
        Column::Processing,
        Column::Ready,
        Column::OutForDelivery,
        Column::Done,
    ];

    pub fn of(status: OrderStatus) -> Column {
        match status {
            OrderStatus::Pending => Column::Pending,
            OrderStatus::Scheduled => Column::Scheduled,
            OrderStatus::Processing => Column::Processing,
            OrderStatus::Ready => Column::Ready,
            OrderStatus::OutForDelivery => Column::OutForDelivery,
            _ => Column::Done,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Column::Pending => "New",
            Column::Scheduled => "Scheduled",
            Column::Processing => "In the oven",
            Column::Ready => "Ready",
            Column::OutForDelivery => "Out for delivery",
            Column::Done => "Done & other",
        }
    }

    /// A stable name for ids and test hooks.
    pub fn key(self) -> &'static str {
        match self {
            Column::Pending => "pending",
            Column::Scheduled => "scheduled",
            Column::Processing => "processing",
            Column::Ready => "ready",
            Column::OutForDelivery => "out_for_delivery",
            Column::Done => "done",
        }
    }
}

/// The board's orders by column, each column newest first (the order the server sends).
pub fn group(orders: &[BoardOrder]) -> Vec<(Column, Vec<BoardOrder>)> {
    Column::ALL
        .into_iter()
        .map(|column| {
            let list = orders
                .iter()
                .filter(|o| Column::of(o.status) == column)
                .cloned()
                .collect();
            (column, list)
        })
        .collect()
}

/// The day a production sheet's address asks for (`?date=…`): `today`, `tomorrow` or
/// `YYYY-MM-DD`; anything else is today.
pub fn production_day(search: &str) -> String {
    let asked = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("date="))
        .unwrap_or("today");
    let is_date = asked.len() == 10
        && asked.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if asked == "tomorrow" || is_date {
        asked.to_owned()
    } else {
        "today".to_owned()
    }
}

/// A slot's start as the sheet shows it: its local `HH:MM` (RFC 3339 with the bakery's offset).
pub fn slot_time(start: &str) -> String {
    start.get(11..16).unwrap_or(start).to_owned()
}

/// A guarded move staff can make on an order: the lifecycle's own actions (`bakery_wire::lifecycle`).
pub use bakery_wire::lifecycle::Action;

/// How the board shows and sends an [`Action`].
pub trait ActionButton {
    /// The last segment of `POST /api/admin/orders/{id}/...`.
    fn path(self) -> &'static str;
    /// The button's words.
    fn label(self) -> &'static str;
}

impl ActionButton for Action {
    fn path(self) -> &'static str {
        self.as_str()
    }

    fn label(self) -> &'static str {
        match self {
            Action::Complete => "Picked up",
            Action::Dispatch => "Out for delivery",
            Action::Deliver => "Delivered",
            Action::Cancel => "Cancel…",
            Action::Retry => "Retry",
        }
    }
}

/// The moves staff may make on an order in `status`, as the lifecycle's table lists them.
pub fn board_actions(status: OrderStatus, fulfillment: Fulfillment) -> Vec<Action> {
    bakery_wire::lifecycle::actions_for(status, fulfillment, bakery_wire::lifecycle::Mover::Staff)
}

/// One message of `GET /api/admin/orders/events`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BoardEvent {
    pub order_id: i64,
    pub change: StatusChange,
}

/// What a live event means for the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventEffect {
    /// The row was moved; nothing else to do.
    Moved,
    /// The board lacks something (a new order, a failure reason): read it again.
    Refetch,
    /// Stale or duplicate: nothing changed.
    Ignored,
}

/// Moves the order an event names to its new status, when the board holds it.
pub fn apply_event(orders: &mut [BoardOrder], event: &BoardEvent) -> EventEffect {
    let Some(order) = orders.iter_mut().find(|o| o.order_id == event.order_id) else {
        return EventEffect::Refetch;
    };
    if order.status == event.change.status {
        return EventEffect::Ignored;
    }
    order.status = event.change.status;
    match event.change.status {
        // These carry details the event lacks (baking time, the reason).
        OrderStatus::Processing
        | OrderStatus::Failed
        | OrderStatus::Rejected
        | OrderStatus::Cancelled => EventEffect::Refetch,
        _ => EventEffect::Moved,
    }
}

/// Puts the server's fresh copy of one order in place (or on top, when new).
pub fn replace(orders: &mut Vec<BoardOrder>, fresh: BoardOrder) {
    match orders.iter_mut().find(|o| o.order_id == fresh.order_id) {
        Some(order) => *order = fresh,
        None => orders.insert(0, fresh),
    }
}

/// A refusal from the staff API, in words for people plus the machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    /// Reads a non-2xx answer; bodies that are not the API's JSON errors get a plain sentence.
    pub fn from_reply(status: u16, body: &str) -> ApiError {
        match serde_json::from_str::<ErrorBody>(body) {
            Ok(error) => {
                let fields = field_messages(&error.details);
                let message = if fields.is_empty() {
                    error.error
                } else {
                    fields.join(" ")
                };
                ApiError {
                    status,
                    code: error.code,
                    message,
                }
            }
            Err(_) => ApiError {
                status,
                code: String::new(),
                message: format!("The bakery could not do that right now (HTTP {status})."),
            },
        }
    }

    pub fn offline(message: &str) -> ApiError {
        ApiError {
            status: 0,
            code: "offline".to_owned(),
            message: message.to_owned(),
        }
    }

    /// The session is gone: show the sign-in form again.
    pub fn signed_out(&self) -> bool {
        self.status == 401
    }

    /// A stale CSRF token (another tab signed in again): read the session and retry once.
    pub fn csrf(&self) -> bool {
        self.code == "csrf_failed"
    }
}

/// `validation_failed` details as sentences: `price must be …` → "Price must be ….".
fn field_messages(details: &serde_json::Value) -> Vec<String> {
    let list: Vec<bakery_wire::FieldError> =
        serde_json::from_value(details.clone()).unwrap_or_default();
    list.into_iter()
        .map(|e| {
            let field = e.field.replace('_', " ");
            let mut chars = field.chars();
            let field: String = chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
            format!("{field} {}.", e.message.trim_end_matches('.'))
        })
        .collect()
}

/// Reads a price as staff type it: `4.5`, `4.50`, `$4.50`; at most two decimals, not negative.
pub fn parse_price(text: &str) -> Result<f64, &'static str> {
    let digits = text.trim().trim_start_matches('$').trim();
    let value: f64 = digits
        .parse()
        .map_err(|_| "Price must be an amount like 4.50.")?;
    match price_to_cents(value) {
        Some(cents) if cents > 0 => Ok(value),
        Some(_) => Err("Price must be more than zero."),
        None => Err("Price must be an amount like 4.50, at most two decimals."),
    }
}

/// Whether the stock form sets the count or adjusts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockMode {
    Set,
    Adjust,
}

/// Checks the stock form: a whole number (zero or more to set, non-zero to adjust) and a reason.
pub fn stock_change(mode: StockMode, amount: &str, reason: &str) -> Result<StockChange, String> {
    let reason = reason.trim();
    let amount = amount.trim().trim_start_matches('+');
    let Ok(value) = amount.parse::<i64>() else {
        return Err("Enter a whole number of pieces.".to_owned());
    };
    if reason.is_empty() {
        return Err("Give a reason, like \"morning bake\" or \"dropped a tray\".".to_owned());
    }
    match mode {
        StockMode::Set if value < 0 => Err("Stock cannot be below zero.".to_owned()),
        StockMode::Set => Ok(StockChange {
            set: Some(value),
            adjust: None,
            reason: reason.to_owned(),
        }),
        StockMode::Adjust if value == 0 => {
            Err("Adjust by a number other than zero, like 12 or -3.".to_owned())
        }
        StockMode::Adjust => Ok(StockChange {
            set: None,
            adjust: Some(value),
            reason: reason.to_owned(),
        }),
    }
}

/// Checks the webhook form: a URL, and a secret of 16 characters or more, or none (then the
/// server makes one). The server checks the URL's form.
pub fn new_webhook(url: &str, secret: &str) -> Result<NewWebhook, String> {
    let url = url.trim();
    let secret = secret.trim();
    if url.is_empty() {
        return Err("Enter the endpoint's address, like http://example.com/hook.".to_owned());
    }
    if !secret.is_empty() && secret.chars().count() < 16 {
        return Err(
            "The secret must be at least 16 characters; leave it empty to have one made."
                .to_owned(),
        );
    }
    Ok(NewWebhook {
        url: url.to_owned(),
        secret: (!secret.is_empty()).then(|| secret.to_owned()),
    })
}

/// The order a delivery announces: "#12 · Ready", "#12", or a dash.
pub fn delivery_order(delivery: &NotificationDelivery) -> String {
    match (delivery.order_id, delivery.order_status) {
        (Some(id), Some(status)) => format!("#{id} · {}", crate::status::label(status)),
        (Some(id), None) => format!("#{id}"),
        _ => "—".to_owned(),
    }
}

/// Where a delivery went: a webhook's URL (its number when the endpoint is not listed, as once
/// removed), or the customer's e-mail address.
pub fn delivery_target(delivery: &NotificationDelivery, endpoints: &[Webhook]) -> String {
    if delivery.channel != "webhook" {
        return delivery.target.clone();
    }
    endpoints
        .iter()
        .find(|e| e.id.to_string() == delivery.target)
        .map(|e| e.url.clone())
        .unwrap_or_else(|| format!("Endpoint {}", delivery.target))
}

/// A delivery's state in words.
pub fn delivery_state(status: &str) -> &str {
    match status {
        "delivered" => "Delivered",
        "pending" => "Pending",
        "dead" => "Dead",
        other => other,
    }
}

/// Whether staff may send a delivery again by hand: only a dead one.
pub fn delivery_retryable(delivery: &NotificationDelivery) -> bool {
    delivery.status == "dead"
}

/// A short summary of an order's lines: "2 × Croissant, 1 × Sourdough Bread".
pub fn items_summary(order: &BoardOrder) -> String {
    order
        .items
        .iter()
        .map(|l| bakery_wire::options::line_text(l.quantity, &l.product_name, &l.details()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The time of day of a `YYYY-MM-DD HH:MM:SS` stamp (`HH:MM`), or the stamp itself.
pub fn time_of_day(stamp: &str) -> &str {
    stamp.get(11..16).unwrap_or(stamp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bakery_wire::OrderLine;
    use serde_json::json;

    fn order(id: i64, status: OrderStatus, fulfillment: Fulfillment) -> BoardOrder {
        BoardOrder {
            order_id: id,
            customer_name: "Ann".into(),
            customer_email: "ann@example.com".into(),
            status,
            fulfillment,
            delivery_address: None,
            created_at: "2026-11-25 08:15:00".into(),
            ready_at: None,
            items: vec![OrderLine::of(4, "Croissant".into(), 2, 450)],
            total: 9.0,
            failure_reason: None,
            pickup_at: None,
        }
    }

    #[test]
    fn roles_see_what_they_may_do() {
        assert_eq!(
            Caps::of(StaffRole::Admin),
            Caps {
                edit_catalog: true,
                administer: true
            }
        );
        assert_eq!(
            Caps::of(StaffRole::Baker),
            Caps {
                edit_catalog: false,
                administer: false
            }
        );
    }

    #[test]
    fn every_status_has_a_column_and_the_board_keeps_the_order() {
        use OrderStatus::*;
        let orders = vec![
            order(6, Scheduled, Fulfillment::Pickup),
            order(5, Ready, Fulfillment::Pickup),
            order(4, Pending, Fulfillment::Pickup),
            order(3, Ready, Fulfillment::Delivery),
            order(2, Cancelled, Fulfillment::Pickup),
            order(1, Delivered, Fulfillment::Delivery),
        ];
        let columns = group(&orders);
        assert_eq!(columns.len(), 6);
        let ids = |c: usize| columns[c].1.iter().map(|o| o.order_id).collect::<Vec<_>>();
        assert_eq!(ids(0), vec![4]);
        assert_eq!(ids(1), vec![6]);
        assert!(ids(2).is_empty());
        assert_eq!(ids(3), vec![5, 3]);
        assert_eq!(ids(5), vec![2, 1]);
        for s in OrderStatus::ALL {
            assert!(Column::ALL.contains(&Column::of(s)));
        }
    }

    #[test]
    fn actions_follow_the_transitions() {
        use Fulfillment::*;
        use OrderStatus::*;
        assert_eq!(board_actions(Pending, Pickup), vec![Action::Cancel]);
        assert_eq!(board_actions(Processing, Delivery), vec![Action::Cancel]);
        assert_eq!(board_actions(Scheduled, Pickup), vec![Action::Cancel]);
        assert_eq!(board_actions(Ready, Pickup), vec![Action::Complete]);
        assert_eq!(board_actions(Ready, Delivery), vec![Action::Dispatch]);
        assert_eq!(
            board_actions(OutForDelivery, Delivery),
            vec![Action::Deliver]
        );
        assert_eq!(board_actions(Failed, Pickup), vec![Action::Retry]);
        for done in [Completed, Delivered, Rejected, Cancelled] {
            assert!(board_actions(done, Pickup).is_empty());
        }
        assert_eq!(Action::Complete.path(), "complete");
        assert_eq!(Action::Complete.label(), "Picked up");
    }

    #[test]
    fn live_events_move_rows_or_ask_for_the_board() {
        let mut orders = vec![order(1, OrderStatus::Ready, Fulfillment::Pickup)];
        let event: BoardEvent = serde_json::from_value(json!({
            "order_id": 1,
            "change": {"status": "completed", "note": null, "at": "2026-11-25 09:00:00"}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(apply_event(&mut orders, &event), EventEffect::Moved);
        assert_eq!(orders[0].status, OrderStatus::Completed);
        assert_eq!(apply_event(&mut orders, &event), EventEffect::Ignored);
        let unknown = BoardEvent {
            order_id: 9,
            ..event.clone()
        };
        assert_eq!(apply_event(&mut orders, &unknown), EventEffect::Refetch);
        let mut failed = event;
        failed.change.status = OrderStatus::Failed;
        assert_eq!(apply_event(&mut orders, &failed), EventEffect::Refetch);

        let mut fresh = order(1, OrderStatus::Pending, Fulfillment::Pickup);
        fresh.failure_reason = None;
        replace(&mut orders, fresh);
        assert_eq!(orders.len(), 1);
        assert_eq!(orders[0].status, OrderStatus::Pending);
        replace(
            &mut orders,
            order(2, OrderStatus::Pending, Fulfillment::Pickup),
        );
        assert_eq!(orders[0].order_id, 2);
    }

    #[test]
    fn api_errors_read_as_sentences() {
        let e = ApiError::from_reply(
            409,
            &json!({"error": "Order 4 is completed, not ready.", "code": "invalid_transition", "details": null}).to_string(),
        );
        assert_eq!(e.code, "invalid_transition");
        assert_eq!(e.message, "Order 4 is completed, not ready.");
        let e = ApiError::from_reply(
            400,
            &json!({"error": "bad", "code": "validation_failed",
                    "details": [{"field": "price", "message": "must be more than zero"}]})
            .to_string(),
        );
        assert_eq!(e.message, "Price must be more than zero.");
        let e = ApiError::from_reply(502, "<html>");
        assert!(e.message.contains("HTTP 502"));
        assert!(ApiError::from_reply(401, "{}").signed_out());
        let csrf = json!({"error": "x", "code": "csrf_failed"}).to_string();
        assert!(ApiError::from_reply(403, &csrf).csrf());
    }

    #[test]
    fn prices_are_read_as_typed() {
        assert_eq!(parse_price("4.5"), Ok(4.5));
        assert_eq!(parse_price(" $29.99 "), Ok(29.99));
        assert!(parse_price("4.505").is_err());
        assert!(parse_price("0").is_err());
        assert!(parse_price("-1").is_err());
        assert!(parse_price("cheap").is_err());
    }

    #[test]
    fn stock_changes_need_a_number_and_a_reason() {
        let set = stock_change(StockMode::Set, "24", " morning bake ");
        assert_eq!(
            set,
            Ok(StockChange {
                set: Some(24),
                adjust: None,
                reason: "morning bake".into()
            })
        );
        let adjust = stock_change(StockMode::Adjust, "-3", "dropped a tray");
        assert_eq!(adjust.map(|c| c.adjust), Ok(Some(-3)));
        assert_eq!(
            stock_change(StockMode::Adjust, "+12", "x").map(|c| c.adjust),
            Ok(Some(12))
        );
        assert!(stock_change(StockMode::Set, "-1", "x").is_err());
        assert!(stock_change(StockMode::Adjust, "0", "x").is_err());
        assert!(stock_change(StockMode::Set, "2.5", "x").is_err());
        assert!(stock_change(StockMode::Set, "3", "  ").is_err());
        let json =
            serde_json::to_value(stock_change(StockMode::Set, "3", "x").ok()).unwrap_or_default();
        assert_eq!(json, json!({"set": 3, "reason": "x"}));
    }

    #[test]
    fn webhook_form_needs_a_url_and_a_long_enough_secret() {
        assert_eq!(
            new_webhook(" http://127.0.0.1:9/hook ", "  "),
            Ok(NewWebhook {
                url: "http://127.0.0.1:9/hook".into(),
                secret: None
            })
        );
        let long = "0123456789abcdef";
        assert_eq!(
            new_webhook("http://x/h", long).map(|w| w.secret),
            Ok(Some(long.to_owned()))
        );
        assert!(new_webhook("  ", "").is_err());
        assert!(new_webhook("http://x/h", "too-short").is_err());
        let json = serde_json::to_value(new_webhook("http://x/h", "").ok()).unwrap_or_default();
        assert_eq!(json, json!({"url": "http://x/h", "secret": null}));
    }

    #[test]
    fn deliveries_read_in_words() {
        let mut d: NotificationDelivery = serde_json::from_value(json!({
            "id": 1, "outbox_id": 7, "order_id": 12, "order_status": "ready",
            "channel": "webhook", "target": "3", "status": "pending", "attempts": 2,
            "last_error": "connection refused", "updated_at": "2026-11-25 09:00:00",
            "delivered_at": null
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let hook = Webhook {
            id: 3,
            url: "http://127.0.0.1:9/hook".into(),
            active: true,
            created_at: "2026-11-25 08:00:00".into(),
            secret: None,
        };
        assert_eq!(delivery_order(&d), "#12 · Ready");
        assert_eq!(delivery_target(&d, &[hook]), "http://127.0.0.1:9/hook");
        assert_eq!(delivery_target(&d, &[]), "Endpoint 3");
        assert_eq!(delivery_state(&d.status), "Pending");
        assert!(!delivery_retryable(&d));
        assert_eq!(delivery_state("delivered"), "Delivered");
        d.status = "dead".into();
        assert_eq!(delivery_state(&d.status), "Dead");
        assert!(delivery_retryable(&d));
        d.channel = "email".into();
        d.target = "ann@example.com".into();
        d.order_id = None;
        d.order_status = None;
        assert_eq!(delivery_target(&d, &[]), "ann@example.com");
        assert_eq!(delivery_order(&d), "—");
    }

    #[test]
    fn small_formats() {
        let o = order(1, OrderStatus::Ready, Fulfillment::Pickup);
        assert_eq!(items_summary(&o), "2 × Croissant");
        assert_eq!(time_of_day("2026-11-25 08:15:00"), "08:15");
        assert_eq!(time_of_day("soon"), "soon");
    }

    #[test]
    fn the_production_sheet_reads_its_day_from_the_address() {
        assert_eq!(production_day("?date=tomorrow"), "tomorrow");
        assert_eq!(production_day("?x=1&date=2026-12-05"), "2026-12-05");
        assert_eq!(production_day(""), "today");
        assert_eq!(production_day("?date=2026-12-5"), "today");
        assert_eq!(production_day("?date=%3Cscript"), "today");
        assert_eq!(slot_time("2026-12-05T10:15:00+01:00"), "10:15");
    }
}
