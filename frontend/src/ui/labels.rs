//! A product's allergens and dietary labels as the pages show them: chips with a decorative
//! icon and the name written out on the menu, one sentence in the cart and on an order's page.

use bakery_wire::{Allergen, Product};
use sycamore::prelude::*;

use crate::menu::{FilterWord, allergen_sentence};

fn chip<W: FilterWord>(word: W, class: &'static str) -> View {
    // Named first: an interpolated call would be a reactive view, and these never change.
    let (icon, label) = (word.icon(), word.label());
    view! {
        li(class=class) {
            span(class="chip-icon", aria-hidden="true") { (icon) }
            (label)
        }
    }
}

fn chips<W: FilterWord>(words: &[W], class: &'static str) -> View {
    View::from(words.iter().map(|w| chip(*w, class)).collect::<Vec<_>>())
}

/// "Contains" or "May contain" and the allergens' chips; nothing without allergens.
fn allergen_row(
    heading: &'static str,
    id: String,
    words: &[Allergen],
    class: &'static str,
    testid: &'static str,
) -> View {
    if words.is_empty() {
        return view! {};
    }
    let chips = chips(words, class);
    let labelled_by = id.clone();
    view! {
        div(class="allergen-row") {
            span(class="allergen-heading", id=id) { (heading) }
            ul(class="chips", aria-labelledby=labelled_by, data-testid=testid) { (chips) }
        }
    }
}

/// The menu card's block: dietary labels, then "Contains" and "May contain" chips.
pub fn product_labels(product: &Product) -> View {
    let dietary = match product.dietary.is_empty() {
        true => view! {},
        false => {
            let chips = chips(&product.dietary, "chip dietary");
            view! { ul(class="chips", aria-label="Dietary labels", data-testid="dietary") { (chips) } }
        }
    };
    let id = product.id;
    let contains = allergen_row(
        "Contains",
        format!("contains-{id}"),
        &product.allergens,
        "chip allergen",
        "allergens",
    );
    let may_contain = allergen_row(
        "May contain",
        format!("may-contain-{id}"),
        &product.may_contain,
        "chip trace",
        "may-contain",
    );
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
