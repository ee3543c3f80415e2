//! Orders placed from this browser, newest first, with the e-mail each was placed with: the
//! look-up page lists them, and a customer's own cancel proves the order is theirs with it.

use serde::{Deserialize, Serialize};

/// How many orders the browser remembers.
pub const KEEP: usize = 5;

/// One remembered order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentOrder {
    pub order_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// An entry as saved: older versions of the site kept bare order numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum Saved {
    Id(i64),
    Order(RecentOrder),
}

/// Reads the saved list; anything unreadable is an empty list.
pub fn parse(json: &str) -> Vec<RecentOrder> {
    let saved: Vec<Saved> = serde_json::from_str(json).unwrap_or_default();
    let mut list: Vec<RecentOrder> = Vec::new();
    for entry in saved {
        let order = match entry {
            Saved::Id(order_id) => RecentOrder {
                order_id,
                email: None,
            },
            Saved::Order(order) => order,
        };
        if order.order_id > 0 && !list.iter().any(|o| o.order_id == order.order_id) {
            list.push(order);
        }
    }
    list.truncate(KEEP);
    list
}

/// The list as JSON for localStorage.
pub fn to_json(list: &[RecentOrder]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_owned())
}

/// Puts an order first; an e-mail already known is kept when none is given.
pub fn remember(list: &mut Vec<RecentOrder>, order_id: i64, email: Option<String>) {
    let known = list
        .iter()
        .find(|o| o.order_id == order_id)
        .and_then(|o| o.email.clone());
    list.retain(|o| o.order_id != order_id);
    list.insert(
        0,
        RecentOrder {
            order_id,
            email: email.or(known),
        },
    );
    list.truncate(KEEP);
}

/// The e-mail an order was placed with, when this browser knows it.
pub fn email_for(list: &[RecentOrder], order_id: i64) -> Option<String> {
    list.iter()
        .find(|o| o.order_id == order_id)
        .and_then(|o| o.email.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_lists_of_numbers_still_read() {
        let list = parse("[7, 3, 7, -1]");
        assert_eq!(
            list,
            vec![
                RecentOrder {
                    order_id: 7,
                    email: None
                },
                RecentOrder {
                    order_id: 3,
                    email: None
                }
            ]
        );
        assert!(parse("garbage").is_empty());
        assert!(parse("{\"order_id\": 1}").is_empty());
    }

    #[test]
    fn orders_keep_their_email_and_the_newest_comes_first() {
        let mut list = Vec::new();
        remember(&mut list, 1, Some("a@example.com".into()));
        remember(&mut list, 2, None);
        remember(&mut list, 1, None);
        assert_eq!(list[0].order_id, 1);
        assert_eq!(email_for(&list, 1).as_deref(), Some("a@example.com"));
        assert_eq!(email_for(&list, 2), None);
        assert_eq!(parse(&to_json(&list)), list);
        for id in 10..20 {
            remember(&mut list, id, None);
        }
        assert_eq!(list.len(), KEEP);
        assert_eq!(list[0].order_id, 19);
    }
}
