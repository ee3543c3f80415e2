//! The bakery's calendar (`/staff/calendar`): time zone, pickup hours per weekday with several
//! ranges a day, slot length and capacity, daily cap, days ahead, cut-off, closed dates and
//! special hours, and the delivery windows with their own capacity. Admins edit it (`PUT
//! /api/admin/calendar`); bakers read it. A refused save keeps what was typed and says what is
//! wrong next to the field.

use bakery_wire::FieldError;
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use super::StaffCtx;
use super::admin::page_start;
use crate::planning::{CalendarForm, CalendarText, Kind, WEEKDAYS, WindowForm, field_label};
use crate::ui::api::{self, ApiError};
use crate::ui::browser;

const URL: &str = "/api/admin/calendar";

/// One window's fields (pickup or delivery), as signals bound to the inputs.
#[derive(Clone, Copy)]
struct WindowSignals {
    days: [Signal<String>; 7],
    slot_minutes: Signal<String>,
    slot_orders: Signal<String>,
    slot_items: Signal<String>,
    day_orders: Signal<String>,
}

impl WindowSignals {
    fn new() -> WindowSignals {
        WindowSignals {
            days: std::array::from_fn(|_| create_signal(String::new())),
            slot_minutes: create_signal(String::new()),
            slot_orders: create_signal(String::new()),
            slot_items: create_signal(String::new()),
            day_orders: create_signal(String::new()),
        }
    }

    fn read(self) -> WindowForm {
        WindowForm {
            days: self.days.map(|d| d.get_clone_untracked()),
            slot_minutes: self.slot_minutes.get_clone_untracked(),
            slot_orders: self.slot_orders.get_clone_untracked(),
            slot_items: self.slot_items.get_clone_untracked(),
            day_orders: self.day_orders.get_clone_untracked(),
        }
    }

    fn show(self, form: &WindowForm) {
        for (signal, text) in self.days.iter().zip(&form.days) {
            signal.set(text.clone());
        }
        self.slot_minutes.set(form.slot_minutes.clone());
        self.slot_orders.set(form.slot_orders.clone());
        self.slot_items.set(form.slot_items.clone());
        self.day_orders.set(form.day_orders.clone());
    }
}

/// The whole form as signals.
#[derive(Clone, Copy)]
struct FormSignals {
    time_zone: Signal<String>,
    pickup: WindowSignals,
    delivery: WindowSignals,
    days_ahead: Signal<String>,
    cut_off: Signal<String>,
    closed_dates: Signal<String>,
    special_hours: Signal<String>,
    /// What the server sent that the form does not show, sent back as it was.
    other: Signal<serde_json::Map<String, serde_json::Value>>,
}

impl FormSignals {
    fn new() -> FormSignals {
        FormSignals {
            time_zone: create_signal(String::new()),
            pickup: WindowSignals::new(),
            delivery: WindowSignals::new(),
            days_ahead: create_signal(String::new()),
            cut_off: create_signal(String::new()),
            closed_dates: create_signal(String::new()),
            special_hours: create_signal(String::new()),
            other: create_signal(serde_json::Map::new()),
        }
    }

    fn read(self) -> CalendarForm {
        CalendarForm {
            time_zone: self.time_zone.get_clone_untracked(),
            pickup: self.pickup.read(),
            delivery: self.delivery.read(),
            days_ahead: self.days_ahead.get_clone_untracked(),
            cut_off: self.cut_off.get_clone_untracked(),
            closed_dates: self.closed_dates.get_clone_untracked(),
            special_hours: self.special_hours.get_clone_untracked(),
            other: self.other.get_clone_untracked(),
        }
    }

    fn show(self, text: &CalendarText) {
        let form = CalendarForm::from_text(text);
        self.time_zone.set(form.time_zone);
        self.pickup.show(&form.pickup);
        self.delivery.show(&form.delivery);
        self.days_ahead.set(form.days_ahead);
        self.cut_off.set(form.cut_off);
        self.closed_dates.set(form.closed_dates);
        self.special_hours.set(form.special_hours);
        self.other.set(form.other);
    }
}

/// The element id of a field's input: `cal-slot_orders`, `cal-hours-mon`.
fn input_id(key: &str) -> String {
    format!("cal-{}", key.replace('.', "-"))
}

