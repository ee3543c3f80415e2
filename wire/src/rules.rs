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

/// The message for text holding a [`hidden_format`] character.
pub const HIDDEN_FORMAT_MESSAGE: &str =
    "must not contain invisible or text-direction characters (such as U+202E or U+200B)";

/// A format character that hides text or reorders it on screen, refused in names, addresses
/// and staff-written text that others read:
///
/// - bidirectional controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069 (they can
///   make `Anna` show as something else on the board, a label or an e-mail);
/// - invisible characters: U+00AD soft hyphen, U+180E, U+200B zero-width space, U+2060–U+2064,
///   U+206A–U+206F, U+FEFF, U+FFF9–U+FFFB.
///
/// Other format characters (Unicode category Cf) are allowed on purpose: U+200C/U+200D
/// (zero-width non-joiner and joiner) are part of how Persian, Indic and other scripts are
/// written and of emoji sequences (woman cook: U+1F469 U+200D U+1F373); the tag characters
/// U+E0020–U+E007F spell subdivision flag emoji (U+1F3F4 then tags). The same set, as a
/// regular-expression class, is in the OpenAPI patterns of these fields.
pub fn hidden_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

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
    if name.chars().any(hidden_format) {
        return Err(HIDDEN_FORMAT_MESSAGE);
    }
    Ok(())
}

/// Checks an e-mail address: one `@`, a local part, a dotted domain, no spaces — and every rule
/// the server's mailer (lettre, through the `email_address` crate) applies to a recipient, so an
/// address taken here can be mailed: the local part is a dot-atom of RFC 5322 characters
/// (no `(`, `)`, `,`, `;`, `<`, `>`, `[`, `]`, `\` or `@` outside quotes) of at most 64 bytes, every
/// domain label starts and ends with a letter or digit and has at most 63 bytes. The server's
/// mailer calls this same function before it sends.
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
        || !email_address::EmailAddress::is_valid_local_part(local)
        || !email_address::EmailAddress::is_valid_domain(domain)
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
    if address.chars().any(hidden_format) {
        return Err(HIDDEN_FORMAT_MESSAGE);
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

    /// Present (a whole number, or null for "none"), or absent (`None`, with `#[serde(default)]`).
    pub fn present<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<i64>>, D::Error> {
        optional(deserializer).map(Some)
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

/// `#[serde(deserialize_with)]` for a patch's text field: present (text, or null for "none") or
/// absent (`None`, with `#[serde(default)]`).
pub fn present_text<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    use serde::Deserialize;
    Option::<String>::deserialize(deserializer).map(Some)
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
    fn emails_are_what_the_mailer_takes() {
        for good in [
            "vedanti@example.com",
            "first.last+cakes@mail.example.co.uk",
            "o'brien@example.ie",
            "zoë@bäckerei.example",
            &format!("{}@example.com", "a".repeat(64)),
            &format!("a@{}.example.com", "b".repeat(63)),
        ] {
            assert_eq!(check_email(good), Ok(()), "{good}");
        }
        for bad in [
            "a(b@example.com",
            "a)b@example.com",
            "a,b@example.com",
            "a<b@example.com",
            "a[b]@example.com",
            "a\\b@example.com",
            "a@b@example.com",
            &format!("a@{}.example.com", "b".repeat(64)),
            &format!("{}@example.com", "a".repeat(65)),
            "a@example",
            "a@-example.com",
            "a@exa_mple.com",
            ".a@example.com",
            "a..b@example.com",
            "a b@example.com",
            "",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

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
    fn bidi_controls_are_refused_in_names_and_addresses() {
        for c in [
            '\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}',
            '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            let text = format!("Anna{c}Smith");
            assert_eq!(
                check_customer_name(&text),
                Err(HIDDEN_FORMAT_MESSAGE),
                "{c:?}"
            );
            assert_eq!(
                check_delivery_address(&text),
                Err(HIDDEN_FORMAT_MESSAGE),
                "{c:?}"
            );
        }
    }

    #[test]
    fn invisible_characters_are_refused_in_names_and_addresses() {
        for c in [
            '\u{00AD}', '\u{180E}', '\u{200B}', '\u{2060}', '\u{2061}', '\u{2064}', '\u{206A}',
            '\u{206F}', '\u{FEFF}', '\u{FFF9}', '\u{FFFB}',
        ] {
            let text = format!("Anna{c}Smith");
            assert_eq!(
                check_customer_name(&text),
                Err(HIDDEN_FORMAT_MESSAGE),
                "{c:?}"
            );
            assert_eq!(
                check_delivery_address(&text),
                Err(HIDDEN_FORMAT_MESSAGE),
                "{c:?}"
            );
        }
        // Invisible on its own is not "some visible text" either.
        assert!(check_customer_name("\u{200B}").is_err());
    }

    #[test]
    fn joiners_and_emoji_sequences_stay_allowed() {
        for name in [
            "Chef 👩\u{200D}🍳",
            "نیک\u{200C}نام",
            "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F} Fan",
            "Zoë O'Brien",
        ] {
            assert!(check_customer_name(name).is_ok(), "{name:?}");
            assert!(check_delivery_address(name).is_ok(), "{name:?}");
        }
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
