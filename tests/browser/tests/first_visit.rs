//! The first visit: the shop's page arrives with the menu in its HTML (so it paints before the
//! wasm has loaded, and shows with the wasm blocked), the wasm hydrates it, the shop does not
//! download the staff's bundle, and `/staff` is answered with the staff's page and bundle.

use bakery_browser_tests::first_visit::cdp;
use bakery_browser_tests::{Browser, Server, run_walk};
use fantoccini::Locator;
use serde_json::json;

type Result<T> = std::result::Result<T, String>;

/// What `script` returns in the page.
async fn run(browser: &Browser, script: &str) -> Result<serde_json::Value> {
    browser
        .client
        .execute(script, vec![])
        .await
        .map_err(|e| e.to_string())
}

/// The URLs the page has requested so far.
async fn requested(browser: &Browser) -> Result<Vec<String>> {
    let names = run(
        browser,
        "return performance.getEntriesByType('resource').map(e => e.name);",
    )
    .await?;
    serde_json::from_value(names).map_err(|e| e.to_string())
}

async fn walk(server: &Server, browser: &Browser) -> Result<()> {
    // With every .wasm blocked, the menu is there all the same: the server drew it.
    cdp(browser, "Network.enable", json!({})).await?;
    cdp(
        browser,
        "Network.setBlockedURLs",
        json!({ "urls": ["*.wasm"] }),
    )
    .await?;
    browser.open_as_served(&format!("{}/", server.url)).await?;
    let card = browser.wait_for("[data-testid='product-2']", 10).await?;
    let text = card.text().await.map_err(|e| e.to_string())?;
    if !text.contains("Sourdough") || !text.contains("$") {
        return Err(format!("the server's card for product 2 reads {text:?}"));
    }
    let groups = browser.menu_groups().await?;
    if groups.len() < 2 {
        return Err(format!("the server's menu has the groups {groups:?}"));
    }
    if browser.client.find(Locator::Css(".boot")).await.is_ok() {
        return Err("the page still says it is warming up".to_owned());
    }

    // Unblocked: the wasm takes the page over and the menu works; no staff bundle comes.
    cdp(browser, "Network.setBlockedURLs", json!({ "urls": [] })).await?;
    // The blocked wasm's failure to load is expected; later errors are not.
    browser.console_errors().await?;
    browser.open(server, "/").await?;
    // The wasm hydrated the server's page: the card is the server's element (a page the wasm
    // draws itself has no hydration keys), once, and its button works.
    let adopted = run(
        browser,
        "return document.querySelectorAll(\"[data-testid='product-2']\").length === 1 \
            && document.querySelector('#add-2').hasAttribute('data-hk');",
    )
    .await?;
    if adopted != json!(true) {
        return Err("the wasm drew the menu again instead of hydrating the server's".to_owned());
    }
    browser.click("#add-2").await?;
    browser
        .wait_for_text("[data-testid='cart-count']", 10, |t| t == "1")
        .await?;
    let shop_requests = requested(browser).await?;
    if !shop_requests.iter().any(|u| u.contains("/assets/bakery-")) {
        return Err(format!("the shop loaded no shop bundle: {shop_requests:?}"));
    }
    if let Some(staff) = shop_requests.iter().find(|u| u.contains("/assets/staff-")) {
        return Err(format!("the shop downloaded the staff's bundle: {staff}"));
    }

    // `/staff` has its own page and bundle, and its sign-in form.
    browser.open(server, "/staff").await?;
    browser.wait_for("#staff-email", 30).await?;
    let staff_requests = requested(browser).await?;
    if !staff_requests.iter().any(|u| u.contains("/assets/staff-")) {
        return Err(format!("/staff loaded no staff bundle: {staff_requests:?}"));
    }
    // A link from the shop to the staff pages loads the staff's page in full.
    browser.open(server, "/").await?;
    run(
        browser,
        "const a = document.createElement('a'); a.href = '/staff'; a.textContent = 'Staff'; \
         document.getElementById('main').append(a); a.click();",
    )
    .await?;
    browser.wait_for("#staff-email", 30).await?;
    // Signed out, the staff's page asks who is signed in and hears 401.
    browser
        .no_console_errors_but(|e| e.contains("/api/staff/me") && e.contains("401"))
        .await
}

#[tokio::test]
async fn the_menu_comes_in_the_page_and_the_staff_have_their_own_bundle() {
    run_walk(&[], "first-visit", walk).await;
}

