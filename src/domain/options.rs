//! A product's option groups as the catalog stores them (prices in cents), and choosing from
//! them for an order line: each group's choice by key or its default, and what they add to the
//! unit price, kept on the line as they were named and priced then.

use std::collections::BTreeMap;

use bakery_wire::{ChosenOption, OptionChoice, OptionGroup, cents_to_price, options};
use serde::{Deserialize, Serialize};

/// One option group as `products.options` stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupSpec {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<String>,
    pub choices: Vec<ChoiceSpec>,
}

/// One choice as `products.options` stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceSpec {
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub price_delta_cents: i64,
}

/// A choice as `order_items.options` keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chosen {
    pub group_key: String,
    pub group: String,
    pub choice_key: String,
    pub choice: String,
    pub price_delta_cents: i64,
}

impl Chosen {
    /// As an order page shows it.
    pub fn shown(&self) -> ChosenOption {
        ChosenOption {
            group: self.group.clone(),
            choice: self.choice.clone(),
            price_delta: cents_to_price(self.price_delta_cents),
        }
    }
}

/// The list a JSON column holds (`None`, or text that is not the stored form: none).
fn from_column<T: serde::de::DeserializeOwned>(column: Option<&str>) -> Vec<T> {
    column
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_default()
}

/// The JSON column that holds `list` (`None` for an empty one).
fn to_column<T: Serialize>(list: &[T]) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    serde_json::to_string(list).ok()
}

/// The groups of a `products.options` column.
pub fn groups_of(column: Option<&str>) -> Vec<GroupSpec> {
    from_column(column)
}

/// The column that stores `groups`.
pub fn groups_column(groups: &[GroupSpec]) -> Option<String> {
    to_column(groups)
}

/// The groups as the menu shows them.
pub fn shown_groups(groups: &[GroupSpec]) -> Vec<OptionGroup> {
    groups
        .iter()
        .map(|g| OptionGroup {
            key: g.key.clone(),
            name: g.name.clone(),
            required: g.required,
            default: g.default.clone(),
            choices: g
                .choices
                .iter()
                .map(|c| OptionChoice {
                    key: c.key.clone(),
                    name: c.name.clone(),
                    price_delta: cents_to_price(c.price_delta_cents),
                })
                .collect(),
        })
        .collect()
}

/// The choices of an `order_items.options` column.
pub fn chosen_of(column: Option<&str>) -> Vec<Chosen> {
    from_column(column)
}

/// The column that keeps `chosen`.
pub fn chosen_column(chosen: &[Chosen]) -> Option<String> {
    to_column(chosen)
}

/// The choices of an `order_items.options` column as an order page shows them.
pub fn shown_chosen(column: Option<&str>) -> Vec<ChosenOption> {
    chosen_of(column).iter().map(Chosen::shown).collect()
}

/// What is wrong with the options asked for: the group's key (`""` for the whole map) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionRefusal {
    pub group: String,
    pub message: String,
}

/// The choices of a line of a product with `groups` that asked for `asked` (group key → choice
/// key), in the groups' order: a group not asked for gets its default, or none when it is
/// optional. An unknown group or choice, or a required group with neither, is refused.
pub fn choose(
    groups: &[GroupSpec],
    asked: &BTreeMap<String, String>,
) -> Result<Vec<Chosen>, OptionRefusal> {
    let refuse = |group: &str, message: String| OptionRefusal {
        group: group.to_owned(),
        message,
    };
    if let Some(unknown) = asked.keys().find(|k| !groups.iter().any(|g| &g.key == *k)) {
        let message = if groups.is_empty() {
            "this product has no options".to_owned()
        } else {
            format!(
                "is not an option of this product; its options are: {}",
                keys(groups.iter().map(|g| &g.key))
            )
        };
        return Err(refuse(unknown, message));
    }
    let mut chosen = Vec::new();
    for group in groups {
        let key = match asked.get(&group.key).or(group.default.as_ref()) {
            Some(key) => key,
            None if group.required => {
                return Err(refuse(&group.key, "is required".to_owned()));
            }
            None => continue,
        };
        let Some(choice) = group.choices.iter().find(|c| &c.key == key) else {
            let message = format!(
                "must be one of: {}",
                keys(group.choices.iter().map(|c| &c.key))
            );
            return Err(refuse(&group.key, message));
        };
        chosen.push(Chosen {
            group_key: group.key.clone(),
            group: group.name.clone(),
            choice_key: choice.key.clone(),
            choice: choice.name.clone(),
            price_delta_cents: choice.price_delta_cents,
        });
    }
    Ok(chosen)
}

