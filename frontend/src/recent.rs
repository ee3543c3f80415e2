//! Orders placed or looked up in this browser, newest first, each with its tracking token: the
//! look-up page lists them, and the order page shows the order in full and lets the customer
//! cancel it with the token.

use serde::{Deserialize, Serialize};

/// How many orders the browser remembers.
pub const KEEP: usize = 5;

/// One remembered order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentOrder {
    pub order_id: i64,
    /// The order's tracking token (older versions of the site kept the e-mail instead, which
    /// is no longer read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
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
        let mut order = match entry {
            Saved::Id(order_id) => RecentOrder {
                order_id,
                token: None,
            },
            Saved::Order(order) => order,
        };
        order.token = order.token.filter(|t| is_token(t));
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

/// Puts an order first; a token already known is kept when none is given.
pub fn remember(list: &mut Vec<RecentOrder>, order_id: i64, token: Option<String>) {
    let known = token_for(list, order_id);
    list.retain(|o| o.order_id != order_id);
    list.insert(
        0,
        RecentOrder {
            order_id,
            token: token.filter(|t| is_token(t)).or(known),
        },
    );
    list.truncate(KEEP);
}

/// The tracking token of an order, when this browser knows it.
pub fn token_for(list: &[RecentOrder], order_id: i64) -> Option<String> {
    list.iter()
        .find(|o| o.order_id == order_id)
        .and_then(|o| o.token.clone())
}

/// A tracking token as the bakery makes them: 64 hex characters.
pub fn is_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The token in a page address's query (`?t=…`, as `location.search` gives it), if any.
pub fn token_in_query(search: &str) -> Option<String> {
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{}=", bakery_wire::TRACKING_QUERY)))
        .filter(|t| is_token(t))
        .map(str::to_ascii_lowercase)
}

/// `path` with the token as `?t=` (unchanged without one).
pub fn with_token(path: &str, token: Option<&str>) -> String {
    match token {
        Some(token) => format!("{path}?{}={token}", bakery_wire::TRACKING_QUERY),
        None => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(c: char) -> String {
        std::iter::repeat_n(c, 64).collect()
    }

    #[test]
    fn old_lists_of_numbers_and_emails_still_read() {
        let list = parse(r#"[7, 3, {"order_id": 9, "email": "a@example.com"}, 7, -1]"#);
        let ids: Vec<i64> = list.iter().map(|o| o.order_id).collect();
        assert_eq!(ids, [7, 3, 9]);
        assert!(list.iter().all(|o| o.token.is_none()));
        assert!(
            !to_json(&list).contains("example.com"),
            "e-mails are not kept"
        );
        assert!(parse("garbage").is_empty());
        assert!(parse("{\"order_id\": 1}").is_empty());
        let bad = parse(r#"[{"order_id": 4, "token": "short"}]"#);
        assert_eq!(bad[0].token, None);
    }

    #[test]
    fn orders_keep_their_token_and_the_newest_comes_first() {
        let mut list = Vec::new();
        remember(&mut list, 1, Some(token('a')));
        remember(&mut list, 2, None);
        remember(&mut list, 1, None);
        assert_eq!(list[0].order_id, 1);
        assert_eq!(token_for(&list, 1), Some(token('a')));
        assert_eq!(token_for(&list, 2), None);
        assert_eq!(parse(&to_json(&list)), list);
        for id in 10..20 {
            remember(&mut list, id, None);
        }
        assert_eq!(list.len(), KEEP);
        assert_eq!(list[0].order_id, 19);
    }

    #[test]
    fn the_token_is_read_from_the_query() {
        let t = token('b');
        assert_eq!(token_in_query(&format!("?t={t}")), Some(t.clone()));
        assert_eq!(token_in_query(&format!("?x=1&t={t}")), Some(t.clone()));
        assert_eq!(token_in_query("?t=nope"), None);
        assert_eq!(token_in_query(""), None);
        assert_eq!(
            with_token("/api/orders/3", Some(&t)),
            format!("/api/orders/3?t={t}")
        );
        assert_eq!(with_token("/api/orders/3", None), "/api/orders/3");
    }
}
