//! The cart: change quantities, remove lines, see the total and how far ahead its products must
//! be ordered, go to checkout.

use bakery_wire::Fulfillment;
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use wasm_bindgen::JsValue;

use super::{Catalog, Shop, api, browser, labels, pictures};
use crate::cart::{Cart, CartLine};
use crate::money::format_cents;
use crate::pickup;

/// What the catalog changed in the cart since the customer last looked; dismissible.
#[component]
pub fn Notices() -> View {
    let shop = use_context::<Shop>();
    let has_notices = move || shop.notices.with(|n| !n.is_empty());
    view! {
        (if has_notices() {
            let items = View::from(
                shop.notices.get_clone().into_iter().map(|n| view! { li { (n) } }).collect::<Vec<_>>(),
            );
            view! {
                div(class="notice", role="status", data-testid="cart-notices") {
                    ul {
                        (items)
                    }
                    button(class="link-button", r#type="button", on:click=move |_| shop.notices.set(Vec::new())) {
                        "Got it"
                    }
                }
            }
        } else {
            view! {}
        })
    }
}

#[component]
pub fn CartPage() -> View {
    let shop = use_context::<Shop>();
    browser::set_title("Your cart");
    on_mount(|| browser::focus("page-title"));
    let is_empty = create_selector(move || shop.cart.with(Cart::is_empty));
    let lines = move || shop.cart.with(|c| c.lines.clone());
    let total = move || format_cents(shop.cart.with(Cart::total_cents));

    view! {
        h1(id="page-title", tabindex="-1") { "Your cart" }
        Notices {}
        (if is_empty.get() {
            view! {
                div(class="panel center", data-testid="cart-empty") {
                    p { "Your cart is empty. Something sweet, perhaps?" }
                    a(class="button primary", href="/") { "Browse the menu" }
                }
            }
        } else {
            view! {
                ul(class="cart-lines", data-testid="cart-lines") {
                    Keyed(
                        list=lines,
                        view=|line| view! { LineRow(line=line) },
                        key=|line| (line.key(), line.unit_cents, line.stock),
                    )
                }
                LeadTimes {}
                div(class="cart-summary panel") {
                    p(class="total") {
                        span { "Total" }
                        strong(data-testid="cart-total", id="cart-total") { (total) }
                    }
                    div(class="actions") {
                        a(class="button", href="/") { "Keep shopping" }
                        a(class="button primary", href="/checkout", id="to-checkout") { "Checkout" }
                    }
                }
            }
        })
    }
}

#[component(inline_props)]
fn LineRow(line: CartLine) -> View {
    let shop = use_context::<Shop>();
    let product_id = line.product_id;
    let id = line.key();
    // A signal, so that every handler below may hold the line's key (signals are Copy).
    let key = create_signal(id.clone());
    let max = line.max_quantity();
    let quantity = create_selector(move || key.with(|k| shop.cart.with(|c| c.quantity_at(k))));
    let line_total = move || format_cents(line.unit_cents.saturating_mul(quantity.get()));
    let set = move |q: i64| {
        let k = key.get_clone_untracked();
        shop.cart.update(|c| {
            c.set_quantity(&k, q);
        })
    };
    let on_change = move |event: web_sys::Event| {
        if let Ok(q) = browser::input_value(&event).trim().parse::<i64>() {
            set(q);
        }
        // The box always shows what the cart holds, even when the typed number was clamped.
        browser::set_input_value(&event, &quantity.get_untracked().to_string());
    };
    let name = line.name.clone();
    let details = line.details();
    let details = View::from((!details.is_empty()).then(|| {
        view! { span(class="line-options", data-testid="line-options") { (details) } }
    }));
    let label = format!("Quantity of {}", line.name);
    let dec_label = format!("One less {}", line.name);
    let inc_label = format!("One more {}", line.name);
    let remove_label = format!("Remove {} from the cart", line.name);
    let unit = format!("{} each", format_cents(line.unit_cents));
    let allergens = move || match shop.catalog.get_clone() {
        Catalog::Ready(products) => labels::allergen_note(&products, product_id),
        _ => view! {},
    };
    let thumbnail = move || match shop.catalog.get_clone() {
        Catalog::Ready(products) => pictures::thumbnail(&products, product_id),
        _ => pictures::thumbnail(&[], product_id),
    };

    let (row_id, dec_id, qty_id, inc_id, remove_id) = (
        format!("cart-line-{id}"),
        format!("dec-{id}"),
        format!("qty-{id}"),
        format!("inc-{id}"),
        format!("remove-{id}"),
    );
    view! {
        li(class="cart-line", data-testid=row_id) {
            div(class="line-info") {
                (thumbnail)
                div(class="line-text") {
                    span(class="line-name") { (name) }
                    (details)
                    span(class="line-unit") { (unit) }
                    (allergens)
                }
            }
            div(class="quantity") {
                button(class="qty-button", r#type="button", id=dec_id, aria-label=dec_label,
                    on:click=move |_| set(quantity.get() - 1)) { "−" }
                input(
                    r#type="number",
                    id=qty_id,
                    class="qty-input",
                    inputmode="numeric",
                    min="1",
                    max=max.to_string(),
                    aria-label=label,
                    prop:value=move || JsValue::from_str(&quantity.get().to_string()),
                    on:change=on_change,
                )
                button(class="qty-button", r#type="button", id=inc_id, aria-label=inc_label,
                    disabled=move || quantity.get() >= max,
                    on:click=move |_| set(quantity.get() + 1)) { "+" }
            }
            span(class="line-total", data-testid="line-total") { (line_total) }
            button(class="link-button remove", r#type="button", id=remove_id, aria-label=remove_label,
                on:click=move |_| shop.cart.update(|c| c.remove(&key.get_clone_untracked()))) { "Remove" }
        }
    }
}

/// The cart's products that must be ordered ahead, each with its lead time and the earliest
/// time it can be ready: "Celebration Cake: order 48 h ahead — earliest Thursday 3 December, 10:00".
#[component]
pub fn LeadTimes() -> View {
    let shop = use_context::<Shop>();
    let notes = create_signal(Vec::<String>::new());
    create_effect(move || {
        let lines = match shop.catalog.get_clone() {
            Catalog::Ready(products) => shop.cart.with(|c| pickup::lead_lines(c, &products)),
            _ => Vec::new(),
        };
        if lines.is_empty() {
            notes.set(Vec::new());
            return;
        }
        // Said at once; the earliest times follow as the bakery answers.
        notes.set(
            lines
                .iter()
                .map(|l| pickup::lead_note(&l.name, l.lead_time_minutes, None))
                .collect(),
        );
        spawn_local_scoped(async move {
            let mut said = Vec::with_capacity(lines.len());
            for line in &lines {
                let earliest = api::next_slot(Fulfillment::Pickup, &line.items())
                    .await
                    .ok()
                    .flatten();
                said.push(pickup::lead_note(
                    &line.name,
                    line.lead_time_minutes,
                    earliest.as_ref().map(|n| n.start.as_str()),
                ));
            }
            notes.set(said);
        });
    });
    view! {
        (if notes.with(Vec::is_empty) {
            view! {}
        } else {
            let items = View::from(
                notes.get_clone().into_iter().map(|n| view! { li { (n) } }).collect::<Vec<_>>(),
            );
            view! {
                section(class="notice lead-times", aria-labelledby="lead-times-title", data-testid="lead-times") {
                    div {
                        h2(id="lead-times-title") { "Order ahead" }
                        ul { (items) }
                    }
                }
            }
        })
    }
}
