//! The menu: every product as a card with its picture, price, stock, allergens and dietary labels and an
//! add-to-cart button, grouped under its category's heading in the shop's order, and a filter by
//! allergen and label kept in the address (and remembered).

use bakery_wire::{Allergen, Dietary, Product, price_to_cents};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;

#[cfg(not(target_arch = "wasm32"))]
use super::StartQuery;
use super::{Catalog, Shop, api, browser, labels, product_options};
use crate::cart::{Picked, priced};
use crate::groups::{self, MenuGroup};
use crate::menu::{FilterWord, MenuFilter, making_notes};
use crate::menu_page::{CARD_SIZES, PICTURES_AT_ONCE, art_style, initials, stock_note};
use crate::money::format_cents;
use bakery_wire::options::check_inscription;

/// Where the menu's filter is remembered between visits to the menu.
const FILTER_KEY: &str = "bakery.menu-filter";

#[component]
pub fn CatalogPage() -> View {
    let shop = use_context::<Shop>();
    browser::set_title("Menu");
    // Feedback for the last add, read out politely by screen readers.
    let announcement = create_signal(String::new());
    // The address's filter wins; without one, the filter last used here. The server knows only
    // the address: when the wasm hydrates the server's menu it starts from the same filter and
    // applies the remembered one once the page is its own.
    let in_address = MenuFilter::from_query(&address_query());
    let remembered = browser::load(FILTER_KEY)
        .map(|q| MenuFilter::from_query(&q))
        .filter(|f| !f.is_empty() && in_address.is_empty());
    let hydrating = sycamore::web::is_hydrating();
    let (initial, later) = match (remembered, hydrating) {
        (Some(remembered), false) => (remembered, None),
        (remembered, _) => (in_address, remembered),
    };
    let panel_open = create_signal(!initial.is_empty());
    let filter = create_signal(initial);
    if let Some(remembered) = later {
        on_mount(move || {
            panel_open.set(true);
            filter.set(remembered);
        });
    }
    // The categories' order of display, read beside the catalog; `Some(empty)` when it could not
    // be read (the menu then heads groups in the order products name them).
    // On the first visit the page brought them (with the products), so the menu is drawn at
    // once, the same as the server rendered it (which the wasm hydrates).
    let categories = create_signal(shop.page_categories.take());
    if categories.with_untracked(Option::is_none) {
        spawn_local_scoped(async move {
            categories.set(Some(api::categories().await.unwrap_or_default()));
        });
    }
    create_effect(move || {
        let query = filter.with(MenuFilter::to_query);
        browser::replace_query(&query);
        browser::save(FILTER_KEY, &query);
    });

    let body = move || match shop.catalog.get_clone() {
        Catalog::Ready(_) if categories.with(Option::is_none) => view! {
            p(class="loading", role="status") { "Warming up the oven… loading the menu." }
        },
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
        Catalog::Ready(products) => {
            let total = products.len();
            let shown: Vec<Product> =
                filter.with(|f| products.into_iter().filter(|p| f.keeps(p)).collect());
            let count = match filter.with(MenuFilter::is_empty) {
                true => String::new(),
                false => format!("Showing {} of {total} products.", shown.len()),
            };
            let grid = match shown.is_empty() {
                true => view! {
                    p(class="empty", data-testid="filter-empty") { "Nothing on the menu matches your filter." }
                },
                false => {
                    let order = categories.get_clone().unwrap_or_default();
                    View::from(
                        groups::group(&shown, &order)
                            .into_iter()
                            .enumerate()
                            .map(|(i, g)| menu_group(g, announcement, i == 0))
                            .collect::<Vec<_>>(),
                    )
                }
            };
            view! {
                p(class="filter-count", role="status", data-testid="filter-count") { (count) }
                (grid)
            }
        }
    };

    view! {
        section(class="hero") {
            h1(id="page-title", tabindex="-1") { "Fresh from our oven" }
            p { "Order ahead, and we'll have it warm and waiting at the counter." }
        }
        p(class="visually-hidden", aria-live="polite", data-testid="cart-announcement") { (announcement) }
        FilterPanel(filter=filter, open=panel_open)
        (body)
    }
}

