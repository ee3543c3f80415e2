//! The back-office in headless Chromium, against the real server: an admin created with the
//! CLI signs in, a pickup order appears on the live board and is picked up, and a delivery
//! order placed through the shop goes out for delivery and is delivered — which the
//! customer's order page shows.

use bakery_browser_tests::{Browser, Server, repo_root, run_walk, screenshot_dir};

type Result<T> = std::result::Result<T, String>;

const ADMIN: &str = "owner@example.com";
const PASSWORD: &str = "secret-password";
const BAKER: &str = "baker@example.com";
const BAKER_PASSWORD: &str = "flour-and-water-42";

/// Places a pickup order over HTTP from inside the page (same origin); returns its number.
async fn order_over_http(browser: &Browser, product_id: i64, name: &str) -> Result<i64> {
    let script = r#"
        const [productId, name, done] = arguments;
        fetch('/api/orders', {
            method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({
                customer_name: name,
                customer_email: 'regular@example.com',
                items: [{product_id: productId, quantity: 2}],
            }),
        }).then(r => r.json()).then(j => done(j.order_id || 0), () => done(0));
    "#;
    let id = browser
        .client
        .execute_async(script, vec![product_id.into(), name.into()])
        .await
        .map_err(|e| format!("placing an order: {e}"))?;
    id.as_i64()
        .filter(|id| *id > 0)
        .ok_or_else(|| format!("the order was refused: {id}"))
}

/// The board card of an order, in a column.
fn card(column: &str, id: i64, status: &str) -> String {
    format!("[data-column='{column}'] #order-{id}[data-status='{status}']")
}

async fn sign_in(server: &Server, browser: &Browser) -> Result<()> {
    browser.open(server, "/staff").await?;
    browser.wait_for("#staff-email", 30).await?;
    // A wrong password is refused next to the form.
    browser.type_into("#staff-email", ADMIN).await?;
    browser
        .type_into("#staff-password", "not-the-password")
        .await?;
    browser.click("#staff-sign-in").await?;
    let error = browser
        .wait_for_text("#sign-in-error", 10, |t| !t.is_empty())
        .await?;
    if !error.contains("do not match") {
        return Err(format!("unexpected sign-in error {error:?}"));
    }
    browser.type_into("#staff-password", PASSWORD).await?;
    browser.click("#staff-sign-in").await?;
    browser.wait_for("[data-testid='board']", 10).await?;
    let who = browser
        .wait_for_text("[data-testid='staff-who']", 5, |t| t.contains(ADMIN))
        .await?;
    if !who.contains("Admin") {
        return Err(format!("the header does not name the role: {who:?}"));
    }
    // An admin sees the admin pages' links.
    browser.wait_for("a[href='/staff/users']", 5).await?;
    Ok(())
}

/// A customer checks out a delivery order through the shop; returns its number.
async fn delivery_checkout(server: &Server, browser: &Browser) -> Result<i64> {
    browser.open(server, "/").await?;
    browser
        .click(".product-card button[id^='add-']:not([disabled])")
        .await?;
    browser
        .wait_for_text("[data-testid='cart-count']", 5, |t| t == "1")
        .await?;
    browser.open(server, "/checkout").await?;
    browser.type_into("#customer-name", "Grace Hopper").await?;
    browser
        .type_into("#customer-email", "grace@example.com")
        .await?;
    browser.click("#fulfillment-delivery").await?;
    // Delivery without an address is caught next to the field.
    browser.click("#place-order").await?;
    let error = browser
        .wait_for_text("[data-testid='address-error']", 5, |t| !t.is_empty())
        .await?;
    if !error.contains("required for delivery") {
        return Err(format!("unexpected address error {error:?}"));
    }
    browser.screenshot("12-checkout-delivery").await?;
    browser
        .type_into("#delivery-address", "12 Harbour Lane, Flat 3")
        .await?;
    browser.click("#place-order").await?;
    let number = browser
        .wait_for_text("[data-testid='confirmation-order-number']", 10, |t| {
            !t.is_empty()
        })
        .await?;
    let id: i64 = number
        .trim_start_matches('#')
        .parse()
        .map_err(|_| format!("order number {number:?} is not a number"))?;
    let shown = browser
        .wait_for_text("[data-testid='delivery-address']", 10, |t| !t.is_empty())
        .await?;
    if shown != "12 Harbour Lane, Flat 3" {
        return Err(format!("the order page shows the address {shown:?}"));
    }
    browser
        .wait_for(
            "[data-testid='fulfillment'][data-fulfillment='delivery']",
            5,
        )
        .await?;
    // Ready means "on its way shortly" for delivery, not "come to the counter".
    browser
        .wait_for("#order-status[data-status='ready']", 30)
        .await?;
    Ok(id)
}

