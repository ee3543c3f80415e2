//! The production sheet: a day's order lines summed per product and its options, per slot and in
//! all, with the orders behind each line and the inscriptions to write, and its CSV form.

use std::collections::BTreeMap;

use bakery_wire::production::{Inscribed, ProductionLine, ProductionSheet, ProductionSlot};
use chrono::{DateTime, Utc};

/// One order line to bake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line<'a> {
    pub order_id: i64,
    /// The start of the order's slot.
    pub slot: DateTime<Utc>,
    pub product_id: i64,
    pub name: &'a str,
    /// The names of the choices made, in the product's group order.
    pub options: Vec<&'a str>,
    pub inscription: Option<&'a str>,
    pub quantity: i64,
}

/// What the sheet sums lines by: product name, id and choices.
type Variant<'a> = (&'a str, i64, Vec<&'a str>);

/// Pieces and the orders behind them, by slot start.
type BySlot = BTreeMap<DateTime<Utc>, (i64, Vec<i64>)>;

/// The sheet of `lines`; `show` writes a slot's start for people (the bakery's offset).
pub fn sheet(
    date: &str,
    time_zone: &str,
    lines: &[Line<'_>],
    show: impl Fn(DateTime<Utc>) -> String,
) -> ProductionSheet {
    // By product name, then id, then choices; each one's slots by time.
    let mut products: BTreeMap<Variant<'_>, (BySlot, Vec<Inscribed>)> = BTreeMap::new();
    let mut orders: Vec<i64> = Vec::new();
    for line in lines {
        let variant = (line.name, line.product_id, line.options.clone());
        let (slots, inscribed) = products.entry(variant).or_default();
        let (sum, ids) = slots.entry(line.slot).or_default();
        *sum += line.quantity;
        if !ids.contains(&line.order_id) {
            ids.push(line.order_id);
        }
        if let Some(text) = line.inscription {
            inscribed.push(Inscribed {
                order_id: line.order_id,
                quantity: line.quantity,
                text: text.to_owned(),
            });
        }
        orders.push(line.order_id);
    }
    orders.sort_unstable();
    orders.dedup();
    let products: Vec<ProductionLine> = products
        .into_iter()
        .map(|((name, product_id, options), (slots, inscriptions))| {
            let mut order_ids: Vec<i64> = slots.values().flat_map(|(_, ids)| ids.clone()).collect();
            order_ids.sort_unstable();
            order_ids.dedup();
            ProductionLine {
                product_id,
                product_name: name.to_owned(),
                quantity: slots.values().map(|(q, _)| q).sum(),
                order_ids,
                options: options.into_iter().map(str::to_owned).collect(),
                inscriptions,
                slots: slots
                    .into_iter()
                    .map(|(start, (quantity, order_ids))| ProductionSlot {
                        start: show(start),
                        quantity,
                        order_ids,
                    })
                    .collect(),
            }
        })
        .collect();
    ProductionSheet {
        date: date.to_owned(),
        time_zone: time_zone.to_owned(),
        orders: orders.len() as i64,
        total: products.iter().map(|p| p.quantity).sum(),
        products,
    }
}

/// The sheet as CSV: a header, then per product and choices a row per slot and a row `all day`;
/// order ids separated by spaces, choices by ` · `, and the `all day` row's inscriptions as
/// `#order: text` separated by ` | `.
pub fn csv(sheet: &ProductionSheet) -> String {
    let mut out =
        String::from("date,slot,product_id,product,quantity,orders,options,inscriptions\r\n");
    let ids = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ");
    for product in &sheet.products {
        let name = csv_field(&product.product_name);
        let options = csv_field(&product.options.join(" · "));
        for slot in &product.slots {
            out.push_str(&format!(
                "{},{},{},{name},{},{},{options},\r\n",
                sheet.date,
                slot.start,
                product.product_id,
                slot.quantity,
                ids(&slot.order_ids)
            ));
        }
        let inscriptions: Vec<String> = product
            .inscriptions
            .iter()
            .map(|i| format!("#{}: {}", i.order_id, i.text))
            .collect();
        out.push_str(&format!(
            "{},all day,{},{name},{},{},{options},{}\r\n",
            sheet.date,
            product.product_id,
            product.quantity,
            ids(&product.order_ids),
            csv_field(&inscriptions.join(" | "))
        ));
    }
    out
}

/// A CSV field: quoted when it holds a comma, quote or line break (quotes doubled); a leading
/// `=`, `+`, `-` or `@` gets a `'` so spreadsheets do not run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn lines_sum_per_product_and_slot() {
        let (ten, half) = (at("2026-12-05T10:00:00Z"), at("2026-12-05T10:30:00Z"));
        let line = |order_id, slot, product_id, name, quantity| Line {
            order_id,
            slot,
            product_id,
            name,
            options: Vec::new(),
            inscription: None,
            quantity,
        };
        let lines = [
            line(1, ten, 1, "Croissant", 2),
            line(2, ten, 1, "Croissant", 3),
            line(2, ten, 2, "Baguette, long", 1),
            line(3, half, 1, "Croissant", 4),
        ];
        let sheet = sheet("2026-12-05", "UTC", &lines, |t| t.to_rfc3339());
        assert_eq!((sheet.orders, sheet.total), (3, 10));
        let names: Vec<&str> = sheet
            .products
            .iter()
            .map(|p| p.product_name.as_str())
            .collect();
        assert_eq!(names, ["Baguette, long", "Croissant"]);
        let croissant = &sheet.products[1];
        assert_eq!(croissant.quantity, 9);
        assert_eq!(croissant.order_ids, [1, 2, 3]);
        assert_eq!(croissant.slots.len(), 2);
        assert_eq!(
            (
                croissant.slots[0].quantity,
                &croissant.slots[0].order_ids[..]
            ),
            (5, &[1, 2][..])
        );
        let text = csv(&sheet);
        assert!(text.contains("\"Baguette, long\",1,2,,\r\n"), "{text}");
        assert!(
            text.contains("2026-12-05,all day,1,Croissant,9,1 2 3,,\r\n"),
            "{text}"
        );
        assert_eq!(csv_field("=cmd"), "'=cmd");
    }

    #[test]
    fn lines_of_other_choices_are_apart_and_inscriptions_listed() {
        let ten = at("2026-12-05T10:00:00Z");
        let cake = |order_id, size, inscription, quantity| Line {
            order_id,
            slot: ten,
            product_id: 1,
            name: "Chocolate Cake",
            options: vec![size, "Dark chocolate"],
            inscription,
            quantity,
        };
        let lines = [
            cake(1, "8″", Some("Happy birthday, Léa"), 2),
            cake(2, "8″", None, 1),
            cake(3, "6″", Some("Bravo"), 1),
        ];
        let sheet = sheet("2026-12-05", "UTC", &lines, |t| t.to_rfc3339());
        let variants: Vec<(&[String], i64)> = sheet
            .products
            .iter()
            .map(|p| (&p.options[..], p.quantity))
            .collect();
        assert_eq!(variants.len(), 2);
        assert_eq!((variants[1].0[0].as_str(), variants[1].1), ("8″", 3));
        assert_eq!(sheet.products[1].inscriptions.len(), 1);
        let text = csv(&sheet);
        assert!(
            text.contains(",3,1 2,8″ · Dark chocolate,\"#1: Happy birthday, Léa\"\r\n"),
            "{text}"
        );
    }
}
