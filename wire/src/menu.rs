//! What the menu says about each product besides its price: the EU's 14 allergens (contained or
//! possibly contained) and dietary labels, as fixed vocabularies the server, the admin API and the
//! storefront share; the categories the menu is grouped by; and the products' pictures.

use serde::{Deserialize, Serialize};

/// One of the 14 allergens EU Regulation 1169/2011 (Annex II) requires a food business to declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Allergen {
    /// Cereals containing gluten: wheat, rye, barley, oats, spelt, kamut.
    Gluten,
    Crustaceans,
    Eggs,
    Fish,
    Peanuts,
    Soybeans,
    Milk,
    /// Tree nuts: almonds, hazelnuts, walnuts, cashews, pecans, Brazil nuts, pistachios,
    /// macadamias.
    Nuts,
    Celery,
    Mustard,
    Sesame,
    /// Sulphur dioxide and sulphites above 10 mg/kg.
    Sulphites,
    Lupin,
    Molluscs,
}

/// A dietary label a product may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dietary {
    Vegan,
    Vegetarian,
    GlutenFree,
    NutFree,
    DairyFree,
    EggFree,
}

/// A fixed vocabulary of lowercase names: every word, its name on the wire and for people.
pub trait Vocabulary: Copy + Ord + 'static {
    /// Every word, in the order the menu lists them.
    const ALL: &'static [Self];
    /// The lowercase name on the wire and in the database.
    fn as_str(self) -> &'static str;
    /// The word for people ("Gluten-free").
    fn label(self) -> &'static str;

    /// The word named `name` (exactly, lowercase).
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|w| w.as_str() == name)
    }
}

impl Vocabulary for Allergen {
    const ALL: &'static [Allergen] = &[
        Allergen::Gluten,
        Allergen::Crustaceans,
        Allergen::Eggs,
        Allergen::Fish,
        Allergen::Peanuts,
        Allergen::Soybeans,
        Allergen::Milk,
        Allergen::Nuts,
        Allergen::Celery,
        Allergen::Mustard,
        Allergen::Sesame,
        Allergen::Sulphites,
        Allergen::Lupin,
        Allergen::Molluscs,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Allergen::Gluten => "gluten",
            Allergen::Crustaceans => "crustaceans",
            Allergen::Eggs => "eggs",
            Allergen::Fish => "fish",
            Allergen::Peanuts => "peanuts",
            Allergen::Soybeans => "soybeans",
            Allergen::Milk => "milk",
            Allergen::Nuts => "nuts",
            Allergen::Celery => "celery",
            Allergen::Mustard => "mustard",
            Allergen::Sesame => "sesame",
            Allergen::Sulphites => "sulphites",
            Allergen::Lupin => "lupin",
            Allergen::Molluscs => "molluscs",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Allergen::Gluten => "Gluten",
            Allergen::Crustaceans => "Crustaceans",
            Allergen::Eggs => "Eggs",
            Allergen::Fish => "Fish",
            Allergen::Peanuts => "Peanuts",
            Allergen::Soybeans => "Soy",
            Allergen::Milk => "Milk",
            Allergen::Nuts => "Tree nuts",
            Allergen::Celery => "Celery",
            Allergen::Mustard => "Mustard",
            Allergen::Sesame => "Sesame",
            Allergen::Sulphites => "Sulphites",
            Allergen::Lupin => "Lupin",
            Allergen::Molluscs => "Molluscs",
        }
    }
}

impl Vocabulary for Dietary {
    const ALL: &'static [Dietary] = &[
        Dietary::Vegan,
        Dietary::Vegetarian,
        Dietary::GlutenFree,
        Dietary::NutFree,
        Dietary::DairyFree,
        Dietary::EggFree,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Dietary::Vegan => "vegan",
            Dietary::Vegetarian => "vegetarian",
            Dietary::GlutenFree => "gluten_free",
            Dietary::NutFree => "nut_free",
            Dietary::DairyFree => "dairy_free",
            Dietary::EggFree => "egg_free",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Dietary::Vegan => "Vegan",
            Dietary::Vegetarian => "Vegetarian",
            Dietary::GlutenFree => "Gluten-free",
            Dietary::NutFree => "Nut-free",
            Dietary::DairyFree => "Dairy-free",
            Dietary::EggFree => "Egg-free",
        }
    }
}