/// The shop's page as the server sends it.
async fn front_page_html(browser: &Browser) -> Result<String> {
    browser
        .client
        .execute_async(
            "const done = arguments[0]; fetch('/').then(r => r.text()).then(done, e => done(String(e)));",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())
        .and_then(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
}

const ADMIN: &str = "first-visit-admin@example.com";
const PASSWORD: &str = "a-long-enough-password-1";

/// The page's HTML itself names the products (what a phone paints before any script runs), and
/// names them anew once the catalog changes.
#[tokio::test]
async fn the_shops_html_names_the_products_of_the_current_catalog() {
    run_walk(
        &[],
        "first-visit-html",
        async |server: &Server, browser: &Browser| {
            browser.open(server, "/orders").await?;
            let html = front_page_html(browser).await?;
            for name in ["Sourdough Bread", "Croissant"] {
                if !html.contains(name) {
                    return Err(format!("the page's HTML lacks {name}: {html}"));
                }
            }
            if !html.contains("id=\"menu-data\"") {
                return Err("the page's HTML lacks the menu's data".to_owned());
            }
            server
                .cli(
                    &["user", "add", "--role", "admin", ADMIN],
                    &format!("{PASSWORD}\n"),
                )
                .await?;
            let status = browser
                .change_product_as(ADMIN, PASSWORD, 2, json!({ "name": "Country Sourdough" }))
                .await?;
            if status != 200 {
                return Err(format!("renaming the sourdough got {status}"));
            }
            for _ in 0..50 {
                if front_page_html(browser)
                    .await?
                    .contains("Country Sourdough")
                {
                    return Ok(());
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err("the page still shows the old catalog".to_owned())
        },
    )
    .await;
}

/// Run in the page before its own scripts: the wasm waits until the test calls `openWasm()`.
const WASM_GATE: &str = "window.openWasm = null; \
    const gate = new Promise(open => { window.openWasm = open; }); \
    for (const name of ['instantiateStreaming', 'instantiate']) { \
      const real = WebAssembly[name].bind(WebAssembly); \
      WebAssembly[name] = async (...args) => { await gate; return real(...args); }; \
    }";

/// Opens `/` with [`WASM_GATE`] in every page from now on: the page as served, its wasm waiting.
async fn open_behind_the_gate(server: &Server, browser: &Browser) -> Result<()> {
    cdp(
        browser,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": WASM_GATE }),
    )
    .await?;
    browser.open_as_served(&format!("{}/", server.url)).await
}

/// What the customer does on the server's page before the wasm has started (picks a size, writes
/// an inscription, taps "Add to cart" twice) is done once the wasm has hydrated the page.
#[tokio::test]
async fn taps_before_the_wasm_starts_are_kept() {
    run_walk(
        &[],
        "first-visit-early",
        async |server: &Server, browser: &Browser| {
            open_behind_the_gate(server, browser).await?;
            browser
                .wait_for("#option-1-size", 10)
                .await?
                .select_by_value("10in")
                .await
                .map_err(|e| format!("picking 10in: {e}"))?;
            browser.type_into("#inscription-1", "Happy day").await?;
            browser.click("#add-1").await?;
            browser.click("#add-2").await?;
            let started = run(
                browser,
                "return document.documentElement.dataset.wasm || '';",
            )
            .await?;
            if started != json!("") {
                return Err(format!(
                    "the wasm started before the gate opened: {started}"
                ));
            }
            run(browser, "window.openWasm();").await?;
            browser.wait_for("html[data-wasm='ready']", 30).await?;
            browser
                .wait_for_text("[data-testid='cart-count']", 10, |t| t == "2")
                .await?;
            let cart = run(browser, "return localStorage.getItem('bakery.cart') || '';").await?;
            let cart = cart.as_str().unwrap_or_default();
            if !cart.contains("10in") || !cart.contains("Happy day") {
                return Err(format!("the cart lost the early choices: {cart}"));
            }
            browser.no_console_errors_but(|_| false).await
        },
    )
    .await;
}

/// A page changed before the wasm starts (here a card removed, as a browser extension might
/// change it) cannot be hydrated: the wasm stops, and the page is loaded once more for the wasm
/// to draw itself, which then works.
#[tokio::test]
async fn a_page_changed_before_the_wasm_starts_is_drawn_anew() {
    run_walk(
        &[],
        "first-visit-changed",
        async |server: &Server, browser: &Browser| {
            open_behind_the_gate(server, browser).await?;
            browser.wait_for("[data-testid='product-2']", 10).await?;
            run(
                browser,
                "window.firstLoad = true; \
                 document.querySelector(\"[data-testid='product-2']\").remove(); \
                 window.openWasm();",
            )
            .await?;
            // The reloaded page waits at the gate again, with the card back.
            let mut reloaded = false;
            for _ in 0..100 {
                let state = run(
                    browser,
                    "return !window.firstLoad && typeof window.openWasm === 'function' \
                     && !!document.querySelector(\"[data-testid='product-2']\");",
                )
                .await
                .unwrap_or_default();
                if state == json!(true) {
                    reloaded = true;
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            if !reloaded {
                return Err("the page was not loaded again after the wasm stopped".to_owned());
            }
            run(browser, "window.openWasm();").await?;
            browser.wait_for("html[data-wasm='ready']", 30).await?;
            let drawn = run(
                browser,
                "return !document.querySelector('#add-2').hasAttribute('data-hk') \
                 && !sessionStorage.getItem('bakery.draw-anew');",
            )
            .await?;
            if drawn != json!(true) {
                return Err("the wasm did not draw the page itself".to_owned());
            }
            browser.click("#add-2").await?;
            browser
                .wait_for_text("[data-testid='cart-count']", 10, |t| t == "1")
                .await
                .map(|_| ())
        },
    )
    .await;
}
