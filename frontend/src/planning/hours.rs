//! The calendar's text formats, read and written for the form: `HH:MM` times, ranges
//! (`07:00-12:00,13:00-18:00`), day lists (`mon-fri`, `sat,sun`), the week's hours
//! (`mon-fri 07:00-12:00; sat 08:00-14:00`) and `YYYY-MM-DD` dates — the same grammar the
//! server's `domain::calendar` reads.

use super::WEEKDAYS;

/// Minutes in a day; `24:00` is this.
pub(super) const DAY: u32 = 24 * 60;

/// The non-empty, trimmed items of a separated list.
pub(super) fn items(text: &str, separator: char) -> Vec<String> {
    text.split(separator)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `YYYY-MM-DD` with a month and day in range (the server checks the calendar).
pub(super) fn is_date(text: &str) -> bool {
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
pub(super) type Ranges = Vec<(u32, u32)>;

/// `HH:MM` as minutes from midnight, `24:00` included.
pub(super) fn parse_time(text: &str) -> Option<u32> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let minute = h * 60 + m;
    (m < 60 && minute <= DAY).then_some(minute)
}

pub(super) fn time_text(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A day's ranges as typed, `07:00-12:00, 13:00-18:00` (empty: closed): sorted, each start
/// before its end, none overlapping.
pub(super) fn parse_ranges(text: &str) -> Result<Ranges, String> {
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

pub(super) fn ranges_text(ranges: &[(u32, u32)], separator: &str) -> String {
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
pub(super) fn join_week(week: &[Ranges; 7]) -> String {
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
