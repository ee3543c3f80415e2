//! A product's options (groups of choices such as size or flavour, each choice with a price
//! difference) and its inscription, as the menu shows them, an order asks for them and an order
//! line keeps them; and the rules of an inscription, shared by the server and the storefront.

use serde::{Deserialize, Serialize};

use crate::rules::{HIDDEN_FORMAT_MESSAGE, hidden_format};

/// The most characters any product's inscription may be given as its limit.
pub const MAX_INSCRIPTION_CHARS: i64 = 200;
/// The most option groups one product may have.
pub const MAX_OPTION_GROUPS: usize = 10;
/// The most choices one group may have.
pub const MAX_OPTION_CHOICES: usize = 20;
/// The longest key of a group or choice, in characters.
pub const MAX_OPTION_KEY_CHARS: usize = 40;
/// The longest name of a group or choice, in characters.
pub const MAX_OPTION_NAME_CHARS: usize = 80;
/// The most a choice may add to or take from a unit price, in cents.
pub const MAX_PRICE_DELTA_CENTS: i64 = 1_000_000;

/// One group of choices of a product (its size, its flavour), in the menu's order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionGroup {
    /// What an order names the group by (`size`): lowercase letters, digits, `-` and `_`.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 40, pattern = "^[a-z0-9_-]+$")
    )]
    pub key: String,
    /// What the customer reads (`Size`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 80))]
    pub name: String,
    /// Whether every line of the product has a choice of this group (the default, when the
    /// order names none).
    #[serde(default)]
    pub required: bool,
    /// The key of the choice a line gets when its order names none; null: none.
    #[serde(default)]
    pub default: Option<String>,
    /// The choices, in the menu's order.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub choices: Vec<OptionChoice>,
}

/// One choice of a group, with what it adds to the product's price.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OptionChoice {
    /// What an order names the choice by (`8in`): lowercase letters, digits, `-` and `_`.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 40, pattern = "^[a-z0-9_-]+$")
    )]
    pub key: String,
    /// What the customer reads (`8″`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 80))]
    pub name: String,
    /// Added to the product's unit price (two decimals; negative makes it cheaper).
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = -10000, maximum = 10000, multiple_of = 0.01)
    )]
    pub price_delta: f64,
}

/// That a product takes an inscription (text written on it), and how long one may be.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Inscription {
    /// The most characters, counted after trimming.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 200))]
    pub max_length: i64,
}

/// A choice as an order line keeps it: the names and price difference when the order was placed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChosenOption {
    /// The group's name (`Size`).
    pub group: String,
    /// The choice's name (`8″`).
    pub choice: String,
    /// What it added to the unit price.
    pub price_delta: f64,
}

/// A product's options and inscription, as the admin catalog reads and replaces them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductOptions {
    /// The groups in the menu's order (at most 10); `[]`: none.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub options: Vec<OptionGroup>,
    /// The inscription it takes; null: none.
    #[serde(default)]
    pub inscription: Option<Inscription>,
}

/// The line's text as `items[i].inscription` asks for it, checked against the product's
/// `limit` (`None`: it takes none): trimmed, blank is none, at most `limit` characters, no
/// control or hidden-format characters.
pub fn check_inscription(text: &str, limit: Option<i64>) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let Some(limit) = limit else {
        return Err("this product takes no inscription".to_owned());
    };
    if text.chars().any(char::is_control) {
        return Err("must not contain control characters".to_owned());
    }
    if text.chars().any(hidden_format) {
        return Err(HIDDEN_FORMAT_MESSAGE.to_owned());
    }
    if i64::try_from(text.chars().count()).unwrap_or(i64::MAX) > limit {
        return Err(format!("must be at most {limit} characters"));
    }
    Ok(Some(text.to_owned()))
}

/// Choice names and an inscription in words: `8″ · Dark chocolate · “Happy 5th”`.
pub fn details<'a>(choices: impl Iterator<Item = &'a str>, inscription: Option<&str>) -> String {
    let mut parts: Vec<String> = choices.map(str::to_owned).collect();
    if let Some(text) = inscription {
        parts.push(format!("“{text}”"));
    }
    parts.join(" · ")
}

/// A line in words: `2 × Chocolate Cake · 8″ · “Happy 5th”` (`details` from [`details`]).
pub fn line_text(quantity: i64, product: &str, details: &str) -> String {
    if details.is_empty() {
        format!("{quantity} × {product}")
    } else {
        format!("{quantity} × {product} · {details}")
    }
}

/// Whether `key` may name a group or choice: 1 to 40 of `a-z`, `0-9`, `-`, `_`.
pub fn is_option_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().count() <= MAX_OPTION_KEY_CHARS
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_inscription_is_trimmed_counted_in_characters_and_checked() {
        assert_eq!(
            check_inscription("  Happy 5th, Léa!  ", Some(15)),
            Ok(Some("Happy 5th, Léa!".to_owned()))
        );
        assert_eq!(check_inscription("   ", None), Ok(None));
        assert!(check_inscription("Happy 5th, Léa!", Some(14)).is_err());
        assert!(check_inscription("Hi", None).is_err());
        assert!(check_inscription("Hi\nthere", Some(40)).is_err());
        assert!(check_inscription("Hi\u{202e}", Some(40)).is_err());
    }

    #[test]
    fn keys_are_short_lowercase_slugs() {
        assert!(is_option_key("8in"));
        assert!(is_option_key("dark_chocolate"));
        assert!(!is_option_key("Size"));
        assert!(!is_option_key(""));
        assert!(!is_option_key(&"a".repeat(41)));
    }
}
