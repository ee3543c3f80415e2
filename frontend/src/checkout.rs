//! Checkout rules on the host side of the storefront: form checks, the meaning of the server's
//! answers, and the idempotency key that turns retries into one order.

use bakery_wire::rules::{check_customer_name, check_delivery_address, check_email};
use bakery_wire::{ErrorBody, FieldError, Fulfillment, NewOrder, OrderAccepted, price_to_cents};

use crate::cart::Cart;
use crate::money::format_cents;
use crate::pickup::{self, Refused};

/// When the customer wants the order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum When {
    /// As soon as possible: no `pickup_at` is sent, the bakery takes the earliest slot.
    #[default]
    Soonest,
    /// The slot starting then (RFC 3339, as the slot list gave it).
    Slot(String),
    /// "At a time I choose", but no slot chosen yet.
    Unchosen,
}

impl When {
    /// The `pickup_at` to send.
    pub fn pickup_at(&self) -> Option<String> {
        match self {
            When::Slot(start) => Some(start.clone()),
            When::Soonest | When::Unchosen => None,
        }
    }
}

/// The message when "at a time I choose" has no time chosen.
pub const CHOOSE_A_TIME: &str = "Choose a time, or choose \"As soon as possible\".";

/// What is wrong with the checkout form, field by field, as shown next to each field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormErrors {
    pub name: Option<String>,
    pub email: Option<String>,
    /// The delivery address (only asked for delivery).
    pub address: Option<String>,
    /// The pickup or delivery time.
    pub when: Option<String>,
    /// Problems with the cart's lines (quantities, too many lines).
    pub cart: Vec<String>,
    /// Anything that belongs to no field.
    pub general: Option<String>,
}

impl FormErrors {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.email.is_none()
            && self.address.is_none()
            && self.when.is_none()
            && self.cart.is_empty()
            && self.general.is_none()
    }
}

/// Checks the name field exactly as the server will.
pub fn name_error(name: &str) -> Option<String> {
    check_customer_name(name.trim())
        .err()
        .map(|m| format!("Name {m}."))
}

/// Checks the e-mail field exactly as the server will.
pub fn email_error(email: &str) -> Option<String> {
    check_email(email.trim())
        .err()
        .map(|m| format!("E-mail {m}."))
}

/// Checks the delivery address exactly as the server will.
pub fn address_error(address: &str) -> Option<String> {
    check_delivery_address(address.trim())
        .err()
        .map(|m| format!("Address {m}."))
}

/// Checks the whole form before anything is sent; the address only matters for delivery.
pub fn validate(
    name: &str,
    email: &str,
    fulfillment: Fulfillment,
    address: &str,
    when: &When,
    cart: &Cart,
) -> FormErrors {
    FormErrors {
        name: name_error(name),
        email: email_error(email),
        address: match fulfillment {
            Fulfillment::Delivery => address_error(address),
            Fulfillment::Pickup => None,
        },
        when: (*when == When::Unchosen).then(|| CHOOSE_A_TIME.to_owned()),
        cart: if cart.is_empty() {
            vec!["Your cart is empty.".to_owned()]
        } else {
            Vec::new()
        },
        general: None,
    }
}

/// The order to send: the cart's lines with the prices seen, how it reaches the customer and
/// when. A pickup order carries no address, whatever the hidden field still holds; "as soon as
/// possible" sends no `pickup_at`.
pub fn new_order(
    cart: &Cart,
    name: &str,
    email: &str,
    fulfillment: Fulfillment,
    address: &str,
    when: &When,
) -> NewOrder {
    let mut order = cart.to_new_order(name, email);
    order.fulfillment = Some(fulfillment);
    order.delivery_address =
        (fulfillment == Fulfillment::Delivery).then(|| address.trim().to_owned());
    order.pickup_at = when.pickup_at();
    order
}

/// What an answer to `POST /api/orders` means for the customer.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Accepted(OrderAccepted),
    /// The server refused some fields; show them where they belong.
    Invalid(FormErrors),
    /// A price changed since the catalog was read: refresh, tell, let the customer confirm.
    PriceMismatch(String),
    /// A product left the menu: refresh the catalog and the cart.
    UnknownProduct(String),
    /// The idempotency key was used for another order body: start a fresh attempt.
    KeyReused(String),
    /// The time asked for cannot be had (a 409 with a slot code): say why, offer the next one.
    SlotRefused(Refused),
    /// Anything else; retrying with the same key is safe.
    Failed(String),
}

