//! The catalog as staff manage it: stock set or adjusted with a reason (admins and bakers);
//! names, descriptions, prices, categories, pictures, the menu on/off switch and new products,
//! and the menu's categories (admins).

use bakery_wire::staff::{AdminProduct, CategoryPick, NewProduct, ProductPatch};
use bakery_wire::{Category, ProductOptions, cents_to_price, price_to_cents};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use wasm_bindgen::JsCast;

use super::categories::{CategoryAdmin, reload};
use super::options_editor::options_form;
use super::{StaffCtx, field};
use crate::groups::OTHER;
use crate::money::format_cents;
use crate::options_form::OptionsDraft;
use crate::staff::{Caps, StockMode, parse_price, stock_change};
use crate::ui::{browser, pictures};

fn price_text(price: f64) -> String {
    price_to_cents(price).map(format_cents).unwrap_or_default()
}

/// Puts the server's copy of a product in the list (on top when new).
fn put(products: Signal<Vec<AdminProduct>>, fresh: AdminProduct) {
    products.update(|list| match list.iter_mut().find(|p| p.id == fresh.id) {
        Some(p) => *p = fresh,
        None => list.insert(0, fresh),
    });
}

#[component(inline_props)]
pub fn CatalogAdmin(caps: Caps) -> View {
    let ctx = use_context::<StaffCtx>();
    browser::set_title("Catalog and stock");
    on_mount(|| browser::focus("page-title"));
    let products = create_signal(Vec::<AdminProduct>::new());
    let categories = create_signal(Vec::<Category>::new());
    let problem = create_signal(String::new());
    spawn_local_scoped(reload(ctx, categories, products, problem));
    let add = if caps.edit_catalog {
        view! {
            CategoryAdmin(categories=categories, products=products)
            NewProductForm(products=products)
        }
    } else {
        view! {}
    };
    view! {
        h1(id="page-title", tabindex="-1") { "Catalog and stock" }
        p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
        (add)
        ul(class="admin-products", data-testid="admin-products") {
            Keyed(
                list=move || products.get_clone(),
                view=move |p| view! { ProductRow(product=p, caps=caps, products=products, categories=categories) },
                key=|p| (p.id, p.stock, p.active, price_to_cents(p.price), p.name.clone(), p.description.clone(), p.category_id, p.category.clone(), p.picture.as_ref().map(|x| x.src.clone())),
            )
        }
    }
}

#[component(inline_props)]
fn NewProductForm(products: Signal<Vec<AdminProduct>>) -> View {
    let ctx = use_context::<StaffCtx>();
    let open = create_signal(false);
    let name = create_signal(String::new());
    let description = create_signal(String::new());
    let price = create_signal(String::new());
    let stock = create_signal("0".to_owned());
    let error = create_signal(String::new());

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let title = name.get_clone_untracked().trim().to_owned();
        let checked = if title.is_empty() {
            Err("Give the product a name.".to_owned())
        } else {
            parse_price(&price.get_clone_untracked())
                .map_err(str::to_owned)
                .and_then(|p| {
                    stock
                        .get_clone_untracked()
                        .trim()
                        .parse::<i64>()
                        .ok()
                        .filter(|s| *s >= 0)
                        .map(|s| (p, s))
                        .ok_or_else(|| "Stock must be a whole number, zero or more.".to_owned())
                })
        };
        let (price_value, stock_value) = match checked {
            Ok(v) => v,
            Err(e) => {
                error.set(e);
                return;
            }
        };
        let body = NewProduct {
            name: title,
            description: description.get_clone_untracked().trim().to_owned(),
            price: price_value,
            image_url: String::new(),
            stock: stock_value,
            max_per_order: None,
            labels: Default::default(),
        };
        let body = serde_json::to_string(&body).unwrap_or_default();
        spawn_local_scoped(async move {
            match ctx
                .call::<AdminProduct>("POST", "/api/admin/products", Some(&body))
                .await
            {
                Ok(created) => {
                    put(products, created);
                    for s in [name, description, price] {
                        s.set(String::new());
                    }
                    stock.set("0".to_owned());
                    error.set(String::new());
                    open.set(false);
                }
                Err(e) => error.set(e.message),
            }
        });
    };

    let name_field = field("new-name".into(), "Name", "text", name);
    let description_field = field("new-description".into(), "Description", "text", description);
    let price_field = field("new-price".into(), "Price", "text", price);
    let stock_field = field("new-stock".into(), "Stock", "number", stock);
    view! {
        div(class="panel") {
            button(class="button", r#type="button", id="new-product-toggle", aria-expanded=move || open.get().to_string(),
                on:click=move |_| open.set(!open.get())) { "Add a product" }
            form(class="admin-form", hidden=move || !open.get(), on:submit=submit, novalidate=true) {
                (name_field)
                (description_field)
                div(class="form-row") {
                    (price_field)
                    (stock_field)
                }
                p(class="field-error", role="alert") { (error) }
                button(class="button primary", r#type="submit", id="new-product-save") { "Add to the catalog" }
            }
        }
    }
}

