//! The checkout's time picker: "as soon as possible" (the earliest slot for the cart, shown) or a
//! day and one of its slots. Native radio buttons and a select, so the keyboard and screen
//! readers work as everywhere; a slot that cannot be had is disabled with its reason in text,
//! and a live region says what the list now shows or what went wrong.

use bakery_wire::{DaySlots, Fulfillment, NextSlot};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use wasm_bindgen::JsValue;

use super::{Shop, api};
use crate::checkout::{FormErrors, When};
use crate::pickup::{self, Date};

/// The customer's choice of time, shared by the checkout form and its picker.
#[derive(Clone, Copy)]
pub struct WhenChoice {
    /// `false`: as soon as possible; `true`: at a time the customer chooses.
    pub choosing: Signal<bool>,
    /// The day whose slots are shown (`YYYY-MM-DD`); empty until one is known.
    pub day: Signal<String>,
    /// The chosen slot's start.
    pub slot: Signal<Option<String>>,
    /// Bumped to read the slots again (after the bakery refused a time).
    pub reload: Signal<u32>,
}

impl WhenChoice {
    pub fn new() -> WhenChoice {
        WhenChoice {
            choosing: create_signal(false),
            day: create_signal(String::new()),
            slot: create_signal(None),
            reload: create_signal(0),
        }
    }

    /// What to send.
    pub fn when(self) -> When {
        if !self.choosing.get_untracked() {
            return When::Soonest;
        }
        match self.slot.get_clone_untracked() {
            Some(start) => When::Slot(start),
            None => When::Unchosen,
        }
    }

    /// Chooses the slot starting at `start` (the next free time the bakery offered).
    pub fn pick(self, start: &str) {
        self.choosing.set(true);
        if let Some(date) = Date::parse(start) {
            self.day.set(date.to_string());
        }
        self.slot.set(Some(start.to_owned()));
        self.reload.update(|n| *n += 1);
    }
}

/// Something read from the API.
#[derive(Clone, PartialEq)]
enum Loaded<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// Today in the browser, for when the bakery has not said which day it is.
fn browser_today() -> String {
    let now = js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    )
}

