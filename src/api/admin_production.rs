//! The production sheet (`/api/admin/production`, admins and bakers): for a day of the bakery,
//! each product to bake per slot and in all, with the orders behind each line, as JSON or CSV.

use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use bakery_wire::ErrorBody;
use bakery_wire::production::ProductionSheet;
use chrono::{Duration, NaiveDate, Utc};

use super::AppState;
use super::errors::ApiError;
use super::shared_answers::AdminRead;
use super::staff::{BAKERS, Staff};
use crate::domain::{production, schedule};
use crate::store::production::lines_to_bake;

/// Query of the sheet: `date=YYYY-MM-DD|today|tomorrow` (the bakery's local day; default today).
#[derive(Debug, serde::Deserialize)]
pub struct SheetQuery {
    date: Option<String>,
}

/// The sheet of the day `query` names.
async fn sheet_for(state: &AppState, query: &SheetQuery) -> Result<ProductionSheet, ApiError> {
    let planning = state.planning.current(&state.db).await?;
    let calendar = &planning.calendar;
    let today = calendar.local_date(Utc::now());
    let date = match query.date.as_deref() {
        None | Some("today") => today,
        Some("tomorrow") => today + Duration::days(1),
        Some(date) => NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid("date", "must be YYYY-MM-DD, today or tomorrow"))?,
    };
    let (from, to) = schedule::day_span(calendar, date)
        .ok_or_else(|| ApiError::invalid("date", "is out of range"))?;
    let lines = lines_to_bake(&state.db, from, to).await?;
    let lines: Vec<production::Line<'_>> = lines
        .iter()
        .map(|l| production::Line {
            order_id: l.order_id,
            slot: l.pickup_at,
            product_id: l.product_id,
            name: l.product_name.as_str(),
            options: l.options.iter().map(|o| o.choice.as_str()).collect(),
            inscription: l.inscription.as_deref(),
            quantity: l.quantity,
        })
        .collect();
    let date = date.format("%Y-%m-%d").to_string();
    let zone = planning.calendar_text.time_zone.trim();
    Ok(production::sheet(&date, zone, &lines, |at| {
        calendar.show(at)
    }))
}

/// `GET /api/admin/production`: a day's production sheet (admins, bakers).
#[utoipa::path(
    tag = "admin",
    summary = "What to bake for a day, per product and slot (admin, baker)",
    description = "Orders not cancelled, rejected or failed whose slot (`pickup_at`) falls on the \
        bakery's local day; each product's pieces per slot and in all, with the orders behind them. \
        Lines of other options are apart (`options` names the choices) and each carries its inscriptions.",
    security(("session" = []), ("bearer" = [])),
    params(("date" = Option<String>, Query, format = Date,
        description = "`today` (the default), `tomorrow` or a day, YYYY-MM-DD, in the bakery's time zone")),
    responses(
        (status = 200, description = "The sheet", body = ProductionSheet),
        (status = 400, description = "Bad date", body = ErrorBody),
        AdminRead,
    )
)]
#[get("/admin/production")]
pub async fn production_sheet(
    query: web::Query<SheetQuery>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let sheet = sheet_for(&state, &query).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(sheet))
}

/// `GET /api/admin/production.csv`: the same sheet as a CSV download.
#[utoipa::path(
    tag = "admin",
    summary = "A day's production sheet as CSV (admin, baker)",
    description = "Columns `date,slot,product_id,product,quantity,orders,options,inscriptions`: a row \
        per product (and its choices) and slot, then its `all day` row; order numbers separated by \
        spaces, choices by ` · `, and the `all day` row's inscriptions as `#order: text` separated by ` | `.",
    security(("session" = []), ("bearer" = [])),
    params(("date" = Option<String>, Query, format = Date,
        description = "`today` (the default), `tomorrow` or a day, YYYY-MM-DD, in the bakery's time zone")),
    responses(
        (status = 200, description = "The sheet, `text/csv`, as an attachment `production-YYYY-MM-DD.csv`", body = String, content_type = "text/csv"),
        (status = 400, description = "Bad date", body = ErrorBody),
        AdminRead,
    )
)]
#[get("/admin/production.csv")]
pub async fn production_csv(
    query: web::Query<SheetQuery>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let sheet = sheet_for(&state, &query).await?;
    let disposition = format!("attachment; filename=\"production-{}.csv\"", sheet.date);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .content_type("text/csv; charset=utf-8")
        .body(production::csv(&sheet)))
}
