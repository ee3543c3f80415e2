//! A customer cancels their own order while it is still pending, in headless Chromium. The
//! server runs as `bakery serve` (no order processing), so the order stays pending.

use bakery_browser_tests::{Browser, Server, run_walk};

type Result<T> = std::result::Result<T, String>;

async fn cancel_walk(server: &Server, browser: &Browser) -> Result<()> {
    // Two pickup orders through the shop.
    let mut ids = Vec::new();
    for _ in 0..2 {
        browser.open(server, "/").await?;
        browser
            .click(".product-card button[id^='add-']:not([disabled])")
            .await?;
        browser
            .wait_for_text("[data-testid='cart-count']", 5, |t| t == "1")
            .await?;
        browser
            .check_out(server, "Ada Baker", "ada@example.com")
            .await?;
        let number = browser
            .wait_for_text("[data-testid='confirmation-order-number']", 10, |t| {
                !t.is_empty()
            })
            .await?;
        ids.push(number.trim_start_matches('#').to_owned());
    }

    // The browser knows the second order's token: confirm, and it is cancelled.
    browser
        .wait_for("#order-status[data-status='pending']", 10)
        .await?;
    browser.click("#cancel-order").await?;
    // Changing one's mind keeps the order.
    browser.click("#cancel-keep").await?;
    browser.click("#cancel-order").await?;
    browser.click("#cancel-confirm").await?;
    browser
        .wait_for("#order-status[data-status='cancelled']", 10)
        .await?;
    browser
        .wait_for(
            "[data-testid='order-history'] li[data-status='cancelled']",
            10,
        )
        .await?;
    browser.screenshot("11-order-cancelled").await?;

    // A browser that does not know the first order: no cancel without its token; a look-up by
    // number and e-mail gives it (a wrong e-mail is told apart from nothing), then it cancels.
    browser
        .client
        .execute("localStorage.removeItem('bakery.orders');", vec![])
        .await
        .map_err(|e| e.to_string())?;
    browser.open(server, &format!("/orders/{}", ids[0])).await?;
    browser
        .wait_for("#order-status[data-status='pending']", 10)
        .await?;
    browser.wait_for("[data-testid='not-yours']", 5).await?;
    if browser
        .client
        .find(fantoccini::Locator::Css("#cancel-order"))
        .await
        .is_ok()
    {
        return Err("a stranger is offered the cancel".to_owned());
    }
    browser.open(server, "/orders").await?;
    browser.type_into("#order-lookup", &ids[0]).await?;
    browser
        .type_into("#lookup-email", "someone@example.com")
        .await?;
    browser.click("#lookup-submit").await?;
    let failure = browser
        .wait_for_text("[data-testid='lookup-failure']", 10, |t| !t.is_empty())
        .await?;
    if !failure.contains("no order") {
        return Err(format!("unexpected refusal {failure:?}"));
    }
    browser
        .type_into("#lookup-email", "ada@example.com")
        .await?;
    browser.click("#lookup-submit").await?;
    browser
        .wait_for("#order-status[data-status='pending']", 10)
        .await?;
    browser.click("#cancel-order").await?;
    browser.click("#cancel-confirm").await?;
    browser
        .wait_for("#order-status[data-status='cancelled']", 10)
        .await?;

    // The expected 404 of the wrong e-mail's look-up is the only console error.
    browser
        .no_console_errors_but(|e| e.contains("404") && e.contains("/order-lookup"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_cancels_a_pending_order() {
    run_walk(&["serve"], "cancel-failure", cancel_walk).await;
}
