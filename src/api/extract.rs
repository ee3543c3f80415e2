//! Reading the parts of a request the handlers share: ids in the path and staff-written text.

use super::errors::ApiError;

/// Parses the `{id}` of an order path: not a number is 400, a number no order can have is 404.
pub fn parse_order_id(raw: &str) -> Result<i64, ApiError> {
    let trimmed = raw.trim();
    let looks_numeric = trimmed
        .strip_prefix('-')
        .unwrap_or(trimmed)
        .chars()
        .all(|c| c.is_ascii_digit())
        && !trimmed.is_empty()
        && trimmed != "-";
    if !looks_numeric {
        return Err(ApiError::InvalidOrderId(raw.to_owned()));
    }
    match trimmed.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(ApiError::OrderNotFound(raw.to_owned())),
    }
}

/// Parses the `{id}` of a product, token or webhook path: anything but a positive number is 400.
pub fn positive_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| ApiError::invalid("id", "must be a positive whole number"))
}

/// Checks staff-written text: `min` to `max` characters, no control characters but line breaks,
/// no invisible or text-direction characters ([`bakery_wire::rules::hidden_format`]), and (when
/// required) not blank.
pub fn check_text(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let chars = value.chars().count();
    if chars < min || chars > max || value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ApiError::invalid(
            field,
            &format!("must be {min} to {max} characters, no control characters"),
        ));
    }
    if value.chars().any(bakery_wire::rules::hidden_format) {
        return Err(ApiError::invalid(
            field,
            bakery_wire::rules::HIDDEN_FORMAT_MESSAGE,
        ));
    }
    if min > 0 && value.trim().is_empty() {
        return Err(ApiError::invalid(field, "is required"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_parse_as_the_api_promises() {
        assert_eq!(parse_order_id("42").ok(), Some(42));
        assert!(matches!(
            parse_order_id("abc"),
            Err(ApiError::InvalidOrderId(_))
        ));
        assert!(matches!(
            parse_order_id("1.5"),
            Err(ApiError::InvalidOrderId(_))
        ));
        assert!(matches!(
            parse_order_id("-3"),
            Err(ApiError::OrderNotFound(_))
        ));
        assert!(matches!(
            parse_order_id("0"),
            Err(ApiError::OrderNotFound(_))
        ));
        assert!(matches!(
            parse_order_id("99999999999999999999999"),
            Err(ApiError::OrderNotFound(_))
        ));
    }

    #[test]
    fn other_ids_are_positive_numbers() {
        assert_eq!(positive_id("7").ok(), Some(7));
        for bad in ["0", "-1", "x", ""] {
            assert!(positive_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn staff_text_refuses_hidden_characters_and_names_the_field() {
        assert!(check_text("reason", "Sold out \u{1F950}", 1, 500).is_ok());
        for bad in ["out\u{202E}tuo", "out\u{200B}", "\u{FEFF}"] {
            match check_text("reason", bad, 1, 500) {
                Err(e) => assert!(format!("{e:?}").contains("reason"), "{e:?}"),
                Ok(()) => panic!("{bad:?} was taken"),
            }
        }
    }
}
