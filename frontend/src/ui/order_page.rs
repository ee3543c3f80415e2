//! One order: thank-you banner after checkout, live status with progress steps, items, history;
//! in full, and with its cancel, when the page knows the order's tracking token (`?t=` in its
//! address, or remembered from checkout or a look-up).

use bakery_wire::{Fulfillment, OrderStatus, OrderView, price_to_cents};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use super::live::{Channel, Tracked, track};
use super::{Catalog, Shop, api, browser, labels, pictures};
use crate::money::format_cents;
use crate::recent;
use crate::status;

fn money(price: f64) -> String {
    price_to_cents(price)
        .map(format_cents)
        .unwrap_or_else(|| format!("{price:.2}"))
}

#[component(inline_props)]
pub fn OrderPage(id: i64) -> View {
    let shop = use_context::<Shop>();
    browser::set_title(&format!("Order #{id}"));
    on_mount(|| browser::focus("page-title"));
    let in_address = browser::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|search| recent::token_in_query(&search));
    if let Some(token) = &in_address {
        shop.remember_order(id, Some(token.clone()));
    }
    let token = in_address.or_else(|| shop.recent.with_untracked(|r| recent::token_for(r, id)));
    let (order, channel) = track(id, token.clone());
    // The thank-you banner is for the first visit right after checkout, not for later lookups.
    on_cleanup(move || shop.placed.set(None));
    let thanks = shop.placed.with_untracked(|p| {
        p.as_ref()
            .filter(|p| p.order_id == id)
            .map(|p| (p.customer_name.clone(), p.when.clone()))
    });

    let body = move || match order.get_clone() {
        Tracked::Loading => {
            view! { p(class="loading", role="status") { "Looking up your order…" } }
        }
        Tracked::NotFound => view! {
            div(class="panel center", data-testid="order-not-found") {
                p { (format!("We have no order #{id}. Please check the number on your confirmation.")) }
                a(class="button", href="/orders") { "Look up another order" }
            }
        },
        Tracked::Failed(message) => view! { div(class="alert", role="alert") { (message) } },
        Tracked::Found(view) => {
            let token = PageToken(token.clone());
            view! { OrderDetails(view=*view, channel=channel, order=order, token=token) }
        }
    };

    let banner = View::from(thanks.map(|(name, when)| {
        let when = View::from(when.map(
            |w| view! { p { strong(data-testid="confirmation-when") { (format!("{w}.")) } } },
        ));
        view! {
            div(class="confirmation", id="confirmation", data-testid="confirmation") {
                h2 { (format!("Thank you, {name}!")) }
                p {
                    "Your order number is "
                    strong(data-testid="confirmation-order-number") { (format!("#{id}")) }
                    ". Keep it handy: this page follows your order as we bake it."
                }
                (when)
            }
        }
    }));
    view! {
        (banner)
        h1(id="page-title", tabindex="-1") {
            "Order "
            span(data-testid="order-number", id="order-number") { (format!("#{id}")) }
        }
        (body)
    }
}

/// The order's tracking token, when the page knows it.
#[derive(Clone, PartialEq)]
struct PageToken(Option<String>);

