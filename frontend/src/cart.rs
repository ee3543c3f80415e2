//! The shopping cart: lines of products (one per product, options and inscription) in integer
//! cents, with the shop's quantity rules.
//!
//! Pure data and arithmetic so it is tested on the host; the browser keeps it in localStorage.

use std::collections::BTreeMap;

use bakery_wire::rules::{MAX_ORDER_LINES, MAX_QUANTITY, MIN_QUANTITY};
use bakery_wire::{NewOrder, NewOrderItem, Product, cents_to_price, price_to_cents};
use serde::{Deserialize, Serialize};

/// One product in the cart, with the name, choices and price the customer saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub product_id: i64,
    pub name: String,
    /// The unit price with the chosen options' differences.
    pub unit_cents: i64,
    pub quantity: i64,
    /// Pieces on the shelf when the catalog was last read; caps the quantity.
    pub stock: i64,
    /// The choices that are not their group's default (group key to choice key); the order
    /// sends them, and the server gives the other groups their defaults.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, String>,
    /// The names of every choice made, defaults included, in the product's group order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<String>,
    /// The text to write on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inscription: Option<String>,
}

impl CartLine {
    /// Price of the line in cents (saturating: a silly quantity never wraps around).
    pub fn total_cents(&self) -> i64 {
        self.unit_cents.saturating_mul(self.quantity)
    }

    /// Most pieces this line may hold: the shelf's stock within the shop's per-line limit.
    pub fn max_quantity(&self) -> i64 {
        self.stock.clamp(0, MAX_QUANTITY)
    }

    /// What tells this line from the others in the page's element ids: the product's id for a
    /// line with the default choices and no inscription, else the id and a hash of the rest.
    pub fn key(&self) -> String {
        if self.options.is_empty() && self.inscription.is_none() {
            return self.product_id.to_string();
        }
        // FNV-1a: the same line gets the same key in every session.
        let mut hash: u32 = 0x811c_9dc5;
        let text = format!("{:?}{:?}", self.options, self.inscription);
        for byte in text.bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
        format!("{}-{hash:08x}", self.product_id)
    }

    /// The choices and inscription in words: `8″ · Dark chocolate · “Happy 5th”`.
    pub fn details(&self) -> String {
        let choices = self.choices.iter().map(String::as_str);
        bakery_wire::options::details(choices, self.inscription.as_deref())
    }

    fn same_as(&self, product_id: i64, picked: &Picked) -> bool {
        self.product_id == product_id
            && self.options == picked.options
            && self.inscription == picked.inscription
    }
}

/// What the customer picked for a product: a choice per group (group key to choice key; a group
/// left out gets its default) and an inscription.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Picked {
    pub options: BTreeMap<String, String>,
    pub inscription: Option<String>,
}

/// A product's unit price in cents with the choices `asked`, the names of the choices made
/// (defaults filled in), and `asked` without the defaults; `None` for an unknown group or
/// choice, a required group left without a default, or a price that is not whole cents.
pub fn priced(
    product: &Product,
    asked: &BTreeMap<String, String>,
) -> Option<(i64, Vec<String>, BTreeMap<String, String>)> {
    let mut cents = price_to_cents(product.price)?;
    if asked
        .keys()
        .any(|k| !product.options.iter().any(|g| &g.key == k))
    {
        return None;
    }
    let (mut names, mut kept) = (Vec::new(), BTreeMap::new());
    for group in &product.options {
        let key = match asked.get(&group.key).or(group.default.as_ref()) {
            Some(key) => key,
            None if group.required => return None,
            None => continue,
        };
        let choice = group.choices.iter().find(|c| &c.key == key)?;
        let delta = price_to_cents(choice.price_delta.abs())?;
        cents += if choice.price_delta < 0.0 {
            -delta
        } else {
            delta
        };
        names.push(choice.name.clone());
        if group.default.as_ref() != Some(key) {
            kept.insert(group.key.clone(), key.clone());
        }
    }
    Some((cents, names, kept))
}

/// Why a product could not go into the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddRefused {
    SoldOut,
    /// The line already holds all the pieces there are (or the per-line maximum).
    AtLimit(i64),
    TooManyLines,
    /// The catalog's price is not a valid amount of cents.
    BadPrice,
}

