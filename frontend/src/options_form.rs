//! The staff's form for a product's options and inscription: what the form edits (names and
//! prices as typed) and how it becomes the set `PUT /api/admin/products/{id}/options` takes, with
//! the keys orders name choices by made from the names.

use bakery_wire::options::{
    Inscription, MAX_INSCRIPTION_CHARS, MAX_OPTION_KEY_CHARS, MAX_PRICE_DELTA_CENTS, OptionChoice,
    OptionGroup, ProductOptions,
};
use bakery_wire::price_to_cents;

/// One choice as the form shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChoiceDraft {
    /// The choice's key when it was read (kept, so carts and orders that name it still do);
    /// empty for a new one, which gets one made from its name.
    pub key: String,
    pub name: String,
    /// The price difference as typed: `8`, `+8.00`, `-4.50`, empty for none.
    pub price_delta: String,
}

/// One option group as the form shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupDraft {
    /// As for [`ChoiceDraft::key`].
    pub key: String,
    pub name: String,
    pub required: bool,
    /// The position in `choices` of the default choice, if any.
    pub default: Option<usize>,
    pub choices: Vec<ChoiceDraft>,
}

/// The whole form: the groups in the menu's order and the inscription's most characters (as
/// typed; empty: the product takes none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OptionsDraft {
    pub groups: Vec<GroupDraft>,
    pub inscription: String,
}

impl OptionsDraft {
    /// The form filled with a product's current set.
    pub fn of(set: &ProductOptions) -> OptionsDraft {
        OptionsDraft {
            groups: set
                .options
                .iter()
                .map(|g| GroupDraft {
                    key: g.key.clone(),
                    name: g.name.clone(),
                    required: g.required,
                    default: g
                        .default
                        .as_ref()
                        .and_then(|d| g.choices.iter().position(|c| &c.key == d)),
                    choices: g
                        .choices
                        .iter()
                        .map(|c| ChoiceDraft {
                            key: c.key.clone(),
                            name: c.name.clone(),
                            price_delta: delta_text(c.price_delta),
                        })
                        .collect(),
                })
                .collect(),
            inscription: set
                .inscription
                .map(|i| i.max_length.to_string())
                .unwrap_or_default(),
        }
    }

    /// The set to save, or what to correct first (the server checks it again).
    pub fn to_options(&self) -> Result<ProductOptions, String> {
        let mut group_keys: Vec<String> = Vec::new();
        let mut options = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            let name = group.name.trim();
            if name.is_empty() {
                return Err(format!("Option group {} needs a name.", g + 1));
            }
            if group.choices.is_empty() {
                return Err(format!("“{name}” needs at least one choice."));
            }
            let key = key_for(&group.key, name, "option", &group_keys);
            group_keys.push(key.clone());
            let mut choice_keys: Vec<String> = Vec::new();
            let mut choices = Vec::new();
            for (c, choice) in group.choices.iter().enumerate() {
                let choice_name = choice.name.trim();
                if choice_name.is_empty() {
                    return Err(format!("Choice {} of “{name}” needs a name.", c + 1));
                }
                let price_delta = parse_delta(&choice.price_delta)
                    .map_err(|why| format!("The price difference of “{choice_name}” {why}"))?;
                let key = key_for(&choice.key, choice_name, "choice", &choice_keys);
                choice_keys.push(key.clone());
                choices.push(OptionChoice {
                    key,
                    name: choice_name.to_owned(),
                    price_delta,
                });
            }
            let default = group
                .default
                .and_then(|d| choices.get(d))
                .map(|c| c.key.clone());
            options.push(OptionGroup {
                key,
                name: name.to_owned(),
                required: group.required,
                default,
                choices,
            });
        }
        let inscription = match self.inscription.trim() {
            "" => None,
            text => match text.parse::<i64>() {
                Ok(n) if (1..=MAX_INSCRIPTION_CHARS).contains(&n) => {
                    Some(Inscription { max_length: n })
                }
                _ => {
                    return Err(format!(
                        "The inscription's most characters must be a whole number from 1 to {MAX_INSCRIPTION_CHARS}, or empty for none."
                    ));
                }
            },
        };
        Ok(ProductOptions {
            options,
            inscription,
        })
    }
}

/// `8.00` as the form shows a price difference: `+8.00`, `-4.50`, empty for none.
fn delta_text(delta: f64) -> String {
    let sign = if delta < 0.0 { '-' } else { '+' };
    match price_to_cents(delta.abs()) {
        Some(0) | None => String::new(),
        Some(cents) => format!("{sign}{}.{:02}", cents / 100, cents % 100),
    }
}

/// Reads a price difference as staff type it: `8`, `+8.00`, `$8`, `-4.5`; empty is none.
fn parse_delta(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = rest.trim().trim_start_matches('$').trim();
    if digits.is_empty() {
        return Ok(0.0);
    }
    let value: f64 = digits
        .parse()
        .map_err(|_| "must be an amount like 8.00 or -4.50.".to_owned())?;
    match price_to_cents(value) {
        Some(cents) if cents <= MAX_PRICE_DELTA_CENTS => Ok(sign * value),
        Some(_) => Err(format!(
            "must be at most {}.00.",
            MAX_PRICE_DELTA_CENTS / 100
        )),
        None => Err("must be an amount with at most two decimals.".to_owned()),
    }
}

