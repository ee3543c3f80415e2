//! The `[calendar]` section: the bakery's default pickup and delivery calendar, as text the
//! domain parses (`domain::calendar`); admins override it at run time through the API.

use serde::{Deserialize, Serialize};

/// The calendar as written in the settings file, the environment and `PUT /api/admin/calendar`.
/// Hours, dates and the cut-off are strings in one format each, parsed by `domain::calendar`.
/// The default is open all day, every day, without limits: an order is for now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CalendarSettings {
    /// IANA time zone of the bakery (`Europe/Paris`); slots are shown with its offset.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = r"^[A-Za-z][A-Za-z0-9_+\-/]*$"
    )]
    pub time_zone: String,
    /// Pickup hours: `;`-separated groups of days and ranges, e.g.
    /// `mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00` (days `mon`..`sun`, lists and ranges;
    /// times `HH:MM`, `24:00` for midnight at the end); a day not named is closed.
    #[schema(max_length = 1000)]
    pub hours: String,
    /// Length of a pickup slot in minutes (5 to 240).
    #[schema(minimum = 5, maximum = 240)]
    pub slot_minutes: u32,
    /// Most orders per pickup slot; 0: no limit.
    #[schema(maximum = 100000)]
    pub slot_orders: u32,
    /// Most items (pieces) per pickup slot; 0: no limit.
    #[schema(maximum = 1000000)]
    pub slot_items: u32,
    /// Most pickup orders per day; 0: no limit.
    #[schema(maximum = 1000000)]
    pub day_orders: u32,
    /// Delivery windows' hours, in the format of `hours`.
    #[schema(max_length = 1000)]
    pub delivery_hours: String,
    /// Length of a delivery window in minutes (5 to 240).
    #[schema(minimum = 5, maximum = 240)]
    pub delivery_slot_minutes: u32,
    /// Most orders per delivery window; 0: no limit.
    #[schema(maximum = 100000)]
    pub delivery_slot_orders: u32,
    /// Most items per delivery window; 0: no limit.
    #[schema(maximum = 1000000)]
    pub delivery_slot_items: u32,
    /// Most delivery orders per day; 0: no limit.
    #[schema(maximum = 1000000)]
    pub delivery_day_orders: u32,
    /// How many days after today customers may order for (0: today only; at most 365).
    #[schema(maximum = 365)]
    pub days_ahead: u32,
    /// Orders for a day close at this time (`HH:MM`) on the day before; empty: no cut-off.
    #[schema(max_length = 5, pattern = r"^(([01][0-9]|2[0-3]):[0-5][0-9])?$")]
    pub cut_off: String,
    /// Dates the bakery is closed, `YYYY-MM-DD`, comma-separated.
    #[schema(max_length = 4000)]
    pub closed_dates: String,
    /// Hours of particular dates, replacing the weekday's (pickup and delivery):
    /// `2026-12-24 08:00-12:00; 2026-12-31 08:00-11:00,12:00-14:00`.
    #[schema(max_length = 4000)]
    pub special_hours: String,
}

impl Default for CalendarSettings {
    fn default() -> Self {
        CalendarSettings {
            time_zone: "UTC".into(),
            hours: "mon-sun 00:00-24:00".into(),
            slot_minutes: 15,
            slot_orders: 0,
            slot_items: 0,
            day_orders: 0,
            delivery_hours: "mon-sun 00:00-24:00".into(),
            delivery_slot_minutes: 15,
            delivery_slot_orders: 0,
            delivery_slot_items: 0,
            delivery_day_orders: 0,
            days_ahead: 14,
            cut_off: String::new(),
            closed_dates: String::new(),
            special_hours: String::new(),
        }
    }
}
