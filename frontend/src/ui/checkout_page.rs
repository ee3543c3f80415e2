//! Checkout: name and e-mail checked as the server checks them, when to pick up or deliver
//! (as soon as possible, or a chosen slot), one idempotency key per attempt, and every refusal
//! explained next to what caused it; a refused time offers the next free one with one click.

use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use sycamore_router::navigate;

use bakery_wire::Fulfillment;

use super::cart_page::Notices;
use super::pickup_picker::{WhenChoice, WhenPicker};
use super::{Placed, Shop, api, browser};
use crate::cart::Cart;
use crate::checkout::{self, Attempt, FormErrors, Outcome};
use crate::money::format_cents;
use crate::pickup::{self, Refused};

/// Where the pending attempt lives, so a reload or a second click re-sends the same key.
const ATTEMPT_KEY: &str = "bakery.checkout.attempt";
const CUSTOMER_KEY: &str = "bakery.customer";

fn pending_attempt() -> Option<Attempt> {
    browser::load(ATTEMPT_KEY).and_then(|j| serde_json::from_str(&j).ok())
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct Customer {
    name: String,
    email: String,
    #[serde(default)]
    fulfillment: Fulfillment,
    #[serde(default)]
    address: String,
}

#[component]
pub fn CheckoutPage() -> View {
    let shop = use_context::<Shop>();
    browser::set_title("Checkout");
    on_mount(|| browser::focus("page-title"));

    // Returning customers find their details filled in (kept only in this browser).
    let saved: Customer = browser::load(CUSTOMER_KEY)
        .and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default();
    let name = create_signal(saved.name);
    let email = create_signal(saved.email);
    let fulfillment = create_signal(saved.fulfillment);
    let address = create_signal(saved.address);
    let delivery = create_selector(move || fulfillment.get() == Fulfillment::Delivery);
    let errors = create_signal(FormErrors::default());
    // A banner above the form: price changes, offline, anything not tied to a field.
    let alert = create_signal(Option::<String>::None);
    let busy = create_signal(false);
    let when = WhenChoice::new();
    // A time the bakery refused, with the next free one to take instead.
    let refused = create_signal(Option::<Refused>::None);

    let name_error = move || errors.with(|e| e.name.clone());
    let email_error = move || errors.with(|e| e.email.clone());
    let address_error = move || errors.with(|e| e.address.clone());

    let place = move || {
        // A second click while the first is on its way must not become a second order.
        if busy.get_untracked() {
            return;
        }
        let (customer_name, customer_email) = (
            name.get_clone_untracked().trim().to_owned(),
            email.get_clone_untracked().trim().to_owned(),
        );
        let cart = shop.cart.get_clone_untracked();
        let (how, where_to) = (fulfillment.get_untracked(), address.get_clone_untracked());
        let at = when.when();
        let found = checkout::validate(&customer_name, &customer_email, how, &where_to, &at, &cart);
        if !found.is_empty() {
            focus_first_error(&found);
            errors.set(found);
            return;
        }
        errors.set(FormErrors::default());
        alert.set(None);
        refused.set(None);
        let order =
            checkout::new_order(&cart, &customer_name, &customer_email, how, &where_to, &at);
        let Ok(body) = serde_json::to_string(&order) else {
            alert.set(Some(
                "Your order could not be prepared. Please reload the page.".to_owned(),
            ));
            return;
        };
        let attempt = Attempt::for_body(pending_attempt(), &body, browser::random_key);
        if let Ok(json) = serde_json::to_string(&attempt) {
            browser::save(ATTEMPT_KEY, &json);
        }
        if let Ok(json) = serde_json::to_string(&Customer {
            name: customer_name.clone(),
            email: customer_email.clone(),
            fulfillment: how,
            address: where_to.trim().to_owned(),
        }) {
            browser::save(CUSTOMER_KEY, &json);
        }
        busy.set(true);
        spawn_local_scoped(async move {
            let reply = api::place_order(&attempt.body, &attempt.key).await;
            busy.set(false);
            let outcome = match reply {
                Ok(reply) => checkout::classify(reply.status, &reply.body, &cart),
                Err(offline) => Outcome::Failed(offline),
            };
            match outcome {
                Outcome::Accepted(accepted) => {
                    browser::forget(ATTEMPT_KEY);
                    shop.cart.set(Cart::default());
                    shop.notices.set(Vec::new());
                    shop.remember_order(accepted.order_id, Some(accepted.tracking_token.clone()));
                    shop.placed.set(Some(Placed {
                        order_id: accepted.order_id,
                        customer_name,
                        when: accepted
                            .pickup_at
                            .as_deref()
                            .and_then(|start| crate::status::slot_sentence(start, None, how)),
                    }));
                    let page = if accepted.tracking_url.starts_with("/orders/") {
                        accepted.tracking_url.clone()
                    } else {
                        format!("/orders/{}", accepted.order_id)
                    };
                    navigate(&page);
                }
                Outcome::Invalid(found) => {
                    focus_first_error(&found);
                    if let Some(general) = &found.general {
                        alert.set(Some(general.clone()));
                    }
                    errors.set(found);
                }
                Outcome::PriceMismatch(message) | Outcome::UnknownProduct(message) => {
                    browser::forget(ATTEMPT_KEY);
                    shop.refresh_catalog().await;
                    // The refresh's own notes repeat what the message says; one explanation is enough.
                    shop.notices.set(Vec::new());
                    alert.set(Some(message));
                    browser::focus("checkout-alert");
                }
                Outcome::SlotRefused(found) => {
                    // Nothing is lost: the cart and the form stay; the slots are read again.
                    browser::forget(ATTEMPT_KEY);
                    refused.set(Some(found));
                    when.reload.update(|n| *n += 1);
                    browser::focus("slot-refused");
                }
                Outcome::KeyReused(message) => {
                    browser::forget(ATTEMPT_KEY);
                    alert.set(Some(message));
                    browser::focus("checkout-alert");
                }
                Outcome::Failed(message) => {
                    // The attempt is kept: trying again re-sends the same key, so it stays one order.
                    alert.set(Some(format!(
                        "{message} Trying again is safe: you will not be charged twice."
                    )));
                    browser::focus("checkout-alert");
                }
            }
        });
    };
    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        place();
    };
    let take_next = move |_| {
        let next = refused.with_untracked(|r| r.as_ref().and_then(|r| r.next_available.clone()));
        if let Some(start) = next {
            when.pick(&start);
            place();
        }
    };
    let refused_message =
        move || refused.with(|r| r.as_ref().map(|r| r.message.clone()).unwrap_or_default());
    let next_offer = move || {
        refused.with(|r| {
            r.as_ref()
                .and_then(|r| r.next_available.as_deref())
                .and_then(|start| pickup::span(start, None))
        })
    };

    let is_empty = create_selector(move || shop.cart.with(Cart::is_empty));
    let total = move || format_cents(shop.cart.with(Cart::total_cents));
    let summary = move || {
        shop.cart.with(|c| {
            c.lines
                .iter()
                .map(|l| {
                    let text = bakery_wire::options::line_text(l.quantity, &l.name, &l.details());
                    let price = format_cents(l.total_cents());
                    view! { li { span { (text) } span { (price) } } }
                })
                .collect::<Vec<_>>()
        })
    };
    let cart_errors = move || errors.with(|e| e.cart.clone());

    view! {
        h1(id="page-title", tabindex="-1") { "Checkout" }
        Notices {}
        (if is_empty.get() {
            view! {
                div(class="panel center") {
                    p { "Your cart is empty, so there is nothing to check out yet." }
                    a(class="button primary", href="/") { "Browse the menu" }
                }
            }
        } else {
            view! {
                div(class="checkout-grid") {
                    section(class="panel order-summary", aria-labelledby="summary-title") {
                        h2(id="summary-title") { "Your order" }
                        ul(class="summary-lines") { (summary) }
                        p(class="total") { span { "Total" } strong(data-testid="checkout-total") { (total) } }
                        a(href="/cart") { "Change the cart" }
                    }
                    form(class="panel checkout-form", novalidate=true, on:submit=submit, aria-labelledby="form-title") {
                        h2(id="form-title") { "Your details" }
                        div(id="checkout-alert", class="alert", role="alert", tabindex="-1",
                            hidden=move || alert.with(Option::is_none)) {
                            (move || alert.get_clone().unwrap_or_default())
                        }
                        div(id="slot-refused", class="alert", role="alert", tabindex="-1",
                            data-testid="slot-refused", hidden=move || refused.with(Option::is_none)) {
                            p { (refused_message) }
                            (move || match next_offer() {
                                Some(when) => view! {
                                    button(class="button primary", r#type="button", id="take-next-slot",
                                        disabled=move || busy.get(), on:click=take_next) {
                                        (format!("Order for {when} instead"))
                                    }
                                },
                                None => view! {},
                            })
                        }
                        (move || {
                            let list = cart_errors();
                            if list.is_empty() {
                                view! {}
                            } else {
                                let items = View::from(list.into_iter().map(|m| view! { li { (m) } }).collect::<Vec<_>>());
                                view! {
                                    ul(class="alert", id="cart-errors", data-testid="cart-errors") {
                                        (items)
                                    }
                                }
                            }
                        })
                        div(class="field") {
                            label(r#for="customer-name") { "Your name" }
                            input(
                                id="customer-name",
                                name="customer_name",
                                r#type="text",
                                autocomplete="name",
                                required=true,
                                aria-invalid=move || if name_error().is_some() { "true" } else { "false" },
                                aria-describedby="customer-name-error",
                                bind:value=name,
                                on:blur=move |_| errors.update(|e| e.name = checkout::name_error(&name.get_clone_untracked())),
                                on:input=move |_| if errors.with_untracked(|e| e.name.is_some()) {
                                    errors.update(|e| e.name = checkout::name_error(&name.get_clone_untracked()))
                                },
                            )
                            p(id="customer-name-error", class="field-error", data-testid="name-error") {
                                (move || name_error().unwrap_or_default())
                            }
                        }
                        div(class="field") {
                            label(r#for="customer-email") { "E-mail" }
                            input(
                                id="customer-email",
                                name="customer_email",
                                r#type="email",
                                autocomplete="email",
                                inputmode="email",
                                required=true,
                                aria-invalid=move || if email_error().is_some() { "true" } else { "false" },
                                aria-describedby="customer-email-error customer-email-hint",
                                bind:value=email,
                                on:blur=move |_| errors.update(|e| e.email = checkout::email_error(&email.get_clone_untracked())),
                                on:input=move |_| if errors.with_untracked(|e| e.email.is_some()) {
                                    errors.update(|e| e.email = checkout::email_error(&email.get_clone_untracked()))
                                },
                            )
                            p(id="customer-email-hint", class="field-hint") { "We only use it to tell you when your order is ready." }
                            p(id="customer-email-error", class="field-error", data-testid="email-error") {
                                (move || email_error().unwrap_or_default())
                            }
                        }
                        fieldset(class="field choice") {
                            legend { "How would you like to get it?" }
                            label(class="choice-option") {
                                input(r#type="radio", name="fulfillment", id="fulfillment-pickup", value="pickup",
                                    checked=!delivery.get_untracked(),
                                    on:change=move |_| {
                                        fulfillment.set(Fulfillment::Pickup);
                                        errors.update(|e| e.address = None);
                                    })
                                span { "Pick up at the counter" }
                            }
                            label(class="choice-option") {
                                input(r#type="radio", name="fulfillment", id="fulfillment-delivery", value="delivery",
                                    checked=delivery.get_untracked(),
                                    on:change=move |_| fulfillment.set(Fulfillment::Delivery))
                                span { "Deliver to my door" }
                            }
                        }
                        WhenPicker(choice=when, fulfillment=fulfillment, errors=errors)
                        div(class="field", hidden=move || !delivery.get()) {
                            label(r#for="delivery-address") { "Delivery address" }
                            textarea(
                                id="delivery-address",
                                name="delivery_address",
                                rows="3",
                                autocomplete="street-address",
                                required=move || delivery.get(),
                                aria-invalid=move || if address_error().is_some() { "true" } else { "false" },
                                aria-describedby="delivery-address-error delivery-address-hint",
                                bind:value=address,
                                on:blur=move |_| errors.update(|e| e.address = checkout::address_error(&address.get_clone_untracked())),
                                on:input=move |_| if errors.with_untracked(|e| e.address.is_some()) {
                                    errors.update(|e| e.address = checkout::address_error(&address.get_clone_untracked()))
                                },
                            )
                            p(id="delivery-address-hint", class="field-hint") { "Street, number, flat and town; anything the courier should know." }
                            p(id="delivery-address-error", class="field-error", data-testid="address-error") {
                                (move || address_error().unwrap_or_default())
                            }
                        }
                        button(id="place-order", class="button primary large", r#type="submit",
                            aria-busy=move || if busy.get() { "true" } else { "false" },
                            disabled=move || busy.get()) {
                            (move || if busy.get() { "Placing your order…".to_owned() } else { format!("Place order · {}", total()) })
                        }
                    }
                }
            }
        })
    }
}

/// Sends keyboard focus to the first field the customer has to fix.
fn focus_first_error(errors: &FormErrors) {
    if errors.name.is_some() {
        browser::focus("customer-name");
    } else if errors.email.is_some() {
        browser::focus("customer-email");
    } else if errors.address.is_some() {
        browser::focus("delivery-address");
    } else if errors.when.is_some() {
        browser::focus("pickup-day");
    } else if !errors.cart.is_empty() || errors.general.is_some() {
        browser::focus("checkout-alert");
    }
}
