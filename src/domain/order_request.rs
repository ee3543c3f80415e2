//! Parses the body of `POST /api/orders` into a validated [`OrderRequest`], listing every bad field.

use bakery_wire::rules::{self, MAX_ORDER_LINES};
use bakery_wire::{FieldError, Fulfillment};
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// An order as the customer asked for it, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRequest {
    /// Verbatim, as typed.
    pub customer_name: String,
    /// Verbatim, as typed.
    pub customer_email: String,
    pub lines: Vec<RequestedLine>,
    pub fulfillment: Fulfillment,
    /// Where to deliver; set exactly when `fulfillment` is delivery.
    pub delivery_address: Option<String>,
    /// The slot asked for (its start); `None`: the earliest that fits.
    pub pickup_at: Option<DateTime<Utc>>,
}

/// One requested line; `price_cents` is what the client believed the unit price was, if it
/// said; `options` the choice asked for per group (group key to choice key), `inscription` the
/// text as sent (checked against the product when it is priced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedLine {
    pub product_id: i64,
    pub quantity: i64,
    pub price_cents: Option<i64>,
    pub options: BTreeMap<String, String>,
    pub inscription: Option<String>,
}

impl OrderRequest {
    /// Checks a JSON body; on failure returns every problem found, each with its field path.
    pub fn parse(body: &Value) -> Result<OrderRequest, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| {
            errors.push(FieldError {
                field: field.to_owned(),
                message: message.to_owned(),
            })
        };
        let Some(object) = body.as_object() else {
            fail("body", "must be a JSON object");
            return Err(errors);
        };
        let customer_name = text_field(object.get("customer_name"), "customer_name", &mut fail)
            .filter(|name| check(rules::check_customer_name(name), "customer_name", &mut fail));
        let customer_email = text_field(object.get("customer_email"), "customer_email", &mut fail)
            .filter(|email| check(rules::check_email(email), "customer_email", &mut fail));
        let mut lines = Vec::new();
        match object.get("items") {
            None | Some(Value::Null) => fail("items", "is required"),
            Some(Value::Array(items)) if items.is_empty() => {
                fail("items", "must list at least one product")
            }
            Some(Value::Array(items)) if items.len() > MAX_ORDER_LINES => {
                fail("items", "must list at most 50 lines")
            }
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(line) = parse_line(item, i, &mut fail) {
                        lines.push(line);
                    }
                }
            }
            Some(_) => fail("items", "must be a list of {product_id, quantity}"),
        }
        let fulfillment = match object.get("fulfillment") {
            None | Some(Value::Null) => Some(Fulfillment::Pickup),
            Some(Value::String(s)) if s == "pickup" => Some(Fulfillment::Pickup),
            Some(Value::String(s)) if s == "delivery" => Some(Fulfillment::Delivery),
            Some(_) => {
                fail("fulfillment", "must be \"pickup\" or \"delivery\"");
                None
            }
        };
        let delivery_address = match (fulfillment, object.get("delivery_address")) {
            (Some(Fulfillment::Delivery), None | Some(Value::Null)) => {
                fail("delivery_address", "is required for delivery");
                None
            }
            (Some(Fulfillment::Delivery), Some(Value::String(address))) => {
                match rules::check_delivery_address(address) {
                    Ok(()) => Some(address.clone()),
                    Err(message) => {
                        fail("delivery_address", message);
                        None
                    }
                }
            }
            (Some(Fulfillment::Delivery), Some(_)) => {
                fail("delivery_address", "must be a string");
                None
            }
            _ => None,
        };
        let pickup_at = match object.get("pickup_at") {
            None | Some(Value::Null) => None,
            Some(Value::String(at)) => match DateTime::parse_from_rfc3339(at.trim()) {
                Ok(at) => Some(at.with_timezone(&Utc)),
                Err(_) => {
                    fail(
                        "pickup_at",
                        "must be a slot's start with its offset, as 2026-12-05T10:00:00+01:00",
                    );
                    None
                }
            },
            Some(_) => {
                fail("pickup_at", "must be a string");
                None
            }
        };
        match (customer_name, customer_email, fulfillment) {
            (Some(customer_name), Some(customer_email), Some(fulfillment)) if errors.is_empty() => {
                Ok(OrderRequest {
                    customer_name,
                    customer_email,
                    lines,
                    fulfillment,
                    delivery_address,
                    pickup_at,
                })
            }
            _ => Err(errors),
        }
    }
}

fn check(result: Result<(), &str>, field: &str, fail: &mut impl FnMut(&str, &str)) -> bool {
    match result {
        Ok(()) => true,
        Err(message) => {
            fail(field, message);
            false
        }
    }
}

