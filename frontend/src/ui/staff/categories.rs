//! The menu's categories as admins manage them on the catalog page: add, rename, move up or
//! down, and delete (its products then show under "Other").

use bakery_wire::Category;
use bakery_wire::staff::{AdminProduct, CategoryPatch, CategoryRemoved, NewCategory};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use super::{StaffCtx, field};
use crate::groups::OTHER;

/// Reads the categories and the products again (a category change shows in both). Both are
/// read before either is shown: showing the categories may drop the row that asked.
pub async fn reload(
    ctx: StaffCtx,
    categories: Signal<Vec<Category>>,
    products: Signal<Vec<AdminProduct>>,
    problem: Signal<String>,
) {
    let listed = ctx
        .call::<Vec<Category>>("GET", "/api/admin/categories", None)
        .await;
    let all = ctx
        .call::<Vec<AdminProduct>>("GET", "/api/admin/products", None)
        .await;
    match all {
        Ok(list) => products.set(list),
        Err(e) => problem.set(e.message),
    }
    match listed {
        Ok(list) => categories.set(list),
        Err(e) => problem.set(e.message),
    }
}

/// "2 products", "1 product", "no products".
fn count_text(count: i64) -> String {
    match count {
        0 => "no products".to_owned(),
        1 => "1 product".to_owned(),
        n => format!("{n} products"),
    }
}

#[component(inline_props)]
pub fn CategoryAdmin(
    categories: Signal<Vec<Category>>,
    products: Signal<Vec<AdminProduct>>,
) -> View {
    let ctx = use_context::<StaffCtx>();
    let error = create_signal(String::new());
    let name = create_signal(String::new());
    let busy = create_signal(false);

    let add = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let title = name.get_clone_untracked().trim().to_owned();
        if title.is_empty() {
            error.set("Give the category a name.".to_owned());
            return;
        }
        let body = serde_json::to_string(&NewCategory {
            name: title,
            position: None,
        })
        .unwrap_or_default();
        busy.set(true);
        spawn_local_scoped(async move {
            match ctx
                .call::<Category>("POST", "/api/admin/categories", Some(&body))
                .await
            {
                Ok(_) => {
                    name.set(String::new());
                    error.set(String::new());
                    reload(ctx, categories, products, error).await;
                }
                Err(e) => error.set(e.message),
            }
            busy.set(false);
        });
    };

    let name_field = field("new-category".into(), "New category", "text", name);
    view! {
        section(class="panel category-admin", aria-labelledby="categories-title") {
            h2(id="categories-title") { "Menu categories" }
            p(class="muted") {
                "The menu shows categories in this order; products without one come last, under “" (OTHER) "”."
            }
            ol(class="category-list", data-testid="category-list") {
                Keyed(
                    list=move || categories.get_clone(),
                    view=move |c| view! { CategoryRow(category=c, categories=categories, products=products, error=error) },
                    key=|c| (c.id, c.name.clone(), c.position, c.product_count),
                )
            }
            form(class="admin-form inline-form", on:submit=add, novalidate=true) {
                (name_field)
                button(class="button primary small", r#type="submit", id="new-category-save", disabled=move || busy.get()) { "Add category" }
            }
            p(class="field-error", role="alert") { (error) }
        }
    }
}

#[component(inline_props)]
fn CategoryRow(
    category: Category,
    categories: Signal<Vec<Category>>,
    products: Signal<Vec<AdminProduct>>,
    error: Signal<String>,
) -> View {
    let ctx = use_context::<StaffCtx>();
    let id = category.id;
    let position = category.position;
    let busy = create_signal(false);
    let renaming = create_signal(false);
    let confirming = create_signal(false);
    let new_name = create_signal(category.name.clone());
    let last = move || categories.with(|list| list.iter().all(|c| c.position <= position));

    // Sends one change, then reads both lists again.
    let send = move |method: &'static str, body: Option<String>| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local_scoped(async move {
            let url = format!("/api/admin/categories/{id}");
            let done = match method {
                "DELETE" => ctx
                    .call::<CategoryRemoved>(method, &url, None)
                    .await
                    .map(|_| ()),
                _ => ctx
                    .call::<Category>(method, &url, body.as_deref())
                    .await
                    .map(|_| ()),
            };
            match done {
                Ok(()) => {
                    error.set(String::new());
                    reload(ctx, categories, products, error).await;
                }
                Err(e) => {
                    busy.set(false);
                    error.set(e.message);
                }
            }
        });
    };
    let move_to = move |to: i64| {
        let patch = CategoryPatch {
            position: Some(to),
            ..CategoryPatch::default()
        };
        send("PATCH", serde_json::to_string(&patch).ok());
    };
    let rename = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let patch = CategoryPatch {
            name: Some(new_name.get_clone_untracked().trim().to_owned()),
            ..CategoryPatch::default()
        };
        send("PATCH", serde_json::to_string(&patch).ok());
    };

    let title = category.name.clone();
    let count = count_text(category.product_count);
    let warning = match category.product_count {
        0 => format!("Delete “{}”?", category.name),
        n => format!(
            "Delete “{}”? Its {} will show under “{OTHER}” until given another category.",
            category.name,
            count_text(n)
        ),
    };
    let name_field = field(format!("category-name-{id}"), "Name", "text", new_name);
    let up_label = format!("Move {} up", category.name);
    let down_label = format!("Move {} down", category.name);
    view! {
        li(class="category-row", data-category-id=id.to_string()) {
            div(class="card-head") {
                strong(class="card-title", data-testid="category-name") { (title) }
                span(class="muted") { (count) }
            }
            div(class="card-actions") {
                button(class="button small", r#type="button", id=format!("category-up-{id}"), aria-label=up_label,
                    disabled=move || busy.get() || position <= 1,
                    on:click=move |_| move_to(position - 1)) { "↑ Up" }
                button(class="button small", r#type="button", id=format!("category-down-{id}"), aria-label=down_label,
                    disabled=move || busy.get() || last(),
                    on:click=move |_| move_to(position + 1)) { "↓ Down" }
                button(class="button small", r#type="button", id=format!("category-rename-{id}"),
                    aria-expanded=move || renaming.get().to_string(),
                    on:click=move |_| renaming.set(!renaming.get())) { "Rename" }
                button(class="button small", r#type="button", id=format!("category-delete-{id}"),
                    disabled=move || busy.get(),
                    on:click=move |_| confirming.set(true)) { "Delete" }
            }
            form(class="admin-form inline-form", hidden=move || !renaming.get(), on:submit=rename, novalidate=true) {
                (name_field)
                button(class="button primary small", r#type="submit", disabled=move || busy.get()) { "Save name" }
            }
            div(class="confirm", role="alert", hidden=move || !confirming.get()) {
                p { (warning) }
                button(class="button primary small", r#type="button", id=format!("category-delete-confirm-{id}"),
                    disabled=move || busy.get(),
                    on:click=move |_| send("DELETE", None)) { "Delete" }
                button(class="button small", r#type="button", on:click=move |_| confirming.set(false)) { "Keep it" }
            }
        }
    }
}
