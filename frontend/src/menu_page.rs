//! The menu as HTML the server puts in the shop's page, so a first visit paints the menu before
//! the wasm has loaded; with it, the menu's data, from which the wasm draws the same menu at
//! once. Also the card details both the server's HTML and the wasm's menu show.

use std::collections::BTreeMap;

use bakery_wire::money::ShopInfo;
use bakery_wire::{Allergen, Category, Product, price_to_cents};
use serde::{Deserialize, Serialize};

use crate::cart::priced;
use crate::groups::{self, MenuGroup};
use crate::menu::{FilterWord, choice_text, making_notes};

/// The id of the page's `<script type="application/json">` holding [`MenuData`].
pub const DATA_ID: &str = "menu-data";

/// What the server rendered the menu from, handed to the wasm inside the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuData {
    pub products: Vec<Product>,
    pub categories: Vec<Category>,
    pub shop: ShopInfo,
}

/// Warm colour pairs for the drawn placeholder "photo" of a product.
const PALETTES: [(&str, &str); 6] = [
    ("#7b4a2e", "#c98b5a"), // chocolate
    ("#b8863b", "#f0cf8a"), // crust
    ("#6d5a9c", "#b7a6e0"), // blueberry
    ("#c0662b", "#f6b26b"), // apricot
    ("#8a3b3b", "#e09a8a"), // raspberry
    ("#5f7a45", "#c5d69a"), // pistachio
];

/// The `style` of a product's placeholder picture: colours chosen by its name, so the same bake
/// always looks the same.
pub fn art_style(product: &Product) -> String {
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
    let (dark, light) = PALETTES[index];
    format!("background: linear-gradient(135deg, {dark}, {light});")
}

/// The product's initials, drawn on its placeholder.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// "Sold out", "Only 3 left" or "In stock".
pub fn stock_note(stock: i64) -> String {
    match stock {
        s if s <= 0 => "Sold out".to_owned(),
        s if s <= 5 => format!("Only {s} left"),
        _ => "In stock".to_owned(),
    }
}

