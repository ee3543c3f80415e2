//! The order board: today's orders by status column, live over Server-Sent Events (polling when
//! the stream fails), with each order's next guarded move as a button.

use std::cell::RefCell;
use std::rc::Rc;

use bakery_wire::staff::{BoardOrder, CancelOrder};
use bakery_wire::{Fulfillment, price_to_cents};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{EventSource, MessageEvent};

use super::StaffCtx;
use super::switches::SwitchesBar;
use crate::money::format_cents;
use crate::staff::{
    Action, ActionButton, BoardEvent, Column, EventEffect, apply_event, board_actions,
    items_summary, replace, time_of_day,
};
use crate::status;
use crate::ui::browser;
use crate::ui::live::Channel;

const BOARD_URL: &str = "/api/admin/orders?day=today";

/// The open event stream; dropping it closes it.
struct Stream {
    source: EventSource,
    _on_status: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
    _on_open: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for Stream {
    fn drop(&mut self) {
        self.source.close();
    }
}

impl Stream {
    fn open(
        orders: Signal<Vec<BoardOrder>>,
        channel: Signal<Channel>,
        refresh: Signal<bool>,
    ) -> Option<Stream> {
        let source = EventSource::new("/api/admin/orders/events").ok()?;
        let on_status = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let Some(event) = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<BoardEvent>(&text).ok())
            else {
                return;
            };
            let mut effect = EventEffect::Ignored;
            orders.update(|list| effect = apply_event(list, &event));
            if effect == EventEffect::Refetch {
                refresh.set(true);
            }
        });
        let on_error = {
            let source = source.clone();
            Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
                if channel.get_untracked() == Channel::Live
                    && source.ready_state() == EventSource::CONNECTING
                {
                    // The stream ended after its maximum lifetime: the browser reconnects.
                    channel.set(Channel::Connecting);
                } else {
                    source.close();
                    channel.set(Channel::Polling);
                }
                // Whatever happened while the stream was down is read now.
                refresh.set(true);
            })
        };
        let on_open = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            channel.set(Channel::Live);
        });
        source
            .add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref())
            .ok()?;
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        Some(Stream {
            source,
            _on_status: on_status,
            _on_error: on_error,
            _on_open: on_open,
        })
    }
}

#[component]
pub fn BoardPage() -> View {
    let ctx = use_context::<StaffCtx>();
    browser::set_title("Order board");
    on_mount(|| browser::focus("page-title"));
    let orders = create_signal(Vec::<BoardOrder>::new());
    let loaded = create_signal(false);
    let problem = create_signal(String::new());
    let channel = create_signal(Channel::Connecting);
    let refresh = create_signal(true);
    let stream: Rc<RefCell<Option<Stream>>> = Rc::default();
    {
        let stream = stream.clone();
        on_cleanup(move || drop(stream.borrow_mut().take()));
    }

    spawn_local_scoped(async move {
        let mut ticks = 0u32;
        loop {
            let now = channel.get_untracked();
            if now == Channel::Polling {
                drop(stream.borrow_mut().take());
            }
            // The stream is tried first, and again every half minute while polling.
            if stream.borrow().is_none() && (ticks == 0 || ticks.is_multiple_of(30)) {
                channel.set(Channel::Connecting);
                match Stream::open(orders, channel, refresh) {
                    Some(s) => *stream.borrow_mut() = Some(s),
                    None => channel.set(Channel::Polling),
                }
            }
            let due = refresh.get_untracked()
                || (now == Channel::Polling && ticks.is_multiple_of(2))
                || ticks.is_multiple_of(60);
            if due {
                refresh.set(false);
                match ctx.call::<Vec<BoardOrder>>("GET", BOARD_URL, None).await {
                    Ok(list) => {
                        orders.set(list);
                        loaded.set(true);
                        problem.set(String::new());
                    }
                    Err(e) => problem.set(e.message),
                }
            }
            browser::sleep(1000).await;
            ticks += 1;
        }
    });

    let note = move || match channel.get() {
        Channel::Live => "Live: new orders and changes appear by themselves.",
        Channel::Polling => "Checking for changes every two seconds.",
        _ => "Connecting for live updates…",
    };
    let columns = Column::ALL
        .into_iter()
        .map(|column| {
            let list = create_memo(move || {
                orders.with(|o| {
                    o.iter()
                        .filter(|o| Column::of(o.status) == column)
                        .cloned()
                        .collect::<Vec<_>>()
                })
            });
            let count = move || list.with(Vec::len);
            let title_id = format!("column-{}-title", column.key());
            let labelled = title_id.clone();
            view! {
                section(class="board-column", data-column=column.key(), aria-labelledby=labelled) {
                    h2(id=title_id) {
                        (column.title())
                        span(class="count", aria-label=move || format!("{} orders", count())) { (count) }
                    }
                    ul(class="board-list") {
                        Keyed(
                            list=move || list.get_clone(),
                            view=move |o| view! { OrderCard(order=o, orders=orders, refresh=refresh) },
                            key=|o| (o.order_id, o.status, o.failure_reason.clone(), o.ready_at.clone()),
                        )
                    }
                    p(class="muted empty-column", hidden=move || count() > 0) { "Nothing here." }
                }
            }
        })
        .collect::<Vec<_>>();

    view! {
        div(class="board-head") {
            h1(id="page-title", tabindex="-1") { "Today's orders" }
            a(class="button", href="/staff/production?date=tomorrow", rel="external", data-testid="board-tomorrow") { "Tomorrow's production sheet" }
            p(class="muted live-note", data-testid="board-live", aria-live="polite") { (note) }
        }
        SwitchesBar {}
        p(class="alert", role="alert", hidden=move || problem.with(String::is_empty)) { (problem) }
        p(class="loading", role="status", hidden=move || loaded.get()) { "Loading the board…" }
        div(class="board", data-testid="board") { (columns) }
    }
}

