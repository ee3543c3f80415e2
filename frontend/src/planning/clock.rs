//! The order board's busy and pause switches as the board shows and changes them, and the
//! bakery's clock: today's date, the time and the UTC offset in its time zone, from which the
//! pause times ("30 minutes", "until closing", "until 14:30") are written.

use serde::{Deserialize, Serialize};

use super::CalendarText;
use super::hours::{DAY, is_date, items, parse_ranges, parse_time, split_week, time_text};
use crate::pickup::Date;

/// The busy and pause switches as `/api/admin/switches` reads them; the board changes one at a
/// time with `PATCH`.
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
    /// The body of `PATCH /api/admin/switches` that sets the busy time to `minutes` (0: not
    /// busy) and leaves the pause as another till may have just set it.
    pub fn busy_change(minutes: u32) -> String {
        serde_json::json!({ "busy_minutes": minutes }).to_string()
    }

    /// The body of `PATCH /api/admin/switches` that pauses until `until` (`None`: taking orders
    /// again) and leaves the busy time as it is.
    pub fn pause_change(until: Option<String>) -> String {
        serde_json::json!({ "paused_until": until }).to_string()
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

/// A `YYYY-MM-DD` date as the checkout's calendar reads it.
fn date(text: &str) -> Option<Date> {
    if !is_date(text) {
        return None;
    }
    Date::parse(text)
}

/// The day after a `YYYY-MM-DD` date (the date itself when it does not read).
pub fn next_date(date: &str) -> String {
    self::date(date)
        .map(|d| d.plus(1).to_string())
        .unwrap_or_else(|| date.to_owned())
}

/// The weekday of a date, Monday 0.
fn weekday(date: &str) -> Option<usize> {
    self::date(date).map(Date::weekday_index)
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
    fn switches_read_in_words_and_change_one_at_a_time() {
        let off = Switches::default();
        assert_eq!(off.busy_text(), None);
        assert_eq!(off.pause_text("2026-12-01"), None);
        let busy = Switches {
            busy_minutes: 20,
            paused_until: None,
        };
        assert_eq!(busy.busy_text().as_deref(), Some("Busy: +20 min"));
        let paused = Switches {
            paused_until: Some("2026-12-01T14:30:00+01:00".into()),
            ..busy
        };
        assert_eq!(
            paused.pause_text("2026-12-01").as_deref(),
            Some("Online orders paused until 14:30")
        );
        assert_eq!(
            paused.pause_text("2026-11-30").as_deref(),
            Some("Online orders paused until 2026-12-01 14:30")
        );
        let read: Switches =
            serde_json::from_value(json!({"busy_minutes": 30, "paused_until": null}))
                .unwrap_or_default();
        assert_eq!(read.busy_minutes, 30);
        // Each change names only its own switch.
        assert_eq!(Switches::busy_change(0), r#"{"busy_minutes":0}"#);
        assert_eq!(Switches::pause_change(None), r#"{"paused_until":null}"#);
        assert_eq!(
            Switches::pause_change(Some("2026-12-01T14:30:00+01:00".into())),
            r#"{"paused_until":"2026-12-01T14:30:00+01:00"}"#
        );
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