fn text_field(
    value: Option<&Value>,
    field: &str,
    fail: &mut impl FnMut(&str, &str),
) -> Option<String> {
    match value {
        None | Some(Value::Null) => {
            fail(field, "is required");
            None
        }
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            fail(field, "must be a string");
            None
        }
    }
}

fn parse_line(
    item: &Value,
    index: usize,
    fail: &mut impl FnMut(&str, &str),
) -> Option<RequestedLine> {
    let path = |name: &str| format!("items[{index}].{name}");
    let Some(item) = item.as_object() else {
        fail(
            &format!("items[{index}]"),
            "must be an object {product_id, quantity}",
        );
        return None;
    };
    let product_id = match item.get("product_id") {
        None | Some(Value::Null) => {
            fail(&path("product_id"), "is required");
            None
        }
        Some(v) => match rules::whole_number(v) {
            Some(id) if id > 0 => Some(id),
            _ => {
                fail(&path("product_id"), "must be a positive whole number");
                None
            }
        },
    };
    let quantity = match item.get("quantity") {
        None | Some(Value::Null) => {
            fail(&path("quantity"), "is required");
            None
        }
        Some(v) => match rules::whole_number(v) {
            Some(q) if rules::check_quantity(q).is_ok() => Some(q),
            _ => {
                fail(&path("quantity"), "must be a whole number from 1 to 1000");
                None
            }
        },
    };
    let price_cents = match item.get("price") {
        None | Some(Value::Null) => Some(None),
        Some(v) => match v.as_f64().and_then(bakery_wire::price_to_cents) {
            Some(cents) => Some(Some(cents)),
            None => {
                fail(
                    &path("price"),
                    "must be a non-negative number with at most two decimals",
                );
                None
            }
        },
    };
    let options = match item.get("options") {
        None | Some(Value::Null) => Some(BTreeMap::new()),
        Some(Value::Object(asked)) => {
            let mut options = BTreeMap::new();
            for (group, choice) in asked {
                match choice {
                    Value::String(choice) => {
                        options.insert(group.clone(), choice.clone());
                    }
                    _ => fail(&path(&format!("options.{group}")), "must be a choice's key"),
                }
            }
            (options.len() == asked.len()).then_some(options)
        }
        Some(_) => {
            fail(
                &path("options"),
                "must be an object of group key to choice key",
            );
            None
        }
    };
    let inscription = match item.get("inscription") {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(text)) => Some(Some(text.clone())),
        Some(_) => {
            fail(&path("inscription"), "must be a string");
            None
        }
    };
    Some(RequestedLine {
        product_id: product_id?,
        quantity: quantity?,
        price_cents: price_cents?,
        options: options?,
        inscription: inscription?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(body: Value) -> Vec<String> {
        OrderRequest::parse(&body)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn the_seed_sample_order_parses() {
        let order = OrderRequest::parse(&json!({
            "customer_name": "Vedanti Verma",
            "customer_email": "vedanti@example.com",
            "items": [{"product_id": 1, "quantity": 2, "price": 29.99}]
        }))
        .unwrap();
        assert_eq!(
            order.lines,
            vec![RequestedLine {
                product_id: 1,
                quantity: 2,
                price_cents: Some(2999),
                options: BTreeMap::new(),
                inscription: None,
            }]
        );
    }

    #[test]
    fn every_bad_field_is_listed() {
        assert_eq!(
            fields(json!({"customer_name": " ", "customer_email": "nope", "items": []})),
            ["customer_name", "customer_email", "items"]
        );
        assert_eq!(
            fields(json!({"customer_name": "A", "customer_email": "a@b.co",
                "items": [{"product_id": "1", "quantity": 2.5}, {"product_id": 1, "quantity": 0}, 7]})),
            [
                "items[0].product_id",
                "items[0].quantity",
                "items[1].quantity",
                "items[2]"
            ]
        );
        assert_eq!(fields(json!([1, 2])), ["body"]);
        assert_eq!(
            fields(json!({"customer_name": "A", "customer_email": "a@b.co",
                "items": [{"product_id": 1, "quantity": 1, "options": {"size": 8}, "inscription": 5},
                    {"product_id": 1, "quantity": 1, "options": ["8in"]}]})),
            [
                "items[0].options.size",
                "items[0].inscription",
                "items[1].options"
            ]
        );
        assert_eq!(
            fields(json!({"customer_name": 5})),
            ["customer_name", "customer_email", "items"]
        );
        let many: Vec<Value> = (0..51)
            .map(|_| json!({"product_id": 1, "quantity": 1}))
            .collect();
        assert_eq!(
            fields(json!({"customer_name": "A", "customer_email": "a@b.co", "items": many})),
            ["items"]
        );
    }
}
