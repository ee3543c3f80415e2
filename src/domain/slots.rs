//! Slot arithmetic over the calendar: a day's slots in real time (DST days included), why a slot
//! cannot be ordered, the counters an order books and the room a slot has left.

use std::collections::HashMap;

use bakery_wire::Fulfillment;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use super::calendar::Calendar;

/// One slot: from `start` (when the customer may come) to `end`, both instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The busy and pause switches of the order board.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Switches {
    /// Added to the earliest time an order can be ready.
    pub busy_minutes: u32,
    /// No order is taken before this.
    pub paused_until: Option<DateTime<Utc>>,
}

/// Why a slot cannot be ordered: the `code` of a 409 and the `reason` of a listed slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No room left: the slot's or the day's orders or items, or a product's pieces of the day.
    SlotFull,
    /// The bakery (or the kitchen of a product in the cart) is closed that day or time.
    Closed,
    /// Too soon: the slot ends before the cart can be ready (lead times, busy minutes) or is past.
    LeadTime,
    /// The day's orders closed at the cut-off the day before.
    CutOff,
    /// Beyond the days customers may order ahead.
    TooFarAhead,
    /// Online orders are paused.
    Paused,
}

impl Refusal {
    pub const ALL: [Refusal; 6] = [
        Refusal::SlotFull,
        Refusal::Closed,
        Refusal::LeadTime,
        Refusal::CutOff,
        Refusal::TooFarAhead,
        Refusal::Paused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Refusal::SlotFull => "slot_full",
            Refusal::Closed => "closed",
            Refusal::LeadTime => "lead_time",
            Refusal::CutOff => "cut_off",
            Refusal::TooFarAhead => "too_far_ahead",
            Refusal::Paused => "paused",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::SlotFull => "That time is fully booked.",
            Refusal::Closed => "The bakery does not take orders for that time.",
            Refusal::LeadTime => "That time is too soon for this order.",
            Refusal::CutOff => "Orders for that day are closed.",
            Refusal::TooFarAhead => "That day is too far ahead.",
            Refusal::Paused => "Online orders are paused for now.",
        }
    }
}

/// What a product asks of the calendar, with the quantity in the cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_id: i64,
    pub quantity: i64,
    pub lead_time_minutes: i64,
    pub max_per_day: Option<i64>,
    /// Weekdays it is made, from Monday (0); `None`: every day.
    pub made_on: Option<Vec<usize>>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
}

/// A counter an order books: `orders` and `items` added under `scope` at `at`, each at most its
/// limit. Kept in the `bookings` table; see [`counters`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counter {
    pub scope: String,
    pub at: String,
    pub orders: i64,
    pub items: i64,
    pub max_orders: Option<i64>,
    pub max_items: Option<i64>,
}

/// Booked `(orders, items)` by `(scope, at)`.
pub type Booked = HashMap<(String, String), (i64, i64)>;

/// A slot as `GET /api/slots` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotState {
    pub slot: Slot,
    /// Orders it can still take; `None`: no limit; 0 whenever `reason` is set.
    pub available: Option<i64>,
    pub reason: Option<Refusal>,
}

/// The scope of a fulfillment's slots' counters.
pub fn slot_scope(fulfillment: Fulfillment) -> String {
    format!("slot {}", fulfillment_word(fulfillment))
}

/// The scope of a fulfillment's days' counters.
pub fn day_scope(fulfillment: Fulfillment) -> String {
    format!("day {}", fulfillment_word(fulfillment))
}

/// The scope of a product's pieces per day.
pub fn product_scope(product_id: i64) -> String {
    format!("product {product_id}")
}

fn fulfillment_word(fulfillment: Fulfillment) -> &'static str {
    match fulfillment {
        Fulfillment::Pickup => "pickup",
        Fulfillment::Delivery => "delivery",
    }
}

/// A slot's key in the counters: its start in UTC, `YYYY-MM-DDTHH:MM:SSZ`.
pub fn slot_key(start: DateTime<Utc>) -> String {
    start.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A day's key in the counters: `YYYY-MM-DD` (the bakery's local date).
