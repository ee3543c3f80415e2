//! Unit tests of the slot arithmetic: the default calendar, DST days, refusals and room.

use super::*;
use crate::config::CalendarSettings;

fn calendar(edit: impl FnOnce(&mut CalendarSettings)) -> Calendar {
    let mut text = CalendarSettings::default();
    edit(&mut text);
    Calendar::parse(&text).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn line(lead: i64) -> CartLine {
    CartLine {
        product_id: 1,
        quantity: 2,
        lead_time_minutes: lead,
        max_per_day: None,
        made_on: None,
        available_from: None,
        available_until: None,
    }
}

#[test]
fn the_default_calendar_takes_an_order_for_now() {
    let c = calendar(|_| {});
    let now = utc("2026-12-01T10:07:30Z");
    let next = c
        .next_available(
            now,
            Switches::default(),
            Fulfillment::Pickup,
            &[line(0)],
            &Booked::new(),
        )
        .unwrap();
    assert_eq!(next.slot.start, utc("2026-12-01T10:00:00Z"));
    assert_eq!(next.available, None);
    assert!(
        c.counters(Fulfillment::Pickup, next.slot, &[line(0)])
            .is_empty()
    );
    assert_eq!(c.slots(date("2026-12-01"), Fulfillment::Pickup).len(), 96);
}

#[test]
fn slots_follow_the_local_clock_over_dst_changes() {
    let c = calendar(|t| {
        t.time_zone = "Europe/Paris".into();
        t.hours = "mon-sun 00:00-24:00".into();
        t.slot_minutes = 60;
    });
    // Spring forward (29 March 2026): 23 hours; fall back (25 October 2026): 25 hours.
    assert_eq!(c.slots(date("2026-03-29"), Fulfillment::Pickup).len(), 23);
    assert_eq!(c.slots(date("2026-10-25"), Fulfillment::Pickup).len(), 25);
    assert_eq!(c.slots(date("2026-10-26"), Fulfillment::Pickup).len(), 24);
    let first = c.slots(date("2026-10-25"), Fulfillment::Pickup)[0];
    assert_eq!(c.show(first.start), "2026-10-25T00:00:00+02:00");
    let shop = calendar(|t| {
        t.time_zone = "Europe/Paris".into();
        t.hours = "sun 08:00-10:00".into();
        t.slot_minutes = 30;
    });
    let slots = shop.slots(date("2026-03-29"), Fulfillment::Pickup);
    assert_eq!(slots.len(), 4);
    assert_eq!(shop.show(slots[0].start), "2026-03-29T08:00:00+02:00");
    assert_eq!(shop.show(slots[3].end), "2026-03-29T10:00:00+02:00");
    // A range inside the spring-forward gap starts after it.
    let gap = calendar(|t| {
        t.time_zone = "Europe/Paris".into();
        t.hours = "sun 02:00-04:00".into();
        t.slot_minutes = 30;
    });
    let slots = gap.slots(date("2026-03-29"), Fulfillment::Pickup);
    assert_eq!(gap.show(slots[0].start), "2026-03-29T03:00:00+02:00");
    assert_eq!(slots.len(), 2);
}

#[test]
fn slot_at_knows_closed_days_from_off_grid_times() {
    let c = calendar(|t| {
        t.hours = "mon-fri 07:00-12:00".into();
        t.slot_minutes = 30;
    });
    // 2026-12-05 is a Saturday.
    assert_eq!(
        c.slot_at(Fulfillment::Pickup, utc("2026-12-05T07:00:00Z")),
        Err(Some(Refusal::Closed))
    );
    assert_eq!(
        c.slot_at(Fulfillment::Pickup, utc("2026-12-04T07:10:00Z")),
        Err(None)
    );
    assert_eq!(
        c.slot_at(Fulfillment::Pickup, utc("2026-12-04T13:00:00Z")),
        Err(None)
    );
    let slot = c
        .slot_at(Fulfillment::Pickup, utc("2026-12-04T11:30:00Z"))
        .unwrap();
    assert_eq!(slot.end, utc("2026-12-04T12:00:00Z"));
}

#[test]
fn timing_refusals() {
    let c = calendar(|t| {
        t.days_ahead = 2;
        t.cut_off = "18:00".into();
    });
    let now = utc("2026-12-01T19:00:00Z");
    let slot = |s: &str| c.slot_at(Fulfillment::Pickup, utc(s)).unwrap();
    let refusal =
        |s: &str, switches, cart: &[CartLine]| c.timing_refusal(now, switches, slot(s), cart);
    let open = Switches::default();
    assert_eq!(
        refusal("2026-12-04T10:00:00Z", open, &[]),
        Some(Refusal::TooFarAhead)
    );
    assert_eq!(
        refusal("2026-12-02T10:00:00Z", open, &[]),
        Some(Refusal::CutOff)
    );
    assert_eq!(refusal("2026-12-03T10:00:00Z", open, &[]), None);
    assert_eq!(
        refusal("2026-12-03T10:00:00Z", open, &[line(48 * 60)]),
        Some(Refusal::LeadTime)
    );
    let paused = Switches {
        busy_minutes: 0,
        paused_until: Some(utc("2026-12-01T20:00:00Z")),
    };
    assert_eq!(
        refusal("2026-12-03T10:00:00Z", paused, &[]),
        Some(Refusal::Paused)
    );
    let mut weekend_only = line(0);
    weekend_only.made_on = Some(vec![5, 6]);
    assert_eq!(
        refusal("2026-12-03T10:00:00Z", open, &[weekend_only]),
        Some(Refusal::Closed)
    );
    let now_open = calendar(|_| {});
    let busy = Switches {
        busy_minutes: 30,
        paused_until: None,
    };
    let current = now_open
        .slot_at(Fulfillment::Pickup, utc("2026-12-01T19:00:00Z"))
        .unwrap();
    assert_eq!(
        now_open.timing_refusal(now, busy, current, &[]),
        Some(Refusal::LeadTime)
    );
    let next = now_open
        .next_available(now, busy, Fulfillment::Pickup, &[], &Booked::new())
        .unwrap();
    assert_eq!(next.slot.start, utc("2026-12-01T19:30:00Z"));
}

#[test]
fn room_counts_orders_items_days_and_products() {
    let c = calendar(|t| {
        t.slot_orders = 10;
        t.slot_items = 12;
        t.day_orders = 50;
    });
    let slot = c
        .slot_at(Fulfillment::Pickup, utc("2026-12-01T10:00:00Z"))
        .unwrap();
    let mut capped = line(0);
    capped.max_per_day = Some(5);
    let cart = [capped];
    let counters = c.counters(Fulfillment::Pickup, slot, &cart);
    let scopes: Vec<&str> = counters.iter().map(|c| c.scope.as_str()).collect();
    assert_eq!(scopes, ["day pickup", "product 1", "slot pickup"]);
    let mut booked = Booked::new();
    assert_eq!(room(&counters, &booked), Some(10));
    booked.insert(
        ("slot pickup".into(), "2026-12-01T10:00:00Z".into()),
        (7, 9),
    );
    assert_eq!(room(&counters, &booked), Some(3));
    booked.insert(("product 1".into(), "2026-12-01".into()), (0, 4));
    assert_eq!(room(&counters, &booked), Some(0));
    booked.clear();
    booked.insert(("day pickup".into(), "2026-12-01".into()), (50, 0));
    assert_eq!(room(&counters, &booked), Some(0));
    let states = c.day_states(
        utc("2026-12-01T00:00:00Z"),
        Switches::default(),
        date("2026-12-01"),
        Fulfillment::Pickup,
        &[],
        &booked,
    );
    assert!(states.iter().all(|s| s.reason == Some(Refusal::SlotFull)));
}

#[test]
fn a_day_tells_why_none_of_its_slots_can_be_ordered() {
    let c = calendar(|t| {
        t.hours = "mon-fri 07:00-09:00".into();
        t.slot_minutes = 60;
        t.slot_orders = 1;
    });
    let states = |day: &str, now: &str, booked: &Booked| {
        c.day_states(
            utc(now),
            Switches::default(),
            date(day),
            Fulfillment::Pickup,
            &[],
            booked,
        )
    };
    // 2026-12-05 is a Saturday: no hours.
    let none = Booked::new();
    assert_eq!(
        day_refusal(&states("2026-12-05", "2026-12-01T10:00:00Z", &none)),
        Some(Refusal::Closed)
    );
    assert_eq!(
        day_refusal(&states("2026-12-02", "2026-12-01T10:00:00Z", &none)),
        None
    );
    // Its first slot past, its last full: the day is full, not too soon.
    let mut booked = Booked::new();
    booked.insert(
        ("slot pickup".into(), "2026-12-02T08:00:00Z".into()),
        (1, 1),
    );
    let day = states("2026-12-02", "2026-12-02T08:10:00Z", &booked);
    assert_eq!(day[0].reason, Some(Refusal::LeadTime));
    assert_eq!(day_refusal(&day), Some(Refusal::SlotFull));
}