#[component(inline_props)]
fn OrderCard(order: BoardOrder, orders: Signal<Vec<BoardOrder>>, refresh: Signal<bool>) -> View {
    let ctx = use_context::<StaffCtx>();
    let id = order.order_id;
    let busy = create_signal(false);
    let error = create_signal(String::new());
    let cancelling = create_signal(false);
    let reason = create_signal(String::new());

    let act = move |action: Action, body: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(String::new());
        spawn_local_scoped(async move {
            let url = format!("/api/admin/orders/{id}/{}", action.path());
            match ctx.call::<BoardOrder>("POST", &url, Some(&body)).await {
                // The card is rebuilt in its new column.
                Ok(fresh) => orders.update(|list| replace(list, fresh)),
                Err(e) => {
                    busy.set(false);
                    if e.code == "invalid_transition" {
                        refresh.set(true);
                    }
                    error.set(e.message);
                }
            }
        });
    };

    let cancel_submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let text = reason.get_clone_untracked().trim().to_owned();
        if text.is_empty() {
            error.set("Say why, for the customer and the audit log.".to_owned());
            browser::focus(&format!("cancel-reason-{id}"));
            return;
        }
        let body = CancelOrder {
            reason: Some(text),
            customer_email: None,
        };
        act(
            Action::Cancel,
            serde_json::to_string(&body).unwrap_or_default(),
        );
    };

    let buttons = board_actions(order.status, order.fulfillment)
        .into_iter()
        .map(|action| {
            let class = if action == Action::Cancel {
                "button small"
            } else {
                "button primary small"
            };
            view! {
                button(class=class, r#type="button", id=format!("{}-{id}", action.path()),
                    aria-label=format!("{} — order #{id}", action.label().trim_end_matches('…')),
                    disabled=move || busy.get(),
                    on:click=move |_| {
                        if action == Action::Cancel {
                            cancelling.set(true);
                            browser::focus(&format!("cancel-reason-{id}"));
                        } else {
                            act(action, "{}".to_owned());
                        }
                    }) { (action.label()) }
            }
        })
        .collect::<Vec<_>>();

    let (how, how_class) = match order.fulfillment {
        Fulfillment::Pickup => ("Pickup", "tag"),
        Fulfillment::Delivery => ("Delivery", "tag delivery"),
    };
    let address = View::from(
        order
            .delivery_address
            .clone()
            .map(|a| view! { p(class="address") { (a) } }),
    );
    let reason_note = View::from(
        order
            .failure_reason
            .clone()
            .map(|r| view! { p(class="card-reason") { (r) } }),
    );
    let total = price_to_cents(order.total)
        .map(format_cents)
        .unwrap_or_default();
    let summary = items_summary(&order);
    let placed = format!("{} UTC", time_of_day(&order.created_at));
    let status_class = format!("status-badge small status-{}", order.status);
    let heading = format!("#{id} {}", order.customer_name);
    let email = order.customer_email.clone();
    let reason_id = format!("cancel-reason-{id}");
    let reason_for = reason_id.clone();

    view! {
        li(class="board-card", id=format!("order-{id}"), data-order-id=id.to_string(),
            data-status=order.status.as_str()) {
            div(class="card-head") {
                strong(class="card-title") { (heading) }
                span(class=how_class) { (how) }
            }
            p(class="card-meta muted") { (placed) " · " (email) }
            p(class="card-items") { (summary) " · " strong { (total) } }
            (address)
            span(class=status_class) { (status::label(order.status)) }
            (reason_note)
            div(class="card-actions") { (buttons) }
            form(class="confirm-box", hidden=move || !cancelling.get(), on:submit=cancel_submit, novalidate=true) {
                div(class="field") {
                    label(r#for=reason_for) { "Why cancel? (stock goes back)" }
                    input(id=reason_id, r#type="text", autocomplete="off", bind:value=reason)
                }
                div(class="actions") {
                    button(class="button small", r#type="button", on:click=move |_| cancelling.set(false)) { "Keep" }
                    button(class="button danger small", r#type="submit", id=format!("cancel-confirm-{id}"),
                        disabled=move || busy.get()) { "Cancel order" }
                }
            }
            p(class="field-error", role="alert") { (error) }
        }
    }
}
