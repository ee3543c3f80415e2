//! The input rules of an order, shared by the server's domain types and the storefront's forms.

/// Longest customer name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest e-mail address, in characters (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Most lines in one order.
pub const MAX_ORDER_LINES: usize = 50;
/// Fewest pieces of one product in a line.
pub const MIN_QUANTITY: i64 = 1;
/// Most pieces of one product in a line.
pub const MAX_QUANTITY: i64 = 1000;

/// Checks a customer name; the name is kept verbatim when it passes.
pub fn check_customer_name(name: &str) -> Result<(), &'static str> {
    if name.trim().is_empty() {
        return Err("is required");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err("must be at most 200 characters");
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(())
}

/// Checks an e-mail address: one `@`, a local part, a dotted domain, no spaces.
pub fn check_email(email: &str) -> Result<(), &'static str> {
    if email.trim().is_empty() {
        return Err("is required");
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err("must be at most 254 characters");
    }
    let invalid = "must be a valid e-mail address, like name@example.com";
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid);
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid);
    };
    let labels_ok = domain.split('.').all(|label| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
    });
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !domain.contains('.')
        || !labels_ok
    {
        return Err(invalid);
    }
    Ok(())
}

/// Longest delivery address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 500;

/// Checks a delivery address: some visible text, at most 500 characters, line breaks allowed.
pub fn check_delivery_address(address: &str) -> Result<(), &'static str> {
    if address.trim().is_empty() {
        return Err("is required for delivery");
    }
    if address.chars().count() > MAX_ADDRESS_CHARS {
        return Err("must be at most 500 characters");
    }
    if address
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err("must not contain control characters");
    }
    Ok(())
}

/// A JSON number with no fractional part, as an `i64`: `5` and `5.0` alike, as JSON Schema's
/// `integer` has it (at most 2^53 in size when written with a fraction).
pub fn whole_number(value: &serde_json::Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let number = value.as_f64()?;
        (number.fract() == 0.0 && number.abs() <= 9_007_199_254_740_992.0).then_some(number as i64)
    })
}

/// `#[serde(deserialize_with)]` helpers that read whole numbers as [`whole_number`] does.
pub mod whole {
    use serde::de::{Deserialize, Deserializer, Error};
    use serde_json::Value;

    /// A whole number.
    pub fn number<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
        let value = Value::deserialize(deserializer)?;
        super::whole_number(&value)
            .ok_or_else(|| D::Error::custom(format!("expected a whole number, not {value}")))
    }

    /// A whole number or null.
    pub fn optional<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(None),
            value => super::whole_number(&value)
                .map(Some)
                .ok_or_else(|| D::Error::custom(format!("expected a whole number, not {value}"))),
        }
    }
}

/// Checks how many pieces one line asks for.
pub fn check_quantity(quantity: i64) -> Result<(), &'static str> {
    if (MIN_QUANTITY..=MAX_QUANTITY).contains(&quantity) {
        Ok(())
    } else {
        Err("must be a whole number from 1 to 1000")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_need_a_visible_character_and_at_most_200_chars() {
        assert!(check_customer_name("Vedanti Verma").is_ok());
        assert!(check_customer_name("Zoë 🍰 O'Brien <b>").is_ok());
        assert!(check_customer_name("   ").is_err());
        assert!(check_customer_name(&"a".repeat(200)).is_ok());
        assert!(check_customer_name(&"a".repeat(201)).is_err());
        assert!(check_customer_name("nul\0byte").is_err());
    }

    #[test]
    fn emails_are_checked_for_shape_and_length() {
        for good in [
            "vedanti@example.com",
            "a.b+c@sub.example.co.uk",
            "x@bäckerei.de",
        ] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a b@example.com",
            "a@@example.com",
            "a@-x.com",
            ".a@example.com",
            "a..b@example.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(check_email(&long).is_err());
    }

    #[test]
    fn whole_numbers_may_be_written_with_a_zero_fraction() {
        use serde_json::json;
        assert_eq!(whole_number(&json!(5)), Some(5));
        assert_eq!(whole_number(&json!(5.0)), Some(5));
        assert_eq!(whole_number(&json!(-3.0)), Some(-3));
        assert_eq!(whole_number(&json!(5.5)), None);
        assert_eq!(whole_number(&json!(1e300)), None);
        assert_eq!(whole_number(&json!("5")), None);
    }

    #[test]
    fn quantities_are_1_to_1000() {
        assert!(check_quantity(0).is_err());
        assert!(check_quantity(1).is_ok());
        assert!(check_quantity(1000).is_ok());
        assert!(check_quantity(1001).is_err());
    }
}
