//! The browser half of the storefront: shared shop state, the router and the page frame.

mod api;
mod browser;
mod cart_page;
mod catalog;
mod checkout_page;
mod labels;
mod live;
mod lookup;
mod order_page;
mod pickup_picker;
mod pictures;
mod product_options;
#[cfg(feature = "staff")]
mod staff;

use std::cell::RefCell;

use bakery_wire::{Category, Product};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use sycamore_router::{HistoryIntegration, Route, Router};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::cart::Cart;
use crate::menu_page::{DATA_ID, MenuData};
use crate::money;
use crate::recent::{self, RecentOrder};

const CART_KEY: &str = "bakery.cart";
const RECENT_ORDERS_KEY: &str = "bakery.orders";
/// The shop's name, currency and locale as last read, so prices show right before it is read again.
const SHOP_KEY: &str = "bakery.shop";

/// The site's pages.
#[derive(Route, Clone, PartialEq)]
pub enum Page {
    #[to("/")]
    Catalog,
    #[to("/cart")]
    Cart,
    #[to("/checkout")]
    Checkout,
    #[to("/orders")]
    Lookup,
    #[to("/orders/<id>")]
    Order(i64),
    #[to("/staff")]
    StaffBoard,
    #[to("/staff/catalog")]
    StaffCatalog,
    #[to("/staff/users")]
    StaffUsers,
    #[to("/staff/tokens")]
    StaffTokens,
    #[to("/staff/audit")]
    StaffAudit,
    #[to("/staff/actors")]
    StaffActors,
    #[to("/staff/notifications")]
    StaffNotifications,
    #[to("/staff/production")]
    StaffProduction,
    #[to("/staff/calendar")]
    StaffCalendar,
    #[not_found]
    NotFound,
}

impl Page {
    /// A back-office page (its own header, needs a staff session).
    pub fn is_staff(&self) -> bool {
        matches!(
            self,
            Page::StaffBoard
                | Page::StaffCatalog
                | Page::StaffUsers
                | Page::StaffTokens
                | Page::StaffAudit
                | Page::StaffActors
                | Page::StaffNotifications
                | Page::StaffProduction
                | Page::StaffCalendar
        )
    }
}

/// The menu as the site knows it.
#[derive(Clone, PartialEq)]
pub enum Catalog {
    Loading,
    Ready(Vec<Product>),
    Failed(String),
}

/// The order this browser just placed, for the thank-you banner.
#[derive(Clone, PartialEq)]
pub struct Placed {
    pub order_id: i64,
    pub customer_name: String,
    /// When it will be ready, in the bakery's local time ("Ready for pickup Thursday …").
    pub when: Option<String>,
}

/// State every page shares, provided as context (a `Copy` bundle of signals).
#[derive(Clone, Copy)]
pub struct Shop {
    pub catalog: Signal<Catalog>,
    pub cart: Signal<Cart>,
    /// What a catalog refresh changed in the cart, until the customer dismisses it.
    pub notices: Signal<Vec<String>>,
    pub placed: Signal<Option<Placed>>,
    /// Orders placed or looked up in this browser, newest first, with their tracking tokens.
    pub recent: Signal<Vec<RecentOrder>>,
    /// `GET /api/shop` was read on this visit (prices are written the shop's way).
    pub shop_read: Signal<bool>,
    /// The categories the server's page brought, until the menu takes them.
    pub page_categories: Signal<Option<Vec<Category>>>,
}

thread_local! {
    /// The menu's data from the server's page, read before the page's HTML is replaced.
    static PAGE_DATA: RefCell<Option<MenuData>> = const { RefCell::new(None) };
}

/// Keeps the menu's data the server put in the page (see [`crate::menu_page`]), if it is there.
fn read_page_data(document: &web_sys::Document) {
    let data = document
        .get_element_by_id(DATA_ID)
        .and_then(|e| e.text_content())
        .and_then(|json| serde_json::from_str::<MenuData>(&json).ok());
    PAGE_DATA.with(|d| *d.borrow_mut() = data);
}

