//! Look up an order by its number, or reopen one placed from this browser.

use sycamore::prelude::*;
use sycamore_router::navigate;

use super::{Shop, browser};
use crate::checkout::parse_order_number;

#[component]
pub fn LookupPage() -> View {
    let shop = use_context::<Shop>();
    browser::set_title("Track your order");
    on_mount(|| browser::focus("page-title"));
    let number = create_signal(String::new());
    let error = create_signal(String::new());

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        match parse_order_number(&number.get_clone_untracked()) {
            Some(id) => navigate(&format!("/orders/{id}")),
            None => {
                error.set(
                    "Please enter the order number from your confirmation, like 42.".to_owned(),
                );
                browser::focus("order-lookup");
            }
        }
    };
    let recent = move || {
        let ids = shop.recent.get_clone();
        if ids.is_empty() {
            return view! {};
        }
        let links = ids
            .into_iter()
            .map(|order| {
                let id = order.order_id;
                let href = format!("/orders/{id}");
                let text = format!("Order #{id}");
                view! { li { a(href=href) { (text) } } }
            })
            .collect::<Vec<_>>();
        view! {
            section(class="panel", aria-labelledby="recent-title") {
                h2(id="recent-title") { "Your recent orders" }
                ul(class="recent-orders") { (links) }
            }
        }
    };

    view! {
        h1(id="page-title", tabindex="-1") { "Track your order" }
        form(class="panel lookup-form", on:submit=submit, novalidate=true) {
            div(class="field") {
                label(r#for="order-lookup") { "Order number" }
                div(class="inline") {
                    input(id="order-lookup", r#type="text", inputmode="numeric", autocomplete="off",
                        aria-describedby="order-lookup-error",
                        aria-invalid=move || if error.with(String::is_empty) { "false" } else { "true" },
                        bind:value=number)
                    button(class="button primary", r#type="submit", id="lookup-submit") { "Find order" }
                }
                p(id="order-lookup-error", class="field-error") { (error) }
            }
        }
        (recent)
    }
}
