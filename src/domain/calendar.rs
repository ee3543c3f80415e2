//! The bakery's calendar parsed from its text form: time zone, opening hours per weekday and per
//! date, slot lengths and limits for pickup and delivery, days ahead, cut-off, closed dates.
//!
//! Every string format of the calendar (`hours`, `special_hours`, `closed_dates`, `cut_off`) is
//! read here and nowhere else; the slot arithmetic over it is in [`super::slots`].

use std::collections::{BTreeMap, BTreeSet};

use bakery_wire::Fulfillment;
use chrono::{NaiveDate, Weekday};
use chrono_tz::Tz;

use crate::config::CalendarSettings;

/// Minutes in a day; `24:00` is this.
const DAY: u32 = 24 * 60;

/// Opening ranges of one day, in minutes from local midnight, sorted and not overlapping.
pub type Ranges = Vec<(u32, u32)>;

/// The hours, slot length and limits of pickup or of delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Ranges per weekday, Monday first.
    pub week: [Ranges; 7],
    pub slot_minutes: u32,
    /// Most orders per slot; `None`: no limit.
    pub slot_orders: Option<i64>,
    /// Most items per slot; `None`: no limit.
    pub slot_items: Option<i64>,
    /// Most orders per day; `None`: no limit.
    pub day_orders: Option<i64>,
}

/// The calendar, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    pub time_zone: Tz,
    pub pickup: Window,
    pub delivery: Window,
    pub days_ahead: u32,
    /// Orders for day D close at this minute of day D-1.
    pub cut_off: Option<u32>,
    pub closed: BTreeSet<NaiveDate>,
    /// Hours of particular dates, replacing their weekday's for pickup and delivery.
    pub special: BTreeMap<NaiveDate, Ranges>,
}

/// A setting of the calendar that does not parse: its field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    pub field: &'static str,
    pub message: String,
}

impl std::fmt::Display for CalendarError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "calendar.{} {}", self.field, self.message)
    }
}

impl Calendar {
    /// Parses and checks the calendar's text form.
    pub fn parse(text: &CalendarSettings) -> Result<Calendar, CalendarError> {
        let fail = |field: &'static str| move |message: String| CalendarError { field, message };
        let time_zone = text.time_zone.trim().parse::<Tz>().map_err(|_| {
            fail("time_zone")(format!(
                "must be an IANA time zone such as Europe/Paris, got {:?}",
                text.time_zone
            ))
        })?;
        let pickup = Window {
            week: parse_week(&text.hours).map_err(fail("hours"))?,
            slot_minutes: slot_minutes(text.slot_minutes).map_err(fail("slot_minutes"))?,
            slot_orders: limit(text.slot_orders),
            slot_items: limit(text.slot_items),
            day_orders: limit(text.day_orders),
        };
        let delivery = Window {
            week: parse_week(&text.delivery_hours).map_err(fail("delivery_hours"))?,
            slot_minutes: slot_minutes(text.delivery_slot_minutes)
                .map_err(fail("delivery_slot_minutes"))?,
            slot_orders: limit(text.delivery_slot_orders),
            slot_items: limit(text.delivery_slot_items),
            day_orders: limit(text.delivery_day_orders),
        };
        if text.days_ahead > 365 {
            return Err(fail("days_ahead")("must be 0 to 365".into()));
        }
        let cut_off = match text.cut_off.trim() {
            "" => None,
            at => match parse_time(at) {
                Some(minute) if minute < DAY => Some(minute),
                _ => {
                    return Err(fail("cut_off")(format!(
                        "must be HH:MM or empty, got {at:?}"
                    )));
                }
            },
        };
        let mut closed = BTreeSet::new();
        for date in text.closed_dates.split(',').map(str::trim) {
            if !date.is_empty() {
                closed.insert(parse_date(date).map_err(fail("closed_dates"))?);
            }
        }
        let mut special = BTreeMap::new();
        for group in text.special_hours.split(';').map(str::trim) {
            if group.is_empty() {
                continue;
            }
            let (date, ranges) = group.split_once(' ').unwrap_or((group, ""));
            let date = parse_date(date).map_err(fail("special_hours"))?;
            let ranges = parse_ranges(ranges).map_err(fail("special_hours"))?;
            if special.insert(date, ranges).is_some() {
                return Err(fail("special_hours")(format!("names {date} twice")));
            }
        }
        Ok(Calendar {
            time_zone,
            pickup,
            delivery,
            days_ahead: text.days_ahead,
            cut_off,
            closed,
            special,
        })
    }

    /// The hours, slot and limits of `fulfillment`.
    pub fn window(&self, fulfillment: Fulfillment) -> &Window {
        match fulfillment {
            Fulfillment::Pickup => &self.pickup,
            Fulfillment::Delivery => &self.delivery,
        }
    }

    /// The opening ranges of `date` for `fulfillment`: none when closed, the date's special
    /// hours when it has some, else its weekday's.
    pub fn ranges(&self, date: NaiveDate, fulfillment: Fulfillment) -> &[(u32, u32)] {
        if self.closed.contains(&date) {
            return &[];
        }
        match self.special.get(&date) {
            Some(ranges) => ranges,
            None => {
                use chrono::Datelike;
                &self.window(fulfillment).week[date.weekday().num_days_from_monday() as usize]
            }
        }
    }
}

fn limit(n: u32) -> Option<i64> {
    (n > 0).then_some(i64::from(n))
}

fn slot_minutes(n: u32) -> Result<u32, String> {
    if (5..=240).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be 5 to 240, got {n}"))
    }
}

fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| format!("must list dates as YYYY-MM-DD, got {text:?}"))
}

/// `HH:MM` as minutes from midnight, `24:00` included.
fn parse_time(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let minute = h * 60 + m;
    (m < 60 && minute <= DAY).then_some(minute)
}

