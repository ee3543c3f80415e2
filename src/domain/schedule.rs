//! The kitchen's clock for orders with a slot: when an order goes into the oven so that it is
//! ready at its slot, and until when its customer may still cancel it.

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::calendar::Calendar;

/// When the kitchen starts an order for `pickup_at` that bakes for `prep`: its slot less the
/// preparation time.
pub fn start_time(pickup_at: DateTime<Utc>, prep: Duration) -> DateTime<Utc> {
    pickup_at - prep
}

/// The instants local `date` runs between in the bakery's time zone: its midnight up to the
/// next (23 or 25 hours on a DST change day).
pub fn day_span(
    calendar: &Calendar,
    date: chrono::NaiveDate,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let midnight = |d: chrono::NaiveDate| instant(calendar, d.and_hms_opt(0, 0, 0)?);
    Some((midnight(date)?, midnight(date.succ_opt()?)?))
}

/// Until when the customer may cancel a scheduled order for `pickup_at`: the calendar's cut-off
/// on the day before its slot's day (bakery's local time); `None` without a cut-off (then until
/// the kitchen starts it). In a spring-forward gap, the first local time after it.
pub fn customer_cancel_until(
    calendar: &Calendar,
    pickup_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let minute = calendar.cut_off?;
    let eve = calendar.local_date(pickup_at).pred_opt()?;
    instant(
        calendar,
        eve.and_hms_opt(0, 0, 0)? + Duration::minutes(i64::from(minute)),
    )
}

/// The instant of a local time of the bakery: the earlier of a fall-back hour, the first local
/// time after a spring-forward gap.
fn instant(calendar: &Calendar, mut local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
    for _ in 0..8 {
        if let Some(at) = calendar.time_zone.from_local_datetime(&local).earliest() {
            return Some(at.with_timezone(&Utc));
        }
        local += Duration::minutes(15);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CalendarSettings;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_cut_off_is_on_the_eve_of_the_slot_in_local_time() {
        let mut text = CalendarSettings {
            time_zone: "Europe/Paris".into(),
            cut_off: "18:00".into(),
            ..CalendarSettings::default()
        };
        let paris = Calendar::parse(&text).unwrap();
        // Saturday 5 December 2026, 10:00 in Paris (UTC+1): cut-off Friday 18:00 Paris.
        assert_eq!(
            customer_cancel_until(&paris, utc("2026-12-05T09:00:00Z")),
            Some(utc("2026-12-04T17:00:00Z"))
        );
        text.cut_off = String::new();
        let none = Calendar::parse(&text).unwrap();
        assert_eq!(
            customer_cancel_until(&none, utc("2026-12-05T09:00:00Z")),
            None
        );
        assert_eq!(
            start_time(utc("2026-12-05T09:00:00Z"), Duration::minutes(90)),
            utc("2026-12-05T07:30:00Z")
        );
    }
}
