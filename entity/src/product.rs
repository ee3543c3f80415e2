//! A product on the bakery's shelf: name, price in cents, pieces in stock, the most one order may
//! take, allergens and labels, its category, its options and inscription, and when the kitchen
//! can make it (lead time, pieces per day, weekdays, dates).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "products")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    pub description: String,
    pub price_cents: i64,
    pub image_url: String,
    pub stock: i64,
    pub active: bool,
    /// Most pieces of this product in one order; `None`: the general rule
    /// (`bakery_wire::rules::MAX_QUANTITY`).
    #[serde(default)]
    pub max_per_order: Option<i64>,
    /// Allergens it contains: lowercase names joined by commas (`bakery_wire::menu`), `""` for none.
    #[serde(default)]
    pub allergens: String,
    /// Allergens it may contain, the same way.
    #[serde(default)]
    pub may_contain: String,
    /// Dietary labels, the same way.
    #[serde(default)]
    pub dietary: String,
    /// Minutes from the order to the earliest slot it can be ready for.
    #[serde(default)]
    pub lead_time_minutes: i64,
    /// Most pieces the kitchen makes a day; `None`: no limit.
    #[serde(default)]
    pub max_per_day: Option<i64>,
    /// Weekdays it is made, `mon,sat`; `None`: every day.
    #[serde(default)]
    pub made_on: Option<String>,
    /// First date it can be ordered for, `YYYY-MM-DD`.
    #[serde(default)]
    pub available_from: Option<String>,
    /// Last date it can be ordered for, `YYYY-MM-DD`.
    #[serde(default)]
    pub available_until: Option<String>,
    /// Its category (`categories.id`); `None`: uncategorised.
    #[serde(default)]
    pub category_id: Option<i64>,
    /// Its option groups with their choices and price differences in cents, as JSON (read by
    /// `bakery::domain::options`); `None`: none.
    #[serde(default)]
    pub options: Option<String>,
    /// The longest inscription it takes, in characters; `None`: it takes none.
    #[serde(default)]
    pub inscription_max_len: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
