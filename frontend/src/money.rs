//! Formats integer cents as the shop shows prices to people, in the shop's currency and locale
//! (`GET /api/shop`, remembered from the last visit; `$` and en-US until it is known).

use std::cell::Cell;

use bakery_wire::money::{MoneyFormat, ShopInfo};

thread_local! {
    static FORMAT: Cell<MoneyFormat> = Cell::new(MoneyFormat::default());
}

/// From now on, prices are written the shop's way.
pub fn set_format(format: MoneyFormat) {
    FORMAT.with(|f| f.set(format));
}

/// How prices are written now.
pub fn format() -> MoneyFormat {
    FORMAT.with(Cell::get)
}

/// The shop as remembered in `json` (what [`shop_to_json`] wrote), if it reads.
pub fn shop_from_json(json: &str) -> Option<ShopInfo> {
    serde_json::from_str(json).ok()
}

pub fn shop_to_json(shop: &ShopInfo) -> String {
    serde_json::to_string(shop).unwrap_or_default()
}

/// Formats cents as a price: `2999` → `$29.99`, `-450` → `-$4.50` (en-US, USD).
pub fn format_cents(cents: i64) -> String {
    format().format(cents)
}

#[cfg(test)]
mod tests {
    use bakery_wire::money::{Currency, Locale};

    use super::*;

    #[test]
    fn cents_are_shown_with_two_decimals() {
        assert_eq!(format_cents(0), "$0.00");
        assert_eq!(format_cents(5), "$0.05");
        assert_eq!(format_cents(450), "$4.50");
        assert_eq!(format_cents(2999), "$29.99");
        assert_eq!(format_cents(123_456), "$1,234.56");
        assert_eq!(format_cents(-450), "-$4.50");
    }

    #[test]
    fn the_shops_format_applies_once_known_and_is_remembered() {
        let json = r#"{"name":"Bäckerei","currency":"EUR","locale":"de-DE"}"#;
        let shop = shop_from_json(json).unwrap_or_else(|| panic!("reads"));
        assert_eq!(shop_from_json(&shop_to_json(&shop)), Some(shop.clone()));
        assert_eq!(shop_from_json("{\"currency\":\"XYZ\"}"), None);
        set_format(shop.money());
        assert_eq!(format_cents(123_456), "1.234,56\u{a0}€");
        set_format(MoneyFormat {
            currency: Currency::JPY,
            locale: Locale::EnUs,
        });
        assert_eq!(format_cents(50_000), "¥500");
        // Other tests may run on this thread after this one.
        set_format(MoneyFormat::default());
    }
}
