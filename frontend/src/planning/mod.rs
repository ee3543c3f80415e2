//! The staff's planning rules on the host side: the calendar page's form (opening hours per
//! weekday, limits, closed dates and special hours) to and from the calendar's text form, its
//! checks. The text formats themselves are in [`hours`]; the order board's busy and pause
//! switches and the bakery's clock in [`clock`].
//!
//! The calendar travels as `GET`/`PUT /api/admin/calendar` carries it: hours, dates and the
//! cut-off as strings in one format each (the server's `domain::calendar` reads them and answers
//! a 400 naming the field when one does not parse). The form splits the hours into one field per
//! weekday and checks what it can before sending, so most mistakes show next to the right day.

use bakery_wire::{ErrorBody, FieldError};
use serde::{Deserialize, Serialize};

mod clock;
mod hours;

pub use clock::{LocalNow, Switches, next_date};
pub use hours::split_week;
use hours::{DAY, Ranges, is_date, items, join_week, parse_ranges, parse_time, ranges_text};

/// The weekdays, Monday first: the calendar's name and the page's.
pub const WEEKDAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// The calendar as `/api/admin/calendar` reads and writes it. Fields the page does not know
/// (added to the server later) are kept and sent back as they were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CalendarText {
    pub time_zone: String,
    pub hours: String,
    pub slot_minutes: u32,
    pub slot_orders: u32,
    pub slot_items: u32,
    pub day_orders: u32,
    pub delivery_hours: String,
    pub delivery_slot_minutes: u32,
    pub delivery_slot_orders: u32,
    pub delivery_slot_items: u32,
    pub delivery_day_orders: u32,
    pub days_ahead: u32,
    pub cut_off: String,
    pub closed_dates: String,
    pub special_hours: String,
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Default for CalendarText {
    /// The server's built-in calendar: open all day, every day, without limits.
    fn default() -> Self {
        CalendarText {
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
            other: serde_json::Map::new(),
        }
    }
}

/// Pickup or delivery: the hours, slot length and limits of one, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowForm {
    /// Each weekday's ranges, Monday first, e.g. `07:00-12:00, 13:00-18:00`; empty: closed.
    pub days: [String; 7],
    pub slot_minutes: String,
    pub slot_orders: String,
    pub slot_items: String,
    pub day_orders: String,
}

/// Which of the two windows; its fields' names on the wire start with [`Kind::prefix`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pickup,
    Delivery,
}

impl Kind {
    /// `""` for pickup (`hours`, `slot_minutes`…), `"delivery_"` for delivery.
    pub fn prefix(self) -> &'static str {
        match self {
            Kind::Pickup => "",
            Kind::Delivery => "delivery_",
        }
    }

    /// The form's key of a field: `slot_orders` or `delivery_slot_orders`.
    pub fn key(self, field: &str) -> String {
        format!("{}{field}", self.prefix())
    }

    /// The key of one weekday's hours: `hours.mon`, `delivery_hours.sat`.
    pub fn day_key(self, day: usize) -> String {
        format!("{}hours.{}", self.prefix(), WEEKDAYS[day % 7].0)
    }
}