/// `07:00-12:00,13:00-18:00`: sorted, each start before its end, none overlapping.
fn parse_ranges(text: &str) -> Result<Ranges, String> {
    let mut ranges = Vec::new();
    for range in text.split(',').map(str::trim) {
        let parsed = range.split_once('-').and_then(|(from, to)| {
            let (from, to) = (parse_time(from.trim())?, parse_time(to.trim())?);
            (from < to).then_some((from, to))
        });
        match parsed {
            Some(range) => ranges.push(range),
            None => {
                return Err(format!(
                    "must give ranges as HH:MM-HH:MM (start before end), got {range:?}"
                ));
            }
        }
    }
    ranges.sort_unstable();
    if ranges.windows(2).any(|w| w[0].1 > w[1].0) {
        return Err(format!("has overlapping ranges in {text:?}"));
    }
    Ok(ranges)
}

fn parse_weekday(text: &str) -> Result<Weekday, String> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    DAYS.iter()
        .position(|d| d.eq_ignore_ascii_case(text.trim()))
        .and_then(|n| Weekday::try_from(n as u8).ok())
        .ok_or_else(|| format!("must name days as mon, tue, … sun, got {text:?}"))
}

/// Weekday names `mon,wed` or ranges `mon-fri` (wrapping: `sat-mon`), as indexes from Monday.
pub fn parse_days(text: &str) -> Result<Vec<usize>, String> {
    let mut days = Vec::new();
    for part in text.split(',') {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let from = parse_weekday(from)?.num_days_from_monday() as usize;
        let to = parse_weekday(to)?.num_days_from_monday() as usize;
        let mut day = from;
        loop {
            days.push(day);
            if day == to {
                break;
            }
            day = (day + 1) % 7;
        }
    }
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

/// `mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00`: ranges per weekday; a day named twice
/// gets both groups' ranges (they must not overlap).
fn parse_week(text: &str) -> Result<[Ranges; 7], String> {
    let mut week: [Ranges; 7] = Default::default();
    for group in text.split(';').map(str::trim) {
        if group.is_empty() {
            continue;
        }
        let Some((days, ranges)) = group.split_once(' ') else {
            return Err(format!(
                "must give days then ranges, as \"mon-fri 07:00-12:00\", got {group:?}"
            ));
        };
        let ranges = parse_ranges(ranges)?;
        for day in parse_days(days)? {
            let mut all = week[day].clone();
            all.extend(&ranges);
            week[day] = parse_ranges(
                &all.iter()
                    .map(|(a, b)| {
                        format!("{:02}:{:02}-{:02}:{:02}", a / 60, a % 60, b / 60, b % 60)
                    })
                    .collect::<Vec<_>>()
                    .join(","),
            )?;
        }
    }
    Ok(week)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(edit: impl FnOnce(&mut CalendarSettings)) -> Result<Calendar, CalendarError> {
        let mut text = CalendarSettings::default();
        edit(&mut text);
        Calendar::parse(&text)
    }

    #[test]
    fn the_default_is_open_all_day_without_limits() {
        let calendar = calendar(|_| {}).unwrap();
        assert!(
            calendar
                .pickup
                .week
                .iter()
                .all(|day| day == &vec![(0, DAY)])
        );
        assert_eq!(calendar.pickup.slot_orders, None);
        assert_eq!(calendar.cut_off, None);
    }

    #[test]
    fn hours_read_days_lists_and_ranges() {
        let c = calendar(|t| t.hours = "mon-fri 07:00-12:00,13:00-18:00; sat 08:00-14:00".into())
            .unwrap();
        assert_eq!(c.pickup.week[0], vec![(420, 720), (780, 1080)]);
        assert_eq!(c.pickup.week[5], vec![(480, 840)]);
        assert!(c.pickup.week[6].is_empty());
        assert_eq!(parse_days("sat-mon").unwrap(), vec![0, 5, 6]);
        assert_eq!(parse_days("tue,thu").unwrap(), vec![1, 3]);
    }

    #[test]
    fn bad_text_names_its_field() {
        let field = |edit: fn(&mut CalendarSettings)| calendar(edit).unwrap_err().field;
        assert_eq!(field(|t| t.time_zone = "Mars/Olympus".into()), "time_zone");
        assert_eq!(field(|t| t.hours = "mon 12:00-07:00".into()), "hours");
        assert_eq!(
            field(|t| t.hours = "mon 07:00-12:00,11:00-13:00".into()),
            "hours"
        );
        assert_eq!(field(|t| t.hours = "funday 07:00-12:00".into()), "hours");
        assert_eq!(field(|t| t.slot_minutes = 1), "slot_minutes");
        assert_eq!(field(|t| t.cut_off = "25:00".into()), "cut_off");
        assert_eq!(
            field(|t| t.closed_dates = "2026-13-01".into()),
            "closed_dates"
        );
        assert_eq!(
            field(|t| t.special_hours = "2026-12-24".into()),
            "special_hours"
        );
        assert_eq!(field(|t| t.days_ahead = 400), "days_ahead");
    }

    #[test]
    fn closed_and_special_dates_replace_the_weekday() {
        let c = calendar(|t| {
            t.closed_dates = "2026-12-25, 2026-12-26".into();
            t.special_hours = "2026-12-24 08:00-12:00".into();
        })
        .unwrap();
        let date = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(c.ranges(date("2026-12-25"), Fulfillment::Pickup).is_empty());
        assert_eq!(
            c.ranges(date("2026-12-24"), Fulfillment::Delivery),
            &[(480, 720)]
        );
        assert_eq!(
            c.ranges(date("2026-12-23"), Fulfillment::Pickup),
            &[(0, DAY)]
        );
    }
}
