//! The admin's notifications page in headless Chromium, against the real server: an endpoint is
//! added (its secret shown once), an order's notification to it waits as pending (nothing answers
//! at the documentation address 192.0.2.1) and shows in the deliveries table, and the endpoint is
//! removed.

use std::time::{Duration, Instant};

use bakery_browser_tests::{Browser, Server, run_walk};
use fantoccini::Locator;

type Result<T> = std::result::Result<T, String>;

const ADMIN: &str = "owner@example.com";
const PASSWORD: &str = "secret-password";
/// A documentation address (TEST-NET-1, not a private one the server refuses): nothing answers
/// there, so every delivery to it fails and is retried.
const HOOK: &str = "http://192.0.2.1:9/hook";

/// Places a pickup order over HTTP from inside the page (same origin); returns its number.
async fn order_over_http(browser: &Browser) -> Result<i64> {
    let script = r#"
        const [done] = arguments;
        fetch('/api/orders', {
            method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({
                customer_name: 'Ada Lovelace',
                customer_email: 'ada@example.com',
                items: [{product_id: 2, quantity: 1}],
            }),
        }).then(r => r.json()).then(j => done(j.order_id || 0), () => done(0));
    "#;
    let id = browser
        .client
        .execute_async(script, vec![])
        .await
        .map_err(|e| format!("placing an order: {e}"))?;
    id.as_i64()
        .filter(|id| *id > 0)
        .ok_or_else(|| format!("the order was refused: {id}"))
}

async fn notifications_walk(server: &Server, browser: &Browser) -> Result<()> {
    server
        .cli(
            &["user", "add", "--role", "admin", ADMIN],
            &format!("{PASSWORD}\n"),
        )
        .await?;
    browser.open(server, "/staff").await?;
    browser.type_into("#staff-email", ADMIN).await?;
    browser.type_into("#staff-password", PASSWORD).await?;
    browser.click("#staff-sign-in").await?;
    browser.click("a[href='/staff/notifications']").await?;
    browser
        .wait_for_text("[data-testid='deliveries'] tbody", 10, |t| {
            t.contains("Nothing sent yet")
        })
        .await?;

    // No address is caught before the server is asked; without a secret the server makes one.
    browser.click("#add-webhook").await?;
    browser
        .wait_for_text(".admin-form .field-error", 5, |t| t.contains("address"))
        .await?;
    browser.type_into("#webhook-url", HOOK).await?;
    browser.click("#add-webhook").await?;
    browser
        .wait_for_text("[data-testid='new-webhook-secret']", 10, |t| t.len() >= 16)
        .await?;
    let row = browser
        .wait_for("[data-testid='webhooks'] tr[data-webhook-id]", 10)
        .await?;
    let listed = row.text().await.map_err(|e| e.to_string())?;
    if !listed.contains(HOOK) {
        return Err(format!("the new endpoint is listed as {listed:?}"));
    }
    let id = row
        .attr("data-webhook-id")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the endpoint's row has no id")?;

    // An order's notification to it waits for a receiver that does not answer, and the
    // deliveries table says so.
    let order = order_over_http(browser).await?;
    let failing = "[data-testid='deliveries'] tr[data-status='pending']";
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        browser.click("#refresh-deliveries").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Ok(found) = browser.client.find(Locator::Css(failing)).await {
            let text = found.text().await.map_err(|e| e.to_string())?;
            if text.contains(&format!("#{order}")) && text.contains(HOOK) {
                break;
            }
        }
        if Instant::now() > deadline {
            return Err("no pending delivery to the endpoint was listed".to_owned());
        }
    }
    browser
        .client
        .execute(
            "document.querySelector(\"[data-testid='deliveries']\").scrollIntoView()",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    browser.screenshot("13-staff-notifications").await?;
    // Back up, so the sticky header does not cover the endpoint's button.
    browser
        .client
        .execute("window.scrollTo(0, 0)", vec![])
        .await
        .map_err(|e| e.to_string())?;

    // Removing it asks first.
    browser.click(&format!("#remove-webhook-{id}")).await?;
    browser
        .client
        .accept_alert()
        .await
        .map_err(|e| format!("accepting the confirm: {e}"))?;
    browser
        .wait_for_text("[data-testid='webhooks'] tbody", 10, |t| {
            t.contains("No endpoints yet")
        })
        .await?;

    browser
        .no_console_errors_but(|e| e.contains("401") && e.contains("/api/staff/"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_adds_lists_and_removes_a_webhook_endpoint() {
    run_walk(&[], "notifications-failure", notifications_walk).await;
}
