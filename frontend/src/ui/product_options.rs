//! A menu card's option pickers (a labelled drop-down per group, each choice with its price
//! difference) and its inscription field with a live count of the characters left.

use bakery_wire::{OptionGroup, Product};
use sycamore::prelude::*;

use super::browser;
use crate::cart::Picked;
use crate::menu::choice_text;

/// One group's drop-down; picking a choice records it in `picked`.
fn group_picker(product_id: i64, group: &OptionGroup, picked: Signal<Picked>) -> View {
    let select_id = format!("option-{product_id}-{}", group.key);
    let label_for = select_id.clone();
    let key = group.key.clone();
    let on_change = move |event: web_sys::Event| {
        // Read from the select itself: `change` is what every browser and driver fires.
        let value = event
            .target()
            .and_then(|t| js_sys::Reflect::get(&t, &"value".into()).ok())
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        picked.update(|p| {
            p.options.insert(key.clone(), value);
        });
    };
    let mut choices: Vec<View> = Vec::new();
    if group.default.is_none() {
        let text = if group.required { "Choose…" } else { "None" };
        choices.push(view! { option(value="", disabled=group.required, selected=true) { (text) } });
    }
    for choice in &group.choices {
        let selected = group.default.as_deref() == Some(choice.key.as_str());
        let text = choice_text(&choice.name, choice.price_delta);
        let value = choice.key.clone();
        choices.push(view! { option(value=value, selected=selected) { (text) } });
    }
    let name = group.name.clone();
    let select_name = group.key.clone();
    view! {
        div(class="field option-field") {
            label(r#for=label_for) { (name) }
            select(id=select_id, name=select_name, on:change=on_change) { (choices) }
        }
    }
}

/// The pickers and inscription field of `product` (nothing for a product with neither).
pub fn pickers(product: &Product, picked: Signal<Picked>) -> View {
    let id = product.id;
    let groups: Vec<View> = product
        .options
        .iter()
        .map(|g| group_picker(id, g, picked))
        .collect();
    let inscription = product.inscription.map(|limit| {
        let max = limit.max_length;
        let input_id = format!("inscription-{id}");
        let label_for = input_id.clone();
        let count_id = format!("inscription-count-{id}");
        let described = count_id.clone();
        let used =
            move || picked.with(|p| p.inscription.as_deref().map_or(0, |t| t.chars().count()));
        let on_input = move |event: web_sys::Event| {
            let text = browser::input_value(&event);
            picked.update(|p| p.inscription = (!text.trim().is_empty()).then_some(text));
        };
        view! {
            div(class="field inscription-field") {
                label(r#for=label_for) { "Inscription (optional)" }
                input(r#type="text", id=input_id, maxlength=max.to_string(), autocomplete="off",
                    aria-describedby=described, on:input=on_input,
                    prop:value=move || picked.with(|p| p.inscription.clone().unwrap_or_default()))
                span(id=count_id, class="muted inscription-count", aria-live="polite") {
                    (move || format!("{} / {max} characters", used()))
                }
            }
        }
    });
    if groups.is_empty() && inscription.is_none() {
        return view! {};
    }
    let inscription = View::from(inscription);
    let testid = format!("options-{id}");
    view! {
        fieldset(class="product-options", data-testid=testid) {
            legend(class="visually-hidden") { "Choose your options" }
            (groups)
            (inscription)
        }
    }
}
