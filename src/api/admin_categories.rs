//! The back-office's categories under `/api/admin/categories`: listing them with their product
//! counts, adding, renaming, moving and removing them. Every change is audited and tells the
//! catalog caches.

use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use bakery_wire::staff::{CategoryPatch, CategoryRemoved, NewCategory};
use bakery_wire::{Category, ErrorBody};
use entity::category;

use super::AppState;
use super::body::read_body as body;
use super::errors::ApiError;
use super::extract::{check_text, positive_id};
use super::order_moves::catalog_changed;
use super::shared_answers::{AdminChange, AdminRead, JsonBody};
use super::staff::{ADMIN, BAKERS, Staff};
use crate::store::categories::{self, CategoryOutcome};

/// The most categories' positions run to; a larger one means "last".
const MAX_POSITION: i64 = 1_000_000;

fn listed(c: category::Model, product_count: i64) -> Category {
    Category {
        id: c.id,
        name: c.name,
        position: c.position,
        product_count,
    }
}

/// A category's name: 1 to 100 characters on one line, visible; kept without the spaces around it.
fn check_name(name: &str) -> Result<String, ApiError> {
    check_text("name", name, 1, 100)?;
    if name.contains('\n') {
        return Err(ApiError::invalid("name", "must be one line"));
    }
    Ok(name.trim().to_owned())
}

fn check_position(position: Option<i64>) -> Result<Option<i64>, ApiError> {
    match position {
        Some(p) if !(1..=MAX_POSITION).contains(&p) => Err(ApiError::invalid(
            "position",
            "must be a whole number from 1 (first) to 1000000",
        )),
        position => Ok(position),
    }
}

/// The category as it is after a change, with its product count, or the change's refusal.
async fn answer(state: &AppState, outcome: CategoryOutcome) -> Result<Category, ApiError> {
    let changed = match outcome {
        CategoryOutcome::Done(changed) => changed,
        CategoryOutcome::NotFound => return Err(ApiError::CategoryNotFound { field: "id" }),
        CategoryOutcome::NameTaken(existing) => return Err(ApiError::CategoryExists(existing)),
    };
    catalog_changed(state);
    let count = categories::with_counts(&state.db)
        .await?
        .into_iter()
        .find(|(c, _)| c.id == changed.id)
        .map_or(0, |(_, n)| n);
    Ok(listed(changed, count))
}

/// `GET /api/admin/categories`: every category in display order, counting all its products.
#[utoipa::path(
    tag = "admin",
    summary = "The categories in display order, counting inactive products too (admin, baker)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The categories", body = Vec<Category>),
        AdminRead,
    )
)]
#[get("/admin/categories")]
pub async fn list_all_categories(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let all: Vec<Category> = categories::with_counts(&state.db)
        .await?
        .into_iter()
        .map(|(c, n)| listed(c, n))
        .collect();
    Ok(HttpResponse::Ok().json(all))
}

/// `POST /api/admin/categories`: adds a category (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Add a category (admin)",
    description = "At `position` (the categories from there move down one), or last. A name another category has, whatever the letters' case, is a 409 `category_exists`.",
    security(("session" = []), ("bearer" = [])),
    request_body(content = NewCategory, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = Category),
        (status = 400, description = "Invalid JSON or fields", body = ErrorBody),
        (status = 409, description = "Another category has this name (`category_exists`)", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/categories")]
pub async fn add_category(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let new: NewCategory = body(&req, payload, state.body).await?;
    let name = check_name(&new.name)?;
    let position = check_position(new.position)?;
    let outcome = categories::add(&state.db, &name, position, &who.actor).await?;
    Ok(HttpResponse::Created().json(answer(&state, outcome).await?))
}

/// `PATCH /api/admin/categories/{id}`: renames or moves a category (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Rename a category or move it on the menu (admin)",
    description = "`position` moves it there (1 is first; past the end: last) and the others close up around it; positions stay 1, 2, 3…",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The category")),
    request_body(content = CategoryPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = Category),
        (status = 400, description = "Bad id, invalid JSON or fields", body = ErrorBody),
        (status = 404, description = "No such category (`category_not_found`)", body = ErrorBody),
        (status = 409, description = "Another category has this name (`category_exists`)", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[patch("/admin/categories/{id}")]
pub async fn change_category(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let id = positive_id(&path)?;
    let patch: CategoryPatch = body(&req, payload, state.body).await?;
    let name = patch.name.as_deref().map(check_name).transpose()?;
    let position = check_position(patch.position)?;
    let outcome = categories::change(&state.db, id, name.as_deref(), position, &who.actor).await?;
    Ok(HttpResponse::Ok().json(answer(&state, outcome).await?))
}

/// `DELETE /api/admin/categories/{id}`: removes a category; its products become uncategorised.
#[utoipa::path(
    tag = "admin",
    summary = "Remove a category; its products become uncategorised (admin)",
    description = "A category that still has products can be removed: they stay on the menu under \"Other\" (uncategorised) until given another category, and the answer lists them.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The category")),
    responses(
        (status = 200, description = "Removed", body = CategoryRemoved),
        (status = 400, description = "Bad id", body = ErrorBody),
        (status = 404, description = "No such category (`category_not_found`)", body = ErrorBody),
        AdminChange,
    )
)]
#[delete("/admin/categories/{id}")]
pub async fn remove_category(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let id = positive_id(&path)?;
    let (removed, uncategorised) = categories::remove(&state.db, id, &who.actor)
        .await?
        .ok_or(ApiError::CategoryNotFound { field: "id" })?;
    catalog_changed(&state);
    Ok(HttpResponse::Ok().json(CategoryRemoved {
        id: removed.id,
        name: removed.name,
        uncategorised,
    }))
}