/// A category of the menu, as `GET /api/categories` and `GET /api/admin/categories` list them
/// (in the menu's order: by `position`, then `id`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Category {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub id: i64,
    /// Unique, whatever the letters' case.
    pub name: String,
    /// Its place on the menu, from 1 (first).
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub position: i64,
    /// Products in it: on the menu (`GET /api/categories`), or all, inactive ones too (the
    /// admin list).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 0))]
    pub product_count: i64,
}

/// A product's picture as the menu shows it: every size is `width`:`height` (4:3), cropped to
/// fill; `src` is its largest size, `srcset` every size with its width (`… 320w, … 640w`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPicture {
    /// URL of the largest size (`/pictures/{product_id}/{hash}-{width}.jpg`); a new picture
    /// gets new URLs, so each may be cached for good.
    pub src: String,
    /// Every size, for `<img srcset>`.
    pub srcset: String,
    /// Pixels of the largest size.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub width: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub height: u32,
}

/// Reads a list of names into words, sorted in vocabulary order without repeats; `Err(i)` names
/// the index of the first name that is not a word of the vocabulary.
pub fn parse_list<W: Vocabulary>(names: &[String]) -> Result<Vec<W>, usize> {
    let mut words = names
        .iter()
        .enumerate()
        .map(|(i, name)| W::parse(name).ok_or(i))
        .collect::<Result<Vec<W>, usize>>()?;
    words.sort_unstable();
    words.dedup();
    Ok(words)
}

/// The words as stored in one database column: names joined by commas (`"gluten,milk"`).
pub fn to_column<W: Vocabulary>(words: &[W]) -> String {
    words
        .iter()
        .map(|w| w.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// The words of a stored column; names this version does not know are left out.
pub fn from_column<W: Vocabulary>(column: &str) -> Vec<W> {
    let mut words: Vec<W> = column.split(',').filter_map(W::parse).collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// What the allergen columns and labels of a product say, as the menu shows it.
pub trait Labelled {
    fn allergens(&self) -> &[Allergen];
    fn may_contain(&self) -> &[Allergen];
    fn dietary(&self) -> &[Dietary];

    /// Whether a customer who avoids every one of `avoid` and wants every one of `only` should
    /// see the product: it neither contains nor may contain an avoided allergen, and carries
    /// every wanted label.
    fn suits(&self, avoid: &[Allergen], only: &[Dietary]) -> bool {
        !avoid
            .iter()
            .any(|a| self.allergens().contains(a) || self.may_contain().contains(a))
            && only.iter().all(|d| self.dietary().contains(d))
    }
}

impl Labelled for crate::Product {
    fn allergens(&self) -> &[Allergen] {
        &self.allergens
    }
    fn may_contain(&self) -> &[Allergen] {
        &self.may_contain
    }
    fn dietary(&self) -> &[Dietary] {
        &self.dietary
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for a in Allergen::ALL {
            assert_eq!(Allergen::parse(a.as_str()), Some(*a));
            let json = serde_json::to_string(a).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
        }
        for d in Dietary::ALL {
            assert_eq!(Dietary::parse(d.as_str()), Some(*d));
            let json = serde_json::to_string(d).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
        }
        assert_eq!(Allergen::ALL.len(), 14);
    }

    #[test]
    fn lists_are_sorted_deduplicated_and_refuse_unknown_names() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            parse_list::<Allergen>(&names(&["milk", "gluten", "milk"])),
            Ok(vec![Allergen::Gluten, Allergen::Milk])
        );
        assert_eq!(parse_list::<Allergen>(&names(&["milk", "Milk"])), Err(1));
        assert_eq!(parse_list::<Dietary>(&names(&["gluten-free"])), Err(0));
        assert_eq!(
            parse_list::<Dietary>(&names(&["vegan", "gluten_free"])),
            Ok(vec![Dietary::Vegan, Dietary::GlutenFree])
        );
    }

    #[test]
    fn columns_round_trip() {
        let words = vec![Allergen::Gluten, Allergen::Eggs, Allergen::Nuts];
        let column = to_column(&words);
        assert_eq!(column, "gluten,eggs,nuts");
        assert_eq!(from_column::<Allergen>(&column), words);
        assert_eq!(from_column::<Allergen>(""), vec![]);
        assert_eq!(
            from_column::<Allergen>("gluten,truffle"),
            vec![Allergen::Gluten]
        );
    }
}