/// One category's heading and its products' cards (`first`: the top of the menu).
fn menu_group(group: MenuGroup, announcement: Signal<String>, first: bool) -> View {
    let at_once: Vec<i64> = match first {
        true => group
            .products
            .iter()
            .take(PICTURES_AT_ONCE)
            .map(|p| p.id)
            .collect(),
        false => Vec::new(),
    };
    let heading_id = format!("group-{}", group.key);
    let labelled_by = heading_id.clone();
    let name = group.name.clone();
    view! {
        section(class="menu-group", data-testid="menu-group", data-category=group.name, aria-labelledby=labelled_by) {
            h2(id=heading_id, class="menu-group-title") { (name) }
            ul(class="product-grid", data-testid="product-grid") {
                Keyed(
                    list=group.products,
                    view=move |p| {
                        let load = match at_once.iter().position(|id| *id == p.id) {
                            Some(0) => PictureLoad::First,
                            Some(_) => PictureLoad::AtOnce,
                            None => PictureLoad::Lazy,
                        };
                        view! { ProductCard(product=p, announcement=announcement, load=load) }
                    },
                    key=|p| (p.id, p.stock, price_to_cents(p.price), p.name.clone(), p.allergens.clone(), p.may_contain.clone(), p.dietary.clone(), making_notes(&p.planning), p.picture.as_ref().map(|x| x.src.clone())),
                )
            }
        }
    }
}

