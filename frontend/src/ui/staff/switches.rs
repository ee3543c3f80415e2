//! The order board's busy and pause switches (`/api/admin/switches`, admins and bakers): what is
//! in force ("Busy: +20 min", "Online orders paused until 14:30") and one click for each change.
//! Each click is one request carrying the whole state, the other switch as it is.

use js_sys::{Array, Date, Function, Object, Reflect};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use super::StaffCtx;
use crate::planning::{CalendarText, LocalNow, Switches};
use crate::ui::browser;

const URL: &str = "/api/admin/switches";

/// The bakery's clock now, read with the browser's `Intl` for the calendar's time zone.
fn bakery_now(time_zone: &str) -> Option<LocalNow> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let ctor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let options = Object::new();
    for (key, value) in [
        ("timeZone", time_zone),
        ("hourCycle", "h23"),
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("timeZoneName", "longOffset"),
    ] {
        Reflect::set(&options, &key.into(), &value.into()).ok()?;
    }
    // An unknown zone throws a RangeError: constructed by reflection, that is an `Err`.
    let args = Array::of2(&JsValue::from_str("en-GB"), &options);
    let format: js_sys::Intl::DateTimeFormat =
        Reflect::construct(&ctor, &args).ok()?.unchecked_into();
    let parts = format.format_to_parts(&Date::new_0());
    let part = |name: &str| {
        parts.iter().find_map(|p| {
            let kind = Reflect::get(&p, &"type".into()).ok()?.as_string()?;
            (kind == name)
                .then(|| Reflect::get(&p, &"value".into()).ok()?.as_string())
                .flatten()
        })
    };
    LocalNow::from_parts(
        &part("year")?,
        &part("month")?,
        &part("day")?,
        &part("hour")?,
        &part("minute")?,
        &part("timeZoneName").unwrap_or_default(),
    )
}

/// `minutes` from now, RFC 3339 in UTC.
fn minutes_from_now(minutes: u32) -> String {
    let at = Date::new(&JsValue::from_f64(
        Date::now() + f64::from(minutes) * 60_000.0,
    ));
    String::from(at.to_iso_string())
}

