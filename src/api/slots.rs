//! `GET /api/slots` and `GET /api/slots/next`, and choosing an order's slot: the one asked for,
//! checked, or the earliest that fits; refusals name the next slot with room.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use bakery_wire::{DaySlots, ErrorBody, Fulfillment, NextSlot, SlotReason, SlotView};
use chrono::{DateTime, NaiveDate, Utc};
use entity::product;
use serde::Deserialize;

use super::AppState;
use super::errors::ApiError;
use super::planning::Planning;
use crate::actors::catalog_cache::CatalogSnapshot;
use crate::domain::calendar::parse_days;
use crate::domain::slots::{Booked, CartLine, Refusal, SlotState, day_refusal};
use crate::store::bookings;
use crate::store::draft::Booking;

/// The cart's lines as the calendar sees them (product rules and quantities).
pub fn cart_line(product: &product::Model, quantity: i64) -> CartLine {
    let date = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
    };
    CartLine {
        product_id: product.id,
        quantity,
        lead_time_minutes: product.lead_time_minutes,
        max_per_day: product.max_per_day,
        made_on: product.made_on.as_deref().and_then(|d| parse_days(d).ok()),
        available_from: date(&product.available_from),
        available_until: date(&product.available_until),
    }
}

/// What is booked that an order of `cart` for `fulfillment` could book (nothing read when none
/// of it has a limit).
pub async fn booked_for(
    state: &AppState,
    planning: &Planning,
    now: DateTime<Utc>,
    fulfillment: Fulfillment,
    cart: &[CartLine],
) -> Result<Booked, ApiError> {
    match planning.calendar.counter_window(now, fulfillment, cart) {
        None => Ok(Booked::new()),
        Some((scopes, from, to)) => Ok(bookings::booked(&state.db, &scopes, &from, &to).await?),
    }
}

/// The 409 for `refusal`, naming the next slot with room.
pub fn refused(
    planning: &Planning,
    now: DateTime<Utc>,
    fulfillment: Fulfillment,
    cart: &[CartLine],
    booked: &Booked,
    refusal: Refusal,
) -> ApiError {
    let next = planning
        .calendar
        .next_available(now, planning.switches, fulfillment, cart, booked);
    ApiError::SlotRefused {
        refusal,
        next_available: next.map(|s| planning.calendar.show(s.slot.start)),
        field: "pickup_at",
    }
}

/// The slot of a new order and what it books: the one `asked` for, checked at `now`, or the
/// earliest that fits.
pub async fn choose_slot(
    state: &AppState,
    planning: &Planning,
    now: DateTime<Utc>,
    fulfillment: Fulfillment,
    cart: &[CartLine],
    asked: Option<DateTime<Utc>>,
) -> Result<Booking, ApiError> {
    let calendar = &planning.calendar;
    let booked = booked_for(state, planning, now, fulfillment, cart).await?;
    let refuse = |refusal| refused(planning, now, fulfillment, cart, &booked, refusal);
    if planning
        .switches
        .paused_until
        .is_some_and(|until| until > now)
    {
        return Err(refuse(Refusal::Paused));
    }
    let state_now = match asked {
        Some(at) => {
            let slot = match calendar.slot_at(fulfillment, at) {
                Ok(slot) => slot,
                Err(Some(refusal)) => return Err(refuse(refusal)),
                Err(None) => {
                    return Err(ApiError::invalid(
                        "pickup_at",
                        "must be the start of one of that day's slots (see GET /api/slots)",
                    ));
                }
            };
            calendar.state(now, planning.switches, fulfillment, slot, cart, &booked)
        }
        None => match calendar.next_available(now, planning.switches, fulfillment, cart, &booked) {
            Some(state) => state,
            None => return Err(refuse(Refusal::SlotFull)),
        },
    };
    if let Some(refusal) = state_now.reason {
        return Err(refuse(refusal));
    }
    Ok(Booking {
        pickup_at: Some(state_now.slot.start),
        counters: calendar.counters(fulfillment, state_now.slot, cart),
    })
}

