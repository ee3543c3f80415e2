//! The staff's planning rules on the host side: the calendar page's form (opening hours per
//! weekday, limits, closed dates and special hours) to and from the calendar's text form, its
//! checks, and the order board's busy and pause switches.
//!
//! The calendar travels as `GET`/`PUT /api/admin/calendar` carries it: hours, dates and the
//! cut-off as strings in one format each (the server's `domain::calendar` reads them and answers
//! a 400 naming the field when one does not parse). The form splits the hours into one field per
//! weekday and checks what it can before sending, so most mistakes show next to the right day.

use bakery_wire::{ErrorBody, FieldError};
use serde::{Deserialize, Serialize};

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

/// Minutes in a day; `24:00` is this.
const DAY: u32 = 24 * 60;

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

/// The non-empty, trimmed items of a separated list.
fn items(text: &str, separator: char) -> Vec<String> {
    text.split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `YYYY-MM-DD` with a month and day in range (the server checks the calendar).
fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' || !digits(0..4) {
        return false;
    }
    if !digits(5..7) || !digits(8..10) {
        return false;
    }
    let month: u32 = text[5..7].parse().unwrap_or(0);
    let day: u32 = text[8..10].parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Opening ranges of a day in minutes from midnight.
type Ranges = Vec<(u32, u32)>;

/// `HH:MM` as minutes from midnight, `24:00` included.
fn parse_time(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let minute = h * 60 + m;
    (m < 60 && minute <= DAY).then_some(minute)
}

fn time_text(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A day's ranges as typed, `07:00-12:00, 13:00-18:00` (empty: closed): sorted, each start
/// before its end, none overlapping.
fn parse_ranges(text: &str) -> Result<Ranges, String> {
    let mut ranges = Vec::new();
    for range in items(text, ',') {
        let parsed = range.split_once('-').and_then(|(from, to)| {
            let (from, to) = (parse_time(from)?, parse_time(to)?);
            (from < to).then_some((from, to))
        });
        match parsed {
            Some(r) => ranges.push(r),
            None => {
                return Err(format!(
                    "write hours as ranges like 07:00-12:00, 13:00-18:00, each start before its end (not {range:?})."
                ));
            }
        }
    }
    ranges.sort_unstable();
    if ranges.windows(2).any(|w| w[0].1 > w[1].0) {
        return Err("the ranges overlap.".to_owned());
    }
    Ok(ranges)
}

fn ranges_text(ranges: &[(u32, u32)], separator: &str) -> String {
    ranges
        .iter()
        .map(|(a, b)| format!("{}-{}", time_text(*a), time_text(*b)))
        .collect::<Vec<_>>()
        .join(separator)
}

/// The weekdays a calendar's day list names (`mon-fri`, `sat,sun`, wrapping `sat-mon`).
fn parse_days(text: &str) -> Option<Vec<usize>> {
    let index = |name: &str| {
        WEEKDAYS
            .iter()
            .position(|(d, _)| d.eq_ignore_ascii_case(name.trim()))
    };
    let mut days = Vec::new();
    for part in text.split(',') {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let (from, to) = (index(from)?, index(to)?);
        let mut day = from;
        loop {
            days.push(day);
            if day == to {
                break;
            }
            day = (day + 1) % 7;
        }
    }
    Some(days)
}

/// The calendar's hours (`mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00`) as one field per
/// weekday (`07:00-12:00, 13:00-18:00`). A group that does not read is left out (the server
/// only stores hours that read).
pub fn split_week(hours: &str) -> [String; 7] {
    let mut week: [Ranges; 7] = Default::default();
    for group in items(hours, ';') {
        let Some((days, ranges)) = group.split_once(' ') else {
            continue;
        };
        let (Some(days), Ok(ranges)) = (parse_days(days), parse_ranges(ranges)) else {
            continue;
        };
        for day in days {
            week[day].extend(&ranges);
            week[day].sort_unstable();
        }
    }
    week.map(|ranges| ranges_text(&ranges, ", "))
}

/// One field per weekday back to the calendar's hours, neighbouring days with the same hours
/// named as a range: `mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00`.
fn join_week(week: &[Ranges; 7]) -> String {
    let mut groups = Vec::new();
    let mut day = 0;
    while day < 7 {
        let mut last = day;
        while last + 1 < 7 && week[last + 1] == week[day] {
            last += 1;
        }
        if !week[day].is_empty() {
            let days = if last == day {
                WEEKDAYS[day].0.to_owned()
            } else {
                format!("{}-{}", WEEKDAYS[day].0, WEEKDAYS[last].0)
            };
            groups.push(format!("{days} {}", ranges_text(&week[day], ",")));
        }
        day = last + 1;
    }
    groups.join("; ")
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

/// The busy and pause switches as `/api/admin/switches` reads and writes them: the whole state
/// each time (a field left out is cleared).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Switches {
    /// Minutes added to the earliest slot; 0: not busy.
    #[serde(default)]
    pub busy_minutes: u32,
    /// RFC 3339 with the bakery's offset; `None`: taking orders.
    #[serde(default)]
    pub paused_until: Option<String>,
}

impl Switches {
    /// Busy by `minutes` (0: not busy), the pause unchanged.
    pub fn with_busy(&self, minutes: u32) -> Switches {
        Switches {
            busy_minutes: minutes,
            paused_until: self.paused_until.clone(),
        }
    }

    /// Paused until `until` (`None`: taking orders again), the busy time unchanged.
    pub fn with_pause(&self, until: Option<String>) -> Switches {
        Switches {
            busy_minutes: self.busy_minutes,
            paused_until: until,
        }
    }

    /// The board's line about the busy switch: "Busy: +20 min".
    pub fn busy_text(&self) -> Option<String> {
        (self.busy_minutes > 0).then(|| format!("Busy: +{} min", self.busy_minutes))
    }

    /// The board's line about the pause: "Online orders paused until 14:30" (with the date
    /// when it is not `today`, `YYYY-MM-DD`).
    pub fn pause_text(&self, today: &str) -> Option<String> {
        let until = self.paused_until.as_deref()?;
        let (date, time) = (until.get(..10)?, until.get(11..16)?);
        Some(if date == today || today.is_empty() {
            format!("Online orders paused until {time}")
        } else {
            format!("Online orders paused until {date} {time}")
        })
    }
}

/// The bakery's clock right now: its local date, minute of the day and UTC offset (`+01:00`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalNow {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub minute: u32,
    pub offset: String,
}