/// The filter's checkboxes of one vocabulary (allergens to hide, or labels to keep).
fn filter_boxes<W: FilterWord>(filter: Signal<MenuFilter>) -> View {
    View::from(
        W::ALL
            .iter()
            .map(|&word| {
                let id = format!("{}-{}", W::QUERY, word.as_str());
                let label_for = id.clone();
                let checked = move || filter.with(|f| f.has(word));
                // Also as the attribute, so the server's page shows it before the wasm arrives.
                let checked_at_start = filter.with_untracked(|f| f.has(word));
                let (icon, label) = (word.icon(), word.label());
                let set = move |e: web_sys::Event| {
                    let on = browser::input_checked(&e);
                    filter.update(|f| f.toggle(word, on));
                };
                view! {
                    li {
                        input(r#type="checkbox", id=id, checked=checked_at_start, prop:checked=checked, on:change=set)
                        label(r#for=label_for) {
                            span(class="chip-icon", aria-hidden="true") { (icon) }
                            (label)
                        }
                    }
                }
            })
            .collect::<Vec<_>>(),
    )
}

/// The address's query: the browser's, or on the server the request's.
#[cfg(target_arch = "wasm32")]
fn address_query() -> String {
    browser::query()
}

/// On the server, the query `render_front_page` was given (none: no filter, rather than a panic
/// in the server's thread).
#[cfg(not(target_arch = "wasm32"))]
fn address_query() -> String {
    try_use_context::<StartQuery>()
        .map(|q| q.0)
        .unwrap_or_default()
}

/// "Hide products with: …" and "Only show: …", as checkboxes. `open`: the panel is shown open
/// (when a filter applies as the page starts; afterwards the customer opens and closes it).
#[component(inline_props)]
fn FilterPanel(filter: Signal<MenuFilter>, open: Signal<bool>) -> View {
    let avoid = filter_boxes::<Allergen>(filter);
    let only = filter_boxes::<Dietary>(filter);
    let active = move || !filter.with(MenuFilter::is_empty);
    view! {
        details(class="menu-filter panel", data-testid="menu-filter", open=move || open.get()) {
            summary { "Filter by allergens and diet" }
            fieldset {
                legend { "Hide products that contain or may contain" }
                ul(class="filter-options") { (avoid) }
            }
            fieldset {
                legend { "Only show products that are" }
                ul(class="filter-options") { (only) }
            }
            button(class="link-button", r#type="button", id="clear-filter",
                disabled=move || !active(),
                on:click=move |_| filter.set(MenuFilter::default())) { "Clear filter" }
        }
    }
}

/// When a card's picture loads: the menu's first before anything else (on a phone it is the
/// largest paint), the rest of the top of the menu at once, the others as they scroll near.
#[derive(Clone, Copy, PartialEq)]
enum PictureLoad {
    First,
    AtOnce,
    Lazy,
}

/// The card's picture: the product's photo sized for the card, loaded as `load` says, or a drawn
/// tile with its initials; either fills the same 4:3 box.
fn card_art(product: &Product, load: PictureLoad) -> View {
    if let Some(picture) = product.picture.clone() {
        return view! {
            div(class="product-art") {
                img(class="product-photo", src=picture.src, srcset=picture.srcset, sizes=CARD_SIZES,
                    width=picture.width.to_string(), height=picture.height.to_string(), alt="",
                    loading=if load == PictureLoad::Lazy { "lazy" } else { "eager" }, decoding="async",
                    "fetchpriority"=(load == PictureLoad::First).then_some("high"))
            }
        };
    }
    let art_style = art_style(product);
    let art_text = initials(&product.name);
    view! {
        div(class="product-art placeholder", style=art_style, aria-hidden="true") {
            span { (art_text) }
        }
    }
}

#[component(inline_props)]
fn ProductCard(product: Product, announcement: Signal<String>, load: PictureLoad) -> View {
    let shop = use_context::<Shop>();
    let id = product.id;
    let art = card_art(&product, load);
    let name = product.name.clone();
    let description = product.description.clone();
    let sold_out = product.stock <= 0;
    let stock_note = stock_note(product.stock);
    let stock_class = if sold_out { "stock sold-out" } else { "stock" };
    let button_text = if sold_out { "Sold out" } else { "Add to cart" };
    let picked = create_signal(Picked::default());
    let option_pickers = product_options::pickers(&product, picked);
    // The price with the options picked so far.
    let priced_product = product.clone();
    let price = move || {
        picked
            .with(|p| priced(&priced_product, &p.options))
            .map(|(cents, _, _)| format_cents(cents))
            .or_else(|| price_to_cents(priced_product.price).map(format_cents))
            .unwrap_or_default()
    };
    let labels = labels::product_labels(&product);
    let making = making_notes(&product.planning);
    let making = View::from((!making.is_empty()).then(|| {
        let text = making.join(" \u{b7} ");
        view! { p(class="making", data-testid="making") { (text) } }
    }));
    let title_id = format!("product-{id}-name");
    let labelled_by = title_id.clone();
    let in_cart = move || match shop.cart.with(|c| c.quantity_of(id)) {
        0 => String::new(),
        n => format!("{n} in cart"),
    };

    let add = move |_| {
        let mut result = Ok(());
        let mut wanted = picked.get_clone_untracked();
        let limit = product.inscription.map(|i| i.max_length);
        match wanted
            .inscription
            .as_deref()
            .map(|t| check_inscription(t, limit))
        {
            Some(Err(message)) => {
                announcement.set(format!("The inscription {message}."));
                return;
            }
            Some(Ok(text)) => wanted.inscription = text,
            None => {}
        }
        shop.cart
            .update(|cart| result = cart.add_picked(&product, &wanted));
        announcement.set(match result {
            Ok(()) => format!("Added {} to your cart.", product.name),
            Err(refused) => refused.to_string(),
        });
    };

    view! {
        li(class="product-card", data-testid=format!("product-{id}"), aria-labelledby=labelled_by) {
            (art)
            div(class="product-body") {
                h3(id=title_id, class="product-name") { (name) }
                p(class="product-description") { (description) }
                (labels)
                (making)
                (option_pickers)
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