impl std::fmt::Display for AddRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AddRefused::SoldOut => f.write_str("This item is sold out."),
            AddRefused::AtLimit(n) => write!(f, "You already have all {n} we can offer."),
            AddRefused::TooManyLines => {
                write!(
                    f,
                    "An order can hold at most {MAX_ORDER_LINES} different items."
                )
            }
            AddRefused::BadPrice => f.write_str("This item cannot be ordered right now."),
        }
    }
}

/// Something the catalog changed in the cart, told to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CartChange {
    PriceChanged {
        name: String,
        old_cents: i64,
        new_cents: i64,
    },
    Removed {
        name: String,
    },
    SoldOut {
        name: String,
    },
    Reduced {
        name: String,
        quantity: i64,
    },
}

impl std::fmt::Display for CartChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::money::format_cents;
        match self {
            CartChange::PriceChanged {
                name,
                old_cents,
                new_cents,
            } => write!(
                f,
                "The price of {name} changed from {} to {}.",
                format_cents(*old_cents),
                format_cents(*new_cents)
            ),
            CartChange::Removed { name } => {
                write!(f, "{name} is no longer on the menu and was removed.")
            }
            CartChange::SoldOut { name } => write!(f, "{name} is sold out and was removed."),
            CartChange::Reduced { name, quantity } => {
                write!(f, "Only {quantity} × {name} left; your cart was adjusted.")
            }
        }
    }
}

/// The cart: at most one line per product, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub lines: Vec<CartLine>,
}

impl Cart {
    /// Reads a cart saved by [`Cart::to_json`]; anything unreadable or invalid is an empty cart
    /// (a corrupt localStorage entry must never break the shop).
    pub fn from_json(json: &str) -> Cart {
        let mut cart: Cart = serde_json::from_str(json).unwrap_or_default();
        cart.lines.retain(|l| {
            l.quantity >= MIN_QUANTITY && l.quantity <= MAX_QUANTITY && l.unit_cents >= 0
        });
        cart.lines.truncate(MAX_ORDER_LINES);
        cart
    }

    /// The cart as JSON for localStorage.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{\"lines\":[]}".to_owned())
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Pieces in the cart, all lines together.
    pub fn item_count(&self) -> i64 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    /// What the order costs, in cents.
    pub fn total_cents(&self) -> i64 {
        self.lines
            .iter()
            .fold(0i64, |sum, l| sum.saturating_add(l.total_cents()))
    }

    /// Pieces of a product in the cart, all its lines together (0 when absent).
    pub fn quantity_of(&self, product_id: i64) -> i64 {
        self.lines
            .iter()
            .filter(|l| l.product_id == product_id)
            .map(|l| l.quantity)
            .sum()
    }

    /// Pieces of the line with `key` ([`CartLine::key`]; 0 when absent).
    pub fn quantity_at(&self, key: &str) -> i64 {
        self.lines
            .iter()
            .find(|l| l.key() == key)
            .map_or(0, |l| l.quantity)
    }

    /// Adds one piece of a product with its default choices and no inscription.
    pub fn add(&mut self, product: &Product) -> Result<(), AddRefused> {
        self.add_picked(product, &Picked::default())
    }

    /// Adds one piece of a product as `picked`, within its stock (all its lines together) and
    /// the shop's limits.
    pub fn add_picked(&mut self, product: &Product, picked: &Picked) -> Result<(), AddRefused> {
        let (unit_cents, choices, options) =
            priced(product, &picked.options).ok_or(AddRefused::BadPrice)?;
        let picked = Picked {
            options,
            inscription: picked.inscription.clone(),
        };
        if product.stock <= 0 {
            return Err(AddRefused::SoldOut);
        }
        let max = product.stock.clamp(0, MAX_QUANTITY);
        if self.quantity_of(product.id) >= max {
            return Err(AddRefused::AtLimit(max));
        }
        if let Some(line) = self
            .lines
            .iter_mut()
            .find(|l| l.same_as(product.id, &picked))
        {
            line.stock = product.stock;
            line.quantity += 1;
            return Ok(());
        }
        if self.lines.len() >= MAX_ORDER_LINES {
            return Err(AddRefused::TooManyLines);
        }
        self.lines.push(CartLine {
            product_id: product.id,
            name: product.name.clone(),
            unit_cents,
            quantity: 1,
            stock: product.stock,
            options: picked.options,
            choices,
            inscription: picked.inscription,
        });
        Ok(())
    }

