//! Formats integer cents as the shop shows prices to people.

/// The sign the shop puts before every price.
pub const CURRENCY: &str = "$";

/// Formats cents as a price: `2999` → `$29.99`, `-450` → `-$4.50`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{CURRENCY}{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_are_shown_with_two_decimals() {
        assert_eq!(format_cents(0), "$0.00");
        assert_eq!(format_cents(5), "$0.05");
        assert_eq!(format_cents(450), "$4.50");
        assert_eq!(format_cents(2999), "$29.99");
        assert_eq!(format_cents(123_456), "$1234.56");
        assert_eq!(format_cents(-450), "-$4.50");
    }
}
