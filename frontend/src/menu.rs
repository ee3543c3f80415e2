//! The menu's filter ("hide products with: nuts, milk", "only: vegan") and how it is kept in the
//! page's address (`/?avoid=nuts,milk&only=vegan`), the icons beside allergens and labels, and
//! what a product card says of when the kitchen makes it and how it offers an option's choice.

use bakery_wire::menu::{Labelled, Vocabulary, parse_list};
use bakery_wire::{Allergen, Dietary, Product, ProductPlanning};

use crate::pickup::{Date, lead_time_text};

/// The query parameter of the allergens a customer avoids.
pub const AVOID_QUERY: &str = "avoid";
/// The query parameter of the labels a customer wants.
pub const ONLY_QUERY: &str = "only";

/// What the customer filters the menu by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MenuFilter {
    /// Hide products that contain or may contain any of these.
    pub avoid: Vec<Allergen>,
    /// Show only products that carry all of these.
    pub only: Vec<Dietary>,
}

impl MenuFilter {
    /// The filter in a page address's query (`?avoid=nuts,milk&only=vegan`); names this version
    /// does not know are left out.
    pub fn from_query(search: &str) -> MenuFilter {
        let mut filter = MenuFilter::default();
        for pair in search.trim_start_matches('?').split('&') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            let names = || {
                value
                    .split([',', '+'])
                    .filter(|n| !n.is_empty())
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            };
            match key {
                AVOID_QUERY => filter.avoid = known(&names()),
                ONLY_QUERY => filter.only = known(&names()),
                _ => {}
            }
        }
        filter
    }

    /// The query of this filter (`""` when it filters nothing), for the page's address.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if !self.avoid.is_empty() {
            parts.push(format!("{AVOID_QUERY}={}", names(&self.avoid)));
        }
        if !self.only.is_empty() {
            parts.push(format!("{ONLY_QUERY}={}", names(&self.only)));
        }
        match parts.is_empty() {
            true => String::new(),
            false => format!("?{}", parts.join("&")),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.avoid.is_empty() && self.only.is_empty()
    }

    /// Whether the menu shows `product` under this filter.
    pub fn keeps(&self, product: &Product) -> bool {
        product.suits(&self.avoid, &self.only)
    }

    /// Whether the filter names `word` (an allergen avoided, a label wanted).
    pub fn has<W: FilterWord>(&self, word: W) -> bool {
        W::list(self).contains(&word)
    }

    /// Adds or removes one allergen to avoid, or one wanted label.
    pub fn toggle<W: FilterWord>(&mut self, word: W, on: bool) {
        let words = W::list_mut(self);
        words.retain(|w| *w != word);
        if on {
            words.push(word);
            words.sort_unstable();
        }
    }
}

/// A word the menu can be filtered by: allergens are avoided, labels wanted.
pub trait FilterWord: Vocabulary + PartialEq {
    /// The start of its checkbox's id and the query parameter: `avoid`, `only`.
    const QUERY: &'static str;
    /// The picture beside its name (decorative: the name is always written out).
    fn icon(self) -> &'static str;
    fn list(filter: &MenuFilter) -> &Vec<Self>;
    fn list_mut(filter: &mut MenuFilter) -> &mut Vec<Self>;
}

fn known<W: Vocabulary>(names: &[String]) -> Vec<W> {
    let known: Vec<String> = names
        .iter()
        .filter(|n| W::parse(n).is_some())
        .cloned()
        .collect();
    parse_list(&known).unwrap_or_default()
}

