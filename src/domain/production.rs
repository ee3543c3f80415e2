//! The production sheet: a day's order lines summed per product, per slot and in all, with the
//! orders behind each line, and its CSV form.

use std::collections::BTreeMap;

use bakery_wire::production::{ProductionLine, ProductionSheet, ProductionSlot};
use chrono::{DateTime, Utc};

/// One order line to bake: order, slot start, product id and name, quantity.
pub type Line<'a> = (i64, DateTime<Utc>, i64, &'a str, i64);

/// Pieces and the orders behind them, by slot start.
type BySlot = BTreeMap<DateTime<Utc>, (i64, Vec<i64>)>;

/// The sheet of `lines`; `show` writes a slot's start for people (the bakery's offset).
pub fn sheet(
    date: &str,
    time_zone: &str,
    lines: &[Line<'_>],
    show: impl Fn(DateTime<Utc>) -> String,
) -> ProductionSheet {
    // By product name, then id; each product's slots by time.
    let mut products: BTreeMap<(&str, i64), BySlot> = BTreeMap::new();
    let mut orders: Vec<i64> = Vec::new();
    for &(order_id, slot, product_id, name, quantity) in lines {
        let (sum, ids) = products
            .entry((name, product_id))
            .or_default()
            .entry(slot)
            .or_default();
        *sum += quantity;
        if !ids.contains(&order_id) {
            ids.push(order_id);
        }
        orders.push(order_id);
    }
    orders.sort_unstable();
    orders.dedup();
    let products: Vec<ProductionLine> = products
        .into_iter()
        .map(|((name, product_id), slots)| {
            let mut order_ids: Vec<i64> = slots.values().flat_map(|(_, ids)| ids.clone()).collect();
            order_ids.sort_unstable();
            order_ids.dedup();
            ProductionLine {
                product_id,
                product_name: name.to_owned(),
                quantity: slots.values().map(|(q, _)| q).sum(),
                order_ids,
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

/// The sheet as CSV: a header, then per product a row per slot and a row `all day`; order ids
/// separated by spaces.
pub fn csv(sheet: &ProductionSheet) -> String {
    let mut out = String::from("date,slot,product_id,product,quantity,orders\r\n");
    let ids = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ");
    for product in &sheet.products {
        let name = csv_field(&product.product_name);
        for slot in &product.slots {
            out.push_str(&format!(
                "{},{},{},{name},{},{}\r\n",
                sheet.date,
                slot.start,
                product.product_id,
                slot.quantity,
                ids(&slot.order_ids)
            ));
        }
        out.push_str(&format!(
            "{},all day,{},{name},{},{}\r\n",
            sheet.date,
            product.product_id,
            product.quantity,
            ids(&product.order_ids)
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
        let lines = [
            (1, ten, 1, "Croissant", 2),
            (2, ten, 1, "Croissant", 3),
            (2, ten, 2, "Baguette, long", 1),
            (3, half, 1, "Croissant", 4),
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
        assert!(text.contains("\"Baguette, long\",1,2\r\n"), "{text}");
        assert!(
            text.contains("2026-12-05,all day,1,Croissant,9,1 2 3\r\n"),
            "{text}"
        );
        assert_eq!(csv_field("=cmd"), "'=cmd");
    }
}
