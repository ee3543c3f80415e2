//! The menu: every product as a card with its price, stock and an add-to-cart button.

use bakery_wire::{Product, price_to_cents};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

use super::{Catalog, Shop, browser};
use crate::money::format_cents;

/// Warm colour pairs for the drawn placeholder "photo" of a product.
const PALETTES: [(&str, &str); 6] = [
    ("#7b4a2e", "#c98b5a"), // chocolate
    ("#b8863b", "#f0cf8a"), // crust
    ("#6d5a9c", "#b7a6e0"), // blueberry
    ("#c0662b", "#f6b26b"), // apricot
    ("#8a3b3b", "#e09a8a"), // raspberry
    ("#5f7a45", "#c5d69a"), // pistachio
];

/// A product's placeholder colours, chosen by its name so the same bake always looks the same.
fn palette(product: &Product) -> (&'static str, &'static str) {
    let name = product.name.to_lowercase();
    let by_word = [
        ("chocolate", 0),
        ("bread", 1),
        ("sourdough", 1),
        ("blueberry", 2),
        ("croissant", 3),
        ("raspberry", 4),
        ("cherry", 4),
        ("pistachio", 5),
    ];
    let index = by_word
        .iter()
        .find(|(word, _)| name.contains(word))
        .map(|(_, i)| *i)
        .unwrap_or_else(|| name.bytes().map(usize::from).sum::<usize>() % PALETTES.len());
    PALETTES[index]
}

/// The product's initials, drawn on its placeholder.
fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[component]
pub fn CatalogPage() -> View {
    let shop = use_context::<Shop>();
    browser::set_title("Menu");
    // Feedback for the last add, read out politely by screen readers.
    let announcement = create_signal(String::new());

    let body = move || match shop.catalog.get_clone() {
        Catalog::Loading => view! {
            p(class="loading", role="status") { "Warming up the oven… loading the menu." }
        },
        Catalog::Failed(message) => view! {
            div(class="alert", role="alert") {
                p { (message) }
                button(class="button", on:click=move |_| {
                    shop.catalog.set(Catalog::Loading);
                    spawn_local_scoped(shop.refresh_catalog());
                }) { "Try again" }
            }
        },
        Catalog::Ready(products) if products.is_empty() => view! {
            p(class="empty") { "The shelves are empty right now. Come back soon!" }
        },
        Catalog::Ready(products) => view! {
            ul(class="product-grid", data-testid="product-grid") {
                Keyed(
                    list=products,
                    view=move |p| view! { ProductCard(product=p, announcement=announcement) },
                    key=|p| (p.id, p.stock, price_to_cents(p.price), p.name.clone()),
                )
            }
        },
    };

    view! {
        section(class="hero") {
            h1(id="page-title", tabindex="-1") { "Fresh from our oven" }
            p { "Order ahead, and we'll have it warm and waiting at the counter." }
        }
        p(class="visually-hidden", aria-live="polite", data-testid="cart-announcement") { (announcement) }
        (body)
    }
}

#[component(inline_props)]
fn ProductCard(product: Product, announcement: Signal<String>) -> View {
    let shop = use_context::<Shop>();
    let id = product.id;
    let (dark, light) = palette(&product);
    let art_style = format!("background: linear-gradient(135deg, {dark}, {light});");
    let art_text = initials(&product.name);
    let name = product.name.clone();
    let description = product.description.clone();
    let sold_out = product.stock <= 0;
    let stock_note = match product.stock {
        s if s <= 0 => "Sold out".to_owned(),
        s if s <= 5 => format!("Only {s} left"),
        _ => "In stock".to_owned(),
    };
    let stock_class = if sold_out { "stock sold-out" } else { "stock" };
    let button_text = if sold_out { "Sold out" } else { "Add to cart" };
    let price = price_to_cents(product.price)
        .map(format_cents)
        .unwrap_or_default();
    let title_id = format!("product-{id}-name");
    let labelled_by = title_id.clone();
    let in_cart = move || match shop.cart.with(|c| c.quantity_of(id)) {
        0 => String::new(),
        n => format!("{n} in cart"),
    };

    let add = move |_| {
        let mut result = Ok(());
        shop.cart.update(|cart| result = cart.add(&product));
        announcement.set(match result {
            Ok(()) => format!("Added {} to your cart.", product.name),
            Err(refused) => refused.to_string(),
        });
    };

    view! {
        li(class="product-card", data-testid=format!("product-{id}"), aria-labelledby=labelled_by) {
            div(class="product-art", style=art_style, aria-hidden="true") {
                span { (art_text) }
            }
            div(class="product-body") {
                h2(id=title_id, class="product-name") { (name) }
                p(class="product-description") { (description) }
                div(class="product-meta") {
                    span(class="price", data-testid="price") { (price) }
                    span(class=stock_class) { (stock_note) }
                }
                div(class="product-actions") {
                    button(
                        id=format!("add-{id}"),
                        class="button primary",
                        r#type="button",
                        disabled=sold_out,
                        aria-describedby=format!("in-cart-{id}"),
                        on:click=add,
                    ) {
                        (button_text)
                    }
                    span(id=format!("in-cart-{id}"), class="in-cart", data-testid="in-cart") { (in_cart) }
                }
            }
        }
    }
}