/// The key an order names a group or choice by: the one it had, else one made from its name
/// (`10″ (serves 16)` → `10-serves-16`), else `{fallback}-N`, never one of `taken`.
fn key_for(kept: &str, name: &str, fallback: &str, taken: &[String]) -> String {
    let mut base = match kept.is_empty() {
        false => kept.to_owned(),
        true => slug(name),
    };
    if base.is_empty() {
        base = format!("{fallback}-{}", taken.len() + 1);
    }
    let mut key = base.clone();
    let mut n = 2;
    while taken.contains(&key) {
        key = format!("{base}-{n}");
        n += 1;
    }
    key
}

/// Lowercase ASCII letters and digits of `name`, other runs as one `-`, at most
/// [`MAX_OPTION_KEY_CHARS`] characters.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out
        .trim_end_matches('-')
        .chars()
        .take(MAX_OPTION_KEY_CHARS)
        .collect();
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cake() -> ProductOptions {
        serde_json::from_value(serde_json::json!({
            "options": [{"key": "size", "name": "Size", "required": true, "default": "8in",
                "choices": [{"key": "6in", "name": "6″", "price_delta": -4.0},
                            {"key": "8in", "name": "8″", "price_delta": 0.0},
                            {"key": "10in", "name": "10″", "price_delta": 8.5}]}],
            "inscription": {"max_length": 40}
        }))
        .unwrap_or_else(|e| panic!("a set: {e}"))
    }

    #[test]
    fn a_set_read_into_the_form_saves_back_the_same() {
        let set = cake();
        let draft = OptionsDraft::of(&set);
        assert_eq!(draft.groups[0].default, Some(1));
        assert_eq!(draft.groups[0].choices[0].price_delta, "-4.00");
        assert_eq!(draft.groups[0].choices[1].price_delta, "");
        assert_eq!(draft.groups[0].choices[2].price_delta, "+8.50");
        assert_eq!(draft.inscription, "40");
        assert_eq!(draft.to_options(), Ok(set));
    }

    #[test]
    fn new_groups_and_choices_get_keys_from_their_names() {
        let mut draft = OptionsDraft::of(&cake());
        draft.groups.push(GroupDraft {
            name: " Tiers ".to_owned(),
            required: true,
            default: Some(0),
            choices: vec![
                ChoiceDraft {
                    name: "One tier".to_owned(),
                    ..ChoiceDraft::default()
                },
                ChoiceDraft {
                    name: "Two tiers (serves 30)".to_owned(),
                    price_delta: "$20".to_owned(),
                    ..ChoiceDraft::default()
                },
                ChoiceDraft {
                    name: "Two tiers: serves 30".to_owned(),
                    price_delta: "+20".to_owned(),
                    ..ChoiceDraft::default()
                },
                ChoiceDraft {
                    name: "★".to_owned(),
                    ..ChoiceDraft::default()
                },
            ],
            ..GroupDraft::default()
        });
        draft.inscription = String::new();
        let set = draft.to_options().unwrap_or_else(|e| panic!("{e}"));
        let tiers = &set.options[1];
        assert_eq!(tiers.key, "tiers");
        assert_eq!(tiers.name, "Tiers");
        assert_eq!(tiers.default.as_deref(), Some("one-tier"));
        let keys: Vec<&str> = tiers.choices.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "one-tier",
                "two-tiers-serves-30",
                "two-tiers-serves-30-2",
                "choice-4"
            ]
        );
        assert_eq!(tiers.choices[1].price_delta, 20.0);
        assert_eq!(set.inscription, None);
    }

    #[test]
    fn the_form_names_what_to_correct() {
        let mut draft = OptionsDraft::of(&cake());
        draft.groups[0].choices[2].price_delta = "8.505".to_owned();
        let why = draft.to_options().err().unwrap_or_default();
        assert!(
            why.contains("“10″”") && why.contains("two decimals"),
            "{why}"
        );
        draft.groups[0].choices[2].price_delta = "eight".to_owned();
        assert!(draft.to_options().is_err());
        draft.groups[0].choices[2].price_delta = "-8".to_owned();
        assert_eq!(
            draft
                .to_options()
                .map(|s| s.options[0].choices[2].price_delta),
            Ok(-8.0)
        );
        draft.groups[0].name = "  ".to_owned();
        assert_eq!(
            draft.to_options(),
            Err("Option group 1 needs a name.".to_owned())
        );
        let mut draft = OptionsDraft::of(&cake());
        draft.groups[0].choices.clear();
        assert!(draft.to_options().is_err());
        let mut draft = OptionsDraft::of(&cake());
        for bad in ["0", "201", "ten", "4.5"] {
            draft.inscription = bad.to_owned();
            assert!(draft.to_options().is_err(), "{bad}");
        }
        assert_eq!(slug("10″ (serves 16–20)"), "10-serves-16-20");
    }
}
