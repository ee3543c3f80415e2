//! A customer's walk through the storefront in headless Chromium, against the real server:
//! add two products, fix a bad e-mail, check out, and watch the order become ready.

use std::time::{Duration, Instant};

use bakery_browser_tests::{Browser, Server, repo_root, run_walk};
use fantoccini::Locator;
use fantoccini::elements::Element;

type Result<T> = std::result::Result<T, String>;

async fn wait_for(browser: &Browser, css: &str, secs: u64) -> Result<Element> {
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(secs))
        .for_element(Locator::Css(css))
        .await
        .map_err(|e| format!("waiting for `{css}`: {e}"))
}

async fn text_of(browser: &Browser, css: &str) -> Result<String> {
    let element = wait_for(browser, css, 10).await?;
    element
        .text()
        .await
        .map_err(|e| format!("text of `{css}`: {e}"))
}

/// Polls until the element's text satisfies `check`, returning the last text read.
async fn wait_for_text(
    browser: &Browser,
    css: &str,
    secs: u64,
    check: impl Fn(&str) -> bool,
) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = browser.client.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if check(&last) {
                return Ok(last);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("`{css}` still reads {last:?} after {secs} s"))
}

async fn click(browser: &Browser, css: &str) -> Result<()> {
    wait_for(browser, css, 10)
        .await?
        .click()
        .await
        .map_err(|e| format!("click `{css}`: {e}"))
}

async fn type_into(browser: &Browser, css: &str, text: &str) -> Result<()> {
    let input = wait_for(browser, css, 10).await?;
    input
        .clear()
        .await
        .map_err(|e| format!("clear `{css}`: {e}"))?;
    input
        .send_keys(text)
        .await
        .map_err(|e| format!("type into `{css}`: {e}"))
}

