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

use bakery_wire::{Category, Product};
use sycamore::futures::spawn_local_scoped;
use sycamore::prelude::*;
use sycamore_router::Route;
#[cfg(not(target_arch = "wasm32"))]
use sycamore_router::StaticRouter;
#[cfg(target_arch = "wasm32")]
use sycamore_router::{HistoryIntegration, Router};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use crate::cart::Cart;
#[cfg(target_arch = "wasm32")]
use crate::menu_page::DATA_ID;
use crate::menu_page::MenuData;
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

/// The menu's data the server put in the page, if it is there.
#[cfg(target_arch = "wasm32")]
fn read_page_data(document: &web_sys::Document) -> Option<MenuData> {
    document
        .get_element_by_id(DATA_ID)
        .and_then(|e| e.text_content())
        .and_then(|json| serde_json::from_str::<MenuData>(&json).ok())
}

impl Shop {
    fn load(data: Option<MenuData>) -> Shop {
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
        if let Some(data) = data {
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

/// Starts the site in the page's `#app` element (the whole body if it is missing). On `/` the
/// server rendered the same page with the same components (`render_front_page`): the shop's
/// bundle hydrates it, adopting the server's elements and attaching its handlers, instead of
/// drawing them again.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    let document = browser::window().and_then(|w| w.document());
    let data = document.as_ref().and_then(read_page_data);
    let root = document.as_ref().and_then(|d| d.get_element_by_id("app"));
    // The boot module marks the tab when the wasm stopped while hydrating (the page had been
    // changed before it started, by a browser extension say) and loads the page again: this
    // time the wasm draws it itself.
    #[cfg(feature = "hydrate")]
    let draw_anew = browser::take_session_mark(DRAW_ANEW);
    match root {
        #[cfg(feature = "hydrate")]
        Some(root) if !draw_anew && data.is_some() && server_drew(&root) => {
            // Marked, so the boot module knows a failure from here on is the hydration's.
            mark_page(document.as_ref(), "hydrating");
            sycamore::hydrate_to(move || app(data), &root);
        }
        Some(root) => {
            root.set_inner_html("");
            sycamore::render_to(move || app(data), &root);
        }
        None => sycamore::render(move || app(data)),
    }
    // The page is the wasm's from here on.
    mark_page(document.as_ref(), "ready");
}

/// Sets `<html data-wasm=…>`: where the wasm is in taking the page over (the boot module and
/// the browser tests read it).
#[cfg(target_arch = "wasm32")]
fn mark_page(document: Option<&web_sys::Document>, state: &str) {
    if let Some(html) = document.and_then(|d| d.document_element()) {
        let _ = html.set_attribute("data-wasm", state);
    }
}

/// The sessionStorage key of the boot module's mark (xtask/src/frontend.rs): draw the page anew.
#[cfg(all(target_arch = "wasm32", feature = "hydrate"))]
const DRAW_ANEW: &str = "bakery.draw-anew";

/// Whether the server rendered this page into `root` with Sycamore (its elements carry
/// hydration keys), on the address it renders: the menu.
#[cfg(all(target_arch = "wasm32", feature = "hydrate"))]
fn server_drew(root: &web_sys::Element) -> bool {
    let on_menu = browser::window()
        .and_then(|w| w.location().pathname().ok())
        .is_some_and(|p| p == "/");
    on_menu && root.query_selector("[data-hk]").ok().flatten().is_some()
}

/// The query of the address the server renders the page for (`?avoid=nuts`), for the menu's
/// filter; in the browser the menu reads the address itself.
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone)]
pub struct StartQuery(pub String);

/// The shop's page at `/` as HTML, rendered by the same components the wasm hydrates, for the
/// menu in `data` filtered by the address's `query`.
#[cfg(not(target_arch = "wasm32"))]
pub fn render_front_page(data: MenuData, query: &str) -> String {
    let query = StartQuery(query.to_owned());
    // Prices are written the shop's way on this thread while rendering (see `Shop::load`); the
    // thread serves other requests afterwards.
    let format = money::format();
    let html = sycamore::web::render_to_string(move || {
        provide_context(query);
        app(Some(data))
    });
    money::set_format(format);
    html
}

/// The whole site: the shop's state, the router and every page; `data`, the menu's data the
/// server put in the page.
fn app(data: Option<MenuData>) -> View {
    let shop = Shop::load(data);
    provide_context(shop);
    // The cart survives reloads and tabs: every change is written through to localStorage.
    create_effect(move || {
        shop.cart
            .with(|cart| browser::save(CART_KEY, &cart.to_json()))
    });
    // The catalog and the cart are the shop's; the staff pages load what they need.
    let on_staff_page = browser::window()
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
    router()
}

/// The router over the page's address, in the browser.
#[cfg(target_arch = "wasm32")]
fn router() -> View {
    view! { Router(integration=HistoryIntegration::new(), view=frame) }
}

/// On the server, the one page it renders: the menu.
#[cfg(not(target_arch = "wasm32"))]
fn router() -> View {
    view! { StaticRouter(route=Page::Catalog, view=frame) }
}

/// Every page's frame (skip link, header, the page, footer) around the page at `route`.
fn frame(route: ReadSignal<Page>) -> View {
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
                Page::NotFound => view! { NotFound {} },
                // The back-office's pages (`Page::is_staff`).
                page => staff_page(page),
            })
        }
        footer(class="site-footer") {
            p { "Baked fresh every morning · Pick up at the counter or have it delivered" }
        }
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
    let Some(window) = browser::window() else {
        return;
    };
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
    let _ = window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    // The listener lives as long as the page, like the app itself.
    on_storage.forget();
}

#[component(inline_props)]
fn Header(route: ReadSignal<Page>) -> View {
    let shop = use_context::<Shop>();
    // A `String`, so hydrating the server's page (drawn with no cart) writes this browser's count.
    let count = move || shop.cart.with(Cart::item_count).to_string();
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
                                (count)
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