impl Shop {
    fn load() -> Shop {
        let cart = browser::load(CART_KEY)
            .map(|j| Cart::from_json(&j))
            .unwrap_or_default();
        let recent = browser::load(RECENT_ORDERS_KEY)
            .map(|j| recent::parse(&j))
            .unwrap_or_default();
        if let Some(info) = browser::load(SHOP_KEY).and_then(|j| money::shop_from_json(&j)) {
            money::set_format(info.money());
        }
        let shop = Shop {
            catalog: create_signal(Catalog::Loading),
            cart: create_signal(cart),
            notices: create_signal(Vec::new()),
            placed: create_signal(None),
            recent: create_signal(recent),
            shop_read: create_signal(false),
            page_categories: create_signal(None),
        };
        if let Some(data) = PAGE_DATA.with(|d| d.borrow_mut().take()) {
            money::set_format(data.shop.money());
            browser::save(SHOP_KEY, &money::shop_to_json(&data.shop));
            shop.shop_read.set(true);
            shop.page_categories.set(Some(data.categories));
            shop.take_catalog(data.products);
        }
        shop
    }

    /// Shows `products` as the menu and brings the cart in line with them.
    fn take_catalog(self, products: Vec<Product>) {
        let mut changes = Vec::new();
        self.cart.update(|cart| changes = cart.reconcile(&products));
        if !changes.is_empty() {
            self.notices
                .update(|n| n.extend(changes.iter().map(ToString::to_string)));
        }
        self.catalog.set(Catalog::Ready(products));
    }

    /// Reads the menu again and brings the cart in line with it.
    pub async fn refresh_catalog(self) {
        // Once a visit, before prices are shown: how the shop writes them.
        if !self.shop_read.get_untracked()
            && let Ok(info) = api::shop().await
        {
            money::set_format(info.money());
            browser::save(SHOP_KEY, &money::shop_to_json(&info));
            self.shop_read.set(true);
        }
        match api::products().await {
            Ok(products) => self.take_catalog(products),
            Err(message) => {
                // A failed refresh keeps a menu already shown; only a first load shows the error.
                if !matches!(self.catalog.get_clone_untracked(), Catalog::Ready(_)) {
                    self.catalog.set(Catalog::Failed(message));
                }
            }
        }
    }

    /// Remembers an order placed or looked up here, with its tracking token (which shows it in
    /// full and lets the customer cancel it), so the lookup page can offer it.
    pub fn remember_order(self, order_id: i64, token: Option<String>) {
        self.recent.update(|r| recent::remember(r, order_id, token));
        browser::save(
            RECENT_ORDERS_KEY,
            &self.recent.with_untracked(|r| recent::to_json(r)),
        );
    }
}

/// Starts the site in the page's `#app` element (the whole body if it is missing), in place of
/// what the server drew there: the same menu, in one step, so nothing moves.
pub fn start() {
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(document) = &document {
        read_page_data(document);
    }
    let root = document.as_ref().and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            sycamore::render_to(App, &root);
        }
        None => sycamore::render(App),
    }
    // The page is the wasm's from here on (`<html data-wasm="ready">`): the server's menu it
    // replaced could be seen, not used.
    if let Some(html) = document.and_then(|d| d.document_element()) {
        let _ = html.set_attribute("data-wasm", "ready");
    }
}