pub fn day_key(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

impl Calendar {
    /// The bakery's local date at `at`.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.time_zone).date_naive()
    }

    /// `at` in RFC 3339 with the bakery's offset then.
    pub fn show(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.time_zone)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// The instant of `minute` (from midnight, 1440 the next midnight) on local `date`. In a
    /// fall-back hour the earlier instant (or the later with `latest`); in a spring-forward gap
    /// the first local time after it.
    fn instant(&self, date: NaiveDate, minute: u32, latest: bool) -> Option<DateTime<Utc>> {
        let mut local = date.and_hms_opt(0, 0, 0)? + Duration::minutes(i64::from(minute));
        for _ in 0..16 {
            match self.time_zone.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) => return Some(t.with_timezone(&Utc)),
                chrono::LocalResult::Ambiguous(early, late) => {
                    return Some(if latest { late } else { early }.with_timezone(&Utc));
                }
                chrono::LocalResult::None => local += Duration::minutes(15),
            }
        }
        None
    }

    /// The slots of local `date` for `fulfillment`: each opening range cut into slots of the
    /// slot length in real time (a range over a DST change is an hour longer or shorter); a
    /// last piece shorter than a slot is no slot.
    pub fn slots(&self, date: NaiveDate, fulfillment: Fulfillment) -> Vec<Slot> {
        let length = Duration::minutes(i64::from(self.window(fulfillment).slot_minutes));
        let mut slots = Vec::new();
        for &(from, to) in self.ranges(date, fulfillment) {
            let (Some(mut start), Some(end)) = (
                self.instant(date, from, false),
                self.instant(date, to, true),
            ) else {
                continue;
            };
            while start + length <= end {
                slots.push(Slot {
                    start,
                    end: start + length,
                });
                start += length;
            }
        }
        slots
    }

    /// The slot starting at `at`: `Err(Some(Closed))` when its day has no hours, `Err(None)` when
    /// the day is open but no slot starts then.
    pub fn slot_at(
        &self,
        fulfillment: Fulfillment,
        at: DateTime<Utc>,
    ) -> Result<Slot, Option<Refusal>> {
        let date = self.local_date(at);
        let slots = self.slots(date, fulfillment);
        if slots.is_empty() {
            return Err(Some(Refusal::Closed));
        }
        slots.into_iter().find(|s| s.start == at).ok_or(None)
    }

    /// Why `slot` cannot be ordered at `now` for `cart`, capacity aside.
    pub fn timing_refusal(
        &self,
        now: DateTime<Utc>,
        switches: Switches,
        slot: Slot,
        cart: &[CartLine],
    ) -> Option<Refusal> {
        if switches.paused_until.is_some_and(|until| until > now) {
            return Some(Refusal::Paused);
        }
        let date = self.local_date(slot.start);
        let today = self.local_date(now);
        if date > today + Duration::days(i64::from(self.days_ahead)) {
            return Some(Refusal::TooFarAhead);
        }
        if let Some(minute) = self.cut_off
            && let Some(eve) = date.pred_opt()
            && self
                .instant(eve, minute, false)
                .is_some_and(|cut| now >= cut)
        {
            return Some(Refusal::CutOff);
        }
        let lead = cart.iter().map(|l| l.lead_time_minutes).max().unwrap_or(0);
        let ready = now + Duration::minutes(lead + i64::from(switches.busy_minutes));
        if slot.end <= ready {
            return Some(Refusal::LeadTime);
        }
        let weekday = date.weekday().num_days_from_monday() as usize;
        let kitchen_closed = cart.iter().any(|l| {
            l.made_on
                .as_ref()
                .is_some_and(|days| !days.contains(&weekday))
                || l.available_from.is_some_and(|from| date < from)
                || l.available_until.is_some_and(|until| date > until)
        });
        kitchen_closed.then_some(Refusal::Closed)
    }

    /// The counters an order of `cart` for `slot` books: only those with a limit.
    pub fn counters(
        &self,
        fulfillment: Fulfillment,
        slot: Slot,
        cart: &[CartLine],
    ) -> Vec<Counter> {
        let window = self.window(fulfillment);
        let items: i64 = cart.iter().map(|l| l.quantity).sum();
        let day = day_key(self.local_date(slot.start));
        let mut counters = Vec::new();
        if window.slot_orders.is_some() || window.slot_items.is_some() {
            counters.push(Counter {
                scope: slot_scope(fulfillment),
                at: slot_key(slot.start),
                orders: 1,
                items,
                max_orders: window.slot_orders,
                max_items: window.slot_items,
            });
        }
        if window.day_orders.is_some() {
            counters.push(Counter {
                scope: day_scope(fulfillment),
                at: day.clone(),
                orders: 1,
                items,
                max_orders: window.day_orders,
                max_items: None,
            });
        }
        let mut pieces: Vec<(i64, i64, Option<i64>)> = Vec::new();
        for line in cart {
            match pieces.iter_mut().find(|p| p.0 == line.product_id) {
                Some(p) => p.1 += line.quantity,
                None => pieces.push((line.product_id, line.quantity, line.max_per_day)),
            }
        }
        for (product_id, quantity, max) in pieces {
            if max.is_some() {
                counters.push(Counter {
                    scope: product_scope(product_id),
                    at: day.clone(),
                    orders: 0,
                    items: quantity,
                    max_orders: None,
                    max_items: max,
                });
            }
        }
        counters.sort_by(|a, b| (&a.scope, &a.at).cmp(&(&b.scope, &b.at)));
        counters
    }

    /// The state of `slot` at `now`, for `cart` (maybe empty), given what is booked.
    pub fn state(
        &self,
        now: DateTime<Utc>,
        switches: Switches,
        fulfillment: Fulfillment,
        slot: Slot,
        cart: &[CartLine],
        booked: &Booked,
    ) -> SlotState {
        let reason = self.timing_refusal(now, switches, slot, cart);
        let full = |available| SlotState {
            slot,
            available: Some(0),
            reason: Some(available),
        };
        if let Some(reason) = reason {
            return full(reason);
        }
        match room(&self.counters(fulfillment, slot, cart), booked) {
            Some(0) => full(Refusal::SlotFull),
            available => SlotState {
                slot,
                available,
                reason: None,
            },
        }
    }

    /// The state of every slot of `date` at `now`, for `cart` (maybe empty), given what is booked.
    pub fn day_states(
        &self,
        now: DateTime<Utc>,
        switches: Switches,
        date: NaiveDate,
        fulfillment: Fulfillment,
        cart: &[CartLine],
        booked: &Booked,
    ) -> Vec<SlotState> {
        self.slots(date, fulfillment)
            .into_iter()
            .map(|slot| self.state(now, switches, fulfillment, slot, cart, booked))
            .collect()
    }

    /// The scopes and key range of every counter an order of `cart` may book at `now`; `None`
    /// when nothing it could book has a limit.
    pub fn counter_window(
        &self,
        now: DateTime<Utc>,
        fulfillment: Fulfillment,
        cart: &[CartLine],
    ) -> Option<(Vec<String>, String, String)> {
        let window = self.window(fulfillment);
        let mut scopes = Vec::new();
        if window.slot_orders.is_some() || window.slot_items.is_some() {
            scopes.push(slot_scope(fulfillment));
        }
        if window.day_orders.is_some() {
            scopes.push(day_scope(fulfillment));
        }
        for line in cart.iter().filter(|l| l.max_per_day.is_some()) {
            scopes.push(product_scope(line.product_id));
        }
        if scopes.is_empty() {
            return None;
        }
        // Slots' UTC keys and local dates' keys both sort by time; a day's margin on each side.
        let today = self.local_date(now);
        let from = day_key(today - Duration::days(1));
        let to = day_key(today + Duration::days(i64::from(self.days_ahead) + 2));
        Some((scopes, from, to))
    }

    /// The dates an order may be for at `now`: today to `days_ahead` days on.
    pub fn order_dates(&self, now: DateTime<Utc>) -> Vec<NaiveDate> {
        let today = self.local_date(now);
        (0..=i64::from(self.days_ahead))
            .map(|n| today + Duration::days(n))
            .collect()
    }

    /// The earliest slot with room at `now` (while paused: once the pause ends).
    pub fn next_available(
        &self,
        now: DateTime<Utc>,
        switches: Switches,
        fulfillment: Fulfillment,
        cart: &[CartLine],
        booked: &Booked,
    ) -> Option<SlotState> {
        let (now, switches) = match switches.paused_until {
            Some(until) if until > now => (
                until,
                Switches {
                    paused_until: None,
                    ..switches
                },
            ),
            _ => (now, switches),
        };
        self.order_dates(now).into_iter().find_map(|date| {
            self.slots(date, fulfillment)
                .into_iter()
                .filter(|slot| slot.end > now)
                .map(|slot| self.state(now, switches, fulfillment, slot, cart, booked))
                .find(|s| s.reason.is_none())
        })
    }
}

/// Why no slot of a day can be ordered, from its slots' states: `Closed` when it has none, else
/// the reason of its last slot (the earlier ones of today are often only past); `None` when some
/// slot can be ordered.
pub fn day_refusal(states: &[SlotState]) -> Option<Refusal> {
    if states.iter().any(|s| s.reason.is_none()) {
        return None;
    }
    Some(
        states
            .last()
            .map_or(Refusal::Closed, |s| s.reason.unwrap_or(Refusal::Closed)),
    )
}

/// Orders the counters still allow given `booked` (`None`: no limit on orders); 0 when some
/// counter has no room for its items.
pub fn room(counters: &[Counter], booked: &Booked) -> Option<i64> {
    let mut room: Option<i64> = None;
    for c in counters {
        let (orders, items) = booked
            .get(&(c.scope.clone(), c.at.clone()))
            .copied()
            .unwrap_or((0, 0));
        if c.max_items.is_some_and(|max| items + c.items.max(1) > max) {
            return Some(0);
        }
        if let Some(max) = c.max_orders.filter(|_| c.orders > 0) {
            let left = (max - orders).max(0);
            room = Some(room.map_or(left, |r| r.min(left)));
        }
    }
    room
}

#[cfg(test)]
mod tests;