#[component(inline_props)]
fn ProductRow(
    product: AdminProduct,
    caps: Caps,
    products: Signal<Vec<AdminProduct>>,
    categories: Signal<Vec<Category>>,
) -> View {
    let ctx = use_context::<StaffCtx>();
    let id = product.id;
    let error = create_signal(String::new());
    let busy = create_signal(false);

    // Sends one change and puts the answer in the list (which rebuilds this row).
    let send = move |method: &'static str, url: String, body: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local_scoped(async move {
            match ctx.call::<AdminProduct>(method, &url, Some(&body)).await {
                Ok(fresh) => put(products, fresh),
                Err(e) => {
                    busy.set(false);
                    error.set(e.message);
                }
            }
        });
    };

    // Picture (admins): upload a file or remove it; a refusal shows below, as any other.
    let upload = move |event: web_sys::Event| {
        let file = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else { return };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(String::new());
        spawn_local_scoped(async move {
            let url = format!("/api/admin/products/{id}/picture");
            match ctx.upload::<AdminProduct>(&url, file).await {
                Ok(fresh) => put(products, fresh),
                Err(e) => {
                    busy.set(false);
                    error.set(e.message);
                }
            }
        });
    };
    let thumbnail = product.picture.as_ref().map(pictures::smallest);

    // Stock: set or adjust, with a reason.
    let mode = create_signal("adjust".to_owned());
    let amount = create_signal(String::new());
    let reason = create_signal(String::new());
    let stock_submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let how = if mode.with_untracked(|m| m == "set") {
            StockMode::Set
        } else {
            StockMode::Adjust
        };
        match stock_change(
            how,
            &amount.get_clone_untracked(),
            &reason.get_clone_untracked(),
        ) {
            Ok(change) => send(
                "POST",
                format!("/api/admin/products/{id}/stock"),
                serde_json::to_string(&change).unwrap_or_default(),
            ),
            Err(e) => error.set(e),
        }
    };

    // Editing (admins): name, description, price.
    let editing = create_signal(false);
    let name = create_signal(product.name.clone());
    let description = create_signal(product.description.clone());
    let price = create_signal(format!(
        "{:.2}",
        cents_to_price(price_to_cents(product.price).unwrap_or(0))
    ));
    // The category's id as the select holds it ("" for none).
    let category_now = product.category_id;
    let category_choice = create_signal(category_now.map(|c| c.to_string()).unwrap_or_default());
    let edit_submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let new_price = match parse_price(&price.get_clone_untracked()) {
            Ok(p) => p,
            Err(e) => {
                error.set(e.to_owned());
                return;
            }
        };
        // Only a category actually chosen anew is sent.
        let chosen = category_choice.with_untracked(|c| c.parse::<i64>().ok());
        let category = CategoryPick {
            category_id: (chosen != category_now).then_some(chosen),
            category: None,
        };
        let patch = ProductPatch {
            name: Some(name.get_clone_untracked().trim().to_owned()),
            description: Some(description.get_clone_untracked().trim().to_owned()),
            price: Some(new_price),
            category,
            ..ProductPatch::default()
        };
        send(
            "PATCH",
            format!("/api/admin/products/{id}"),
            serde_json::to_string(&patch).unwrap_or_default(),
        );
    };
    let active = product.active;
    let toggle = move |_| {
        let patch = ProductPatch {
            active: Some(!active),
            ..ProductPatch::default()
        };
        send(
            "PATCH",
            format!("/api/admin/products/{id}"),
            serde_json::to_string(&patch).unwrap_or_default(),
        );
    };

    // Options and inscription (admins): the whole set, replaced at once.
    let options_start = OptionsDraft::of(&ProductOptions {
        options: product.options.clone(),
        inscription: product.inscription,
    });
    let save_options =
        move |body: String| send("PUT", format!("/api/admin/products/{id}/options"), body);

    let admin_tools = if caps.edit_catalog {
        let options_editor = options_form(id, options_start, busy, editing, error, save_options);
        let name_field = field(format!("name-{id}"), "Name", "text", name);
        let description_field = field(
            format!("description-{id}"),
            "Description",
            "text",
            description,
        );
        let price_field = field(
            format!("price-{id}"),
            "Price (new orders only)",
            "text",
            price,
        );
        let select_id = format!("category-{id}");
        let select_for = select_id.clone();
        let options = move || {
            let current = category_choice.get_clone_untracked();
            View::from(
                categories
                    .get_clone()
                    .into_iter()
                    .map(|c| {
                        let value = c.id.to_string();
                        let selected = value == current;
                        view! { option(value=value, selected=selected) { (c.name) } }
                    })
                    .collect::<Vec<_>>(),
            )
        };
        let none_selected = category_choice.with_untracked(String::is_empty);
        // Read from the select itself: `change` is what every browser and driver fires.
        let pick = move |event: web_sys::Event| {
            let value = event
                .target()
                .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            category_choice.set(value);
        };
        view! {
            div(class="card-actions") {
                button(class="button small", r#type="button", id=format!("edit-{id}"),
                    aria-expanded=move || editing.get().to_string(),
                    on:click=move |_| editing.set(!editing.get())) { "Edit" }
                button(class="button small", r#type="button", id=format!("toggle-{id}"), disabled=move || busy.get(),
                    on:click=toggle) { (if active { "Take off the menu" } else { "Put back on the menu" }) }
            }
            form(class="admin-form", hidden=move || !editing.get(), on:submit=edit_submit, novalidate=true) {
                (name_field)
                (description_field)
                (price_field)
                div(class="field") {
                    label(r#for=select_for) { "Category" }
                    select(id=select_id, on:change=pick, on:input=pick) {
                        option(value="", selected=none_selected) { (format!("None (shown under “{OTHER}”)")) }
                        (options)
                    }
                }
                button(class="button primary small", r#type="submit", disabled=move || busy.get()) { "Save changes" }
            }
            (options_editor)
        }
    } else {
        view! {}
    };

    let picture_tools = if caps.edit_catalog {
        let file_id = format!("picture-{id}");
        let file_for = file_id.clone();
        let has_picture = thumbnail.is_some();
        let shown = View::from(thumbnail.map(|src| {
            view! { img(class="admin-thumb", src=src, width="160", height="120", alt="", loading="lazy") }
        }));
        let remove = View::from(has_picture.then(|| {
            view! {
                button(class="button small", r#type="button", id=format!("remove-picture-{id}"),
                    disabled=move || busy.get(),
                    on:click=move |_| send("DELETE", format!("/api/admin/products/{id}/picture"), String::new())) { "Remove picture" }
            }
        }));
        view! {
            div(class="picture-field", data-testid="picture-field") {
                (shown)
                div(class="field") {
                    label(r#for=file_for) { "Picture (JPEG, PNG or WebP)" }
                    input(r#type="file", id=file_id, accept="image/jpeg,image/png,image/webp",
                        disabled=move || busy.get(), on:change=upload)
                }
                (remove)
            }
        }
    } else {
        view! {}
    };

    let title = product.name.clone();
    let state = if active {
        "On the menu"
    } else {
        "Off the menu"
    };
    let state_class = if active { "tag" } else { "tag off" };
    let category_tag = product
        .category
        .clone()
        .unwrap_or_else(|| format!("No category ({OTHER})"));
    let meta = format!("{} · {} in stock", price_text(product.price), product.stock);
    let mode_id = format!("stock-mode-{id}");
    let mode_for = mode_id.clone();
    let amount_field = field(format!("stock-amount-{id}"), "Pieces", "number", amount);
    let reason_field = field(format!("stock-reason-{id}"), "Reason", "text", reason);

    view! {
        li(class="panel admin-product", data-product-id=id.to_string()) {
            div(class="card-head") {
                strong(class="card-title") { (title) }
                span(class="tag", data-testid="product-category") { (category_tag) }
                span(class=state_class) { (state) }
            }
            p(class="muted") { (product.description.clone()) }
            p(class="card-items", data-testid="product-meta") { (meta) }
            form(class="stock-form", on:submit=stock_submit, novalidate=true, aria-label=format!("Stock of {}", product.name)) {
                div(class="field") {
                    label(r#for=mode_for) { "Stock" }
                    select(id=mode_id, bind:value=mode) {
                        option(value="adjust") { "Adjust by" }
                        option(value="set") { "Set to" }
                    }
                }
                (amount_field)
                (reason_field)
                button(class="button primary small", r#type="submit", disabled=move || busy.get()) { "Save stock" }
            }
            (admin_tools)
            (picture_tools)
            p(class="field-error", role="alert") { (error) }
        }
    }
}