/// Reads the server's answer (status and body text) to an order.
pub fn classify(status: u16, body: &str, cart: &Cart) -> Outcome {
    if status == 200 || status == 201 {
        return match serde_json::from_str::<OrderAccepted>(body) {
            Ok(accepted) => Outcome::Accepted(accepted),
            Err(_) => Outcome::Failed("The bakery sent an answer we could not read.".to_owned()),
        };
    }
    let Ok(error) = serde_json::from_str::<ErrorBody>(body) else {
        return Outcome::Failed(format!(
            "The bakery could not take the order right now (HTTP {status}). Please try again."
        ));
    };
    if let Some(refused) = pickup::refused(&error) {
        return Outcome::SlotRefused(refused);
    }
    match error.code.as_str() {
        "validation_failed" => Outcome::Invalid(field_errors(&error, cart)),
        "price_mismatch" => Outcome::PriceMismatch(price_mismatch_message(&error)),
        "unknown_product" => Outcome::UnknownProduct(
            "An item in your cart is no longer on the menu; we removed it. Please review your order."
                .to_owned(),
        ),
        "idempotency_key_reused" => Outcome::KeyReused(
            "Your order changed while it was being sent. Please check it and place it again."
                .to_owned(),
        ),
        _ => Outcome::Failed(error.error),
    }
}

fn price_mismatch_message(error: &ErrorBody) -> String {
    let d = &error.details;
    let name = d["product_name"].as_str().unwrap_or("An item");
    let cents = |key: &str| d[key].as_f64().and_then(price_to_cents);
    match (cents("your_price"), cents("catalog_price")) {
        (Some(yours), Some(catalog)) => format!(
            "The price of {name} changed from {} to {}. We updated your cart; please check the new total and place the order again.",
            format_cents(yours),
            format_cents(catalog)
        ),
        _ => format!(
            "The price of {name} changed. We updated your cart; please check the new total and place the order again."
        ),
    }
}

/// Puts each of the server's field errors next to the field it names.
pub fn field_errors(error: &ErrorBody, cart: &Cart) -> FormErrors {
    let list: Vec<FieldError> = serde_json::from_value(error.details.clone()).unwrap_or_default();
    let mut out = FormErrors::default();
    for e in &list {
        match e.field.as_str() {
            "customer_name" => {
                out.name = Some(format!("Name {}.", e.message.trim_end_matches('.')))
            }
            "customer_email" => {
                out.email = Some(format!("E-mail {}.", e.message.trim_end_matches('.')))
            }
            "delivery_address" => {
                out.address = Some(format!("Address {}.", e.message.trim_end_matches('.')))
            }
            "pickup_at" => {
                out.when = Some(format!("The time {}.", e.message.trim_end_matches('.')))
            }
            field if field.starts_with("items") => {
                out.cart.push(item_message(field, &e.message, cart))
            }
            _ => out.general = Some(e.message.clone()),
        }
    }
    if out.is_empty() {
        out.general = Some(error.error.clone());
    }
    out
}

/// `items[1].quantity` + message → "Croissant: quantity must be …".
fn item_message(field: &str, message: &str, cart: &Cart) -> String {
    let index = field
        .strip_prefix("items[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(i, _)| i.parse::<usize>().ok());
    let attribute = field.rsplit_once('.').map(|(_, a)| a.replace('_', " "));
    match (index.and_then(|i| cart.lines.get(i)), attribute) {
        (Some(line), Some(attr)) => format!("{}: {attr} {message}", line.name),
        (Some(line), None) => format!("{}: {message}", line.name),
        _ => format!("Your cart: {message}"),
    }
}

/// One checkout attempt: the key goes with exactly one request body, so a retry or a
/// double-click re-sends the same key (one order), while a changed order gets a new key
/// (the server would refuse an old key with a new body).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attempt {
    pub key: String,
    pub body: String,
}

impl Attempt {
    /// The attempt for `body`: the pending one if it is for the same body, else a fresh one.
    pub fn for_body(
        pending: Option<Attempt>,
        body: &str,
        fresh_key: impl FnOnce() -> String,
    ) -> Attempt {
        match pending {
            Some(attempt) if attempt.body == body => attempt,
            _ => Attempt {
                key: fresh_key(),
                body: body.to_owned(),
            },
        }
    }
}