/// The calendar page's form, every field as typed (so a refused save keeps it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalendarForm {
    pub time_zone: String,
    pub pickup: WindowForm,
    pub delivery: WindowForm,
    pub days_ahead: String,
    /// `HH:MM` or empty.
    pub cut_off: String,
    /// One date a line (commas work too).
    pub closed_dates: String,
    /// One date a line with its ranges: `2026-12-24 08:00-12:00`.
    pub special_hours: String,
    /// What the server sent that the form does not show.
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl CalendarForm {
    /// The form showing a stored calendar.
    pub fn from_text(text: &CalendarText) -> CalendarForm {
        let window = |hours: &str, slot: u32, orders: u32, items: u32, day: u32| WindowForm {
            days: split_week(hours),
            slot_minutes: slot.to_string(),
            slot_orders: limit_text(orders),
            slot_items: limit_text(items),
            day_orders: limit_text(day),
        };
        CalendarForm {
            time_zone: text.time_zone.clone(),
            pickup: window(
                &text.hours,
                text.slot_minutes,
                text.slot_orders,
                text.slot_items,
                text.day_orders,
            ),
            delivery: window(
                &text.delivery_hours,
                text.delivery_slot_minutes,
                text.delivery_slot_orders,
                text.delivery_slot_items,
                text.delivery_day_orders,
            ),
            days_ahead: text.days_ahead.to_string(),
            cut_off: text.cut_off.clone(),
            closed_dates: items(&text.closed_dates, ',').join("\n"),
            special_hours: items(&text.special_hours, ';').join("\n"),
            other: text.other.clone(),
        }
    }

    /// The calendar to send, or every field the page can already tell is wrong.
    pub fn to_text(&self) -> Result<CalendarText, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: String, message: String| errors.push(FieldError { field, message });
        let time_zone = self.time_zone.trim().to_owned();
        if time_zone.is_empty() {
            fail(
                "time_zone".into(),
                "Enter the bakery's time zone, like Europe/Paris.".into(),
            );
        }
        let mut window = |kind: Kind, form: &WindowForm| {
            let mut week: [Ranges; 7] = Default::default();
            for (day, text) in form.days.iter().enumerate() {
                match parse_ranges(text) {
                    Ok(ranges) => week[day] = ranges,
                    Err(message) => {
                        fail(kind.day_key(day), format!("{}: {message}", WEEKDAYS[day].1))
                    }
                }
            }
            let slot = number(&form.slot_minutes, 5, 240, false)
                .map_err(|m| fail(kind.key("slot_minutes"), format!("Slot length {m}")))
                .unwrap_or(15);
            let mut limit = |field: &str, text: &str, max: u32| {
                number(text, 0, max, true)
                    .map_err(|m| fail(kind.key(field), format!("{} {m}", limit_label(field))))
                    .unwrap_or(0)
            };
            let orders = limit("slot_orders", &form.slot_orders, 100_000);
            let items = limit("slot_items", &form.slot_items, 1_000_000);
            let day = limit("day_orders", &form.day_orders, 1_000_000);
            (join_week(&week), slot, orders, items, day)
        };
        let pickup = window(Kind::Pickup, &self.pickup);
        let delivery = window(Kind::Delivery, &self.delivery);
        let days_ahead = number(&self.days_ahead, 0, 365, false)
            .map_err(|m| fail("days_ahead".into(), format!("Days ahead {m}")))
            .unwrap_or(0);
        let cut_off = self.cut_off.trim().to_owned();
        if !cut_off.is_empty() && parse_time(&cut_off).is_none_or(|m| m >= DAY) {
            fail(
                "cut_off".into(),
                "Write the cut-off as HH:MM, like 18:00, or leave it empty.".into(),
            );
        }
        let closed = items(&self.closed_dates.replace('\n', ","), ',');
        if let Some(bad) = closed.iter().find(|d| !is_date(d)) {
            fail(
                "closed_dates".into(),
                format!("Write each closed date as YYYY-MM-DD, like 2026-12-25 (not {bad:?})."),
            );
        }
        let mut special = Vec::new();
        for line in items(&self.special_hours.replace('\n', ";"), ';') {
            let (date, ranges) = line.split_once(' ').unwrap_or((&line, ""));
            match parse_ranges(ranges) {
                Ok(r) if is_date(date) && !r.is_empty() => {
                    special.push(format!("{date} {}", ranges_text(&r, ",")))
                }
                _ => {
                    fail(
                        "special_hours".into(),
                        format!(
                            "Write each line as a date and its hours, like 2026-12-24 08:00-12:00 (not {line:?})."
                        ),
                    );
                    break;
                }
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CalendarText {
            time_zone,
            hours: pickup.0,
            slot_minutes: pickup.1,
            slot_orders: pickup.2,
            slot_items: pickup.3,
            day_orders: pickup.4,
            delivery_hours: delivery.0,
            delivery_slot_minutes: delivery.1,
            delivery_slot_orders: delivery.2,
            delivery_slot_items: delivery.3,
            delivery_day_orders: delivery.4,
            days_ahead,
            cut_off,
            closed_dates: closed.join(","),
            special_hours: special.join("; "),
            other: self.other.clone(),
        })
    }
}