#[component(inline_props)]
pub fn WhenPicker(
    choice: WhenChoice,
    fulfillment: Signal<Fulfillment>,
    errors: Signal<FormErrors>,
) -> View {
    let shop = use_context::<Shop>();
    let items = create_memo(move || shop.cart.with(pickup::items_query));
    let next = create_signal(Loaded::<Option<NextSlot>>::Loading);
    let day_slots = create_signal(Loaded::<DaySlots>::Loading);
    let days = create_signal(Vec::<Date>::new());
    let today = create_signal(Option::<Date>::None);
    let announce = create_signal(String::new());

    // The earliest slot for this cart: what "as soon as possible" means now.
    create_effect(move || {
        let how = fulfillment.get();
        let items = items.get_clone();
        choice.reload.track();
        spawn_local_scoped(async move {
            next.set(match api::next_slot(how, &items).await {
                Ok(found) => Loaded::Ready(found),
                Err(e) => Loaded::Failed(e.message),
            });
        });
    });

    // Choosing a time starts on the earliest slot's day (today when none is free).
    create_effect(move || {
        if !choice.choosing.get() || !choice.day.with_untracked(String::is_empty) {
            return;
        }
        let day = match next.get_clone() {
            Loaded::Loading => return,
            Loaded::Ready(Some(slot)) => Date::parse(&slot.start).map(|d| d.to_string()),
            Loaded::Ready(None) | Loaded::Failed(_) => None,
        };
        choice.day.set(day.unwrap_or_else(browser_today));
    });

    // The chosen day's slots for this cart.
    create_effect(move || {
        if !choice.choosing.get() {
            return;
        }
        let date = choice.day.get_clone();
        if date.is_empty() {
            return;
        }
        let how = fulfillment.get();
        let items = items.get_clone();
        choice.reload.track();
        day_slots.set(Loaded::Loading);
        spawn_local_scoped(async move {
            match api::day_slots(&date, how, &items).await {
                Ok(day) => {
                    if let (Some(first), Some(last)) =
                        (Date::parse(&day.first_date), Date::parse(&day.last_date))
                    {
                        today.set(Some(first));
                        days.set(pickup::days_between(first, last));
                    }
                    let mut said = pickup::day_summary(&day);
                    // A chosen slot of another day, or one that can no longer be had, is let go.
                    let kept = choice.slot.with_untracked(|s| {
                        s.as_deref().is_none_or(|start| {
                            pickup::slot_choices(&day)
                                .iter()
                                .any(|c| c.start == start && c.unavailable.is_none())
                        })
                    });
                    if !kept {
                        let was_this_day = choice
                            .slot
                            .with_untracked(|s| s.as_deref().is_some_and(|s| s.starts_with(&date)));
                        choice.slot.set(None);
                        if was_this_day {
                            said = format!("The time you chose can no longer be had. {said}");
                        }
                    }
                    announce.set(said);
                    day_slots.set(Loaded::Ready(day));
                }
                Err(e) => {
                    announce.set(format!("The times could not be loaded: {}", e.message));
                    day_slots.set(Loaded::Failed(e.message));
                }
            }
        });
    });

    let delivery = create_selector(move || fulfillment.get() == Fulfillment::Delivery);
    let soonest_text = move || match next.get_clone() {
        Loaded::Loading => "Finding the earliest time…".to_owned(),
        Loaded::Ready(Some(slot)) => pickup::span(&slot.start, Some(&slot.end))
            .map(|when| format!("The earliest time for your order: {when}"))
            .unwrap_or_default(),
        Loaded::Ready(None) => "No time is free in the days ahead.".to_owned(),
        Loaded::Failed(message) => message,
    };
    let when_error = move || errors.with(|e| e.when.clone());
    let clear_error = move || {
        if errors.with_untracked(|e| e.when.is_some()) {
            errors.update(|e| e.when = None);
        }
    };

    let day_options = move || {
        let shown = choice.day.get_clone();
        let today = today.get().or_else(|| Date::parse(&browser_today()));
        let mut list = days.get_clone();
        if let Some(day) = Date::parse(&shown).filter(|d| !list.contains(d)) {
            list.insert(0, day);
        }
        list.into_iter()
            .map(|date| {
                let value = date.to_string();
                let label = match today {
                    Some(today) => pickup::day_label(date, today),
                    None => date.long(),
                };
                let selected = value == shown;
                view! { option(value=value, selected=selected) { (label) } }
            })
            .collect::<Vec<_>>()
    };

    let slot_list = move || match day_slots.get_clone() {
        Loaded::Loading => view! { p(class="muted") { "Loading the times…" } },
        Loaded::Failed(message) => view! { p(class="field-error") { (message) } },
        Loaded::Ready(day) => {
            let legend = match (Date::parse(&day.date), delivery.get_untracked()) {
                (Some(d), false) => format!("Pickup times on {}", d.long()),
                (Some(d), true) => format!("Delivery windows on {}", d.long()),
                (None, _) => "Times".to_owned(),
            };
            let choices = pickup::slot_choices(&day);
            if choices.is_empty() {
                let why = day
                    .reason
                    .map_or("No time is left that day.", pickup::day_reason_text);
                return view! {
                    p(class="day-closed", data-testid="day-reason") { (why) }
                };
            }
            let none_open = choices.iter().all(|c| c.unavailable.is_some());
            let day_reason = View::from(none_open.then(|| {
                let why = day
                    .reason
                    .map_or("No time is left that day.", pickup::day_reason_text);
                view! { p(class="day-closed", data-testid="day-reason") { (why) } }
            }));
            let radios = choices
                .into_iter()
                .enumerate()
                .map(|(i, slot)| {
                    let id = format!("slot-{i}");
                    let start = slot.start.clone();
                    let is_checked = {
                        let start = start.clone();
                        move || {
                            JsValue::from_bool(
                                choice.slot.with(|s| s.as_deref() == Some(start.as_str())),
                            )
                        }
                    };
                    let disabled = slot.unavailable.is_some();
                    let state = if disabled { "unavailable" } else { "open" };
                    let reason = View::from(
                        slot.unavailable
                            .map(|why| view! { span(class="slot-reason") { span(class="visually-hidden") { " — " } (why) } }),
                    );
                    let hint = View::from(
                        slot.hint
                            .map(|h| view! { span(class="slot-hint") { span(class="visually-hidden") { " · " } (h) } }),
                    );
                    let on_start = start.clone();
                    let value = start.clone();
                    view! {
                        label(class="choice-option slot-option", data-state=state, data-start=start) {
                            input(r#type="radio", name="pickup-slot", id=id, value=value,
                                disabled=disabled,
                                prop:checked=is_checked,
                                on:change=move |_| {
                                    choice.slot.set(Some(on_start.clone()));
                                    clear_error();
                                })
                            span { (slot.label) (reason) (hint) }
                        }
                    }
                })
                .collect::<Vec<_>>();
            view! {
                fieldset(class="choice slot-list", id="slot-list", data-testid="slot-list",
                    aria-describedby="when-error") {
                    legend { (legend) }
                    (day_reason)
                    div(class="slot-grid") { (radios) }
                }
            }
        }
    };

    view! {
        fieldset(class="field choice when", aria-describedby="when-error") {
            legend { (move || if delivery.get() { "When should we deliver it?" } else { "When will you pick it up?" }) }
            label(class="choice-option") {
                input(r#type="radio", name="when", id="when-soonest", value="soonest",
                    prop:checked=move || JsValue::from_bool(!choice.choosing.get()),
                    on:change=move |_| {
                        choice.choosing.set(false);
                        clear_error();
                    })
                span {
                    "As soon as possible"
                    span(class="field-hint when-soonest", id="when-soonest-time", data-testid="soonest-time") { (soonest_text) }
                }
            }
            label(class="choice-option") {
                input(r#type="radio", name="when", id="when-choose", value="choose",
                    prop:checked=move || JsValue::from_bool(choice.choosing.get()),
                    on:change=move |_| choice.choosing.set(true))
                span { "At a time I choose" }
            }
            div(class="when-detail", hidden=move || !choice.choosing.get()) {
                div(class="field") {
                    label(r#for="pickup-day") { "Day" }
                    select(id="pickup-day", name="pickup_day", bind:value=choice.day,
                        on:change=move |event: web_sys::Event| {
                            // Not every way of choosing an option fires `input` (the binding's
                            // event); `change` always comes.
                            let value = event
                                .target()
                                .and_then(|t| js_sys::Reflect::get(&t, &JsValue::from_str("value")).ok())
                                .and_then(|v| v.as_string());
                            if let Some(value) = value.filter(|v| choice.day.with_untracked(|d| d != v)) {
                                choice.day.set(value);
                            }
                        }) {
                        (day_options)
                    }
                }
                (move || if choice.choosing.get() { slot_list() } else { view! {} })
            }
            p(id="when-status", class="visually-hidden", role="status", aria-live="polite",
                data-testid="when-status") { (announce) }
            p(id="when-error", class="field-error", data-testid="when-error") {
                (move || when_error().unwrap_or_default())
            }
        }
    }
}