#[component(inline_props)]
fn OrderDetails(
    view: OrderView,
    channel: Signal<Channel>,
    order: Signal<Tracked>,
    token: PageToken,
) -> View {
    let current = view.status;
    let status_class = format!("status-badge status-{current}");
    let label = status::label(current);
    let explanation = status::explanation_for(current, view.fulfillment);
    let step = status::step(current, view.fulfillment);
    let steps = status::steps(view.fulfillment)
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let state = match step {
                Some(now) if i < now => "step done",
                Some(now) if i == now => "step current",
                _ => "step",
            };
            let aria_current = (step == Some(i)).then_some("step");
            let text = status::label(*s);
            view! { li(class=state, aria-current=aria_current) { span(class="dot", aria-hidden="true") span { (text) } } }
        })
        .collect::<Vec<_>>();
    let off_path = step.is_none();
    let reason = View::from(
        view.failure_reason
            .clone()
            .map(|r| view! { p(class="alert", data-testid="failure-reason") { (r) } }),
    );
    let ready_at = View::from(
        view.ready_at
            .clone()
            .filter(|_| current == OrderStatus::Processing)
            .map(|t| view! { p(class="muted") { (format!("Expected out of the oven at {t} UTC.")) } }),
    );
    let steps = View::from(steps);
    let steps = if off_path {
        view! {}
    } else {
        view! { ol(class="steps", aria-label="Progress") { (steps) } }
    };
    let channel_note = move || match channel.get() {
        Channel::Connecting => "Connecting for live updates…",
        Channel::Live => "Live: this page updates by itself.",
        Channel::Polling => "Checking for updates every second.",
        Channel::Done => "",
    };
    let shop = use_context::<Shop>();
    let items = view
        .items
        .iter()
        .map(|line| {
            let name = line.product_name.clone();
            let details = line.details();
            let details = View::from((!details.is_empty()).then(|| {
                view! { span(class="line-options", data-testid="line-options") { (details) } }
            }));
            let qty = line.quantity.to_string();
            let product_id = line.product_id;
            // Prices in the shop's money once it is known, with the menu's allergens once read.
            let (unit_price, line_total) = (line.unit_price, line.total);
            let unit = move || {
                shop.catalog.track();
                money(unit_price)
            };
            let total = move || {
                shop.catalog.track();
                money(line_total)
            };
            let allergens = move || match shop.catalog.get_clone() {
                Catalog::Ready(products) => labels::allergen_note(&products, product_id),
                _ => view! {},
            };
            let thumbnail = move || match shop.catalog.get_clone() {
                Catalog::Ready(products) => pictures::thumbnail(&products, product_id),
                _ => pictures::thumbnail(&[], product_id),
            };
            view! {
                tr {
                    th(scope="row") { (thumbnail) (name) (details) (allergens) }
                    td { (qty) } td { (unit) } td { (total) }
                }
            }
        })
        .collect::<Vec<_>>();
    let history = view
        .history
        .iter()
        .rev()
        .map(|change| {
            let label = status::label(change.status);
            let at = format!("{} UTC", change.at);
            let note = change.note.clone().unwrap_or_default();
            let note = View::from(
                (!note.is_empty())
                    .then(|| view! { span(class="history-note") { (format!(" — {note}")) } }),
            );
            let status_name = change.status.as_str();
            view! {
                li(data-status=status_name) {
                    span(class="history-status") { (label) }
                    " "
                    time { (at) }
                    (note)
                }
            }
        })
        .collect::<Vec<_>>();
    let order_total = view.total;
    let total = move || {
        shop.catalog.track();
        money(order_total)
    };
    let how = status::fulfillment_label(view.fulfillment);
    let address = View::from(
        view.delivery_address
            .clone()
            .filter(|_| view.fulfillment == Fulfillment::Delivery)
            .map(|a| view! { p(class="address", data-testid="delivery-address") { (a) } }),
    );
    let cancel = match token.0 {
        Some(token) if matches!(current, OrderStatus::Pending | OrderStatus::Scheduled) => {
            view! { CancelOwnOrder(id=view.order_id, order=order, token=token) }
        }
        Some(_) => view! {},
        None => view! {
            p(class="muted", data-testid="not-yours") {
                "Is this your order? "
                a(href="/orders") { "Look it up with your e-mail" }
                " to see all of it."
            }
        },
    };
    let placed = format!("Placed {} UTC for {}", view.created_at, view.customer_name);
    let slot = View::from(
        view.pickup_at
            .as_deref()
            .and_then(|start| {
                status::slot_sentence(start, view.pickup_until.as_deref(), view.fulfillment)
            })
            .map(|text| view! { p(data-testid="pickup-slot") { strong { (text) } } }),
    );

    view! {
        section(class="panel status-panel", aria-labelledby="status-title") {
            h2(id="status-title", class="visually-hidden") { "Status" }
            div(aria-live="polite", aria-atomic="true") {
                p(class=status_class, data-testid="order-status", id="order-status", data-status=current.as_str()) { (label) }
                p(class="status-explanation") { (explanation) }
                (reason)
                (ready_at)
            }
            (steps)
            p(class="muted live-note", data-testid="live-note") { (channel_note) }
            (cancel)
        }
        section(class="panel", aria-labelledby="fulfillment-title") {
            h2(id="fulfillment-title") { "Pickup or delivery" }
            p(data-testid="fulfillment", data-fulfillment=match view.fulfillment { Fulfillment::Pickup => "pickup", Fulfillment::Delivery => "delivery" }) { (how) }
            (slot)
            (address)
        }
        section(class="panel", aria-labelledby="items-title") {
            h2(id="items-title") { "Items" }
            p(class="muted", data-testid="order-placed") { (placed) }
            table(class="items") {
                thead { tr { th(scope="col") { "Item" } th(scope="col") { "Qty" } th(scope="col") { "Each" } th(scope="col") { "Total" } } }
                tbody { (items) }
                tfoot { tr { th(scope="row", colspan="3") { "Total" } td(data-testid="order-total") { (total) } } }
            }
        }
        section(class="panel", aria-labelledby="history-title") {
            h2(id="history-title") { "History" }
            ol(class="history", data-testid="order-history", reversed=true) { (history) }
        }
    }
}