/// What `chosen` adds to a unit price, in cents (`None` on overflow).
pub fn delta_cents(chosen: &[Chosen]) -> Option<i64> {
    chosen
        .iter()
        .try_fold(0i64, |sum, c| sum.checked_add(c.price_delta_cents))
}

/// The least `groups` can add to a unit price, in cents: each required group's cheapest choice,
/// and an optional group's when it takes money off (left empty it adds nothing).
pub fn cheapest_delta_cents(groups: &[GroupSpec]) -> i64 {
    groups
        .iter()
        .map(|g| {
            let least = g.choices.iter().map(|c| c.price_delta_cents).min();
            match g.required {
                true => least.unwrap_or(0),
                false => least.unwrap_or(0).min(0),
            }
        })
        .fold(0i64, i64::saturating_add)
}

/// A line in words for the customer's mail and the kitchen: `2 × Chocolate Cake · 8″ · Dark
/// chocolate · “Happy 5th”`.
pub fn line_words(
    quantity: i64,
    product: &str,
    chosen: &[Chosen],
    inscription: Option<&str>,
) -> String {
    let details = options::details(chosen.iter().map(|c| c.choice.as_str()), inscription);
    options::line_text(quantity, product, &details)
}

fn keys<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    keys.map(String::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cake() -> Vec<GroupSpec> {
        groups_of(Some(
            r#"[{"key":"size","name":"Size","required":true,"default":"6in","choices":[
                {"key":"6in","name":"6″","price_delta_cents":0},
                {"key":"8in","name":"8″","price_delta_cents":800}]},
               {"key":"topping","name":"Topping","choices":[
                {"key":"berries","name":"Berries","price_delta_cents":300}]}]"#,
        ))
    }

    fn asked(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(g, c)| ((*g).to_owned(), (*c).to_owned()))
            .collect()
    }

    #[test]
    fn the_cheapest_choices_count_required_groups_and_optional_discounts() {
        assert_eq!(cheapest_delta_cents(&cake()), 0);
        let mut groups = cake();
        groups[0].choices[0].price_delta_cents = -500;
        groups[1].choices[0].price_delta_cents = -200;
        // The required size's cheapest (−5.00) and the optional topping's discount (−2.00).
        assert_eq!(cheapest_delta_cents(&groups), -700);
        groups[1].choices[0].price_delta_cents = 200;
        // An optional group that only adds may be left empty.
        assert_eq!(cheapest_delta_cents(&groups), -500);
    }

    #[test]
    fn defaults_fill_the_groups_not_asked_for_and_optional_ones_stay_empty() {
        let chosen = choose(&cake(), &asked(&[])).unwrap();
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].choice_key, "6in");
        let chosen = choose(&cake(), &asked(&[("size", "8in"), ("topping", "berries")])).unwrap();
        assert_eq!(delta_cents(&chosen), Some(1100));
        assert_eq!(chosen[1].shown().price_delta, 3.0);
        assert_eq!(
            line_words(2, "Cake", &chosen, Some("Hi")),
            "2 × Cake · 8″ · Berries · “Hi”"
        );
    }

    #[test]
    fn unknown_groups_and_choices_and_missing_required_ones_are_refused() {
        assert_eq!(
            choose(&cake(), &asked(&[("colour", "red")]))
                .unwrap_err()
                .group,
            "colour"
        );
        assert_eq!(
            choose(&cake(), &asked(&[("size", "12in")]))
                .unwrap_err()
                .group,
            "size"
        );
        let mut no_default = cake();
        no_default[0].default = None;
        assert_eq!(
            choose(&no_default, &asked(&[])).unwrap_err().message,
            "is required"
        );
        assert!(choose(&[], &asked(&[("size", "8in")])).is_err());
    }

    #[test]
    fn columns_round_trip_and_none_stays_none() {
        let chosen = choose(&cake(), &asked(&[("size", "8in")])).unwrap();
        assert_eq!(chosen_of(chosen_column(&chosen).as_deref()), chosen);
        assert_eq!(chosen_column(&[]), None);
        assert_eq!(groups_of(groups_column(&cake()).as_deref()), cake());
        assert!(groups_of(Some("not json")).is_empty());
    }
}