fn limit_label(field: &str) -> &'static str {
    match field {
        "slot_orders" => "Orders per slot",
        "slot_items" => "Items per slot",
        _ => "Orders per day",
    }
}

/// A limit as the form shows it: empty for "no limit" (0).
fn limit_text(n: u32) -> String {
    if n == 0 { String::new() } else { n.to_string() }
}

/// A whole number from `min` to `max`; empty is 0 when `empty_is_zero`.
fn number(text: &str, min: u32, max: u32, empty_is_zero: bool) -> Result<u32, String> {
    let text = text.trim();
    if text.is_empty() && empty_is_zero {
        return Ok(0);
    }
    match text.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ if empty_is_zero => Err(format!(
            "must be a whole number up to {max}, or empty for no limit."
        )),
        _ => Err(format!("must be a whole number from {min} to {max}.")),
    }
}

/// The fields a refused save names (`details` of a 400), or none when the answer names none.
pub fn server_field_errors(body: &str) -> Vec<FieldError> {
    serde_json::from_str::<ErrorBody>(body)
        .ok()
        .and_then(|e| serde_json::from_value::<Vec<FieldError>>(e.details).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|e| FieldError {
            message: format!(
                "{} {}.",
                field_label(&e.field),
                e.message.trim_end_matches('.')
            ),
            field: e.field,
        })
        .collect()
}

