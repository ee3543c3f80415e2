//! The bakery's storefront (catalog, cart, checkout, live order tracking) and the staff's
//! back-office under `/staff` (order board, catalog and stock, accounts, with the feature
//! `staff`: the shop's bundle leaves them out), in Sycamore.
//!
//! The pure rules (cart arithmetic, checkout answers, status wording) are unit-tested on the
//! host. The pages (`ui`) render into the DOM on wasm32 and into HTML on the host, where the
//! server renders the menu's page (`menu_page::page_html`) for the wasm to hydrate.

pub mod cart;
pub mod checkout;
pub mod groups;
pub mod menu;
pub mod menu_page;
pub mod money;
pub mod options_form;
pub mod pickup;
pub mod planning;
pub mod recent;
pub mod staff;
pub mod status;

mod ui;

/// Entry point: wasm-bindgen's `init()` runs this once the module is loaded.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn main() {
    std::panic::set_hook(Box::new(|info| wasm_bindgen::throw_str(&info.to_string())));
    ui::start();
}