/// The query of the slot endpoints; every field checked by hand, so a bad one is a 400 naming it.
#[derive(Debug, Deserialize)]
pub struct SlotsQuery {
    date: Option<String>,
    fulfillment: Option<String>,
    items: Option<String>,
}

fn fulfillment_of(query: &SlotsQuery) -> Result<Fulfillment, ApiError> {
    match query.fulfillment.as_deref() {
        None | Some("pickup") => Ok(Fulfillment::Pickup),
        Some("delivery") => Ok(Fulfillment::Delivery),
        Some(_) => Err(ApiError::invalid(
            "fulfillment",
            "must be \"pickup\" or \"delivery\"",
        )),
    }
}

/// `items=1:2,3:1` read against the catalog.
fn cart_of(query: &SlotsQuery, catalog: &CatalogSnapshot) -> Result<Vec<CartLine>, ApiError> {
    let Some(items) = query.items.as_deref() else {
        return Ok(Vec::new());
    };
    let bad = || {
        ApiError::invalid(
            "items",
            "must be up to 50 product_id:quantity pairs, comma-separated (quantities 1 to 1000)",
        )
    };
    let pairs: Vec<&str> = items.split(',').collect();
    if pairs.len() > bakery_wire::rules::MAX_ORDER_LINES {
        return Err(bad());
    }
    let mut cart = Vec::with_capacity(pairs.len());
    for pair in pairs {
        let (id, quantity) = pair.split_once(':').ok_or_else(bad)?;
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if !digits(id) || !digits(quantity) {
            return Err(bad());
        }
        let id: i64 = id.parse().map_err(|_| bad())?;
        let quantity: i64 = quantity.parse().map_err(|_| bad())?;
        if id < 1 || bakery_wire::rules::check_quantity(quantity).is_err() {
            return Err(bad());
        }
        let product = catalog
            .product(id)
            .ok_or_else(|| ApiError::UnknownProduct {
                product_id: id,
                field: "items".to_owned(),
            })?;
        cart.push(cart_line(product, quantity));
    }
    Ok(cart)
}

/// What a slot query asks about, with the planning and bookings to answer it.
struct Asked {
    fulfillment: Fulfillment,
    cart: Vec<CartLine>,
    planning: std::sync::Arc<Planning>,
    now: DateTime<Utc>,
    booked: Booked,
}

async fn asked(query: &SlotsQuery, state: &AppState) -> Result<Asked, ApiError> {
    let fulfillment = fulfillment_of(query)?;
    let cart = cart_of(query, &state.catalog.load())?;
    let planning = state.planning.current(&state.db).await?;
    let now = Utc::now();
    let booked = booked_for(state, &planning, now, fulfillment, &cart).await?;
    Ok(Asked {
        fulfillment,
        cart,
        planning,
        now,
        booked,
    })
}

fn reason(refusal: Refusal) -> SlotReason {
    match refusal {
        Refusal::SlotFull => SlotReason::SlotFull,
        Refusal::Closed => SlotReason::Closed,
        Refusal::LeadTime => SlotReason::LeadTime,
        Refusal::CutOff => SlotReason::CutOff,
        Refusal::TooFarAhead => SlotReason::TooFarAhead,
        Refusal::Paused => SlotReason::Paused,
    }
}

fn slot_view(planning: &Planning, state: &SlotState) -> SlotView {
    SlotView {
        start: planning.calendar.show(state.slot.start),
        end: planning.calendar.show(state.slot.end),
        available: state.available,
        reason: state.reason.map(reason),
    }
}

