//! Look up an order by its number and the e-mail it was placed with (exchanged for its tracking
//! token), or reopen one placed or looked up in this browser.

use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use sycamore_router::navigate;

use super::{Shop, api, browser};
use crate::checkout::{email_error, parse_order_number};
use crate::recent;

#[component]
pub fn LookupPage() -> View {
    let shop = use_context::<Shop>();
    browser::set_title("Track your order");
    on_mount(|| browser::focus("page-title"));
    let number = create_signal(String::new());
    let email = create_signal(String::new());
    let number_error = create_signal(String::new());
    let email_problem = create_signal(String::new());
    let failure = create_signal(String::new());
    let busy = create_signal(false);

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        failure.set(String::new());
        let id = parse_order_number(&number.get_clone_untracked());
        let address = email.get_clone_untracked().trim().to_owned();
        number_error.set(if id.is_none() {
            "Please enter the order number from your confirmation, like 42.".to_owned()
        } else {
            String::new()
        });
        email_problem.set(email_error(&address).unwrap_or_default());
        let Some(id) = id else {
            browser::focus("order-lookup");
            return;
        };
        if !email_problem.with_untracked(String::is_empty) {
            browser::focus("lookup-email");
            return;
        }
        busy.set(true);
        spawn_local_scoped(async move {
            let found = api::look_up(id, &address).await;
            busy.set(false);
            match found {
                Ok(found) => {
                    shop.remember_order(id, Some(found.tracking_token.clone()));
                    navigate(&recent::with_token(
                        &format!("/orders/{id}"),
                        Some(&found.tracking_token),
                    ));
                }
                Err(e) if e.code == "order_not_found" => failure.set(format!(
                    "We found no order #{id} placed with that e-mail. Please check both."
                )),
                Err(e) => failure.set(e.message),
            }
        });
    };
    let recent = move || {
        let orders = shop.recent.get_clone();
        if orders.is_empty() {
            return view! {};
        }
        let links = orders
            .into_iter()
            .map(|order| {
                let id = order.order_id;
                let href = recent::with_token(&format!("/orders/{id}"), order.token.as_deref());
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
    let invalid = |problem: Signal<String>| {
        move || {
            if problem.with(String::is_empty) {
                "false"
            } else {
                "true"
            }
        }
    };

    view! {
        h1(id="page-title", tabindex="-1") { "Track your order" }
        form(class="panel lookup-form", on:submit=submit, novalidate=true) {
            div(class="field") {
                label(r#for="order-lookup") { "Order number" }
                input(id="order-lookup", r#type="text", inputmode="numeric", autocomplete="off",
                    aria-describedby="order-lookup-error", aria-invalid=invalid(number_error),
                    bind:value=number)
                p(id="order-lookup-error", class="field-error") { (number_error) }
            }
            div(class="field") {
                label(r#for="lookup-email") { "The e-mail you ordered with" }
                input(id="lookup-email", r#type="email", autocomplete="email", inputmode="email",
                    aria-describedby="lookup-email-error", aria-invalid=invalid(email_problem),
                    bind:value=email)
                p(id="lookup-email-error", class="field-error") { (email_problem) }
            }
            p(id="lookup-failure", class="field-error", role="alert", data-testid="lookup-failure") { (failure) }
            button(class="button primary", r#type="submit", id="lookup-submit",
                disabled=move || busy.get()) { "Find order" }
        }
        (recent)
    }
}
