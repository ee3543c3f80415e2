//! The shop's page as HTML the server sends on `/`, so a first visit paints the menu before the
//! wasm has loaded; with it, the menu's data, from which the wasm hydrates the same page. Also
//! the card details the menu shows.

use bakery_wire::money::ShopInfo;
use bakery_wire::{Category, Product};
use serde::{Deserialize, Serialize};

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

/// The shop's page body at `/` for `#app`: the page rendered by Sycamore on the server, with the
/// menu filtered by the address's `query` (`?avoid=nuts`), which the wasm hydrates; followed by
/// the menu's data, from which the wasm renders the same page.
#[cfg(not(target_arch = "wasm32"))]
pub fn page_html(data: &MenuData, query: &str) -> String {
    // JSON in a script element: only `</script` could end it early.
    let json = serde_json::to_string(data)
        .unwrap_or_default()
        .replace("</", "<\\/");
    let mut html = crate::ui::render_front_page(data.clone(), query);
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

#[cfg(test)]
mod tests {
    use bakery_wire::Allergen;

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
        let html = page_html(&data, "");
        assert!(html.contains(r#"<h3 id="product-1-name" class="product-name" data-hk="#));
        assert!(html.contains(">Rye Bread</h3>"));
        assert!(html.contains(r#"Crisp &lt;and&gt; "warm""#));
        // Rendered by Sycamore for the wasm to hydrate: every element carries its key.
        assert!(
            html.starts_with(
                r##"<a class="skip-link" href="#main" rel="external" data-hk="0.0">"##
            )
        );
        assert!(html.contains(r#"aria-label="0 items""#));
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
    fn the_addresss_filter_applies_to_the_page() {
        let mut milky = product(4, "Milk Bun", None);
        milky.allergens.push(Allergen::Milk);
        let data = MenuData {
            products: vec![product(1, "Rye Bread", None), milky],
            categories: Vec::new(),
            shop: serde_json::from_str(r#"{"name":"B","currency":"USD","locale":"en-US"}"#)
                .unwrap_or_else(|e| panic!("a shop: {e}")),
        };
        let html = page_html(&data, "?avoid=milk");
        assert!(html.contains(">Rye Bread</h3>"), "{html}");
        assert!(!html.contains(">Milk Bun</h3>"), "{html}");
        assert!(html.contains("Showing 1 of 2 products."), "{html}");
        assert!(
            html.contains(r#"<input type="checkbox" id="avoid-milk" checked data-hk="#),
            "{html}"
        );
        assert!(
            html.contains(r#"<details class="menu-filter panel" data-testid="menu-filter" open"#),
            "{html}"
        );
        // Without the query, everything, and the panel closed.
        let html = page_html(&data, "");
        assert!(html.contains(">Milk Bun</h3>"), "{html}");
        assert!(html.contains(r#"<input type="checkbox" id="avoid-milk" data-hk="#));
    }

    #[test]
    fn rendering_leaves_the_threads_price_format_as_it_was() {
        let data = MenuData {
            products: vec![product(1, "Rye Bread", None)],
            categories: Vec::new(),
            shop: serde_json::from_str(r#"{"name":"B","currency":"EUR","locale":"de-DE"}"#)
                .unwrap_or_else(|e| panic!("a shop: {e}")),
        };
        let before = crate::money::format();
        assert!(page_html(&data, "").contains("3,50\u{a0}€"));
        assert_eq!(crate::money::format(), before);
    }

    #[test]
    fn the_data_cannot_end_its_script_element() {
        let mut data = MenuData {
            products: vec![product(2, "</script><b>", None)],
            categories: Vec::new(),
            shop: serde_json::from_str(r#"{"name":"B","currency":"USD","locale":"en-US"}"#)
                .unwrap_or_else(|e| panic!("a shop: {e}")),
        };
        let html = page_html(&data, "");
        assert_eq!(html.matches("</script>").count(), 1);
        data.products.clear();
        assert!(page_html(&data, "").contains("The shelves are empty"));
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
        let html = page_html(&data, "");
        assert!(
            html.contains(r#"<select id="option-3-size" name="size" data-hk="#),
            "{html}"
        );
        assert!(
            html.contains(r#"<option value="8in" selected data-hk="#),
            "{html}"
        );
        assert!(
            html.contains(r#"<option value="" selected data-hk="#),
            "{html}"
        );
        assert!(html.contains("Nuts (+$1.00)"), "{html}");
        assert!(html.contains(r#"maxlength="40""#), "{html}");
        assert!(html.contains("0 / 40 characters"), "{html}");
        assert!(html.contains("$3.50"), "{html}");
    }
}
