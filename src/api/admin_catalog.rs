//! The back-office's catalog under `/api/admin/products`: every product, adding and changing
//! them, and stock counts. Every change is audited and tells the catalog caches.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use bakery_wire::menu::{ProductPicture, Vocabulary, from_column, parse_list, to_column};
use std::collections::HashMap;

use bakery_wire::staff::{
    AdminProduct, CategoryPick, LabelsPatch, NewProduct, ProductPatch, StockChange,
};
use bakery_wire::{Allergen, Dietary, ErrorBody, Inscription, cents_to_price, price_to_cents};
use entity::product;
use serde_json::Value;

use super::AppState;
use super::body::read_body as body;
use super::errors::ApiError;
use super::extract::{check_text, positive_id};
use super::order_moves::catalog_changed;
use super::shared_answers::{AdminChange, AdminRead, JsonBody};
use super::staff::{ADMIN, BAKERS, Staff};
use crate::domain::options::{groups_of, shown_groups};
use crate::store::catalog::{
    self, LabelColumns, ProductChange, ProductChanged, ProductRecord, StockMove, StockOutcome,
};
use crate::store::categories::{self, CategoryRef};
use crate::store::pictures;

/// What the back-office shows with a product besides its own row: its category's name and its
/// current picture.
pub(super) struct Beside {
    names: HashMap<i64, String>,
    pictures: HashMap<i64, ProductPicture>,
}

/// Reads the categories' names and the products' current pictures.
async fn beside(state: &AppState) -> Result<Beside, ApiError> {
    let names = categories::in_order(&state.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let pictures = pictures::current(&state.db)
        .await?
        .into_iter()
        .map(|p| (p.product_id, p.shown()))
        .collect();
    Ok(Beside { names, pictures })
}

/// After a change to `product`: tells every catalog cache, and gives the product as the
/// back-office shows it.
pub(super) async fn changed_product(
    state: &AppState,
    product: product::Model,
) -> Result<AdminProduct, ApiError> {
    catalog_changed(state);
    let beside = beside(state).await?;
    Ok(admin_product(product, &beside))
}

/// A product as the back-office shows it.
fn admin_product(p: product::Model, beside: &Beside) -> AdminProduct {
    let groups = groups_of(p.options.as_deref());
    AdminProduct {
        options: shown_groups(&groups),
        inscription: p
            .inscription_max_len
            .map(|max_length| Inscription { max_length }),
        category: p.category_id.and_then(|id| beside.names.get(&id).cloned()),
        picture: beside.pictures.get(&p.id).cloned(),
        category_id: p.category_id,
        planning: catalog::planning_of(&p),
        id: p.id,
        name: p.name,
        description: p.description,
        price: cents_to_price(p.price_cents),
        image_url: p.image_url,
        stock: p.stock,
        active: p.active,
        max_per_order: p.max_per_order,
        allergens: from_column(&p.allergens),
        may_contain: from_column(&p.may_contain),
        dietary: from_column(&p.dietary),
    }
}

/// The lists given, checked against their vocabularies, as their columns store them; a name
/// outside the vocabulary is a 400 naming it (`may_contain[2]`).
fn check_labels(labels: &LabelsPatch) -> Result<LabelColumns, ApiError> {
    fn column<W: Vocabulary>(
        field: &str,
        names: Option<&Vec<String>>,
    ) -> Result<Option<String>, ApiError> {
        let Some(names) = names else {
            return Ok(None);
        };
        let words = parse_list::<W>(names).map_err(|i| {
            let known = W::ALL
                .iter()
                .map(|w| w.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            ApiError::invalid(
                &format!("{field}[{i}]"),
                &format!("must be one of: {known}"),
            )
        })?;
        Ok(Some(to_column(&words)))
    }
    Ok(LabelColumns {
        allergens: column::<Allergen>("allergens", labels.allergens.as_ref())?,
        may_contain: column::<Allergen>("may_contain", labels.may_contain.as_ref())?,
        dietary: column::<Dietary>("dietary", labels.dietary.as_ref())?,
    })
}

/// The category a patch asks for: by id or by name (not both, unless both are null);
/// `Some(None)`: uncategorised.
fn check_category(pick: &CategoryPick) -> Result<Option<Option<CategoryRef>>, ApiError> {
    match (&pick.category_id, &pick.category) {
        (Some(None), Some(None)) => Ok(Some(None)),
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "category",
            "give the category by category_id or by category (its name), not both",
        )),
        (Some(None), None) | (None, Some(None)) => Ok(Some(None)),
        (Some(Some(id)), None) if *id < 1 => Err(ApiError::invalid(
            "category_id",
            "must be a positive whole number, or null for none",
        )),
        (Some(Some(id)), None) => Ok(Some(Some(CategoryRef::Id(*id)))),
        (None, Some(Some(name))) => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(ApiError::invalid(
                    "category",
                    "must be a category's name (1 to 100 characters), or null for none",
                ));
            }
            Ok(Some(Some(CategoryRef::Name(name.to_owned()))))
        }
        (None, None) => Ok(None),
    }
}