/// How the page names a calendar field in a sentence.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "time_zone" => "Time zone",
        "hours" => "Pickup hours",
        "delivery_hours" => "Delivery hours",
        "slot_minutes" | "delivery_slot_minutes" => "Slot length",
        "slot_orders" | "delivery_slot_orders" => "Orders per slot",
        "slot_items" | "delivery_slot_items" => "Items per slot",
        "day_orders" | "delivery_day_orders" => "Orders per day",
        "days_ahead" => "Days ahead",
        "cut_off" => "Cut-off",
        "closed_dates" => "Closed dates",
        "special_hours" => "Special hours",
        _ => "This field",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(edit: impl FnOnce(&mut CalendarText)) -> CalendarText {
        let mut t = CalendarText::default();
        edit(&mut t);
        t
    }

    #[test]
    fn hours_split_into_weekdays_and_join_back() {
        let week = split_week("mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00");
        assert_eq!(week[0], "07:00-12:00, 13:00-18:00");
        assert_eq!(week[4], "07:00-12:00, 13:00-18:00");
        assert_eq!(week[5], "08:00-14:00");
        assert_eq!(week[6], "");
        // Wrapping ranges, lists, upper case, a day named twice.
        let week = split_week("Sat-Mon 09:00-10:00; tue,thu 10:00-11:00; mon 12:00-13:00");
        assert_eq!(week[0], "09:00-10:00, 12:00-13:00");
        assert_eq!(week[1], "10:00-11:00");
        assert_eq!(week[2], "");
        assert_eq!(week[6], "09:00-10:00");
        let mut form = CalendarForm::from_text(&text(|t| {
            t.hours = "mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00".into()
        }));
        assert_eq!(
            form.to_text().map(|t| t.hours),
            Ok("mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00".into())
        );
        form.pickup.days[2] = "13:00-18:00 , 07:00-12:00".into();
        form.pickup.days[6] = "10:00-12:00".into();
        assert_eq!(
            form.to_text().map(|t| t.hours),
            Ok("mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00; sun 10:00-12:00".into())
        );
        form.pickup.days[2] = String::new();
        assert_eq!(
            form.to_text().map(|t| t.hours),
            Ok(
                "mon-tue 07:00-12:00,13:00-18:00; thu-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00; sun 10:00-12:00"
                    .into()
            )
        );
    }

    #[test]
    fn the_default_calendar_reads_back_unchanged() {
        let default = CalendarText::default();
        let form = CalendarForm::from_text(&default);
        assert_eq!(form.pickup.days[3], "00:00-24:00");
        assert_eq!(form.pickup.slot_orders, "");
        assert_eq!(form.to_text(), Ok(default));
    }

    #[test]
    fn the_form_keeps_fields_it_does_not_show() {
        let stored: CalendarText = serde_json::from_value(json!({
            "time_zone": "Europe/Paris", "hours": "mon 08:00-12:00", "reminder_minutes": 60
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored.slot_minutes, 15);
        let sent = CalendarForm::from_text(&stored).to_text();
        let sent = serde_json::to_value(sent.unwrap_or_default()).unwrap_or_default();
        assert_eq!(sent["reminder_minutes"], 60);
        assert_eq!(sent["time_zone"], "Europe/Paris");
        assert_eq!(sent["hours"], "mon 08:00-12:00");
        assert_eq!(sent["delivery_hours"], "mon-sun 00:00-24:00");
    }

    #[test]
    fn numbers_dates_and_the_cut_off_are_read_as_typed() {
        let mut form = CalendarForm::from_text(&CalendarText::default());
        form.pickup.slot_orders = " 10 ".into();
        form.delivery.day_orders = "40".into();
        form.days_ahead = "30".into();
        form.cut_off = "18:00".into();
        form.closed_dates = "2026-12-25\n 2026-12-26, 2027-01-01\n\n".into();
        form.special_hours = "2026-12-24 08:00-12:00\n2026-12-31 12:00-14:00, 08:00-11:00".into();
        let sent = form.to_text().unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(sent.slot_orders, 10);
        assert_eq!(sent.delivery_day_orders, 40);
        assert_eq!(sent.days_ahead, 30);
        assert_eq!(sent.cut_off, "18:00");
        assert_eq!(sent.closed_dates, "2026-12-25,2026-12-26,2027-01-01");
        assert_eq!(
            sent.special_hours,
            "2026-12-24 08:00-12:00; 2026-12-31 08:00-11:00,12:00-14:00"
        );
        let again = CalendarForm::from_text(&sent);
        assert_eq!(again.closed_dates, "2026-12-25\n2026-12-26\n2027-01-01");
        assert_eq!(
            again.special_hours,
            "2026-12-24 08:00-12:00\n2026-12-31 08:00-11:00,12:00-14:00"
        );
    }

    #[test]
    fn mistakes_are_named_by_their_field() {
        let mut form = CalendarForm::from_text(&CalendarText::default());
        form.time_zone = " ".into();
        form.pickup.days[1] = "09:00-08:00".into();
        form.pickup.days[2] = "08:00-12:00, 11:00-13:00".into();
        form.delivery.days[6] = "noon".into();
        form.pickup.slot_minutes = "3".into();
        form.delivery.slot_items = "-1".into();
        form.days_ahead = "400".into();
        form.cut_off = "24:00".into();
        form.closed_dates = "2026-12-25, 25/12/2026".into();
        form.special_hours = "2026-12-24".into();
        let errors = form.to_text().err().unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "time_zone",
                "hours.tue",
                "hours.wed",
                "slot_minutes",
                "delivery_hours.sun",
                "delivery_slot_items",
                "days_ahead",
                "cut_off",
                "closed_dates",
                "special_hours"
            ]
        );
        assert!(errors[1].message.starts_with("Tuesday: "));
        assert!(errors[2].message.contains("overlap"));
        assert!(errors[8].message.contains("25/12/2026"));
    }

    #[test]
    fn the_servers_refusal_names_its_field() {
        let body = json!({"error": "x", "code": "validation_failed",
            "details": [{"field": "time_zone", "message": "must be an IANA time zone such as Europe/Paris, got \"Mars\""}]});
        let errors = server_field_errors(&body.to_string());
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "time_zone");
        assert!(errors[0].message.starts_with("Time zone must be an IANA"));
        assert!(server_field_errors("<html>").is_empty());
        assert!(server_field_errors(r#"{"error":"x","code":"y","details":null}"#).is_empty());
    }
}