/// Forgets the orders this browser placed or looked up (as another browser would know none).
async fn forget_orders(browser: &Browser) -> Result<()> {
    browser
        .client
        .execute("localStorage.removeItem('bakery.orders');", vec![])
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn customer_walk(server: &Server, browser: &Browser) -> Result<()> {
    // The menu: add two different products.
    browser.open_url(&server.url).await?;
    wait_for(
        browser,
        ".product-card button[id^='add-']:not([disabled])",
        30,
    )
    .await?;
    let buttons = browser
        .client
        .find_all(Locator::Css(
            ".product-card button[id^='add-']:not([disabled])",
        ))
        .await
        .map_err(|e| e.to_string())?;
    if buttons.len() < 2 {
        return Err(format!(
            "expected at least two products in stock, found {}",
            buttons.len()
        ));
    }
    for button in &buttons[..2] {
        button.click().await.map_err(|e| e.to_string())?;
    }
    wait_for_text(browser, "[data-testid='cart-count']", 5, |t| t == "2").await?;
    browser.screenshot("1-catalog").await?;
    // The README's picture: written when missing, or refreshed on request, so ordinary test
    // runs leave the tracked file alone.
    let docs_png = repo_root().join("docs").join("storefront.png");
    if !docs_png.exists() || std::env::var_os("BAKERY_DOCS_SCREENSHOT").is_some() {
        let _ = std::fs::create_dir_all(repo_root().join("docs"));
        let _ = std::fs::copy(
            bakery_browser_tests::screenshot_dir().join("1-catalog.png"),
            &docs_png,
        );
    }

    // The cart: two lines; one more of the first.
    click(browser, "#nav-cart").await?;
    wait_for(browser, "[data-testid='cart-lines'] li:nth-child(2)", 10).await?;
    click(
        browser,
        "[data-testid='cart-lines'] li:first-child button[id^='inc-']",
    )
    .await?;
    wait_for_text(browser, "[data-testid='cart-count']", 5, |t| t == "3").await?;
    let cart_total = text_of(browser, "[data-testid='cart-total']").await?;
    browser.screenshot("2-cart").await?;

    // Checkout: a bad e-mail is caught next to its field, and nothing is ordered.
    click(browser, "#to-checkout").await?;
    type_into(browser, "#customer-name", "Ada Baker").await?;
    type_into(browser, "#customer-email", "ada@example").await?;
    click(browser, "#place-order").await?;
    let email_error =
        wait_for_text(browser, "[data-testid='email-error']", 5, |t| !t.is_empty()).await?;
    if !email_error.contains("valid e-mail") {
        return Err(format!("unexpected e-mail error {email_error:?}"));
    }
    let invalid = wait_for(browser, "#customer-email", 5)
        .await?
        .attr("aria-invalid")
        .await
        .map_err(|e| e.to_string())?;
    if invalid.as_deref() != Some("true") {
        return Err(format!(
            "the e-mail field is not marked invalid: {invalid:?}"
        ));
    }
    let url = browser
        .client
        .current_url()
        .await
        .map_err(|e| e.to_string())?;
    if url.path() != "/checkout" {
        return Err(format!("a bad e-mail left the checkout page for {url}"));
    }
    let checkout_total = text_of(browser, "[data-testid='checkout-total']").await?;
    if checkout_total != cart_total {
        return Err(format!(
            "checkout total {checkout_total} differs from the cart's {cart_total}"
        ));
    }
    browser.screenshot("3-checkout-bad-email").await?;

    // Fixed: the order goes through and the confirmation shows its number.
    type_into(browser, "#customer-email", "ada@example.com").await?;
    click(browser, "#place-order").await?;
    let number = text_of(browser, "[data-testid='confirmation-order-number']").await?;
    let order_id: i64 = number
        .trim_start_matches('#')
        .parse()
        .map_err(|_| format!("order number {number:?} is not a number"))?;
    let url = browser
        .client
        .current_url()
        .await
        .map_err(|e| e.to_string())?;
    if url.path() != format!("/orders/{order_id}") {
        return Err(format!("after checkout the page is {url}, not the order's"));
    }
    // The page's address is the order's tracking link: it carries the token.
    let token = url
        .query_pairs()
        .find(|(name, _)| name == "t")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    if token.len() != 64 {
        return Err(format!("the order's page {url} carries no tracking token"));
    }
    let tracking_link = url.to_string();
    if text_of(browser, "[data-testid='cart-count']").await? != "0" {
        return Err("the cart was not emptied after the order".to_owned());
    }

    // Live status: pending → processing → ready within the 1 s prep time (plus slack).
    wait_for(browser, "#order-status[data-status='ready']", 30).await?;
    for status in ["pending", "processing", "ready"] {
        wait_for(
            browser,
            &format!("[data-testid='order-history'] li[data-status='{status}']"),
            5,
        )
        .await?;
    }
    let order_total = text_of(browser, "[data-testid='order-total']").await?;
    if order_total != cart_total {
        return Err(format!(
            "order total {order_total} differs from the cart's {cart_total}"
        ));
    }
    browser.screenshot("4-order-ready").await?;

    // Another browser (nothing saved) follows the tracking link: the order in full.
    forget_orders(browser).await?;
    browser.open_url(&tracking_link).await?;
    wait_for(browser, "#order-status[data-status='ready']", 15).await?;
    wait_for_text(browser, "[data-testid='order-placed']", 5, |t| {
        t.ends_with("for Ada Baker")
    })
    .await?;
    // Without the link, the number alone shows what the counter would call out.
    forget_orders(browser).await?;
    browser
        .open_url(&format!("{}/orders/{order_id}", server.url))
        .await?;
    wait_for_text(browser, "[data-testid='order-placed']", 15, |t| {
        t.ends_with("for Ada B.")
    })
    .await?;
    wait_for(browser, "[data-testid='not-yours']", 5).await?;

    // A phone-sized window: look the order up by its number and e-mail.
    browser
        .client
        .set_window_size(390, 844)
        .await
        .map_err(|e| e.to_string())?;
    click(browser, "#nav-orders").await?;
    type_into(browser, "#order-lookup", &order_id.to_string()).await?;
    type_into(browser, "#lookup-email", "Ada@example.com").await?;
    click(browser, "#lookup-submit").await?;
    wait_for(browser, "#order-status[data-status='ready']", 15).await?;
    wait_for_text(browser, "[data-testid='order-placed']", 5, |t| {
        t.ends_with("for Ada Baker")
    })
    .await?;
    browser.screenshot("5-order-phone").await?;

    // A cart saved with an old price is brought up to date, and the customer is told.
    click(browser, "a.brand").await?;
    click(browser, ".product-card button[id^='add-']:not([disabled])").await?;
    wait_for_text(browser, "[data-testid='cart-count']", 5, |t| t == "1").await?;
    browser
        .client
        .execute(
            "const cart = JSON.parse(localStorage.getItem('bakery.cart'));\n\
             cart.lines[0].unit_cents += 100;\n\
             localStorage.setItem('bakery.cart', JSON.stringify(cart));",
            vec![],
        )
        .await
        .map_err(|e| format!("tampering with the saved cart: {e}"))?;
    browser.open_url(&format!("{}/cart", server.url)).await?;
    let notice = wait_for_text(browser, "[data-testid='cart-notices']", 10, |t| {
        t.contains("changed from")
    })
    .await?;
    browser.screenshot("6-cart-price-changed").await?;
    if !notice.contains("The price of") {
        return Err(format!("unexpected notice {notice:?}"));
    }

    browser.no_console_errors_but(|_| false).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_orders_and_watches_it_become_ready() {
    run_walk(&[], "failure", customer_walk).await;
}
