//! A product's allergens and dietary labels as the pages show them: chips with a decorative
//! icon and the name written out on the menu, one sentence in the cart and on an order's page.

use bakery_wire::menu::Vocabulary;
use bakery_wire::{Allergen, Dietary, Product};
use sycamore::prelude::*;

use crate::menu::{allergen_icon, allergen_sentence, dietary_icon};

fn chip(icon: &'static str, text: &'static str, class: &'static str) -> View {
    view! {
        li(class=class) {
            span(class="chip-icon", aria-hidden="true") { (icon) }
            (text)
        }
    }
}

fn allergen_chips(words: &[Allergen], class: &'static str) -> View {
    View::from(
        words
            .iter()
            .map(|a| chip(allergen_icon(*a), a.label(), class))
            .collect::<Vec<_>>(),
    )
}

/// The menu card's block: dietary labels, then "Contains" and "May contain" chips.
pub fn product_labels(product: &Product) -> View {
    let dietary = View::from(
        product
            .dietary
            .iter()
            .map(|d: &Dietary| chip(dietary_icon(*d), d.label(), "chip dietary"))
            .collect::<Vec<_>>(),
    );
    let dietary = match product.dietary.is_empty() {
        true => view! {},
        false => {
            view! { ul(class="chips", aria-label="Dietary labels", data-testid="dietary") { (dietary) } }
        }
    };
    let contains = match product.allergens.is_empty() {
        true => view! {},
        false => {
            let chips = allergen_chips(&product.allergens, "chip allergen");
            let heading = format!("contains-{}", product.id);
            let labelled_by = heading.clone();
            view! {
                div(class="allergen-row") {
                    span(class="allergen-heading", id=heading) { "Contains" }
                    ul(class="chips", aria-labelledby=labelled_by, data-testid="allergens") { (chips) }
                }
            }
        }
    };
    let may_contain = match product.may_contain.is_empty() {
        true => view! {},
        false => {
            let chips = allergen_chips(&product.may_contain, "chip trace");
            let heading = format!("may-contain-{}", product.id);
            let labelled_by = heading.clone();
            view! {
                div(class="allergen-row") {
                    span(class="allergen-heading", id=heading) { "May contain" }
                    ul(class="chips", aria-labelledby=labelled_by, data-testid="may-contain") { (chips) }
                }
            }
        }
    };
    view! {
        div(class="product-labels") {
            (dietary)
            (contains)
            (may_contain)
        }
    }
}

/// One line of text about product `id`'s allergens (from the menu as last read), for the cart
/// and an order's page; nothing when the menu is not read yet or the product declares none.
pub fn allergen_note(products: &[Product], id: i64) -> View {
    let sentence = products
        .iter()
        .find(|p| p.id == id)
        .map(|p| allergen_sentence(&p.allergens, &p.may_contain))
        .unwrap_or_default();
    match sentence.is_empty() {
        true => view! {},
        false => view! {
            span(class="allergen-note", data-testid="allergen-note") {
                span(class="chip-icon", aria-hidden="true") { "⚠️ " }
                (sentence)
            }
        },
    }
}