    /// Sets the quantity of the line with `key`, clamped to what may be ordered (its product's
    /// stock less the product's other lines); 0 or less removes the line. Returns the quantity
    /// the line ends up with.
    pub fn set_quantity(&mut self, key: &str, quantity: i64) -> i64 {
        if quantity < MIN_QUANTITY {
            self.remove(key);
            return 0;
        }
        let Some(line) = self.lines.iter().find(|l| l.key() == key) else {
            return 0;
        };
        let others = self.quantity_of(line.product_id) - line.quantity;
        let max = (line.max_quantity() - others).max(MIN_QUANTITY);
        match self.lines.iter_mut().find(|l| l.key() == key) {
            Some(line) => {
                line.quantity = quantity.min(max).max(MIN_QUANTITY);
                line.quantity
            }
            None => 0,
        }
    }

    /// Removes the line with `key`.
    pub fn remove(&mut self, key: &str) {
        self.lines.retain(|l| l.key() != key);
    }

    pub fn clear(&mut self) {
        self.lines.clear();
    }

    /// Brings the cart in line with a fresh catalog: new prices and names, stock caps, removed
    /// and sold-out products. Returns what changed so the customer can be told.
    pub fn reconcile(&mut self, catalog: &[Product]) -> Vec<CartChange> {
        let mut changes = Vec::new();
        self.lines.retain_mut(|line| {
            let Some(product) = catalog.iter().find(|p| p.id == line.product_id) else {
                changes.push(CartChange::Removed {
                    name: line.name.clone(),
                });
                return false;
            };
            let inscription_fits = match (&line.inscription, product.inscription) {
                (None, _) => true,
                (Some(text), Some(limit)) => {
                    i64::try_from(text.chars().count()).is_ok_and(|n| n <= limit.max_length)
                }
                (Some(_), None) => false,
            };
            let Some((new_cents, choices, _)) =
                priced(product, &line.options).filter(|_| inscription_fits)
            else {
                changes.push(CartChange::Removed {
                    name: line.name.clone(),
                });
                return false;
            };
            line.choices = choices;
            line.name.clone_from(&product.name);
            if new_cents != line.unit_cents {
                changes.push(CartChange::PriceChanged {
                    name: line.name.clone(),
                    old_cents: line.unit_cents,
                    new_cents,
                });
                line.unit_cents = new_cents;
            }
            line.stock = product.stock;
            if product.stock <= 0 {
                changes.push(CartChange::SoldOut {
                    name: line.name.clone(),
                });
                return false;
            }
            if line.quantity > line.max_quantity() {
                line.quantity = line.max_quantity();
                changes.push(CartChange::Reduced {
                    name: line.name.clone(),
                    quantity: line.quantity,
                });
            }
            true
        });
        changes
    }