#[component]
fn App() -> View {
    let shop = Shop::load();
    provide_context(shop);
    // The cart survives reloads and tabs: every change is written through to localStorage.
    create_effect(move || {
        shop.cart
            .with(|cart| browser::save(CART_KEY, &cart.to_json()))
    });
    // The catalog and the cart are the shop's; the staff pages load what they need.
    let on_staff_page = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .is_some_and(|p| p == "/staff" || p.starts_with("/staff/"));
    // The server's page may have brought the menu already.
    let menu_known = shop
        .catalog
        .with_untracked(|c| matches!(c, Catalog::Ready(_)));
    if !on_staff_page && !menu_known {
        spawn_local_scoped(shop.refresh_catalog());
    }
    follow_other_tabs(shop);
    #[cfg(feature = "staff")]
    provide_context(staff::StaffCtx::new());

    view! {
        Router(
            integration=HistoryIntegration::new(),
            view=move |route: ReadSignal<Page>| {
                let is_staff = create_selector(move || route.with(Page::is_staff));
                view! {
                    a(class="skip-link", href="#main", rel="external") { "Skip to content" }
                    (if is_staff.get() {
                        staff_header(route)
                    } else {
                        view! { Header(route=route) }
                    })
                    main(id="main", class="page", tabindex="-1") {
                        (match route.get_clone() {
                            Page::Catalog => view! { catalog::CatalogPage {} },
                            Page::Cart => view! { cart_page::CartPage {} },
                            Page::Checkout => view! { checkout_page::CheckoutPage {} },
                            Page::Lookup => view! { lookup::LookupPage {} },
                            Page::Order(id) => view! { order_page::OrderPage(id=id) },
                            Page::StaffBoard
                            | Page::StaffCatalog
                            | Page::StaffUsers
                            | Page::StaffTokens
                            | Page::StaffAudit
                            | Page::StaffActors
                            | Page::StaffNotifications
                            | Page::StaffProduction
                            | Page::StaffCalendar => staff_page(route.get_clone()),
                            Page::NotFound => view! { NotFound {} },
                        })
                    }
                    footer(class="site-footer") {
                        p { "Baked fresh every morning · Pick up at the counter or have it delivered" }
                    }
                }
            },
        )
    }
}

/// The staff's header (in the staff's bundle).
#[cfg(feature = "staff")]
fn staff_header(route: ReadSignal<Page>) -> View {
    view! { staff::StaffHeader(route=route) }
}

/// The staff's page (in the staff's bundle).
#[cfg(feature = "staff")]
fn staff_page(page: Page) -> View {
    view! { staff::StaffPage(page=page) }
}

/// The shop's bundle has no staff pages: the server answers `/staff…` with the staff's bundle,
/// so a link to one is followed by loading that address in full.
#[cfg(not(feature = "staff"))]
fn staff_header(_route: ReadSignal<Page>) -> View {
    browser::load_in_full();
    View::default()
}

#[cfg(not(feature = "staff"))]
fn staff_page(_page: Page) -> View {
    View::default()
}

/// Another tab changed the cart (or placed its order): show the same cart here.
fn follow_other_tabs(shop: Shop) {
    let on_storage =
        Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |event: web_sys::StorageEvent| {
            if event.key().as_deref() == Some(CART_KEY) {
                let cart = event
                    .new_value()
                    .map(|j| Cart::from_json(&j))
                    .unwrap_or_default();
                if shop.cart.with_untracked(|c| *c != cart) {
                    shop.cart.set(cart);
                }
            }
        });
    if let Some(window) = web_sys::window() {
        let _ =
            window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    }
    // The listener lives as long as the page, like the app itself.
    on_storage.forget();
}

#[component(inline_props)]
fn Header(route: ReadSignal<Page>) -> View {
    let shop = use_context::<Shop>();
    let count = move || shop.cart.with(Cart::item_count);
    let current = move |page: Page| {
        if route.with(|r| *r == page) {
            Some("page")
        } else {
            None
        }
    };
    let orders_current = move || {
        if route.with(|r| matches!(r, Page::Lookup | Page::Order(_))) {
            Some("page")
        } else {
            None
        }
    };
    view! {
        header(class="site-header") {
            a(class="brand", href="/") {
                span(class="brand-mark", aria-hidden="true")
                span(class="brand-name") { "Bakery" }
            }
            nav(aria-label="Main") {
                ul {
                    li { a(href="/", aria-current=current(Page::Catalog)) { "Menu" } }
                    li { a(href="/orders", id="nav-orders", aria-current=orders_current()) { "Track order" } }
                    li {
                        a(href="/cart", id="nav-cart", class="cart-link", aria-current=current(Page::Cart)) {
                            "Cart "
                            span(class="cart-count", data-testid="cart-count",
                                aria-label=move || format!("{} items", count())) {
                                (count())
                            }
                        }
                    }
                }
            }
        }
    }
}

#[component]
fn NotFound() -> View {
    browser::set_title("Not found");
    on_mount(|| browser::focus("page-title"));
    view! {
        section(class="panel center") {
            h1(id="page-title", tabindex="-1") { "We couldn't find that page" }
            p { "It may have sold out of the internet. Try the menu instead." }
            a(class="button", href="/") { "Back to the menu" }
        }
    }
}