fn names<W: Vocabulary>(words: &[W]) -> String {
    words
        .iter()
        .map(|w| w.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

impl FilterWord for Allergen {
    const QUERY: &'static str = AVOID_QUERY;

    fn icon(self) -> &'static str {
        match self {
            Allergen::Gluten => "🌾",
            Allergen::Crustaceans => "🦐",
            Allergen::Eggs => "🥚",
            Allergen::Fish => "🐟",
            Allergen::Peanuts => "🥜",
            Allergen::Soybeans => "🫘",
            Allergen::Milk => "🥛",
            Allergen::Nuts => "🌰",
            Allergen::Celery => "🥬",
            Allergen::Mustard => "🌭",
            Allergen::Sesame => "🥯",
            Allergen::Sulphites => "🍷",
            Allergen::Lupin => "🌼",
            Allergen::Molluscs => "🦪",
        }
    }

    fn list(filter: &MenuFilter) -> &Vec<Allergen> {
        &filter.avoid
    }

    fn list_mut(filter: &mut MenuFilter) -> &mut Vec<Allergen> {
        &mut filter.avoid
    }
}

impl FilterWord for Dietary {
    const QUERY: &'static str = ONLY_QUERY;

    fn icon(self) -> &'static str {
        match self {
            Dietary::Vegan => "🌱",
            Dietary::Vegetarian => "🥕",
            Dietary::GlutenFree => "🚫🌾",
            Dietary::NutFree => "🚫🌰",
            Dietary::DairyFree => "🚫🥛",
            Dietary::EggFree => "🚫🥚",
        }
    }

    fn list(filter: &MenuFilter) -> &Vec<Dietary> {
        &filter.only
    }

    fn list_mut(filter: &mut MenuFilter) -> &mut Vec<Dietary> {
        &mut filter.only
    }
}