/// Formats 16 random bytes as a version-4 UUID (the key's conventional shape).
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Reads an order number as people type it: `12`, `#12`, ` 12 `.
pub fn parse_order_number(text: &str) -> Option<i64> {
    let digits = text.trim().trim_start_matches('#').trim();
    digits.parse::<i64>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use bakery_wire::{OrderStatus, Product};
    use serde_json::json;

    fn cart_of(names: &[&str]) -> Cart {
        let mut cart = Cart::default();
        for (i, name) in names.iter().enumerate() {
            let p = Product {
                id: i as i64 + 1,
                name: (*name).to_owned(),
                description: String::new(),
                price: 4.5,
                image_url: String::new(),
                stock: 10,
                ..Product::default()
            };
            assert!(cart.add(&p).is_ok());
        }
        cart
    }

    #[test]
    fn the_form_is_checked_by_the_shared_rules() {
        let cart = cart_of(&["Croissant"]);
        let pickup = Fulfillment::Pickup;
        assert!(validate("Ann", "ann@example.com", pickup, "", &When::Soonest, &cart).is_empty());
        let errors = validate("  ", "not-an-email", pickup, "", &When::Soonest, &cart);
        assert_eq!(errors.name.as_deref(), Some("Name is required."));
        assert_eq!(
            errors.email.as_deref(),
            Some("E-mail must be a valid e-mail address, like name@example.com.")
        );
        assert_eq!(
            validate(
                "Ann",
                "ann@example.com",
                pickup,
                "",
                &When::Soonest,
                &Cart::default()
            )
            .cart
            .len(),
            1
        );
        // Surrounding spaces are forgiven: they are trimmed before sending.
        assert!(email_error(" ann@example.com ").is_none());
    }

    #[test]
    fn hidden_characters_get_the_same_message_from_the_form_and_the_server() {
        let cart = cart_of(&["Croissant"]);
        let local = name_error("Anna \u{202E}htimS");
        let expected = format!("Name {}.", bakery_wire::rules::HIDDEN_FORMAT_MESSAGE);
        assert_eq!(local.as_deref(), Some(expected.as_str()));
        let server = ErrorBody {
            error: "validation failed".to_owned(),
            code: "validation_failed".to_owned(),
            details: json!([{
                "field": "customer_name",
                "message": bakery_wire::rules::HIDDEN_FORMAT_MESSAGE,
            }]),
        };
        assert_eq!(field_errors(&server, &cart).name, local);
        assert!(address_error("1 Main St\u{200B}").is_some());
        assert!(name_error("Chef \u{1F469}\u{200D}\u{1F373}").is_none());
    }

    #[test]
    fn delivery_needs_an_address_and_pickup_sends_none() {
        let cart = cart_of(&["Croissant"]);
        let delivery = Fulfillment::Delivery;
        let errors = validate(
            "Ann",
            "ann@example.com",
            delivery,
            "   ",
            &When::Soonest,
            &cart,
        );
        assert_eq!(
            errors.address.as_deref(),
            Some("Address is required for delivery.")
        );
        let long = "x".repeat(501);
        assert!(address_error(&long).is_some());
        assert!(
            validate(
                "Ann",
                "ann@example.com",
                delivery,
                "1 Main St\nFlat 2",
                &When::Soonest,
                &cart
            )
            .is_empty()
        );

        let order = new_order(
            &cart,
            "Ann",
            "ann@example.com",
            delivery,
            " 1 Main St ",
            &When::Soonest,
        );
        assert_eq!(order.fulfillment, Some(Fulfillment::Delivery));
        assert_eq!(order.delivery_address.as_deref(), Some("1 Main St"));
        let json = serde_json::to_value(&order).unwrap_or_default();
        assert_eq!(json["fulfillment"], json!("delivery"));

        let order = new_order(
            &cart,
            "Ann",
            "ann@example.com",
            Fulfillment::Pickup,
            "left over",
            &When::Soonest,
        );
        assert_eq!(order.delivery_address, None);
        let json = serde_json::to_value(&order).unwrap_or_default();
        assert_eq!(json["fulfillment"], json!("pickup"));
        assert!(json.get("delivery_address").is_none());
        assert!(
            json.get("pickup_at").is_none(),
            "as soon as possible sends no time"
        );

        let body = json!({
            "error": "The order is invalid.", "code": "validation_failed",
            "details": [{"field": "delivery_address", "message": "is required for delivery"}]
        })
        .to_string();
        let Outcome::Invalid(errors) = classify(400, &body, &cart) else {
            panic!("expected field errors");
        };
        assert_eq!(
            errors.address.as_deref(),
            Some("Address is required for delivery.")
        );
    }

    #[test]
    fn server_field_errors_land_next_to_their_fields() {
        let cart = cart_of(&["Croissant", "Sourdough Bread"]);
        let body = json!({
            "error": "The order is invalid.",
            "code": "validation_failed",
            "details": [
                {"field": "customer_email", "message": "must be a valid e-mail address"},
                {"field": "customer_name", "message": "is required"},
                {"field": "items[1].quantity", "message": "must be a whole number from 1 to 1000"},
                {"field": "items", "message": "must not be empty"}
            ]
        })
        .to_string();
        let Outcome::Invalid(errors) = classify(400, &body, &cart) else {
            panic!("expected field errors");
        };
        assert_eq!(
            errors.email.as_deref(),
            Some("E-mail must be a valid e-mail address.")
        );
        assert_eq!(errors.name.as_deref(), Some("Name is required."));
        assert_eq!(
            errors.cart,
            vec![
                "Sourdough Bread: quantity must be a whole number from 1 to 1000".to_owned(),
                "Your cart: must not be empty".to_owned()
            ]
        );
    }

    #[test]
    fn a_price_mismatch_is_explained_in_money() {
        let body = json!({
            "error": "price changed", "code": "price_mismatch",
            "details": {"product_id": 1, "product_name": "Chocolate Cake", "catalog_price": 31.5, "your_price": 29.99}
        })
        .to_string();
        match classify(409, &body, &Cart::default()) {
            Outcome::PriceMismatch(msg) => {
                assert!(
                    msg.starts_with("The price of Chocolate Cake changed from $29.99 to $31.50."),
                    "{msg}"
                )
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn other_answers_are_classified() {
        let cart = Cart::default();
        let accepted = json!({"order_id": 7, "status": "pending", "queue_status": "sent to processing queue", "total": 9.0, "created_at": "2026-01-01 10:00:00"}).to_string();
        match classify(201, &accepted, &cart) {
            Outcome::Accepted(a) => {
                assert_eq!(a.order_id, 7);
                assert_eq!(a.status, OrderStatus::Pending);
            }
            other => panic!("unexpected {other:?}"),
        }
        let unknown = json!({"error": "x", "code": "unknown_product", "details": {"product_id": 9, "field": "items[0].product_id"}}).to_string();
        assert!(matches!(
            classify(400, &unknown, &cart),
            Outcome::UnknownProduct(_)
        ));
        let reused =
            json!({"error": "x", "code": "idempotency_key_reused", "details": null}).to_string();
        assert!(matches!(
            classify(422, &reused, &cart),
            Outcome::KeyReused(_)
        ));
        assert!(matches!(
            classify(502, "<html>bad gateway</html>", &cart),
            Outcome::Failed(_)
        ));
        let other = json!({"error": "Slow down.", "code": "rate_limited"}).to_string();
        assert_eq!(
            classify(429, &other, &cart),
            Outcome::Failed("Slow down.".to_owned())
        );
    }

    #[test]
    fn a_chosen_time_is_sent_and_a_refused_one_explained() {
        let cart = cart_of(&["Croissant"]);
        let pickup = Fulfillment::Pickup;
        let errors = validate("Ann", "ann@example.com", pickup, "", &When::Unchosen, &cart);
        assert_eq!(errors.when.as_deref(), Some(CHOOSE_A_TIME));
        let at = When::Slot("2026-12-03T10:15:00+01:00".to_owned());
        assert!(validate("Ann", "ann@example.com", pickup, "", &at, &cart).is_empty());
        let order = new_order(&cart, "Ann", "ann@example.com", pickup, "", &at);
        let json = serde_json::to_value(&order).unwrap_or_default();
        assert_eq!(json["pickup_at"], json!("2026-12-03T10:15:00+01:00"));

        let body = json!({"error": "That time is fully booked.", "code": "slot_full",
            "details": {"field": "pickup_at", "next_available": "2026-12-03T10:30:00+01:00"}})
        .to_string();
        match classify(409, &body, &cart) {
            Outcome::SlotRefused(refused) => {
                assert_eq!(
                    refused.next_available.as_deref(),
                    Some("2026-12-03T10:30:00+01:00")
                );
                assert!(
                    refused.message.contains("Thursday 3 December, 10:30"),
                    "{}",
                    refused.message
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        let body = json!({"error": "x", "code": "validation_failed",
            "details": [{"field": "pickup_at", "message": "must be the start of one of that day's slots"}]})
        .to_string();
        let Outcome::Invalid(errors) = classify(400, &body, &cart) else {
            panic!("expected field errors");
        };
        assert_eq!(
            errors.when.as_deref(),
            Some("The time must be the start of one of that day's slots.")
        );
    }

    #[test]
    fn one_key_per_order_body() {
        let first = Attempt::for_body(None, "{a}", || "k1".to_owned());
        let retry = Attempt::for_body(Some(first.clone()), "{a}", || "k2".to_owned());
        assert_eq!(
            retry.key, "k1",
            "a retry of the same order re-sends the key"
        );
        let changed = Attempt::for_body(Some(first), "{b}", || "k3".to_owned());
        assert_eq!(changed.key, "k3", "a changed order gets a new key");
    }

    #[test]
    fn keys_look_like_uuids() {
        let key = uuid_v4([0xff; 16]);
        assert_eq!(key, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
    }

    #[test]
    fn order_numbers_are_read_leniently() {
        assert_eq!(parse_order_number(" #42 "), Some(42));
        assert_eq!(parse_order_number("42"), Some(42));
        assert_eq!(parse_order_number("0"), None);
        assert_eq!(parse_order_number("abc"), None);
        assert_eq!(parse_order_number(""), None);
    }
}
