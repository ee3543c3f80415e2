//! A cake's options and inscription in headless Chromium: the customer picks the 8″ size and a
//! flavour on the menu card (the card's price follows), types an inscription (the count of
//! characters follows), orders, and sees the choices and the text in the cart, at checkout and
//! on the order's page; an admin replaces a cake's options on the staff catalog page and the
//! menu offers the new ones.

use bakery_browser_tests::{Browser, Server, run_walk};
use fantoccini::Locator;

type Result<T> = std::result::Result<T, String>;

/// Picks the choice `value` of the drop-down `css`.
async fn pick(browser: &Browser, css: &str, value: &str) -> Result<()> {
    browser
        .wait_for(css, 10)
        .await?
        .select_by_value(value)
        .await
        .map_err(|e| format!("picking {value} in {css}: {e}"))
}

async fn options_walk(server: &Server, browser: &Browser) -> Result<()> {
    browser.open(server, "/").await?;
    browser
        .wait_for_text("[data-testid='product-1'] [data-testid='price']", 10, |t| {
            t == "$29.99"
        })
        .await?;
    pick(browser, "#option-1-size", "8in").await?;
    pick(browser, "#option-1-flavour", "salted-caramel").await?;
    browser
        .wait_for_text("[data-testid='product-1'] [data-testid='price']", 5, |t| {
            t == "$40.49"
        })
        .await?;
    browser
        .type_into("#inscription-1", "Happy 5th, Léa!")
        .await?;
    browser
        .wait_for_text("#inscription-count-1", 5, |t| t == "15 / 40 characters")
        .await?;
    browser.screenshot("options-01-picked").await?;
    browser.click("#add-1").await?;
    browser
        .wait_for_text("[data-testid='cart-count']", 5, |t| t == "1")
        .await?;
    // A plain cake is a line of its own.
    browser.open(server, "/").await?;
    browser
        .wait_for("#add-1:not([disabled])", 10)
        .await?
        .click()
        .await
        .map_err(|e| e.to_string())?;
    browser
        .wait_for_text("[data-testid='cart-count']", 5, |t| t == "2")
        .await?;

    browser.open(server, "/cart").await?;
    let details = browser
        .wait_for_text("[data-testid='line-options']", 10, |t| !t.is_empty())
        .await?;
    if details != "8″ (serves 10–12) · Salted caramel · “Happy 5th, Léa!”" {
        return Err(format!("the cart line says {details:?}"));
    }
    let lines = browser
        .client
        .find_all(Locator::Css("[data-testid='cart-lines'] > li"))
        .await
        .map_err(|e| e.to_string())?;
    if lines.len() != 2 {
        return Err(format!("{} cart lines, not 2", lines.len()));
    }
    browser
        .wait_for_text("#cart-total", 5, |t| t == "$70.48")
        .await?;

    browser
        .check_out(server, "Léa Martin", "lea@example.com")
        .await?;
    browser
        .wait_for("#order-status[data-status='pending']", 10)
        .await?;
    let shown = browser
        .wait_for_text("[data-testid='line-options']", 10, |t| !t.is_empty())
        .await?;
    if !shown.contains("8″ (serves 10–12)") || !shown.contains("“Happy 5th, Léa!”") {
        return Err(format!("the order page says {shown:?}"));
    }
    browser.screenshot("options-02-order").await?;
    browser.no_console_errors_but(|_| false).await?;
    admin_walk(server, browser).await
}

/// An admin gives the carrot cake a single "Tiers" group on the staff catalog page.
async fn admin_walk(server: &Server, browser: &Browser) -> Result<()> {
    const ADMIN: &str = "owner@example.com";
    const PASSWORD: &str = "secret-password";
    server
        .cli(
            &["user", "add", "--role", "admin", ADMIN],
            &format!("{PASSWORD}\n"),
        )
        .await?;
    browser.open(server, "/staff/catalog").await?;
    browser.wait_for("#staff-email", 30).await?;
    browser.type_into("#staff-email", ADMIN).await?;
    browser.type_into("#staff-password", PASSWORD).await?;
    browser.click("#staff-sign-in").await?;
    browser.click("#edit-9").await?;
    // The carrot cake's groups go, and one "Tiers" group comes with two choices, filled in as an
    // admin would (adding a choice redraws the group: what was typed stays).
    for _ in 0..10 {
        if browser
            .client
            .find(Locator::Css("#remove-group-9-0"))
            .await
            .is_err()
        {
            break;
        }
        browser.click("#remove-group-9-0").await?;
    }
    browser.click("#add-group-9").await?;
    browser.type_into("#option-group-9-0-name", "Tiers").await?;
    browser.click("#option-group-9-0-required").await?;
    browser
        .type_into("#option-choice-9-0-0-name", "One tier")
        .await?;
    browser.click("#option-choice-9-0-0-default").await?;
    browser.click("#add-choice-9-0").await?;
    browser
        .type_into("#option-choice-9-0-1-name", "Two tiers")
        .await?;
    browser
        .type_into("#option-choice-9-0-1-price", "+20")
        .await?;
    browser.type_into("#inscription-max-9", "").await?;
    browser.screenshot("options-03-editor").await?;
    browser.click("#save-options-9").await?;
    // The shop's page is drawn from the catalog as it is when it is asked for: wait until the
    // save has reached it.
    let mut saved = false;
    for _ in 0..50 {
        let menu = browser
            .client
            .execute(
                "const r = new XMLHttpRequest(); r.open('GET', '/api/products', false); \
                 r.send(); return r.responseText;",
                vec![],
            )
            .await
            .map_err(|e| e.to_string())?;
        if menu.as_str().is_some_and(|m| m.contains("\"tiers\"")) {
            saved = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if !saved {
        return Err("the carrot cake's new options never reached the menu".to_owned());
    }
    browser.open(server, "/").await?;
    browser.wait_for("#option-9-tiers", 10).await?;
    pick(browser, "#option-9-tiers", "two-tiers").await?;
    browser
        .wait_for_text("[data-testid='product-9'] [data-testid='price']", 5, |t| {
            t == "$44.99"
        })
        .await?;
    if browser
        .client
        .find(Locator::Css("#inscription-9"))
        .await
        .is_ok()
    {
        return Err("the carrot cake still offers an inscription".to_owned());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_orders_a_cake_with_a_size_and_an_inscription() {
    run_walk(&["serve"], "options-failure", options_walk).await;
}