/// A product's own largest quantity per order: 1 to the general rule's 1000.
fn check_max_per_order(max: Option<i64>) -> Result<Option<i64>, ApiError> {
    match max {
        Some(n) if !(1..=bakery_wire::rules::MAX_QUANTITY).contains(&n) => Err(ApiError::invalid(
            "max_per_order",
            "must be a whole number from 1 to 1000, or null for the general rule",
        )),
        max => Ok(max),
    }
}

/// A patch's planning fields: a lead time of 0 to 30 days, 1 to 100000 pieces a day, weekdays
/// as `domain::calendar` reads them, dates `YYYY-MM-DD` in order.
fn check_planning(patch: &ProductPatch) -> Result<(), ApiError> {
    if patch
        .lead_time_minutes
        .is_some_and(|m| !(0..=43_200).contains(&m))
    {
        return Err(ApiError::invalid(
            "lead_time_minutes",
            "must be a whole number from 0 to 43200",
        ));
    }
    if let Some(Some(max)) = patch.max_per_day
        && !(1..=100_000).contains(&max)
    {
        return Err(ApiError::invalid(
            "max_per_day",
            "must be a whole number from 1 to 100000, or null for no limit",
        ));
    }
    if let Some(Some(days)) = &patch.made_on
        && (days.len() > 100 || crate::domain::calendar::parse_days(days).is_err())
    {
        return Err(ApiError::invalid(
            "made_on",
            "must name weekdays as mon,sat or mon-fri, or be null for every day",
        ));
    }
    let date = |field: &str, value: &Option<Option<String>>| match value {
        Some(Some(text)) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::invalid(field, "must be a date YYYY-MM-DD, or null")),
        _ => Ok(None),
    };
    let from = date("available_from", &patch.available_from)?;
    let until = date("available_until", &patch.available_until)?;
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        return Err(ApiError::invalid(
            "available_until",
            "must not be before available_from",
        ));
    }
    Ok(())
}

fn check_price(price: f64) -> Result<i64, ApiError> {
    price_to_cents(price)
        .filter(|c| *c > 0 && *c <= 100_000_000)
        .ok_or_else(|| {
            ApiError::invalid(
                "price",
                "must be a positive amount with at most two decimals",
            )
        })
}

/// `GET /api/admin/products`: every product, inactive ones too.
#[utoipa::path(
    tag = "admin",
    summary = "Every product, inactive ones too (admin, baker)",
    security(("session" = []), ("bearer" = [])),
    responses(
        (status = 200, description = "The products", body = Vec<AdminProduct>),
        AdminRead,
    )
)]
#[get("/admin/products")]
pub async fn list_all_products(
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    staff.require(BAKERS)?;
    let products = catalog::all_products(&state.db).await?;
    let beside = beside(&state).await?;
    let listed: Vec<AdminProduct> = products
        .into_iter()
        .map(|p| admin_product(p, &beside))
        .collect();
    Ok(HttpResponse::Ok().json(listed))
}