/// A day's slots with the room each has left.
#[utoipa::path(
    tag = "slots",
    summary = "A day's pickup slots or delivery windows, with the room left in each",
    description = "Slots follow the bakery's calendar (hours, slot length, closed dates, special hours) \
        in its time zone. `available` is the number of orders a slot can still take after the \
        slot's and the day's limits, the per-product daily caps and lead times of the `items` \
        given, and the busy and pause switches; 0 with a `reason` when it cannot be ordered; null \
        when nothing limits it. The day's own `reason` says why none of it can be ordered (`closed` \
        for a day without hours), and `first_date` to `last_date` are the days customers may order \
        for now.",
    params(
        ("date" = String, Query, format = Date, description = "The day, YYYY-MM-DD, in the bakery's time zone"),
        ("fulfillment" = Option<Fulfillment>, Query, description = "`pickup` (the default) or `delivery`"),
        ("items" = Option<String>, Query, pattern = r"^[1-9][0-9]{0,17}:([1-9][0-9]{0,2}|1000)(,[1-9][0-9]{0,17}:([1-9][0-9]{0,2}|1000)){0,49}$",
            description = "The cart: up to 50 `product_id:quantity` pairs of active products, comma-separated, quantities 1 to 1000"),
    ),
    responses(
        (status = 200, description = "The day's slots, earliest first", body = DaySlots),
        (status = 400, description = "Bad or missing `date`, bad `fulfillment` or `items`, or an unknown product (`unknown_product`)", body = ErrorBody),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
    )
)]
#[get("/slots")]
pub async fn day_slots(
    query: web::Query<SlotsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let date = match query.date.as_deref() {
        None => return Err(ApiError::invalid("date", "is required (YYYY-MM-DD)")),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or_else(|| ApiError::invalid("date", "must be a date YYYY-MM-DD"))?,
    };
    let Asked {
        fulfillment,
        cart,
        planning,
        now,
        booked,
    } = asked(&query, &state).await?;
    let states =
        planning
            .calendar
            .day_states(now, planning.switches, date, fulfillment, &cart, &booked);
    let dates = planning.calendar.order_dates(now);
    let day = |d: Option<&NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(DaySlots {
            date: date.format("%Y-%m-%d").to_string(),
            fulfillment,
            time_zone: planning.calendar.time_zone.name().to_owned(),
            slots: states.iter().map(|s| slot_view(&planning, s)).collect(),
            reason: day_refusal(&states).map(reason),
            first_date: day(dates.first()).unwrap_or_default(),
            last_date: day(dates.last()).unwrap_or_default(),
        }))
}

/// The earliest slot with room.
#[utoipa::path(
    tag = "slots",
    summary = "The earliest slot with room",
    description = "The first slot, from now to the last day customers may order for, that an order \
        of `items` could take now; while orders are paused, the first once the pause ends.",
    params(
        ("fulfillment" = Option<Fulfillment>, Query, description = "`pickup` (the default) or `delivery`"),
        ("items" = Option<String>, Query, pattern = r"^[1-9][0-9]{0,17}:([1-9][0-9]{0,2}|1000)(,[1-9][0-9]{0,17}:([1-9][0-9]{0,2}|1000)){0,49}$",
            description = "The cart: up to 50 `product_id:quantity` pairs of active products, comma-separated, quantities 1 to 1000"),
    ),
    responses(
        (status = 200, description = "The slot", body = NextSlot),
        (status = 400, description = "Bad `fulfillment` or `items`, or an unknown product (`unknown_product`)", body = ErrorBody),
        (status = 404, description = "No slot has room within the days customers may order ahead (`no_slot`)", body = ErrorBody),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
    )
)]
#[get("/slots/next")]
pub async fn next_slot(
    query: web::Query<SlotsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let Asked {
        fulfillment,
        cart,
        planning,
        now,
        booked,
    } = asked(&query, &state).await?;
    let next = planning
        .calendar
        .next_available(now, planning.switches, fulfillment, &cart, &booked)
        .ok_or(ApiError::NoSlot)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(NextSlot {
            start: planning.calendar.show(next.slot.start),
            end: planning.calendar.show(next.slot.end),
            available: next.available,
        }))
}