/// `text` safe inside an element or a quoted attribute (of HTML or XML).
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The shop's page body as the wasm first draws it on `/` (header, menu, footer), for `#app`,
/// followed by the menu's data for the wasm.
pub fn page_html(data: &MenuData) -> String {
    let mut html = String::from(
        r##"<a class="skip-link" href="#main" rel="external">Skip to content</a><header class="site-header"><a class="brand" href="/"><span class="brand-mark" aria-hidden="true"></span><span class="brand-name">Bakery</span></a><nav aria-label="Main"><ul><li><a href="/" aria-current="page">Menu</a></li><li><a href="/orders" id="nav-orders">Track order</a></li><li><a href="/cart" id="nav-cart" class="cart-link">Cart <span class="cart-count" data-testid="cart-count" aria-label="0 items">0</span></a></li></ul></nav></header><main id="main" class="page" tabindex="-1"><section class="hero"><h1 id="page-title" tabindex="-1">Fresh from our oven</h1><p>Order ahead, and we'll have it warm and waiting at the counter.</p></section><p class="visually-hidden" aria-live="polite" data-testid="cart-announcement"></p><details class="menu-filter panel" data-testid="menu-filter"><summary>Filter by allergens and diet</summary></details>"##,
    );
    if data.products.is_empty() {
        html.push_str(r#"<p class="empty">The shelves are empty right now. Come back soon!</p>"#);
    } else {
        html.push_str(r#"<p class="filter-count" role="status" data-testid="filter-count"></p>"#);
        let money = data.shop.money();
        for (i, group) in groups::group(&data.products, &data.categories)
            .iter()
            .enumerate()
        {
            group_html(&mut html, group, i == 0, &|cents| money.format(cents));
        }
    }
    html.push_str(r#"</main><footer class="site-footer"><p>Baked fresh every morning · Pick up at the counter or have it delivered</p></footer>"#);
    // JSON in a script element: only `</script` could end it early.
    let json = serde_json::to_string(data)
        .unwrap_or_default()
        .replace("</", "<\\/");
    html.push_str(&format!(
        r#"<script type="application/json" id="{DATA_ID}">{json}</script>"#
    ));
    html
}

/// How many pictures at the top of the menu load at once; the rest load as they scroll near.
pub const PICTURES_AT_ONCE: usize = 3;

/// How wide a card's picture is shown: the menu's grid is one column on phones, two or three
/// in between, and columns of about 240 pixels on wide screens.
pub const CARD_SIZES: &str =
    "(max-width: 560px) calc(100vw - 2rem), (max-width: 1000px) 45vw, 260px";

fn group_html(html: &mut String, group: &MenuGroup, first: bool, price: &dyn Fn(i64) -> String) {
    let key = esc(&group.key);
    html.push_str(&format!(
        r#"<section class="menu-group" data-testid="menu-group" data-category="{}" aria-labelledby="group-{key}"><h2 id="group-{key}" class="menu-group-title">{}</h2><ul class="product-grid" data-testid="product-grid">"#,
        esc(&group.name),
        esc(&group.name)
    ));
    for (i, product) in group.products.iter().enumerate() {
        let lazy = !(first && i < PICTURES_AT_ONCE);
        card_html(html, product, lazy, price);
    }
    html.push_str("</ul></section>");
}

/// The card's picture as the wasm's `card_art` draws it: the photo in its sizes, or the drawn
/// tile with the product's initials.
fn art_html(html: &mut String, product: &Product, lazy: bool) {
    match &product.picture {
        Some(picture) => html.push_str(&format!(
            r#"<div class="product-art"><img class="product-photo" src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="" loading="{}" decoding="async"></div>"#,
            esc(&picture.src),
            esc(&picture.srcset),
            esc(CARD_SIZES),
            picture.width,
            picture.height,
            if lazy { "lazy" } else { "eager" },
        )),
        None => html.push_str(&format!(
            r#"<div class="product-art placeholder" style="{}" aria-hidden="true"><span>{}</span></div>"#,
            esc(&art_style(product)),
            esc(&initials(&product.name)),
        )),
    }
}

fn card_html(html: &mut String, product: &Product, lazy: bool, price: &dyn Fn(i64) -> String) {
    let id = product.id;
    let sold_out = product.stock <= 0;
    html.push_str(&format!(
        r#"<li class="product-card" data-testid="product-{id}" aria-labelledby="product-{id}-name">"#
    ));
    art_html(html, product, lazy);
    html.push_str(&format!(
        r#"<div class="product-body"><h3 id="product-{id}-name" class="product-name">{}</h3><p class="product-description">{}</p>"#,
        esc(&product.name),
        esc(&product.description),
    ));
    labels_html(html, product);
    let making = making_notes(&product.planning);
    if !making.is_empty() {
        html.push_str(&format!(
            r#"<p class="making" data-testid="making">{}</p>"#,
            esc(&making.join(" \u{b7} "))
        ));
    }
    options_html(html, product);
    // With each group's default, as the wasm's card prices it before anything is picked.
    let price = priced(product, &BTreeMap::new())
        .map(|(cents, _, _)| cents)
        .or_else(|| price_to_cents(product.price))
        .map(price)
        .unwrap_or_default();
    html.push_str(&format!(
        r#"<div class="product-meta"><span class="price" data-testid="price">{}</span><span class="{}">{}</span></div><div class="product-actions"><button id="add-{id}" class="button primary" type="button"{} aria-describedby="in-cart-{id}">{}</button><span id="in-cart-{id}" class="in-cart" data-testid="in-cart"></span></div></div></li>"#,
        esc(&price),
        if sold_out { "stock sold-out" } else { "stock" },
        stock_note(product.stock),
        if sold_out { " disabled" } else { "" },
        if sold_out { "Sold out" } else { "Add to cart" },
    ));
}

/// The card's option pickers and inscription field, as the wasm's `product_options::pickers`
/// draws them before anything is picked.
fn options_html(html: &mut String, product: &Product) {
    let id = product.id;
    if product.options.is_empty() && product.inscription.is_none() {
        return;
    }
    html.push_str(&format!(
        r#"<fieldset class="product-options" data-testid="options-{id}"><legend class="visually-hidden">Choose your options</legend>"#
    ));
    for group in &product.options {
        let select_id = esc(&format!("option-{id}-{}", group.key));
        html.push_str(&format!(
            r#"<div class="field option-field"><label for="{select_id}">{}</label><select id="{select_id}" name="{}">"#,
            esc(&group.name),
            esc(&group.key)
        ));
        if group.default.is_none() {
            let (text, disabled) = match group.required {
                true => ("Choose…", " disabled"),
                false => ("None", ""),
            };
            html.push_str(&format!(
                r#"<option value=""{disabled} selected>{text}</option>"#
            ));
        }
        for choice in &group.choices {
            let selected = group.default.as_deref() == Some(choice.key.as_str());
            html.push_str(&format!(
                r#"<option value="{}"{}>{}</option>"#,
                esc(&choice.key),
                if selected { " selected" } else { "" },
                esc(&choice_text(&choice.name, choice.price_delta))
            ));
        }
        html.push_str("</select></div>");
    }
    if let Some(limit) = product.inscription {
        let max = limit.max_length;
        html.push_str(&format!(
            r#"<div class="field inscription-field"><label for="inscription-{id}">Inscription (optional)</label><input type="text" id="inscription-{id}" maxlength="{max}" autocomplete="off" aria-describedby="inscription-count-{id}"><span id="inscription-count-{id}" class="muted inscription-count" aria-live="polite">0 / {max} characters</span></div>"#
        ));
    }
    html.push_str("</fieldset>");
}

fn chips_html<W: FilterWord>(html: &mut String, words: &[W], class: &str) {
    for word in words {
        html.push_str(&format!(
            r#"<li class="{class}"><span class="chip-icon" aria-hidden="true">{}</span>{}</li>"#,
            esc(word.icon()),
            esc(word.label())
        ));
    }
}

fn allergen_row_html(
    html: &mut String,
    heading: &str,
    id: &str,
    words: &[Allergen],
    class: &str,
    testid: &str,
) {
    if words.is_empty() {
        return;
    }
    html.push_str(&format!(
        r#"<div class="allergen-row"><span class="allergen-heading" id="{id}">{heading}</span><ul class="chips" aria-labelledby="{id}" data-testid="{testid}">"#
    ));
    chips_html(html, words, class);
    html.push_str("</ul></div>");
}

/// The card's dietary labels and allergen rows, as the wasm's `product_labels` draws them.
fn labels_html(html: &mut String, product: &Product) {
    let id = product.id;
    html.push_str(r#"<div class="product-labels">"#);
    if !product.dietary.is_empty() {
        html.push_str(r#"<ul class="chips" aria-label="Dietary labels" data-testid="dietary">"#);
        chips_html(html, &product.dietary, "chip dietary");
        html.push_str("</ul>");
    }
    allergen_row_html(
        html,
        "Contains",
        &format!("contains-{id}"),
        &product.allergens,
        "chip allergen",
        "allergens",
    );
    allergen_row_html(
        html,
        "May contain",
        &format!("may-contain-{id}"),
        &product.may_contain,
        "chip trace",
        "may-contain",
    );
    html.push_str("</div>");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: i64, name: &str, category: Option<&str>) -> Product {
        serde_json::from_value(serde_json::json!({
            "id": id, "name": name, "description": "Crisp <and> \"warm\"", "price": 3.5,
            "image_url": "", "stock": id, "allergens": ["gluten"], "may_contain": [],
            "dietary": ["vegan"], "category": category,
        }))
        .unwrap_or_else(|e| panic!("a product: {e}"))
    }

    #[test]
    fn the_page_shows_every_product_under_its_category_with_its_price() {
        let data = MenuData {
            products: vec![
                product(1, "Rye Bread", Some("Breads")),
                product(7, "Croissant", None),
            ],
            categories: Vec::new(),
            shop: serde_json::from_str(r#"{"name":"Bäckerei","currency":"EUR","locale":"de-DE"}"#)
                .unwrap_or_else(|e| panic!("a shop: {e}")),
        };
        let html = page_html(&data);
        assert!(html.contains(r#"<h3 id="product-1-name" class="product-name">Rye Bread</h3>"#));
        assert!(html.contains("Crisp &lt;and&gt; &quot;warm&quot;"));
        assert!(html.contains("3,50\u{a0}€"));
        assert!(html.contains("Only 1 left"));
        assert!(html.find("Breads") < html.find(">Other<"));
        assert!(html.contains(r#"data-testid="dietary""#));
        let json = html
            .split(&format!(r#"id="{DATA_ID}">"#))
            .nth(1)
            .and_then(|rest| rest.strip_suffix("</script>"))
            .unwrap_or_default();
        let back: MenuData = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back, data);
    }

    #[test]
    fn the_data_cannot_end_its_script_element() {
        let mut data = MenuData {
            products: vec![product(2, "</script><b>", None)],
            categories: Vec::new(),
            shop: serde_json::from_str(r#"{"name":"B","currency":"USD","locale":"en-US"}"#)
                .unwrap_or_else(|e| panic!("a shop: {e}")),
        };
        let html = page_html(&data);
        assert_eq!(html.matches("</script>").count(), 1);
        data.products.clear();
        assert!(page_html(&data).contains("The shelves are empty"));
    }

    #[test]
    fn a_cake_shows_its_pickers_and_default_price_as_the_wasm_does() {
        let mut cake = product(3, "Chocolate Cake", None);
        cake.options = serde_json::from_value(serde_json::json!([
            {"key": "size", "name": "Size", "required": true, "default": "8in",
             "choices": [{"key": "6in", "name": "6\u{2033}", "price_delta": -4.0},
                         {"key": "8in", "name": "8\u{2033}", "price_delta": 0.0}]},
            {"key": "topping", "name": "Topping", "required": false, "default": null,
             "choices": [{"key": "nuts", "name": "Nuts", "price_delta": 1.0}]}
        ]))
        .unwrap_or_else(|e| panic!("options: {e}"));
        cake.inscription = serde_json::from_value(serde_json::json!({"max_length": 40}))
            .unwrap_or_else(|e| panic!("inscription: {e}"));
        let data = MenuData {
            products: vec![cake],
            categories: Vec::new(),
            shop: serde_json::from_str(r#"{"name":"B","currency":"USD","locale":"en-US"}"#)
                .unwrap_or_else(|e| panic!("a shop: {e}")),
        };
        let html = page_html(&data);
        assert!(
            html.contains(r#"<select id="option-3-size" name="size">"#),
            "{html}"
        );
        assert!(html.contains(r#"<option value="8in" selected>"#), "{html}");
        assert!(
            html.contains(r#"<option value="" selected>None</option>"#),
            "{html}"
        );
        assert!(html.contains("Nuts (+$1.00)"), "{html}");
        assert!(html.contains(r#"maxlength="40""#), "{html}");
        assert!(html.contains("0 / 40 characters"), "{html}");
        assert!(html.contains("$3.50"), "{html}");
    }
}
