//! A product's options and inscription as admins edit them on the catalog page: each option
//! group's name, whether a choice is required and which is the default, its choices with their
//! price differences, groups and choices added and removed, and the inscription's most
//! characters. Saved as one set (`PUT /api/admin/products/{id}/options`).

use bakery_wire::options::MAX_OPTION_NAME_CHARS;
use sycamore::prelude::*;

use crate::options_form::{ChoiceDraft, GroupDraft, OptionsDraft};
use crate::ui::browser;

/// One choice's row: its name, price difference, whether it is the default, and its removal.
fn choice_row(
    id: i64,
    g: usize,
    c: usize,
    choice: &ChoiceDraft,
    default: bool,
    draft: Signal<OptionsDraft>,
) -> View {
    let name_id = format!("option-choice-{id}-{g}-{c}-name");
    let name_for = name_id.clone();
    let price_id = format!("option-choice-{id}-{g}-{c}-price");
    let price_for = price_id.clone();
    let default_id = format!("option-choice-{id}-{g}-{c}-default");
    let default_for = default_id.clone();
    let (name, price) = (choice.name.clone(), choice.price_delta.clone());
    let longest = MAX_OPTION_NAME_CHARS.to_string();
    let set_name = move |e: web_sys::Event| {
        let value = browser::input_value(&e);
        draft.update_silent(|d| d.groups[g].choices[c].name = value);
    };
    let set_price = move |e: web_sys::Event| {
        let value = browser::input_value(&e);
        draft.update_silent(|d| d.groups[g].choices[c].price_delta = value);
    };
    let set_default = move |e: web_sys::Event| {
        if browser::input_checked(&e) {
            draft.update_silent(|d| d.groups[g].default = Some(c));
        }
    };
    let remove = move |_| {
        draft.update(|d| {
            let group = &mut d.groups[g];
            group.choices.remove(c);
            group.default = match group.default {
                Some(x) if x == c => None,
                Some(x) if x > c => Some(x - 1),
                other => other,
            };
        })
    };
    view! {
        li(class="option-choice") {
            div(class="field") {
                label(r#for=name_for) { "Choice" }
                input(r#type="text", id=name_id, value=name, maxlength=longest, on:input=set_name, on:change=set_name)
            }
            div(class="field") {
                label(r#for=price_for) { "Price difference" }
                input(r#type="text", id=price_id, value=price, inputmode="decimal", placeholder="+0.00", on:input=set_price, on:change=set_price)
            }
            div(class="check-field") {
                input(r#type="radio", id=default_id, name=format!("option-default-{id}-{g}"), checked=default, on:change=set_default)
                label(r#for=default_for) { "Default" }
            }
            button(class="link-button", r#type="button", id=format!("remove-choice-{id}-{g}-{c}"), on:click=remove) { "Remove choice" }
        }
    }
}

/// One group's fieldset: name, required, no default, its choices and its buttons.
fn group_box(id: i64, g: usize, group: &GroupDraft, draft: Signal<OptionsDraft>) -> View {
    let name_id = format!("option-group-{id}-{g}-name");
    let name_for = name_id.clone();
    let required_id = format!("option-group-{id}-{g}-required");
    let required_for = required_id.clone();
    let none_id = format!("option-choice-{id}-{g}-none-default");
    let none_for = none_id.clone();
    let (name, required, no_default) =
        (group.name.clone(), group.required, group.default.is_none());
    let longest = MAX_OPTION_NAME_CHARS.to_string();
    let legend = match group.name.trim() {
        "" => format!("Option group {}", g + 1),
        named => format!("Option group {}: {named}", g + 1),
    };
    let choices = View::from(
        group
            .choices
            .iter()
            .enumerate()
            .map(|(c, choice)| choice_row(id, g, c, choice, group.default == Some(c), draft))
            .collect::<Vec<_>>(),
    );
    let set_name = move |e: web_sys::Event| {
        let value = browser::input_value(&e);
        draft.update_silent(|d| d.groups[g].name = value);
    };
    let set_required = move |e: web_sys::Event| {
        let on = browser::input_checked(&e);
        draft.update_silent(|d| d.groups[g].required = on);
    };
    let set_none = move |e: web_sys::Event| {
        if browser::input_checked(&e) {
            draft.update_silent(|d| d.groups[g].default = None);
        }
    };
    let add_choice = move |_| draft.update(|d| d.groups[g].choices.push(ChoiceDraft::default()));
    let remove_group = move |_| {
        draft.update(|d| {
            d.groups.remove(g);
        })
    };
    view! {
        fieldset(class="option-group-editor", data-testid=format!("option-group-{id}-{g}")) {
            legend { (legend) }
            div(class="field") {
                label(r#for=name_for) { "Group name (what the customer reads, e.g. Size)" }
                input(r#type="text", id=name_id, value=name, maxlength=longest, on:input=set_name, on:change=set_name)
            }
            div(class="check-field") {
                input(r#type="checkbox", id=required_id, checked=required, on:change=set_required)
                label(r#for=required_for) { "Every order of it needs a choice" }
            }
            ul(class="option-choices") { (choices) }
            div(class="check-field") {
                input(r#type="radio", id=none_id, name=format!("option-default-{id}-{g}"), checked=no_default, on:change=set_none)
                label(r#for=none_for) { "No default choice" }
            }
            div(class="card-actions") {
                button(class="button small", r#type="button", id=format!("add-choice-{id}-{g}"), on:click=add_choice) { "Add a choice" }
                button(class="link-button", r#type="button", id=format!("remove-group-{id}-{g}"), on:click=remove_group) { "Remove this group" }
            }
        }
    }
}

/// The options form of product `id`, filled with `start` and shown while `shown`; `save` gets the
/// set's JSON to send, `error` what to correct first.
pub fn options_form(
    id: i64,
    start: OptionsDraft,
    busy: Signal<bool>,
    shown: Signal<bool>,
    error: Signal<String>,
    save: impl Fn(String) + Copy + 'static,
) -> View {
    let draft = create_signal(start);
    // Typing records silently (`input`, and `change` for a field cleared or filled at once);
    // adding or removing a group or a choice redraws the groups.
    let groups = move || {
        draft.track();
        let current = draft.get_clone_untracked();
        View::from(
            current
                .groups
                .iter()
                .enumerate()
                .map(|(g, group)| group_box(id, g, group, draft))
                .collect::<Vec<_>>(),
        )
    };
    let add_group = move |_| {
        draft.update(|d| {
            d.groups.push(GroupDraft {
                choices: vec![ChoiceDraft::default()],
                ..GroupDraft::default()
            })
        })
    };
    let inscription_id = format!("inscription-max-{id}");
    let inscription_for = inscription_id.clone();
    let inscription = draft.with_untracked(|d| d.inscription.clone());
    let set_inscription = move |e: web_sys::Event| {
        let value = browser::input_value(&e);
        draft.update_silent(|d| d.inscription = value);
    };
    let submit = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        match draft.with_untracked(OptionsDraft::to_options) {
            Ok(set) => {
                error.set(String::new());
                save(serde_json::to_string(&set).unwrap_or_default());
            }
            Err(why) => error.set(why),
        }
    };
    view! {
        form(class="admin-form options-editor", hidden=move || !shown.get(), on:submit=submit, novalidate=true) {
            h4 { "Options and inscription" }
            (groups)
            button(class="button small", r#type="button", id=format!("add-group-{id}"), on:click=add_group) { "Add an option group" }
            div(class="field") {
                label(r#for=inscription_for) { "Inscription: most characters (empty: none)" }
                input(r#type="text", id=inscription_id, value=inscription, inputmode="numeric", on:input=set_inscription, on:change=set_inscription)
            }
            button(class="button primary small", r#type="submit", id=format!("save-options-{id}"), disabled=move || busy.get()) { "Save options" }
        }
    }
}