/// `POST /api/admin/products`: adds a product (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Add a product (admin)",
    security(("session" = []), ("bearer" = [])),
    request_body(content = NewProduct, content_type = "application/json"),
    responses(
        (status = 201, description = "Added", body = AdminProduct),
        (status = 400, description = "Invalid JSON or fields", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/products")]
pub async fn add_product(
    req: HttpRequest,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let new: NewProduct = body(&req, payload, state.body).await?;
    check_text("name", &new.name, 1, 200)?;
    check_text("description", &new.description, 0, 2000)?;
    check_text("image_url", &new.image_url, 0, 500)?;
    let price_cents = check_price(new.price)?;
    if !(0..=1_000_000).contains(&new.stock) {
        return Err(ApiError::invalid("stock", "must be 0 to 1000000"));
    }
    let record = ProductRecord {
        max_per_order: check_max_per_order(new.max_per_order)?,
        labels: check_labels(&new.labels)?,
        name: new.name,
        description: new.description,
        price_cents,
        image_url: new.image_url,
        stock: new.stock,
    };
    let added = catalog::add_product(&state.db, record, &who.actor).await?;
    Ok(HttpResponse::Created().json(changed_product(&state, added).await?))
}

/// `PATCH /api/admin/products/{id}`: changes some fields (admins). Existing orders keep their prices.
#[utoipa::path(
    tag = "admin",
    summary = "Change a product (admin); orders keep their prices",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The product")),
    request_body(content = ProductPatch, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = AdminProduct),
        (status = 400, description = "Bad id, invalid JSON or fields", body = ErrorBody),
        (status = 404, description = "No such product (`product_not_found`), or no such category (`category_not_found`, `details.field` says which)", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[patch("/admin/products/{id}")]
pub async fn change_product(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let id = positive_id(&path)?;
    let patch: ProductPatch = body(&req, payload, state.body).await?;
    if let Some(name) = &patch.name {
        check_text("name", name, 1, 200)?;
    }
    if let Some(description) = &patch.description {
        check_text("description", description, 0, 2000)?;
    }
    if let Some(image_url) = &patch.image_url {
        check_text("image_url", image_url, 0, 500)?;
    }
    let price_cents = patch.price.map(check_price).transpose()?;
    let max_per_order = patch.max_per_order.map(check_max_per_order).transpose()?;
    let labels = check_labels(&patch.labels)?;
    let category = check_category(&patch.category)?;
    check_planning(&patch)?;
    let details = serde_json::to_value(&patch).unwrap_or(Value::Null);
    let change = ProductChange {
        name: patch.name,
        description: patch.description,
        price_cents,
        image_url: patch.image_url,
        active: patch.active,
        max_per_order,
        labels,
        lead_time_minutes: patch.lead_time_minutes,
        max_per_day: patch.max_per_day,
        made_on: patch.made_on,
        available_from: patch.available_from,
        available_until: patch.available_until,
        category,
    };
    let changed = match catalog::change_product(&state.db, id, change, &who.actor, details).await? {
        ProductChanged::Changed(product) => *product,
        ProductChanged::NoSuchProduct => return Err(ApiError::ProductNotFound(id)),
        ProductChanged::NoSuchCategory => {
            let field = match patch.category.category_id {
                Some(_) => "category_id",
                None => "category",
            };
            return Err(ApiError::CategoryNotFound { field });
        }
    };
    Ok(HttpResponse::Ok().json(changed_product(&state, changed).await?))
}

/// `POST /api/admin/products/{id}/stock`: sets or adjusts stock with a reason (admins, bakers).
#[utoipa::path(
    tag = "admin",
    summary = "Set or adjust stock with a reason (admin, baker)",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The product")),
    request_body(content = StockChange, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed", body = AdminProduct),
        (status = 400, description = "Bad id, invalid JSON or fields", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody),
        (status = 409, description = "The adjustment would go below zero", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[post("/admin/products/{id}/stock")]
pub async fn change_stock(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(BAKERS)?;
    let id = positive_id(&path)?;
    let change: StockChange = body(&req, payload, state.body).await?;
    check_text("reason", &change.reason, 1, 500)?;
    let stock_move = match (change.set, change.adjust) {
        (Some(count), None) if (0..=1_000_000).contains(&count) => StockMove::Set(count),
        (None, Some(delta)) if (-1_000_000..=1_000_000).contains(&delta) => {
            StockMove::Adjust(delta)
        }
        _ => {
            return Err(ApiError::invalid(
                "set",
                "give either \"set\" (0 to 1000000) or \"adjust\" (-1000000 to 1000000)",
            ));
        }
    };
    let product =
        match catalog::change_stock(&state.db, id, stock_move, &who.actor, &change.reason).await? {
            StockOutcome::Changed(product) => *product,
            StockOutcome::NoSuchProduct => return Err(ApiError::ProductNotFound(id)),
            StockOutcome::WouldGoNegative { stock } => {
                return Err(ApiError::Conflict(format!(
                    "Only {stock} in stock; the adjustment would go below zero."
                )));
            }
        };
    Ok(HttpResponse::Ok().json(changed_product(&state, product).await?))
}