/// What the customer's cancel button is doing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cancel {
    Closed,
    Confirming,
    Sending,
}

/// "Cancel order" while the order is pending: asks first, and proves the order is the
/// customer's with its tracking token.
#[component(inline_props)]
fn CancelOwnOrder(id: i64, order: Signal<Tracked>, token: String) -> View {
    let state = create_signal(Cancel::Closed);
    let error = create_signal(String::new());

    let confirm = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        if state.get_untracked() == Cancel::Sending {
            return;
        }
        state.set(Cancel::Sending);
        error.set(String::new());
        let token = token.clone();
        spawn_local_scoped(async move {
            match api::cancel_order(id, &token).await {
                Ok(view) => order.set(Tracked::Found(Box::new(view))),
                Err(e) => {
                    state.set(Cancel::Confirming);
                    error.set(match e.code.as_str() {
                        "order_token_required" => {
                            "This page cannot prove the order is yours; look it up with your e-mail first."
                                .to_owned()
                        }
                        "invalid_transition" => {
                            "Too late to cancel: we have already started on your order.".to_owned()
                        }
                        _ => e.message,
                    });
                }
            }
        });
    };

    view! {
        div(class="cancel-box") {
            (if state.get() == Cancel::Closed {
                view! {
                    button(class="button", r#type="button", id="cancel-order",
                        on:click=move |_| {
                            state.set(Cancel::Confirming);
                            browser::focus("cancel-confirm-title");
                        }) { "Cancel order" }
                }
            } else {
                view! {}
            })
            form(class="confirm-box", hidden=move || state.get() == Cancel::Closed,
                on:submit=confirm, novalidate=true, aria-labelledby="cancel-confirm-title") {
                p(id="cancel-confirm-title", tabindex="-1") {
                    strong { (format!("Cancel order #{id}?")) }
                    " We have not started on it yet, so nothing is charged."
                }
                p(id="cancel-error", class="field-error", role="alert") { (error) }
                div(class="actions") {
                    button(class="button", r#type="button", id="cancel-keep",
                        on:click=move |_| { state.set(Cancel::Closed); error.set(String::new()); }) { "Keep my order" }
                    button(class="button danger", r#type="submit", id="cancel-confirm",
                        disabled=move || state.get() == Cancel::Sending) {
                        (move || if state.get() == Cancel::Sending { "Cancelling…" } else { "Yes, cancel it" })
                    }
                }
            }
        }
    }
}
