//! When the customer gets the order: the days to pick from, a day's slots with why each cannot
//! be ordered, the cart's lead times, the words for a refused time, and dates written the way
//! people read them. Times stay as the API sends them (RFC 3339 with the bakery's offset), so
//! what is shown is the bakery's local time whatever the browser's zone.

use bakery_wire::{DaySlots, ErrorBody, Product, SlotReason, SlotView};

use crate::cart::Cart;

/// Most days the day list offers, whatever the calendar allows.
pub const MAX_DAYS: usize = 62;

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A calendar date, read from and written as `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Reads `YYYY-MM-DD` (the first ten characters of an RFC 3339 time too).
    pub fn parse(text: &str) -> Option<Date> {
        let text = text.get(..10)?;
        let bytes = text.as_bytes();
        if bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year = text.get(..4)?.parse().ok()?;
        let month = text.get(5..7)?.parse().ok()?;
        let day = text.get(8..10)?.parse().ok()?;
        let date = Date { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= date.month_length()).then_some(date)
    }

    fn month_length(self) -> u32 {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        match self.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    fn days(self) -> i64 {
        let year = if self.month <= 2 {
            self.year - 1
        } else {
            self.year
        };
        let era = year.div_euclid(400);
        let yoe = year - era * 400;
        let month = i64::from(self.month);
        let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5
            + i64::from(self.day)
            - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01 (`civil_from_days`).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date { year, month, day }
    }

    /// The date `n` days later.
    pub fn plus(self, n: i64) -> Date {
        Date::from_days(self.days() + n)
    }

    /// Days from `self` to `later` (negative when it is earlier).
    pub fn until(self, later: Date) -> i64 {
        later.days() - self.days()
    }

    /// The weekday, Monday 0.
    pub fn weekday_index(self) -> usize {
        // 1970-01-01 was a Thursday.
        (self.days() + 3).rem_euclid(7) as usize
    }

    /// "Saturday".
    pub fn weekday(self) -> &'static str {
        // 1970-01-01 was a Thursday.
        WEEKDAYS[(self.days() + 4).rem_euclid(7) as usize]
    }

    /// "Saturday 5 December".
    pub fn long(self) -> String {
        let month = MONTHS[(self.month - 1) as usize];
        format!("{} {} {month}", self.weekday(), self.day)
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// `HH:MM` of an RFC 3339 time, as written (the bakery's local time).
pub fn clock(at: &str) -> Option<&str> {
    let time = at.get(11..16)?;
    (at.as_bytes().get(10) == Some(&b'T') && time.as_bytes().get(2) == Some(&b':')).then_some(time)
}

/// "Saturday 5 December 10:00" for a slot's start.
pub fn moment(at: &str) -> Option<String> {
    Some(format!("{} {}", Date::parse(at)?.long(), clock(at)?))
}

/// "Saturday 5 December, 10:00–10:15": a slot from its start and (when known) its end.
pub fn span(start: &str, end: Option<&str>) -> Option<String> {
    let date = Date::parse(start)?;
    let from = clock(start)?;
    let until = end
        .and_then(clock)
        .map(|t| format!("–{t}"))
        .unwrap_or_default();
    Some(format!("{}, {from}{until}", date.long()))
}

/// One entry of the day list: "Today, Tuesday 1 December", "Tomorrow, …", "Thursday 3 December".
pub fn day_label(date: Date, today: Date) -> String {
    match today.until(date) {
        0 => format!("Today, {}", date.long()),
        1 => format!("Tomorrow, {}", date.long()),
        _ => date.long(),
    }
}

/// The days customers may order for, `first` to `last`, at most [`MAX_DAYS`].
pub fn days_between(first: Date, last: Date) -> Vec<Date> {
    let count = first.until(last).clamp(-1, MAX_DAYS as i64 - 1) + 1;
    (0..count).map(|n| first.plus(n)).collect()
}

/// The cart as the slot endpoints take it: `1:2,3:1`.
pub fn items_query(cart: &Cart) -> String {
    cart.lines
        .iter()
        .map(|l| format!("{}:{}", l.product_id, l.quantity))
        .collect::<Vec<_>>()
        .join(",")
}

/// Why a slot cannot be chosen, as it reads beside the slot.
pub fn reason_text(reason: SlotReason) -> &'static str {
    match reason {
        SlotReason::SlotFull => "fully booked",
        SlotReason::Closed => "closed",
        SlotReason::LeadTime => "too soon for your order",
        SlotReason::CutOff => "orders for this day have closed",
        SlotReason::TooFarAhead => "too far ahead",
        SlotReason::Paused => "online orders are paused",
    }
}

/// Why a whole day cannot be chosen, as a sentence.
pub fn day_reason_text(reason: SlotReason) -> &'static str {
    match reason {
        SlotReason::SlotFull => "Every time that day is fully booked.",
        SlotReason::Closed => "The bakery is closed that day.",
        SlotReason::LeadTime => "That day is too soon for what is in your cart.",
        SlotReason::CutOff => "Orders for that day have closed.",
        SlotReason::TooFarAhead => "That day is too far ahead to order for.",
        SlotReason::Paused => "Online orders are paused for now.",
    }
}

/// A slot as the picker shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotChoice {
    /// The slot's start, sent as the order's `pickup_at`.
    pub start: String,
    pub end: String,
    /// "10:00–10:15".
    pub label: String,
    /// Why it cannot be chosen ("fully booked"); `None`: it can.
    pub unavailable: Option<&'static str>,
    /// "2 places left" when few are.
    pub hint: Option<String>,
}

/// Places left at or under which the picker says how many.
const FEW_PLACES: i64 = 3;

/// A day's slots as the picker shows them.
pub fn slot_choices(day: &DaySlots) -> Vec<SlotChoice> {
    day.slots.iter().map(slot_choice).collect()
}

fn slot_choice(slot: &SlotView) -> SlotChoice {
    let label = match (clock(&slot.start), clock(&slot.end)) {
        (Some(from), Some(to)) => format!("{from}–{to}"),
        _ => slot.start.clone(),
    };
    let unavailable = match (slot.reason, slot.available) {
        (Some(reason), _) => Some(reason_text(reason)),
        (None, Some(0)) => Some(reason_text(SlotReason::SlotFull)),
        (None, _) => None,
    };
    let hint = match slot.available {
        Some(1) if unavailable.is_none() => Some("1 place left".to_owned()),
        Some(n) if unavailable.is_none() && n <= FEW_PLACES => Some(format!("{n} places left")),
        _ => None,
    };
    SlotChoice {
        start: slot.start.clone(),
        end: slot.end.clone(),
        label,
        unavailable,
        hint,
    }
}

/// What the live region says once a day's slots are shown: "Thursday 3 December: 6 times, 2 of
/// them unavailable." or the day's reason.
pub fn day_summary(day: &DaySlots) -> String {
    let name = Date::parse(&day.date).map_or_else(|| day.date.clone(), Date::long);
    let choices = slot_choices(day);
    let open = choices.iter().filter(|c| c.unavailable.is_none()).count();
    if open == 0 {
        let reason = day
            .reason
            .map_or("No time is left that day.", day_reason_text);
        return format!("{name}: {reason}");
    }
    let closed = choices.len() - open;
    let times = if choices.len() == 1 { "time" } else { "times" };
    match closed {
        0 => format!("{name}: {} {times} to choose from.", choices.len()),
        _ => format!(
            "{name}: {} {times}, {closed} of them unavailable.",
            choices.len()
        ),
    }
}

/// "48 h", "30 min", "1 h 30 min", "5 days".
pub fn lead_time_text(minutes: i64) -> String {
    const DAY: i64 = 24 * 60;
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes % DAY == 0 && minutes >= 3 * DAY {
        format!("{} days", minutes / DAY)
    } else if minutes % 60 == 0 {
        format!("{} h", minutes / 60)
    } else {
        format!("{} h {} min", minutes / 60, minutes % 60)
    }
}

/// A cart line's lead time explained: "Celebration cake: order 48 h ahead — earliest Thursday
/// 3 December, 10:00" (`earliest`: the first slot it can be ready for, when known).
pub fn lead_note(name: &str, minutes: i64, earliest: Option<&str>) -> String {
    let ahead = format!("{name}: order {} ahead", lead_time_text(minutes));
    match earliest.and_then(|at| span(at, None)) {
        Some(when) => format!("{ahead} — earliest {when}"),
        None => ahead,
    }
}

/// A cart line the kitchen needs notice for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadLine {
    pub product_id: i64,
    pub name: String,
    pub quantity: i64,
    pub lead_time_minutes: i64,
}

impl LeadLine {
    /// The line alone as the slot endpoints take it: `7:2`.
    pub fn items(&self) -> String {
        format!("{}:{}", self.product_id, self.quantity)
    }
}

/// The cart's lines whose product has a lead time, longest first, as the menu `products` says.
pub fn lead_lines(cart: &Cart, products: &[Product]) -> Vec<LeadLine> {
    let mut lines: Vec<LeadLine> = cart
        .lines
        .iter()
        .filter_map(|line| {
            let product = products.iter().find(|p| p.id == line.product_id)?;
            let minutes = product.planning.lead_time_minutes;
            (minutes > 0).then(|| LeadLine {
                product_id: line.product_id,
                name: line.name.clone(),
                quantity: line.quantity,
                lead_time_minutes: minutes,
            })
        })
        .collect();
    lines.sort_by_key(|l| std::cmp::Reverse(l.lead_time_minutes));
    lines
}

/// A time the bakery refused for an order (a 409 with one of the slot codes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// Why, in a sentence.
    pub message: String,
    /// The next slot with room (its start), offered with one click.
    pub next_available: Option<String>,
}

/// Reads a refused time from an error answer; `None` when it is another error.
pub fn refused(error: &ErrorBody) -> Option<Refused> {
    let why = match error.code.as_str() {
        "slot_full" => "That time has just been fully booked.",
        "closed" => "The bakery does not take orders for that time.",
        "lead_time" => "That time is too soon for your order.",
        "cut_off" => "Orders for that day have closed.",
        "too_far_ahead" => "That day is too far ahead.",
        "paused" => "Online orders are paused for now.",
        _ => return None,
    };
    let next_available = error.details["next_available"]
        .as_str()
        .filter(|at| Date::parse(at).is_some() && clock(at).is_some())
        .map(str::to_owned);
    let message = match next_available.as_deref().and_then(|at| span(at, None)) {
        Some(when) => format!("{why} The next free time is {when}. Your cart is kept."),
        None => format!(
            "{why} No other time is free just now; please try again later. Your cart is kept."
        ),
    };
    Some(Refused {
        message,
        next_available,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bakery_wire::{Fulfillment, ProductPlanning};
    use serde_json::json;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap_or(Date {
            year: 0,
            month: 0,
            day: 0,
        })
    }

    #[test]
    fn dates_read_count_and_name_themselves() {
        assert_eq!(date("2026-12-05").weekday(), "Saturday");
        assert_eq!(date("2024-02-29").weekday(), "Thursday");
        assert_eq!(date("1970-01-01").weekday(), "Thursday");
        assert_eq!(date("2026-12-31").plus(1).to_string(), "2027-01-01");
        assert_eq!(date("2024-02-28").plus(1).to_string(), "2024-02-29");
        assert_eq!(date("2026-03-01").plus(-1).to_string(), "2026-02-28");
        assert_eq!(date("2026-12-01").until(date("2027-01-01")), 31);
        assert_eq!(
            date("2026-12-05T10:00:00+01:00").long(),
            "Saturday 5 December"
        );
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "soon",
            "2026-12-00",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_day_list_runs_from_today_to_the_last_day() {
        let today = date("2026-12-30");
        let days = days_between(today, date("2027-01-02"));
        let labels: Vec<String> = days.iter().map(|d| day_label(*d, today)).collect();
        assert_eq!(
            labels,
            [
                "Today, Wednesday 30 December",
                "Tomorrow, Thursday 31 December",
                "Friday 1 January",
                "Saturday 2 January"
            ]
        );
        assert_eq!(days_between(today, today).len(), 1);
        assert!(days_between(today, today.plus(-1)).is_empty());
        assert_eq!(days_between(today, today.plus(365)).len(), MAX_DAYS);
    }

    #[test]
    fn times_are_the_bakerys_local_times_as_written() {
        let start = "2026-12-05T10:00:00+01:00";
        assert_eq!(clock(start), Some("10:00"));
        assert_eq!(
            span(start, Some("2026-12-05T10:15:00+01:00")).as_deref(),
            Some("Saturday 5 December, 10:00–10:15")
        );
        assert_eq!(moment(start).as_deref(), Some("Saturday 5 December 10:00"));
        assert_eq!(span("later", None), None);
    }

    fn day(slots: serde_json::Value, reason: serde_json::Value) -> DaySlots {
        serde_json::from_value(json!({
            "date": "2026-12-03", "fulfillment": "pickup", "time_zone": "Europe/Paris",
            "slots": slots, "reason": reason,
            "first_date": "2026-12-01", "last_date": "2026-12-15"
        }))
        .unwrap_or(DaySlots {
            date: String::new(),
            fulfillment: Fulfillment::Pickup,
            time_zone: String::new(),
            slots: Vec::new(),
            reason: None,
            first_date: String::new(),
            last_date: String::new(),
        })
    }

    #[test]
    fn unavailable_slots_say_why_and_few_places_are_counted() {
        let d = day(
            json!([
                {"start": "2026-12-03T09:00:00+01:00", "end": "2026-12-03T09:15:00+01:00", "available": 0, "reason": "slot_full"},
                {"start": "2026-12-03T09:15:00+01:00", "end": "2026-12-03T09:30:00+01:00", "available": 2, "reason": null},
                {"start": "2026-12-03T09:30:00+01:00", "end": "2026-12-03T09:45:00+01:00", "available": null, "reason": null},
                {"start": "2026-12-03T09:45:00+01:00", "end": "2026-12-03T10:00:00+01:00", "available": 0, "reason": "lead_time"}
            ]),
            json!(null),
        );
        let choices = slot_choices(&d);
        assert_eq!(choices[0].label, "09:00–09:15");
        assert_eq!(choices[0].unavailable, Some("fully booked"));
        assert_eq!(choices[1].unavailable, None);
        assert_eq!(choices[1].hint.as_deref(), Some("2 places left"));
        assert_eq!(choices[2].hint, None);
        assert_eq!(choices[3].unavailable, Some("too soon for your order"));
        assert_eq!(
            day_summary(&d),
            "Thursday 3 December: 4 times, 2 of them unavailable."
        );
        let closed = day(json!([]), json!("closed"));
        assert_eq!(
            day_summary(&closed),
            "Thursday 3 December: The bakery is closed that day."
        );
        // An answer from before days had reasons still reads.
        let old: DaySlots = serde_json::from_value(json!({"date": "2026-12-03",
            "fulfillment": "pickup", "time_zone": "UTC", "slots": []}))
        .unwrap_or_else(|_| day(json!([]), json!(null)));
        assert_eq!(
            day_summary(&old),
            "Thursday 3 December: No time is left that day."
        );
    }

    #[test]
    fn lead_times_read_in_hours_or_days() {
        assert_eq!(lead_time_text(30), "30 min");
        assert_eq!(lead_time_text(48 * 60), "48 h");
        assert_eq!(lead_time_text(90), "1 h 30 min");
        assert_eq!(lead_time_text(7 * 24 * 60), "7 days");
        assert_eq!(
            lead_note(
                "Celebration Cake",
                48 * 60,
                Some("2026-12-03T10:00:00+01:00")
            ),
            "Celebration Cake: order 48 h ahead — earliest Thursday 3 December, 10:00"
        );
        assert_eq!(lead_note("Cake", 60, None), "Cake: order 1 h ahead");
    }

    #[test]
    fn the_cart_is_sent_as_pairs() {
        let mut cart = Cart::default();
        for id in [3, 1] {
            let product = Product {
                id,
                name: format!("P{id}"),
                price: 2.0,
                stock: 5,
                ..Product::default()
            };
            assert!(cart.add(&product).is_ok());
        }
        assert!(
            cart.add(&Product {
                id: 1,
                name: "P1".into(),
                price: 2.0,
                stock: 5,
                ..Product::default()
            })
            .is_ok()
        );
        assert_eq!(items_query(&cart), "3:1,1:2");
        assert_eq!(items_query(&Cart::default()), "");
    }

    #[test]
    fn the_lines_that_need_notice_are_found_in_the_menu() {
        let product = |id: i64, name: &str, lead: i64| Product {
            id,
            name: name.to_owned(),
            price: 3.0,
            stock: 9,
            planning: ProductPlanning {
                lead_time_minutes: lead,
                ..ProductPlanning::default()
            },
            ..Product::default()
        };
        let menu = [
            product(1, "Croissant", 0),
            product(2, "Celebration Cake", 48 * 60),
            product(3, "Tart", 120),
        ];
        let mut cart = Cart::default();
        for p in &menu {
            assert!(cart.add(p).is_ok());
        }
        assert!(cart.add(&menu[1]).is_ok());
        let lines = lead_lines(&cart, &menu);
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Celebration Cake", "Tart"]);
        assert_eq!(lines[0].items(), "2:2");
        // A product gone from the menu has no rules to tell.
        assert!(lead_lines(&cart, &menu[..1]).is_empty());
    }

    #[test]
    fn a_refused_time_offers_the_next_one() {
        let error = ErrorBody {
            error: "That time is fully booked.".into(),
            code: "slot_full".into(),
            details: json!({"field": "pickup_at", "next_available": "2026-12-03T10:15:00+01:00"}),
        };
        let refused = refused(&error);
        assert_eq!(
            refused,
            Some(Refused {
                message: "That time has just been fully booked. The next free time is Thursday 3 December, 10:15. Your cart is kept.".into(),
                next_available: Some("2026-12-03T10:15:00+01:00".into()),
            })
        );
        for code in ["closed", "lead_time", "cut_off", "too_far_ahead", "paused"] {
            let error = ErrorBody {
                error: String::new(),
                code: code.into(),
                details: json!({"field": "pickup_at", "next_available": null}),
            };
            let found = super::refused(&error);
            assert!(
                found.as_ref().is_some_and(|r| r.next_available.is_none()),
                "{code}"
            );
        }
        let other = ErrorBody {
            error: String::new(),
            code: "price_mismatch".into(),
            details: json!(null),
        };
        assert_eq!(super::refused(&other), None);
    }
}