/// The message of the first error naming `key`, or of the group it belongs to (`hours` for
/// `hours.mon`, when the server names the whole week).
fn message_for(errors: &[FieldError], key: &str) -> String {
    errors
        .iter()
        .find(|e| e.field == key)
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

/// Where focus goes after a refused save: the first field named (its group for the hours).
fn focus_first(errors: &[FieldError]) {
    if let Some(first) = errors.first() {
        let key = match first.field.as_str() {
            "hours" => "hours.mon",
            "delivery_hours" => "delivery_hours.mon",
            other => other,
        };
        browser::focus(&input_id(key));
    }
}

/// Whether a field has its own place on the page (else its error goes to the page's alert).
fn has_place(field: &str) -> bool {
    field_label(field) != "This field"
}

/// A labelled input with its hint and its error, bound to `value`.
#[allow(clippy::too_many_arguments)]
fn input(
    key: String,
    label: String,
    hint: &'static str,
    value: Signal<String>,
    errors: Signal<Vec<FieldError>>,
    can_edit: bool,
    inputmode: &'static str,
    placeholder: &'static str,
) -> View {
    let id = input_id(&key);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = if hint.is_empty() {
        error_id.clone()
    } else {
        format!("{error_id} {hint_id}")
    };
    let message = create_memo(move || errors.with(|e| message_for(e, &key)));
    let label_for = id.clone();
    let hint_view = View::from(
        (!hint.is_empty()).then(|| view! { p(class="field-hint", id=hint_id) { (hint) } }),
    );
    view! {
        div(class="field") {
            label(r#for=label_for) { (label) }
            input(id=id, r#type="text", autocomplete="off", inputmode=inputmode,
                placeholder=placeholder, readonly=!can_edit, bind:value=value,
                aria-invalid=move || if message.with(String::is_empty) { "false" } else { "true" },
                aria-describedby=described)
            (hint_view)
            p(class="field-error", id=error_id, data-testid="field-error") { (message) }
        }
    }
}

/// A labelled text area (a list, one item a line) with its hint and its error.
fn list(
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    value: Signal<String>,
    errors: Signal<Vec<FieldError>>,
    can_edit: bool,
) -> View {
    let id = input_id(key);
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described = format!("{error_id} {hint_id}");
    let message = create_memo(move || errors.with(|e| message_for(e, key)));
    let label_for = id.clone();
    view! {
        div(class="field") {
            label(r#for=label_for) { (label) }
            textarea(id=id, rows="4", autocomplete="off", readonly=!can_edit, bind:value=value,
                aria-invalid=move || if message.with(String::is_empty) { "false" } else { "true" },
                aria-describedby=described)
            p(class="field-hint", id=hint_id) { (hint) }
            p(class="field-error", id=error_id, data-testid="field-error") { (message) }
        }
    }
}

/// Pickup's or delivery's fieldset: the hours of each weekday, the slot and its limits.
fn window_fields(
    kind: Kind,
    signals: WindowSignals,
    errors: Signal<Vec<FieldError>>,
    can_edit: bool,
) -> View {
    let (title, slot, unit) = match kind {
        Kind::Pickup => ("Pickup", "Slot length (minutes)", "slot"),
        Kind::Delivery => ("Delivery windows", "Window length (minutes)", "window"),
    };
    let hours_key = kind.key("hours");
    let week_message = create_memo(move || errors.with(|e| message_for(e, &hours_key)));
    let week_error_id = format!("{}-error", input_id(&kind.key("hours")));
    let days = WEEKDAYS
        .iter()
        .enumerate()
        .map(|(day, (_, name))| {
            input(
                kind.day_key(day),
                (*name).to_owned(),
                "",
                signals.days[day],
                errors,
                can_edit,
                "text",
                "closed",
            )
        })
        .collect::<Vec<_>>();
    let legend_id = format!("cal-{}legend", kind.prefix());
    let hours_legend_id = format!("cal-{}hours-legend", kind.prefix());
    let limits = [
        (
            "slot_minutes",
            slot.to_owned(),
            "5 to 240.",
            signals.slot_minutes,
        ),
        (
            "slot_orders",
            format!("Orders per {unit}"),
            "Empty: no limit.",
            signals.slot_orders,
        ),
        (
            "slot_items",
            format!("Items per {unit}"),
            "Pieces, all products together. Empty: no limit.",
            signals.slot_items,
        ),
        (
            "day_orders",
            "Orders per day".to_owned(),
            "Empty: no limit.",
            signals.day_orders,
        ),
    ]
    .into_iter()
    .map(|(field, label, hint, value)| {
        input(
            kind.key(field),
            label,
            hint,
            value,
            errors,
            can_edit,
            "numeric",
            "",
        )
    })
    .collect::<Vec<_>>();
    let legend_for = legend_id.clone();
    let week_described = format!("{week_error_id} {hours_legend_id}-hint");
    let week_hint_id = format!("{hours_legend_id}-hint");
    let testid = match kind {
        Kind::Pickup => "calendar-pickup",
        Kind::Delivery => "calendar-delivery",
    };
    view! {
        fieldset(class="panel calendar-window", aria-labelledby=legend_for, data-testid=testid) {
            legend(id=legend_id) { h2 { (title) } }
            fieldset(class="calendar-week", aria-describedby=week_described) {
                legend(id=hours_legend_id) { "Opening hours" }
                p(class="field-hint", id=week_hint_id) {
                    "One or more ranges a day, like 07:00-12:00, 13:00-18:00. Leave a day empty when closed; 24:00 is midnight at the end of the day."
                }
                p(class="field-error", id=week_error_id, role="alert") { (week_message) }
                div(class="calendar-days") { (days) }
            }
            div(class="form-row") { (limits) }
        }
    }
}

#[component(inline_props)]
pub fn CalendarPage(can_edit: bool) -> View {
    let ctx = use_context::<StaffCtx>();
    page_start("Calendar");
    let form = FormSignals::new();
    let loaded = create_signal(false);
    let errors = create_signal(Vec::<FieldError>::new());
    let problem = create_signal(String::new());
    let saved = create_signal(String::new());
    let busy = create_signal(false);

    spawn_local_scoped(async move {
        match ctx.call::<CalendarText>("GET", URL, None).await {
            Ok(text) => {
                form.show(&text);
                loaded.set(true);
            }
            Err(e) => problem.set(e.message),
        }
    });

    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() || !can_edit {
            return;
        }
        saved.set(String::new());
        problem.set(String::new());
        let text = match form.read().to_text() {
            Ok(text) => text,
            Err(found) => {
                focus_first(&found);
                errors.set(found);
                problem.set("The calendar was not saved: see the fields marked below.".into());
                return;
            }
        };
        errors.set(Vec::new());
        let body = serde_json::to_string(&text).unwrap_or_default();
        busy.set(true);
        spawn_local_scoped(async move {
            let reply = ctx.send("PUT", URL, Some(&body)).await;
            busy.set(false);
            match reply {
                Ok(reply) if (200..300).contains(&reply.status) => {
                    match api::decode::<CalendarText>(reply) {
                        Ok(stored) => form.show(&stored),
                        Err(e) => problem.set(e.message),
                    }
                    saved.set("Saved. The new calendar is in force now.".into());
                }
                Ok(reply) => {
                    let found = crate::planning::server_field_errors(&reply.body);
                    let general = ApiError::from_reply(reply.status, &reply.body).message;
                    let placed: Vec<FieldError> =
                        found.into_iter().filter(|e| has_place(&e.field)).collect();
                    if placed.is_empty() {
                        problem.set(general);
                    } else {
                        problem
                            .set("The calendar was not saved: see the fields marked below.".into());
                        focus_first(&placed);
                    }
                    errors.set(placed);
                }
                Err(e) => problem.set(e.message),
            }
        });
    };

    let zone = input(
        "time_zone".into(),
        "Time zone".into(),
        "The bakery's IANA time zone, like Europe/Paris. Times are stored in UTC and shown in this zone.",
        form.time_zone,
        errors,
        can_edit,
        "text",
        "Europe/Paris",
    );
    let pickup = window_fields(Kind::Pickup, form.pickup, errors, can_edit);
    let delivery = window_fields(Kind::Delivery, form.delivery, errors, can_edit);
    let days_ahead = input(
        "days_ahead".into(),
        "Days ahead".into(),
        "How many days after today customers may order for (0: today only; at most 365).",
        form.days_ahead,
        errors,
        can_edit,
        "numeric",
        "",
    );
    let cut_off = input(
        "cut_off".into(),
        "Cut-off".into(),
        "Orders for a day close at this time on the day before, like 18:00. Empty: no cut-off.",
        form.cut_off,
        errors,
        can_edit,
        "text",
        "18:00",
    );
    let closed = list(
        "closed_dates",
        "Closed dates",
        "One date a line, YYYY-MM-DD, like 2026-12-25.",
        form.closed_dates,
        errors,
        can_edit,
    );
    let special = list(
        "special_hours",
        "Special hours",
        "One date a line with its hours, replacing the weekday's for pickup and delivery: 2026-12-24 08:00-12:00.",
        form.special_hours,
        errors,
        can_edit,
    );
    let intro = if can_edit {
        "When customers may pick up or have orders delivered, and how many the kitchen takes."
    } else {
        "When customers may pick up or have orders delivered. Only an admin can change it."
    };
    let save = View::from(can_edit.then(|| {
        view! {
            div(class="actions") {
                button(class="button primary large", r#type="submit", id="calendar-save",
                    disabled=move || busy.get() || !loaded.get()) {
                    (move || if busy.get() { "Saving…" } else { "Save the calendar" })
                }
            }
        }
    }));

    view! {
        section(class="calendar-page", aria-labelledby="page-title") {
            h1(id="page-title", tabindex="-1") { "Calendar" }
            p(class="muted") { (intro) }
            p(class="alert", role="alert", data-testid="calendar-problem",
                hidden=move || problem.with(String::is_empty)) { (problem) }
            p(class="loading", role="status", hidden=move || loaded.get() || !problem.with(String::is_empty)) {
                "Loading the calendar…"
            }
            form(class="calendar-form", on:submit=submit, novalidate=true, hidden=move || !loaded.get(),
                aria-describedby="calendar-saved") {
                fieldset(class="panel") {
                    legend { h2 { "The bakery" } }
                    (zone)
                    div(class="form-row") { (days_ahead) (cut_off) }
                }
                (pickup)
                (delivery)
                fieldset(class="panel", aria-labelledby="cal-dates-legend") {
                    legend(id="cal-dates-legend") { h2 { "Closed dates and special hours" } }
                    (closed)
                    (special)
                }
                p(id="calendar-saved", class="saved", role="status", aria-live="polite",
                    data-testid="calendar-saved") { (saved) }
                (save)
            }
        }
    }
}
