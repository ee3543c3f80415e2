//! The bakery's calendar (`/api/admin/calendar`, admins) and the order board's busy and pause
//! switches (`/api/admin/switches`, admins and bakers): stored in the database, audited, in force
//! on every replica within a second.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use bakery_wire::ErrorBody;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::AppState;
use super::body::read_body as body;
use super::errors::ApiError;
use super::planning::{Planning, switches_from_json, switches_json};
use super::shared_answers::{AdminChange, AdminRead, JsonBody};
use super::staff::{ADMIN, BAKERS, Staff};
use crate::config::CalendarSettings;
use crate::domain::calendar::Calendar;
use crate::domain::slots::Switches;
use crate::store::planning;

/// `POST /api/admin/switches`: the whole state of the switches; `{}` clears both.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SwitchesChange {
    /// Minutes added to the earliest time an order can be ready (0 to 1440); 0: not busy.
    #[schema(minimum = 0, maximum = 1440)]
    pub busy_minutes: u32,
    /// Online orders are refused until this time (RFC 3339 with an offset); null: not paused.
    #[schema(format = DateTime)]
    pub paused_until: Option<String>,
}

/// `PATCH /api/admin/switches`: only the switches named change; `paused_until: null` resumes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SwitchesPatch {
    /// Minutes added to the earliest time an order can be ready (0 to 1440); 0: not busy.
    #[schema(minimum = 0, maximum = 1440)]
    pub busy_minutes: Option<u32>,
    /// Online orders are refused until this time (RFC 3339 with an offset); null: resume.
    #[serde(deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub paused_until: Option<Option<String>>,
}

/// A field that is there, even as `null` (`Some(None)`), apart from one left out (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The switches in force.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SwitchesView {
    #[schema(minimum = 0, maximum = 1440)]
    pub busy_minutes: u32,
    /// RFC 3339 with the bakery's offset; null when not paused (or the pause is over).
    #[schema(format = DateTime)]
    pub paused_until: Option<String>,
}

fn switches_view(planning: &Planning, switches: Switches) -> SwitchesView {
    SwitchesView {
        busy_minutes: switches.busy_minutes,
        paused_until: switches
            .paused_until
            .filter(|until| *until > Utc::now())
            .map(|until| planning.calendar.show(until)),
    }
}

/// `GET /api/admin/calendar`: the calendar in force.
#[utoipa::path(
    tag = "admin",
    summary = "The bakery's calendar in force (admin, baker)",
    description = "The settings' `[calendar]` until an admin stores another with PUT.",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The calendar", body = CalendarSettings),
        AdminRead,
    )
)]
#[get("/admin/calendar")]
pub async fn get_calendar(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let planning = state.planning.current(&state.db).await?;
    Ok(HttpResponse::Ok().json(&planning.calendar_text))
}

/// `PUT /api/admin/calendar`: replaces the calendar (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Replace the bakery's calendar (admin)",
    description = "The whole calendar: a field left out takes its built-in default (open all day, no \
        limits). Checked as the settings file is (`details` names the bad field), stored and \
        audited in one transaction, in force on every replica within a second. Orders already \
        placed keep their slots; limits count the orders booked while a limit was set.",
    security(("session" = []), ("bearer" = [])),
    request_body(content = CalendarSettings, content_type = "application/json"),
    responses(
        (status = 200, description = "Stored", body = CalendarSettings),
        (status = 400, description = "Invalid JSON or a field that does not parse", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[put("/admin/calendar")]
pub async fn put_calendar(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let text: CalendarSettings = body(&req, payload, state.body).await?;
    check_calendar(&text)?;
    let value = serde_json::to_value(&text).map_err(ApiError::internal)?;
    planning::store(
        &state.db,
        planning::CALENDAR,
        &value,
        &who.actor,
        "calendar.update",
    )
    .await?;
    state.planning.forget();
    Ok(HttpResponse::Ok().json(&text))
}

/// The calendar parses, and its numbers stay within what the document states.
fn check_calendar(text: &CalendarSettings) -> Result<(), ApiError> {
    Calendar::parse(text).map_err(|e| ApiError::invalid(e.field, &e.message))?;
    let limits = [
        ("slot_orders", text.slot_orders, 100_000),
        ("slot_items", text.slot_items, 1_000_000),
        ("day_orders", text.day_orders, 1_000_000),
        ("delivery_slot_orders", text.delivery_slot_orders, 100_000),
        ("delivery_slot_items", text.delivery_slot_items, 1_000_000),
        ("delivery_day_orders", text.delivery_day_orders, 1_000_000),
    ];
    for (field, value, max) in limits {
        if value > max {
            return Err(ApiError::invalid(field, &format!("must be 0 to {max}")));
        }
    }
    let lengths = [
        ("time_zone", &text.time_zone, 64),
        ("hours", &text.hours, 1000),
        ("delivery_hours", &text.delivery_hours, 1000),
        ("closed_dates", &text.closed_dates, 4000),
        ("special_hours", &text.special_hours, 4000),
    ];
    for (field, value, max) in lengths {
        if value.chars().count() > max {
            return Err(ApiError::invalid(
                field,
                &format!("must be at most {max} characters"),
            ));
        }
    }
    Ok(())
}

/// `GET /api/admin/switches`: the busy and pause switches in force.
#[utoipa::path(
    tag = "admin",
    summary = "The busy and pause switches (admin, baker)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The switches", body = SwitchesView),
        AdminRead,
    )
)]
#[get("/admin/switches")]
pub async fn get_switches(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let planning = state.planning.current(&state.db).await?;
    Ok(HttpResponse::Ok().json(switches_view(&planning, planning.switches)))
}