/// The sentence a screen reader hears for a product's allergens: "Contains gluten, milk. May
/// contain tree nuts." (`""` when it declares none).
pub fn allergen_sentence(contains: &[Allergen], may_contain: &[Allergen]) -> String {
    let list = |words: &[Allergen]| {
        words
            .iter()
            .map(|a| a.label().to_lowercase())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !contains.is_empty() {
        parts.push(format!("Contains {}.", list(contains)));
    }
    if !may_contain.is_empty() {
        parts.push(format!("May contain {}.", list(may_contain)));
    }
    parts.join(" ")
}

/// What a product card says of when the kitchen makes it: "Order 48 h ahead", "Made Fri–Sun",
/// "Up to 20 a day", "From Tuesday 1 December until Thursday 24 December". Empty for a product
/// that can be had any day as soon as possible.
pub fn making_notes(planning: &ProductPlanning) -> Vec<String> {
    let mut notes = Vec::new();
    if planning.lead_time_minutes > 0 {
        notes.push(format!(
            "Order {} ahead",
            lead_time_text(planning.lead_time_minutes)
        ));
    }
    if let Some(days) = planning.made_on.as_deref().and_then(weekdays_text) {
        notes.push(format!("Made {days}"));
    }
    if let Some(most) = planning.max_per_day {
        notes.push(format!("Up to {most} a day"));
    }
    let day = |d: &Option<String>| d.as_deref().and_then(Date::parse).map(Date::long);
    match (
        day(&planning.available_from),
        day(&planning.available_until),
    ) {
        (Some(from), Some(until)) => notes.push(format!("From {from} until {until}")),
        (Some(from), None) => notes.push(format!("From {from}")),
        (None, Some(until)) => notes.push(format!("Until {until}")),
        (None, None) => {}
    }
    notes
}

/// `mon-fri,sun` as "Mon–Fri, Sun"; `None` when a part is not a weekday.
fn weekdays_text(made_on: &str) -> Option<String> {
    let day = |d: &str| match d.trim() {
        "mon" => Some("Mon"),
        "tue" => Some("Tue"),
        "wed" => Some("Wed"),
        "thu" => Some("Thu"),
        "fri" => Some("Fri"),
        "sat" => Some("Sat"),
        "sun" => Some("Sun"),
        _ => None,
    };
    let parts = made_on
        .split(',')
        .map(|part| match part.split_once('-') {
            Some((first, last)) => Some(format!("{}\u{2013}{}", day(first)?, day(last)?)),
            None => day(part).map(str::to_owned),
        })
        .collect::<Option<Vec<_>>>()?;
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// A product's option choice as the menu offers it, with what it adds: `8″ (+$8.00)`.
pub fn choice_text(name: &str, price_delta: f64) -> String {
    match bakery_wire::price_to_cents(price_delta.abs()) {
        Some(0) | None => name.to_owned(),
        Some(cents) if price_delta < 0.0 => {
            format!("{name} (−{})", crate::money::format_cents(cents))
        }
        Some(cents) => format!("{name} (+{})", crate::money::format_cents(cents)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_choice_shows_what_it_adds() {
        assert_eq!(choice_text("8″", 8.0), "8″ (+$8.00)");
        assert_eq!(choice_text("6″", 0.0), "6″");
        assert_eq!(choice_text("Mini", -2.5), "Mini (−$2.50)");
    }

    fn product(allergens: &[Allergen], may_contain: &[Allergen], dietary: &[Dietary]) -> Product {
        Product {
            id: 1,
            name: "Bun".to_owned(),
            allergens: allergens.to_vec(),
            may_contain: may_contain.to_vec(),
            dietary: dietary.to_vec(),
            ..Product::default()
        }
    }

    #[test]
    fn avoiding_an_allergen_hides_what_contains_or_may_contain_it() {
        let filter = MenuFilter::from_query("?avoid=nuts,milk");
        assert_eq!(filter.avoid, vec![Allergen::Milk, Allergen::Nuts]);
        assert!(!filter.keeps(&product(&[Allergen::Milk], &[], &[])));
        assert!(!filter.keeps(&product(&[], &[Allergen::Nuts], &[])));
        assert!(filter.keeps(&product(&[Allergen::Gluten], &[Allergen::Sesame], &[])));
    }

    #[test]
    fn only_keeps_what_carries_every_wanted_label() {
        let filter = MenuFilter::from_query("only=vegan,gluten_free");
        assert!(!filter.keeps(&product(&[], &[], &[Dietary::Vegan])));
        assert!(filter.keeps(&product(&[], &[], &[Dietary::GlutenFree, Dietary::Vegan])));
        assert!(MenuFilter::default().keeps(&product(&[Allergen::Nuts], &[], &[])));
    }

    #[test]
    fn the_query_round_trips_and_ignores_what_it_does_not_know() {
        let mut filter = MenuFilter::default();
        assert_eq!(filter.to_query(), "");
        filter.toggle(Allergen::Nuts, true);
        filter.toggle(Allergen::Gluten, true);
        filter.toggle(Dietary::Vegan, true);
        assert!(filter.has(Allergen::Nuts) && !filter.has(Allergen::Milk));
        assert_eq!(filter.to_query(), "?avoid=gluten,nuts&only=vegan");
        assert_eq!(MenuFilter::from_query(&filter.to_query()), filter);
        filter.toggle(Allergen::Gluten, false);
        assert_eq!(filter.to_query(), "?avoid=nuts&only=vegan");
        let odd = MenuFilter::from_query("?t=abc&avoid=truffles,nuts,nuts&only=&x");
        assert_eq!(odd.avoid, vec![Allergen::Nuts]);
        assert!(odd.only.is_empty());
    }

    #[test]
    fn allergens_are_read_out_as_a_sentence() {
        assert_eq!(
            allergen_sentence(&[Allergen::Gluten, Allergen::Milk], &[Allergen::Nuts]),
            "Contains gluten, milk. May contain tree nuts."
        );
        assert_eq!(allergen_sentence(&[], &[]), "");
    }

    #[test]
    fn a_card_says_when_the_kitchen_makes_a_product() {
        assert!(making_notes(&ProductPlanning::default()).is_empty());
        let planning = ProductPlanning {
            lead_time_minutes: 48 * 60,
            max_per_day: Some(20),
            made_on: Some("fri-sun,tue".to_owned()),
            available_from: Some("2026-12-01".to_owned()),
            available_until: Some("2026-12-24".to_owned()),
        };
        assert_eq!(
            making_notes(&planning),
            [
                "Order 48 h ahead",
                "Made Fri\u{2013}Sun, Tue",
                "Up to 20 a day",
                "From Tuesday 1 December until Thursday 24 December",
            ]
        );
        let only_until = ProductPlanning {
            available_until: Some("2026-12-24".to_owned()),
            made_on: Some("someday".to_owned()),
            ..ProductPlanning::default()
        };
        assert_eq!(making_notes(&only_until), ["Until Thursday 24 December"]);
    }
}