impl LocalNow {
    /// From the parts the browser's `Intl.DateTimeFormat` gives for the bakery's zone:
    /// year, month, day, hour, minute and `GMT+01:00` (or `GMT` for UTC).
    pub fn from_parts(
        year: &str,
        month: &str,
        day: &str,
        hour: &str,
        minute: &str,
        gmt: &str,
    ) -> Option<LocalNow> {
        let date = format!("{year}-{month}-{day}");
        let hour: u32 = hour.parse().ok()?;
        let min: u32 = minute.parse().ok()?;
        let offset = match gmt
            .trim()
            .trim_start_matches("GMT")
            .trim_start_matches("UTC")
        {
            "" => "+00:00".to_owned(),
            o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) => o.to_owned(),
            o if o.len() == 3 && (o.starts_with('+') || o.starts_with('-')) => format!("{o}:00"),
            _ => return None,
        };
        (is_date(&date) && hour <= 24 && min < 60).then(|| LocalNow {
            date,
            minute: (hour % 24) * 60 + min,
            offset,
        })
    }

    /// The RFC 3339 time of `minute` (0 to 1440) of today, or of tomorrow when `next_day`.
    pub fn at(&self, minute: u32, next_day: bool) -> String {
        let (mut date, mut minute) = (self.date.clone(), minute);
        let days = u32::from(next_day) + minute / DAY;
        minute %= DAY;
        for _ in 0..days {
            date = next_date(&date);
        }
        format!("{date}T{}:00{}", time_text(minute), self.offset)
    }

    /// "Until a time" as typed (`HH:MM`): today's when still to come, else tomorrow's.
    pub fn until(&self, typed: &str) -> Option<String> {
        let minute = parse_time(typed).filter(|m| *m < DAY)?;
        Some(self.at(minute, minute <= self.minute))
    }

    /// When today's pickup hours end (after now), as RFC 3339; `None` when the bakery is closed
    /// for the rest of today.
    pub fn closing(&self, calendar: &CalendarText) -> Option<String> {
        let closed = items(&calendar.closed_dates, ',');
        if closed.contains(&self.date) {
            return None;
        }
        let special = items(&calendar.special_hours, ';')
            .into_iter()
            .find_map(|line| {
                let (date, ranges) = line.split_once(' ')?;
                (date == self.date).then(|| parse_ranges(ranges).ok())?
            });
        let ranges = match special {
            Some(ranges) => ranges,
            None => {
                let day = weekday(&self.date)?;
                parse_ranges(&split_week(&calendar.hours)[day]).ok()?
            }
        };
        let end = ranges
            .last()
            .map(|r| r.1)
            .filter(|end| *end > self.minute)?;
        Some(self.at(end, false))
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (proleptic Gregorian).
fn days_from_civil(date: &str) -> Option<i64> {
    if !is_date(date) {
        return None;
    }
    let y: i64 = date[..4].parse().ok()?;
    let m: i64 = date[5..7].parse().ok()?;
    let d: i64 = date[8..10].parse().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

fn civil_from_days(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day after a `YYYY-MM-DD` date (the date itself when it does not read).
pub fn next_date(date: &str) -> String {
    days_from_civil(date)
        .map(|d| civil_from_days(d + 1))
        .unwrap_or_else(|| date.to_owned())
}

/// The weekday of a date, Monday 0.
fn weekday(date: &str) -> Option<usize> {
    // 1970-01-01 was a Thursday.
    days_from_civil(date).map(|d| (d + 3).rem_euclid(7) as usize)
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

    #[test]
    fn switches_read_in_words_and_change_one_at_a_time() {
        let off = Switches::default();
        assert_eq!(off.busy_text(), None);
        assert_eq!(off.pause_text("2026-12-01"), None);
        let busy = off.with_busy(20);
        assert_eq!(busy.busy_text().as_deref(), Some("Busy: +20 min"));
        let paused = busy.with_pause(Some("2026-12-01T14:30:00+01:00".into()));
        assert_eq!(paused.busy_minutes, 20);
        assert_eq!(
            paused.pause_text("2026-12-01").as_deref(),
            Some("Online orders paused until 14:30")
        );
        assert_eq!(
            paused.pause_text("2026-11-30").as_deref(),
            Some("Online orders paused until 2026-12-01 14:30")
        );
        assert_eq!(paused.with_busy(0).paused_until, paused.paused_until);
        assert_eq!(
            serde_json::to_value(paused.with_pause(None)).unwrap_or_default(),
            json!({"busy_minutes": 20, "paused_until": null})
        );
        let read: Switches =
            serde_json::from_value(json!({"busy_minutes": 30, "paused_until": null}))
                .unwrap_or_default();
        assert_eq!(read, off.with_busy(30));
    }

    #[test]
    fn the_bakerys_clock_gives_pause_times() {
        let now = LocalNow::from_parts("2026", "12", "31", "13", "05", "GMT+01:00")
            .unwrap_or_else(|| panic!("parts"));
        assert_eq!(now.minute, 13 * 60 + 5);
        assert_eq!(now.at(14 * 60 + 30, false), "2026-12-31T14:30:00+01:00");
        assert_eq!(
            now.until("14:30").as_deref(),
            Some("2026-12-31T14:30:00+01:00")
        );
        assert_eq!(
            now.until("09:00").as_deref(),
            Some("2027-01-01T09:00:00+01:00")
        );
        assert_eq!(now.until("9am"), None);
        assert_eq!(now.at(DAY, false), "2027-01-01T00:00:00+01:00");
        let utc = LocalNow::from_parts("2026", "02", "28", "00", "00", "GMT");
        assert_eq!(utc.map(|n| n.offset), Some("+00:00".into()));
        let west = LocalNow::from_parts("2026", "02", "28", "23", "59", "GMT-05:00");
        assert_eq!(
            west.map(|n| n.at(0, true)),
            Some("2026-03-01T00:00:00-05:00".into())
        );
        assert_eq!(next_date("2028-02-28"), "2028-02-29");
        assert_eq!(weekday("2026-12-01"), Some(1));
        assert_eq!(weekday("1970-01-01"), Some(3));
    }

    #[test]
    fn closing_is_the_end_of_todays_last_hours() {
        // 2026-12-01 is a Tuesday.
        let now = LocalNow::from_parts("2026", "12", "01", "12", "30", "GMT+01:00")
            .unwrap_or_else(|| panic!("parts"));
        let calendar =
            text(|t| t.hours = "mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00".into());
        assert_eq!(
            now.closing(&calendar).as_deref(),
            Some("2026-12-01T18:00:00+01:00")
        );
        let special = text(|t| {
            t.hours = calendar.hours.clone();
            t.special_hours = "2026-12-01 08:00-12:00, 13:00-15:00".into();
        });
        assert_eq!(
            now.closing(&special).as_deref(),
            Some("2026-12-01T15:00:00+01:00")
        );
        let closed = text(|t| t.closed_dates = "2026-11-30,2026-12-01".into());
        assert_eq!(now.closing(&closed), None);
        let all_day = CalendarText::default();
        assert_eq!(
            now.closing(&all_day).as_deref(),
            Some("2026-12-02T00:00:00+01:00")
        );
        let late = LocalNow::from_parts("2026", "12", "01", "19", "00", "GMT+01:00")
            .unwrap_or_else(|| panic!("parts"));
        assert_eq!(late.closing(&calendar), None);
    }
}