/// "$29.99 · 299 in stock" → 299.
fn stock_in(meta: &str) -> Option<i64> {
    meta.split(" · ").nth(1)?.split(' ').next()?.parse().ok()
}

/// The admin's other pages: stock and price of a product, an API token shown once, the audit log.
async fn back_office(server: &Server, browser: &Browser) -> Result<()> {
    browser.click("#nav-catalog").await?;
    let meta_css = "[data-product-id='1'] [data-testid='product-meta']";
    let before = browser
        .wait_for_text(meta_css, 10, |t| stock_in(t).is_some())
        .await?;
    let stock = stock_in(&before).unwrap_or_default();
    browser.type_into("#stock-amount-1", "5").await?;
    browser.type_into("#stock-reason-1", "morning bake").await?;
    browser
        .click("[data-product-id='1'] .stock-form button[type='submit']")
        .await?;
    let wanted = format!("{} in stock", stock + 5);
    browser
        .wait_for_text(meta_css, 10, |t| t.contains(&wanted))
        .await?;
    browser.click("#edit-1").await?;
    browser.type_into("#price-1", "31.50").await?;
    browser
        .click("[data-product-id='1'] .admin-form button[type='submit']")
        .await?;
    browser
        .wait_for_text(meta_css, 10, |t| t.starts_with("$31.50"))
        .await?;
    browser.screenshot("9-staff-catalog").await?;

    browser.click("a[href='/staff/tokens']").await?;
    browser.type_into("#token-name", "till").await?;
    browser.click(".admin-form button[type='submit']").await?;
    let token = browser
        .wait_for_text("[data-testid='new-token']", 10, |t| t.len() >= 16)
        .await?;
    browser.click("a[href='/staff/users']").await?;
    browser.type_into("#user-email", BAKER).await?;
    browser.type_into("#user-password", BAKER_PASSWORD).await?;
    browser.click(".admin-form button[type='submit']").await?;
    browser
        .wait_for_text(".admin-table tbody", 10, |t| t.contains(BAKER))
        .await?;

    browser.click("a[href='/staff/audit']").await?;
    browser
        .wait_for_text(".admin-table tbody", 10, |t| t.contains(ADMIN))
        .await?;
    let audit = browser
        .wait_for(".admin-table tbody", 5)
        .await?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    if audit.contains(&token) {
        return Err("the audit log shows a token's secret".to_owned());
    }
    browser.screenshot("10-staff-audit").await?;

    // The actors of the server: every one running, none restarted.
    browser.click("a[href='/staff/actors']").await?;
    browser
        .wait_for_text("[data-testid='actors'] tbody", 10, |t| {
            t.contains("order_store") && t.contains("running") && !t.contains("restarting")
        })
        .await?;
    browser.screenshot("14-staff-actors").await?;
    browser.open(server, "/staff").await?;
    Ok(())
}

/// How many elements match `css` right now.
async fn count(browser: &Browser, css: &str) -> Result<usize> {
    browser
        .client
        .find_all(fantoccini::Locator::Css(css))
        .await
        .map(|found| found.len())
        .map_err(|e| format!("finding `{css}`: {e}"))
}

