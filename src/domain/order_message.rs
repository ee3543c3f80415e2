//! The message on the `orders` queue, in the seed's shape: `{order_id, customer_name, customer_email, items}`.

use serde::{Deserialize, Serialize};

/// An order to process, as published to the queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderMessage {
    pub order_id: i64,
    pub customer_name: String,
    pub customer_email: String,
    pub items: Vec<MessageItem>,
}

/// One line of the message; `price` is the unit price, two decimals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageItem {
    pub product_id: i64,
    pub quantity: i64,
    pub price: f64,
}

impl OrderMessage {
    /// Reads a message, or says why it is not one.
    pub fn parse(payload: &str) -> Result<OrderMessage, String> {
        serde_json::from_str(payload).map_err(|e| format!("not an order message: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_the_seed_shape() {
        let message = OrderMessage {
            order_id: 123,
            customer_name: "Vedanti Verma".into(),
            customer_email: "vedanti@example.com".into(),
            items: vec![MessageItem {
                product_id: 1,
                quantity: 2,
                price: 29.99,
            }],
        };
        assert_eq!(
            serde_json::to_value(&message).unwrap(),
            json!({"order_id": 123, "customer_name": "Vedanti Verma",
                   "customer_email": "vedanti@example.com",
                   "items": [{"product_id": 1, "quantity": 2, "price": 29.99}]})
        );
        assert!(OrderMessage::parse("{\"order_id\": \"x\"}").is_err());
    }
}