    /// The order to send: the prices the customer saw go along, so the server refuses (409)
    /// rather than charges a price that changed meanwhile.
    pub fn to_new_order(&self, customer_name: &str, customer_email: &str) -> NewOrder {
        NewOrder {
            customer_name: customer_name.to_owned(),
            customer_email: customer_email.to_owned(),
            items: self
                .lines
                .iter()
                .map(|l| NewOrderItem {
                    product_id: l.product_id,
                    quantity: l.quantity,
                    price: Some(cents_to_price(l.unit_cents)),
                    options: (!l.options.is_empty()).then(|| l.options.clone()),
                    inscription: l.inscription.clone(),
                })
                .collect(),
            fulfillment: None,
            delivery_address: None,
            pickup_at: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i64, name: &str, price: f64, stock: i64) -> Product {
        Product {
            id,
            name: name.to_owned(),
            description: String::new(),
            price,
            image_url: String::new(),
            stock,
            ..Product::default()
        }
    }

    #[test]
    fn totals_are_exact_in_cents() {
        let mut cart = Cart::default();
        let muffin = product(3, "Blueberry Muffin", 3.99, 50);
        let croissant = product(4, "Croissant", 4.50, 50);
        for _ in 0..3 {
            assert_eq!(cart.add(&muffin), Ok(()));
        }
        assert_eq!(cart.add(&croissant), Ok(()));
        // 3 × 3.99 + 4.50 is 16.47 exactly, where f64 sums would drift.
        assert_eq!(cart.total_cents(), 1647);
        assert_eq!(cart.item_count(), 4);
        assert_eq!(cart.lines.len(), 2);

        let mut dimes = Cart::default();
        let dime = product(9, "Crumb", 0.10, 1000);
        for _ in 0..30 {
            assert_eq!(dimes.add(&dime), Ok(()));
        }
        assert_eq!(dimes.total_cents(), 300);
    }

    #[test]
    fn adding_respects_stock_and_sold_out() {
        let mut cart = Cart::default();
        assert_eq!(
            cart.add(&product(1, "Cake", 29.99, 0)),
            Err(AddRefused::SoldOut)
        );
        let scarce = product(2, "Bread", 8.99, 2);
        assert_eq!(cart.add(&scarce), Ok(()));
        assert_eq!(cart.add(&scarce), Ok(()));
        assert_eq!(cart.add(&scarce), Err(AddRefused::AtLimit(2)));
        assert_eq!(cart.quantity_of(2), 2);
        assert_eq!(
            cart.add(&product(5, "Odd", 1.234, 5)),
            Err(AddRefused::BadPrice)
        );
    }

    #[test]
    fn quantities_are_clamped_and_zero_removes() {
        let mut cart = Cart::default();
        let bread = product(2, "Bread", 8.99, 5000);
        assert_eq!(cart.add(&bread), Ok(()));
        assert_eq!(cart.set_quantity("2", 7), 7);
        assert_eq!(cart.total_cents(), 6293);
        assert_eq!(cart.set_quantity("2", 5000), MAX_QUANTITY);
        assert_eq!(cart.set_quantity("2", 0), 0);
        assert!(cart.is_empty());
        assert_eq!(cart.set_quantity("42", 3), 0);
    }

    #[test]
    fn at_most_fifty_lines() {
        let mut cart = Cart::default();
        for id in 0..MAX_ORDER_LINES as i64 {
            assert_eq!(cart.add(&product(id, "P", 1.0, 10)), Ok(()));
        }
        assert_eq!(
            cart.add(&product(999, "P", 1.0, 10)),
            Err(AddRefused::TooManyLines)
        );
    }

    #[test]
    fn reconcile_reports_price_changes_removals_and_stock() {
        let mut cart = Cart::default();
        for p in [
            product(1, "Cake", 29.99, 10),
            product(2, "Bread", 8.99, 10),
            product(3, "Muffin", 3.99, 10),
            product(4, "Croissant", 4.50, 10),
        ] {
            assert_eq!(cart.add(&p), Ok(()));
        }
        cart.set_quantity("4", 5);
        let fresh = vec![
            product(1, "Cake", 31.50, 10),
            product(3, "Muffin", 3.99, 0),
            product(4, "Croissant", 4.50, 2),
        ];
        let changes = cart.reconcile(&fresh);
        assert_eq!(
            changes,
            vec![
                CartChange::PriceChanged {
                    name: "Cake".into(),
                    old_cents: 2999,
                    new_cents: 3150
                },
                CartChange::Removed {
                    name: "Bread".into()
                },
                CartChange::SoldOut {
                    name: "Muffin".into()
                },
                CartChange::Reduced {
                    name: "Croissant".into(),
                    quantity: 2
                },
            ]
        );
        assert_eq!(cart.total_cents(), 3150 + 900);
        assert_eq!(
            changes[0].to_string(),
            "The price of Cake changed from $29.99 to $31.50."
        );
        assert!(
            cart.reconcile(&fresh).is_empty(),
            "a second pass changes nothing"
        );
    }

    #[test]
    fn saved_carts_round_trip_and_garbage_is_empty() {
        let mut cart = Cart::default();
        assert_eq!(cart.add(&product(1, "Cake", 29.99, 3)), Ok(()));
        assert_eq!(Cart::from_json(&cart.to_json()), cart);
        assert!(Cart::from_json("not json").is_empty());
        assert!(Cart::from_json("{\"lines\":[{\"product_id\":1,\"name\":\"x\",\"unit_cents\":1,\"quantity\":0,\"stock\":1}]}").is_empty());
    }

    fn cake() -> Product {
        let choice = |key: &str, name: &str, price_delta: f64| bakery_wire::OptionChoice {
            key: key.to_owned(),
            name: name.to_owned(),
            price_delta,
        };
        Product {
            options: vec![bakery_wire::OptionGroup {
                key: "size".to_owned(),
                name: "Size".to_owned(),
                required: true,
                default: Some("6in".to_owned()),
                choices: vec![choice("6in", "6″", 0.0), choice("8in", "8″", 8.0)],
            }],
            inscription: Some(bakery_wire::Inscription { max_length: 10 }),
            ..product(1, "Cake", 29.99, 5)
        }
    }

    fn picked(size: Option<&str>, inscription: Option<&str>) -> Picked {
        Picked {
            options: size
                .map(|s| [("size".to_owned(), s.to_owned())].into())
                .unwrap_or_default(),
            inscription: inscription.map(str::to_owned),
        }
    }

    #[test]
    fn each_choice_and_inscription_is_a_line_of_its_own_priced_with_its_options() {
        let mut cart = Cart::default();
        let cake = cake();
        assert_eq!(cart.add(&cake), Ok(()));
        // Picking the default is the same line as picking nothing.
        assert_eq!(cart.add_picked(&cake, &picked(Some("6in"), None)), Ok(()));
        assert_eq!(cart.add_picked(&cake, &picked(Some("8in"), None)), Ok(()));
        assert_eq!(
            cart.add_picked(&cake, &picked(Some("8in"), Some("Léa"))),
            Ok(())
        );
        assert_eq!(cart.lines.len(), 3);
        assert_eq!(cart.lines[0].key(), "1");
        assert_eq!(cart.lines[0].quantity, 2);
        assert_eq!(cart.lines[1].unit_cents, 3799);
        assert_eq!(cart.lines[2].details(), "8″ · “Léa”");
        assert_ne!(cart.lines[1].key(), cart.lines[2].key());
        assert_eq!(cart.total_cents(), 2 * 2999 + 2 * 3799);
        // Stock counts every line of the product.
        assert_eq!(cart.add(&cake), Ok(()));
        assert_eq!(cart.add(&cake), Err(AddRefused::AtLimit(5)));
        let key = cart.lines[1].key();
        assert_eq!(cart.set_quantity(&key, 9), 1, "the other lines hold 4 of 5");
        assert_eq!(
            cart.add_picked(&cake, &picked(Some("12in"), None)),
            Err(AddRefused::BadPrice)
        );
        let order = cart.to_new_order("Ann", "ann@example.com");
        let json = serde_json::to_value(&order).unwrap_or_default();
        assert!(json["items"][0].get("options").is_none(), "{json}");
        assert_eq!(
            json["items"][1]["options"],
            serde_json::json!({"size": "8in"})
        );
        assert_eq!(json["items"][1]["price"], serde_json::json!(37.99));
        assert_eq!(json["items"][2]["inscription"], "Léa");
        // A saved cart comes back the same; the menu dropping a choice drops its lines.
        assert_eq!(Cart::from_json(&cart.to_json()), cart);
        let mut plain = cake.clone();
        plain.options[0].choices.pop();
        let changes = cart.reconcile(&[plain]);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert_eq!(cart.lines.len(), 1);
    }

    #[test]
    fn a_cart_saved_before_options_still_loads() {
        let old = r#"{"lines":[{"product_id":1,"name":"Cake","unit_cents":2999,"quantity":2,"stock":5}]}"#;
        let cart = Cart::from_json(old);
        assert_eq!(cart.lines.len(), 1);
        assert_eq!(cart.lines[0].key(), "1");
        assert!(cart.lines[0].options.is_empty());
    }

    #[test]
    fn the_order_carries_the_prices_seen() {
        let mut cart = Cart::default();
        assert_eq!(cart.add(&product(4, "Croissant", 4.50, 9)), Ok(()));
        cart.set_quantity("4", 3);
        let order = cart.to_new_order("Ann", "ann@example.com");
        assert_eq!(order.items.len(), 1);
        assert_eq!(order.items[0].quantity, 3);
        assert_eq!(order.items[0].price, Some(4.5));
        let json = serde_json::to_value(&order).unwrap_or_default();
        assert_eq!(json["items"][0]["price"], serde_json::json!(4.5));
    }
}