/// `POST /api/admin/switches`: sets both switches (admins, bakers).
#[utoipa::path(
    tag = "admin",
    summary = "Set the busy and pause switches (admin, baker)",
    description = "`busy_minutes` adds minutes to the earliest time an order can be ready (the earliest \
        slot moves later); `paused_until` refuses online orders (409 `paused`) until then. The body \
        is the whole state: a field left out is cleared, so `{}` clears both. Audited; in force \
        on every replica within a second.",
    security(("session" = []), ("bearer" = [])),
    request_body(content = SwitchesChange, content_type = "application/json"),
    responses(
        (status = 200, description = "Set", body = SwitchesView),
        (status = 400, description = "Invalid JSON, `busy_minutes` out of range or `paused_until` not a time with an offset", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/switches")]
pub async fn set_switches(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?;
    let change: SwitchesChange = body(&req, payload, state.body).await?;
    let switches = Switches {
        busy_minutes: busy_minutes(change.busy_minutes)?,
        paused_until: paused_until(change.paused_until.as_deref())?,
    };
    let value = switches_json(switches);
    planning::store(
        &state.db,
        planning::SWITCHES,
        &value,
        &who.actor,
        "switches.set",
    )
    .await?;
    state.planning.forget();
    let planning = state.planning.current(&state.db).await?;
    Ok(HttpResponse::Ok().json(switches_view(&planning, switches)))
}

fn busy_minutes(minutes: u32) -> Result<u32, ApiError> {
    match minutes {
        0..=1440 => Ok(minutes),
        _ => Err(ApiError::invalid("busy_minutes", "must be 0 to 1440")),
    }
}

fn paused_until(at: Option<&str>) -> Result<Option<DateTime<Utc>>, ApiError> {
    at.map(|at| {
        DateTime::parse_from_rfc3339(at)
            .map(|at| at.with_timezone(&Utc))
            .map_err(|_| {
                ApiError::invalid(
                    "paused_until",
                    "must be a time with an offset (RFC 3339), or null",
                )
            })
    })
    .transpose()
}

/// `PATCH /api/admin/switches`: changes the switches named, keeps the other (admins, bakers).
#[utoipa::path(
    tag = "admin",
    summary = "Change one busy or pause switch (admin, baker)",
    description = "Only the fields sent change: `{\"busy_minutes\": 15}` keeps the pause as it is, \
        `{\"paused_until\": null}` resumes online orders and keeps the busy time. Two tills \
        changing different switches at once both keep their change. Audited; in force on every \
        replica within a second.",
    security(("session" = []), ("bearer" = [])),
    request_body(content = SwitchesPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = SwitchesView),
        (status = 400, description = "Invalid JSON, `busy_minutes` out of range or `paused_until` not a time with an offset", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[patch("/admin/switches")]
pub async fn change_switches(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?;
    let patch: SwitchesPatch = body(&req, payload, state.body).await?;
    let mut changes = serde_json::Map::new();
    if let Some(minutes) = patch.busy_minutes {
        changes.insert("busy_minutes".into(), busy_minutes(minutes)?.into());
    }
    if let Some(until) = patch.paused_until {
        let until = paused_until(until.as_deref())?.map(|at| at.to_rfc3339());
        changes.insert("paused_until".into(), until.into());
    }
    let stored = planning::merge(
        &state.db,
        planning::SWITCHES,
        &changes,
        &who.actor,
        "switches.change",
    )
    .await?;
    state.planning.forget();
    let planning = state.planning.current(&state.db).await?;
    Ok(HttpResponse::Ok().json(switches_view(&planning, switches_from_json(&stored))))
}
