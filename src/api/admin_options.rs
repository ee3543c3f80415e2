//! `PUT /api/admin/products/{id}/options`: an admin replaces a product's option groups and its
//! inscription limit, checked whole, audited, and followed by the menu. Placed orders keep the
//! options as they were when ordered.

use std::collections::HashSet;

use actix_web::{HttpRequest, HttpResponse, put, web};
use bakery_wire::options::{
    MAX_INSCRIPTION_CHARS, MAX_OPTION_CHOICES, MAX_OPTION_GROUPS, MAX_OPTION_NAME_CHARS,
    MAX_PRICE_DELTA_CENTS, is_option_key,
};
use bakery_wire::{ErrorBody, ProductOptions, cents_to_price, price_to_cents};
use serde_json::Value;

use super::AppState;
use super::admin_catalog::changed_product;
use super::body::read_body;
use super::errors::ApiError;
use super::extract::{check_text, positive_id};
use super::shared_answers::{AdminChange, JsonBody};
use super::staff::{ADMIN, Staff};
use crate::domain::options::{ChoiceSpec, GroupSpec, cheapest_delta_cents, groups_column};
use crate::store::catalog::{self, OptionsOutcome};

/// Checks that `key` may name a group or choice and is not one of `seen` (which it joins).
fn check_key<'a>(field: &str, key: &'a str, seen: &mut HashSet<&'a str>) -> Result<(), ApiError> {
    if !is_option_key(key) {
        return Err(ApiError::invalid(
            field,
            "must be 1 to 40 of a-z, 0-9, - and _",
        ));
    }
    if !seen.insert(key) {
        return Err(ApiError::invalid(field, "is used twice in the same list"));
    }
    Ok(())
}

/// `asked`'s groups as the catalog stores them, or a 400 naming the first bad field
/// (`options[1].choices[0].key`).
fn check_groups(asked: &ProductOptions) -> Result<Vec<GroupSpec>, ApiError> {
    if asked.options.len() > MAX_OPTION_GROUPS {
        return Err(ApiError::invalid("options", "must list at most 10 groups"));
    }
    let mut group_keys = HashSet::new();
    let mut groups = Vec::with_capacity(asked.options.len());
    for (g, group) in asked.options.iter().enumerate() {
        let at = |field: &str| format!("options[{g}].{field}");
        check_key(&at("key"), &group.key, &mut group_keys)?;
        check_text(&at("name"), &group.name, 1, MAX_OPTION_NAME_CHARS)?;
        if group.choices.is_empty() || group.choices.len() > MAX_OPTION_CHOICES {
            return Err(ApiError::invalid(
                &at("choices"),
                "must list 1 to 20 choices",
            ));
        }
        let mut choice_keys = HashSet::new();
        let mut choices = Vec::with_capacity(group.choices.len());
        for (c, choice) in group.choices.iter().enumerate() {
            let at = |field: &str| format!("options[{g}].choices[{c}].{field}");
            check_key(&at("key"), &choice.key, &mut choice_keys)?;
            check_text(&at("name"), &choice.name, 1, MAX_OPTION_NAME_CHARS)?;
            let cents = price_to_cents(choice.price_delta.abs())
                .filter(|cents| *cents <= MAX_PRICE_DELTA_CENTS)
                .ok_or_else(|| {
                    ApiError::invalid(
                        &at("price_delta"),
                        "must be -10000 to 10000 with at most two decimals",
                    )
                })?;
            choices.push(ChoiceSpec {
                key: choice.key.clone(),
                name: choice.name.clone(),
                price_delta_cents: if choice.price_delta < 0.0 {
                    -cents
                } else {
                    cents
                },
            });
        }
        if let Some(default) = &group.default
            && !choice_keys.contains(default.as_str())
        {
            return Err(ApiError::invalid(
                &at("default"),
                "must be one of the group's choice keys",
            ));
        }
        groups.push(GroupSpec {
            key: group.key.clone(),
            name: group.name.clone(),
            required: group.required,
            default: group.default.clone(),
            choices,
        });
    }
    Ok(groups)
}

/// Replaces a product's options and inscription limit (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Replace a product's options and inscription limit (admin); placed orders keep theirs",
    description = "The body is the whole set: `options` (groups with their choices; `[]` removes \
        them) and `inscription` (`{max_length}` of 1 to 200, or null for none). Each choice's \
        `price_delta` is added to the product's price on a line that chooses it.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The product")),
    request_body(content = ProductOptions, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced", body = bakery_wire::staff::AdminProduct),
        (status = 400, description = "Bad id, invalid JSON or fields (`details` names the field, as `options[0].choices[1].key`)", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody),
        AdminChange, JsonBody,
    )
)]
#[put("/admin/products/{id}/options")]
pub async fn replace_options(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let id = positive_id(&path)?;
    let asked: ProductOptions = read_body(&req, payload, state.body).await?;
    let groups = check_groups(&asked)?;
    let max_len = match asked.inscription {
        Some(inscription) if !(1..=MAX_INSCRIPTION_CHARS).contains(&inscription.max_length) => {
            return Err(ApiError::invalid(
                "inscription.max_length",
                "must be a whole number from 1 to 200",
            ));
        }
        inscription => inscription.map(|i| i.max_length),
    };
    let details = serde_json::to_value(&asked).unwrap_or(Value::Null);
    let column = groups_column(&groups);
    let least = cheapest_delta_cents(&groups);
    let outcome =
        catalog::replace_options(&state.db, id, column, least, max_len, &who.actor, details)
            .await?;
    let changed = match outcome {
        OptionsOutcome::Replaced(changed) => *changed,
        OptionsOutcome::NotFound => return Err(ApiError::ProductNotFound(id)),
        OptionsOutcome::BelowZero { cheapest_cents } => {
            return Err(ApiError::invalid(
                "options",
                &format!(
                    "the cheapest choices would make the price {}: a line must cost 0 or more",
                    cents_to_price(cheapest_cents)
                ),
            ));
        }
    };
    Ok(HttpResponse::Ok().json(changed_product(&state, changed).await?))
}