#[component]
pub fn SwitchesBar() -> View {
    let ctx = use_context::<StaffCtx>();
    let switches = create_signal(Option::<Switches>::None);
    let calendar = create_signal(Option::<CalendarText>::None);
    let error = create_signal(String::new());
    let said = create_signal(String::new());
    let busy = create_signal(false);
    let until = create_signal(String::new());
    // The minute the page last looked at the clock: "until closing" and the date follow it.
    let tick = create_signal(0u32);
    // How many clicks were answered: a read started before one is dropped.
    let changes = create_signal(0u32);

    // What is in force, read again every ten seconds (another till, another replica).
    spawn_local_scoped(async move {
        let mut round = 0u32;
        loop {
            if round.is_multiple_of(30)
                && let Ok(found) = ctx
                    .call::<CalendarText>("GET", "/api/admin/calendar", None)
                    .await
            {
                calendar.set(Some(found));
            }
            // A click answered while this read was on its way is newer than what it read.
            let asked_at = changes.get_untracked();
            if !busy.get_untracked()
                && let Ok(found) = ctx.call::<Switches>("GET", URL, None).await
                && changes.get_untracked() == asked_at
            {
                switches.set(Some(found));
            }
            tick.set(round);
            browser::sleep(10_000).await;
            round += 1;
        }
    });

    let now = create_memo(move || {
        tick.track();
        calendar.with(|c| c.as_ref().and_then(|c| bakery_now(&c.time_zone)))
    });
    let closing = create_memo(move || {
        let now = now.get_clone()?;
        calendar.with(|c| c.as_ref().and_then(|c| now.closing(c)))
    });

    let set = move |body: String, done: &'static str| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(String::new());
        spawn_local_scoped(async move {
            match ctx.call::<Switches>("PATCH", URL, Some(&body)).await {
                Ok(fresh) => {
                    changes.update(|n| *n += 1);
                    switches.set(Some(fresh));
                    said.set(done.to_owned());
                }
                Err(e) => error.set(e.message),
            }
            busy.set(false);
        });
    };

    let busy_text = move || {
        switches.with(|s| match s.as_ref().and_then(Switches::busy_text) {
            Some(text) => text,
            None => "Not busy: orders get the earliest slot.".to_owned(),
        })
    };
    let pause_text = move || {
        let today = now.with(|n| n.as_ref().map(|n| n.date.clone()).unwrap_or_default());
        switches.with(|s| match s.as_ref().and_then(|s| s.pause_text(&today)) {
            Some(text) => text,
            None => "Taking online orders.".to_owned(),
        })
    };
    let is_busy = move || switches.with(|s| s.as_ref().is_some_and(|s| s.busy_minutes > 0));
    let is_paused = move || switches.with(|s| s.as_ref().is_some_and(|s| s.paused_until.is_some()));

    let pause_until = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        let typed = until.get_clone_untracked();
        let Some(clock) = now.get_clone_untracked() else {
            error.set("The bakery's time zone is not known yet; try again in a moment.".to_owned());
            return;
        };
        match clock.until(&typed) {
            Some(at) => set(Switches::pause_change(Some(at)), "Online orders paused."),
            None => {
                error.set("Write the time as HH:MM, like 14:30.".to_owned());
                browser::focus("switch-until");
            }
        }
    };

    view! {
        section(class="switches panel no-print", aria-labelledby="switches-title", data-testid="switches") {
            h2(id="switches-title") { "Busy and pause" }
            div(class="switch-state") {
                p(data-testid="switch-busy", class=move || if is_busy() { "switch-on" } else { "muted" }) { (busy_text) }
                p(data-testid="switch-pause", class=move || if is_paused() { "switch-on" } else { "muted" }) { (pause_text) }
            }
            div(class="switch-actions", role="group", aria-label="Busy: add time to the earliest slot") {
                button(class="button small", r#type="button", id="switch-busy-15", disabled=move || busy.get(),
                    on:click=move |_| set(Switches::busy_change(15), "Busy: +15 min set.")) { "Busy +15 min" }
                button(class="button small", r#type="button", id="switch-busy-30", disabled=move || busy.get(),
                    on:click=move |_| set(Switches::busy_change(30), "Busy: +30 min set.")) { "Busy +30 min" }
                button(class="button small", r#type="button", id="switch-busy-clear",
                    disabled=move || busy.get() || !is_busy(),
                    on:click=move |_| set(Switches::busy_change(0), "No longer busy.")) { "Not busy" }
            }
            div(class="switch-actions", role="group", aria-label="Pause online orders") {
                button(class="button small", r#type="button", id="switch-pause-30", disabled=move || busy.get(),
                    on:click=move |_| set(Switches::pause_change(Some(minutes_from_now(30))), "Online orders paused for 30 minutes.")) {
                    "Pause 30 min"
                }
                button(class="button small", r#type="button", id="switch-pause-closing",
                    disabled=move || busy.get() || closing.with(Option::is_none),
                    title=move || closing.with(|c| if c.is_some() { "" } else { "Closed for the rest of today" }),
                    on:click=move |_| {
                        if let Some(at) = closing.get_clone_untracked() {
                            set(Switches::pause_change(Some(at)), "Online orders paused until closing.");
                        }
                    }) { "Pause until closing" }
                button(class="button primary small", r#type="button", id="switch-resume",
                    disabled=move || busy.get() || !is_paused(),
                    on:click=move |_| set(Switches::pause_change(None), "Taking online orders again.")) { "Resume online orders" }
            }
            form(class="switch-until", on:submit=pause_until, novalidate=true) {
                label(r#for="switch-until") { "Pause until (bakery time, HH:MM)" }
                input(id="switch-until", r#type="text", autocomplete="off",
                    placeholder="14:30", aria-describedby="switch-error", bind:value=until)
                button(class="button small", r#type="submit", id="switch-pause-until", disabled=move || busy.get()) { "Pause" }
            }
            p(id="switch-error", class="field-error", role="alert") { (error) }
            p(class="visually-hidden", role="status", aria-live="polite", data-testid="switch-said") { (said) }
        }
    }
}