/// A baker (added by the admin on the staff page) runs the board and stock, and sees nothing
/// of what only admins may do.
async fn baker_sees_less(browser: &Browser) -> Result<()> {
    browser.type_into("#staff-email", BAKER).await?;
    browser.type_into("#staff-password", BAKER_PASSWORD).await?;
    browser.click("#staff-sign-in").await?;
    browser
        .wait_for_text("[data-testid='staff-who']", 10, |t| t.contains("Baker"))
        .await?;
    browser.wait_for("[data-testid='board']", 10).await?;
    if count(browser, "a[href='/staff/users']").await? != 0 {
        return Err("a baker is shown the staff accounts link".to_owned());
    }
    browser.click("#nav-catalog").await?;
    browser.wait_for("#stock-amount-1", 10).await?;
    if count(browser, "#edit-1, #toggle-1, #new-product-toggle").await? != 0 {
        return Err("a baker is shown the catalog's admin tools".to_owned());
    }
    browser.click("#staff-sign-out").await?;
    browser.wait_for("#staff-email", 10).await?;
    Ok(())
}

async fn board_walk(server: &Server, browser: &Browser) -> Result<()> {
    server
        .cli(
            &["user", "add", "--role", "admin", ADMIN],
            &format!("{PASSWORD}\n"),
        )
        .await?;
    sign_in(server, browser).await?;
    browser
        .wait_for_text("[data-testid='board-live']", 10, |t| t.starts_with("Live"))
        .await?;

    // A pickup order appears on its own (live), gets ready, and is picked up.
    let pickup = order_over_http(browser, 2, "Ada Lovelace").await?;
    browser
        .wait_for(&card("ready", pickup, "ready"), 30)
        .await?;
    browser.click(&format!("#complete-{pickup}")).await?;
    browser
        .wait_for(&card("done", pickup, "completed"), 10)
        .await?;

    // A delivery order placed in the shop: ready → out for delivery → delivered.
    let delivery = delivery_checkout(server, browser).await?;
    browser.open(server, "/staff").await?;
    browser
        .wait_for(&card("ready", delivery, "ready"), 30)
        .await?;
    browser.click(&format!("#dispatch-{delivery}")).await?;
    browser
        .wait_for(&card("out_for_delivery", delivery, "out_for_delivery"), 10)
        .await?;

    // One more order waiting at the counter, for a board with something in each column.
    let waiting = order_over_http(browser, 4, "Alan Turing").await?;
    browser
        .wait_for(&card("ready", waiting, "ready"), 30)
        .await?;
    browser.screenshot("7-staff-board").await?;
    let docs_png = repo_root().join("docs").join("staff-board.png");
    if !docs_png.exists() || std::env::var_os("BAKERY_DOCS_SCREENSHOT").is_some() {
        let _ = std::fs::create_dir_all(repo_root().join("docs"));
        let _ = std::fs::copy(screenshot_dir().join("7-staff-board.png"), &docs_png);
    }

    browser.click(&format!("#deliver-{delivery}")).await?;
    browser
        .wait_for(&card("done", delivery, "delivered"), 10)
        .await?;

    back_office(server, browser).await?;

    // The customer's page says so too.
    browser.open(server, &format!("/orders/{delivery}")).await?;
    browser
        .wait_for("#order-status[data-status='delivered']", 15)
        .await?;

    // At phone width the board is one column, still usable.
    browser
        .client
        .set_window_size(390, 844)
        .await
        .map_err(|e| e.to_string())?;
    browser.open(server, "/staff").await?;
    browser
        .wait_for(&format!("#complete-{waiting}"), 15)
        .await?;
    browser.screenshot("8-staff-board-phone").await?;

    // Sign-out brings the sign-in form back.
    browser.click("#staff-sign-out").await?;
    browser.wait_for("#staff-email", 10).await?;

    baker_sees_less(browser).await?;

    // Expected refusals (the signed-out look-up and the wrong password) are the only errors.
    browser
        .no_console_errors_but(|e| e.contains("401") && e.contains("/api/staff/"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_run_the_order_board_through_pickup_and_delivery() {
    run_walk(&[], "staff-failure", board_walk).await;
}
