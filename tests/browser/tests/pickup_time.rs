//! A customer chooses when to pick up, in headless Chromium against the real server: with the
//! keyboard a later slot of tomorrow, placed and shown on the confirmation and the order page in
//! the bakery's local time (Asia/Kolkata, not the browser's UTC) also after a live update; a full
//! slot and a closed day shown as unavailable with the reason; a time refused at checkout offers
//! the next free one, taken with one click and the cart kept; a lead time explained in the cart.

use std::time::{SystemTime, UNIX_EPOCH};

use bakery_browser_tests::{Browser, Server, run_walk_with_env};
use fantoccini::key::Key;

type Result<T> = std::result::Result<T, String>;

const ADMIN: &str = "owner@example.com";
const PASSWORD: &str = "secret-password";

/// The bakery's (Asia/Kolkata, UTC+05:30) date `days` from today, `YYYY-MM-DD`.
fn kolkata_date(days: i64) -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let z = (secs + 19_800).div_euclid(86_400) + days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

async fn script(browser: &Browser, js: &str) -> Result<serde_json::Value> {
    browser
        .client
        .execute(js, vec![])
        .await
        .map_err(|e| format!("script {js:?}: {e}"))
}

/// Presses `key` `times` times on whatever has the focus (as a person at the keyboard does).
async fn press(browser: &Browser, key: Key, times: usize) -> Result<()> {
    for _ in 0..times {
        browser
            .client
            .active_element()
            .await
            .map_err(|e| format!("the focused element: {e}"))?
            .send_keys(&String::from(char::from(key)))
            .await
            .map_err(|e| format!("a key: {e}"))?;
    }
    Ok(())
}

async fn is_checked(browser: &Browser, css: &str) -> Result<bool> {
    browser
        .wait_for(css, 10)
        .await?
        .is_selected()
        .await
        .map_err(|e| format!("checked `{css}`: {e}"))
}

/// Adds the first product that can be had and goes to checkout with the customer's details.
async fn to_checkout(server: &Server, browser: &Browser, in_cart: &str) -> Result<()> {
    browser.open(server, "/").await?;
    browser
        .click(".product-card button[id^='add-']:not([disabled])")
        .await?;
    browser
        .wait_for_text("[data-testid='cart-count']", 5, |t| t == in_cart)
        .await?;
    browser.open(server, "/checkout").await?;
    browser.type_into("#customer-name", "Mira Patel").await?;
    browser
        .type_into("#customer-email", "mira@example.com")
        .await
}

/// Picks "at a time I choose" with the keyboard and the day `date` in the day list.
async fn choose_day(browser: &Browser, date: &str) -> Result<()> {
    if !is_checked(browser, "#when-choose").await? {
        browser.click("#when-soonest").await?;
        press(browser, Key::Down, 1).await?;
    }
    if !is_checked(browser, "#when-choose").await? {
        return Err("the arrow key did not move to \"At a time I choose\"".to_owned());
    }
    browser
        .wait_for(&format!("#pickup-day option[value='{date}']"), 10)
        .await?;
    browser
        .wait_for("#pickup-day", 10)
        .await?
        .select_by_value(date)
        .await
        .map_err(|e| format!("choosing {date}: {e}"))?;
    browser
        .wait_for(
            &format!("label[data-start^='{date}T'], [data-testid='day-reason']"),
            10,
        )
        .await?;
    Ok(())
}

/// Posts an order for the slot starting at `start` from the page (as another customer would).
async fn take_slot(browser: &Browser, product_id: i64, start: &str) -> Result<()> {
    let js = r#"
        const [productId, start, done] = arguments;
        fetch('/api/orders', {
            method: 'POST',
            headers: {'Content-Type': 'application/json'},
            body: JSON.stringify({customer_name: 'Early Bird', customer_email: 'early@example.com',
                items: [{product_id: productId, quantity: 1}], pickup_at: start}),
        }).then(r => done(r.status), () => done(0));
    "#;
    let status = browser
        .client
        .execute_async(js, vec![product_id.into(), start.into()])
        .await
        .map_err(|e| format!("taking {start}: {e}"))?;
    if status != 201 {
        return Err(format!("the other customer's order got {status}"));
    }
    Ok(())
}

async fn cart_product(browser: &Browser) -> Result<i64> {
    script(
        browser,
        "return JSON.parse(localStorage.getItem('bakery.cart')).lines[0].product_id;",
    )
    .await?
    .as_i64()
    .ok_or_else(|| "no product in the cart".to_owned())
}

async fn pickup_walk(server: &Server, browser: &Browser) -> Result<()> {
    let (tomorrow, closed) = (kolkata_date(1), kolkata_date(2));

    // "As soon as possible" is the default and names the earliest slot.
    to_checkout(server, browser, "1").await?;
    if !is_checked(browser, "#when-soonest").await? {
        return Err("\"As soon as possible\" is not the default".to_owned());
    }
    browser
        .wait_for_text("[data-testid='soonest-time']", 10, |t| {
            t.starts_with("The earliest time for your order:")
        })
        .await?;

    // Keyboard: "At a time I choose", tomorrow, then down the slots to 10:00.
    choose_day(browser, &tomorrow).await?;
    browser
        .wait_for_text("[data-testid='when-status']", 10, |t| {
            t.ends_with(": 24 times to choose from.")
        })
        .await?;
    browser.click("#slot-0").await?;
    press(browser, Key::Down, 10).await?;
    if !is_checked(browser, "#slot-10").await? || is_checked(browser, "#slot-0").await? {
        return Err("the arrow keys did not move the choice to 10:00".to_owned());
    }
    let chosen = browser
        .wait_for("#slot-10", 5)
        .await?
        .attr("value")
        .await
        .map_err(|e| e.to_string())?
        .unwrap_or_default();
    if !chosen.starts_with(&format!("{tomorrow}T10:00:00+05:30")) {
        return Err(format!("slot 10 starts at {chosen}"));
    }
    browser.screenshot("pickup-01-slot-chosen").await?;
    let product_id = cart_product(browser).await?;
    browser.click("#place-order").await?;

    // The confirmation and the order page say 10:00 local, and still do after a live update.
    let when = browser
        .wait_for_text("[data-testid='confirmation-when']", 10, |t| !t.is_empty())
        .await?;
    if !when.starts_with("Ready for pickup") || !when.contains(", 10:00") {
        return Err(format!("the confirmation says {when:?}"));
    }
    let slot = browser
        .wait_for_text("[data-testid='pickup-slot']", 10, |t| !t.is_empty())
        .await?;
    if !slot.contains("10:00–11:00") {
        return Err(format!("the order page says {slot:?}"));
    }
    browser
        .wait_for("#order-status[data-status='scheduled']", 20)
        .await?;
    browser
        .wait_for_text("[data-testid='live-note']", 10, |t| t.starts_with("Live"))
        .await?;
    let slot = browser
        .wait_for_text("[data-testid='pickup-slot']", 5, |t| !t.is_empty())
        .await?;
    if !slot.contains("10:00–11:00") {
        return Err(format!(
            "after the live update the order page says {slot:?}"
        ));
    }
    browser.screenshot("pickup-02-order-page").await?;

    // The next customer: 10:00 tomorrow is full, disabled with its reason; the closed day says so.
    to_checkout(server, browser, "1").await?;
    choose_day(browser, &tomorrow).await?;
    let full = browser
        .wait_for_text(&format!("label[data-start^='{tomorrow}T10:00']"), 10, |t| {
            t.contains("fully booked")
        })
        .await?;
    if !full.starts_with("10:00–11:00") {
        return Err(format!("the full slot reads {full:?}"));
    }
    let enabled = browser
        .wait_for("#slot-10", 5)
        .await?
        .is_enabled()
        .await
        .map_err(|e| e.to_string())?;
    if enabled {
        return Err("a full slot can still be chosen".to_owned());
    }
    browser.screenshot("pickup-03-full-slot").await?;
    // Delivery has windows of its own (15 minutes, no limit): 10:00 is free there.
    browser.click("#fulfillment-delivery").await?;
    browser
        .wait_for_text("#slot-list legend", 10, |t| {
            t.starts_with("Delivery windows on")
        })
        .await?;
    browser
        .wait_for(
            &format!("label[data-start='{tomorrow}T10:00:00+05:30'][data-state='open']"),
            10,
        )
        .await?;
    browser.click("#fulfillment-pickup").await?;
    browser
        .wait_for_text("#slot-list legend", 10, |t| {
            t.starts_with("Pickup times on")
        })
        .await?;
    choose_day(browser, &closed).await?;
    browser
        .wait_for_text("[data-testid='day-reason']", 10, |t| {
            t == "The bakery is closed that day."
        })
        .await?;
    browser
        .wait_for_text("[data-testid='when-status']", 10, |t| {
            t.ends_with("The bakery is closed that day.")
        })
        .await?;

    // A time taken by someone else meanwhile: refused, explained, the next free one in one click.
    choose_day(browser, &tomorrow).await?;
    browser.click("#slot-11").await?;
    let eleven = format!("{tomorrow}T11:00:00+05:30");
    take_slot(browser, product_id, &eleven).await?;
    browser.click("#place-order").await?;
    let refusal = browser
        .wait_for_text("[data-testid='slot-refused']", 10, |t| !t.is_empty())
        .await?;
    if !refusal.contains("fully booked") || !refusal.contains("Your cart is kept") {
        return Err(format!("the refusal says {refusal:?}"));
    }
    browser
        .wait_for_text("[data-testid='cart-count']", 5, |t| t == "1")
        .await?;
    let offer = browser
        .wait_for_text("#take-next-slot", 5, |t| t.starts_with("Order for "))
        .await?;
    browser.screenshot("pickup-04-refused").await?;
    let offered = offer
        .trim_start_matches("Order for ")
        .trim_end_matches(" instead")
        .to_owned();
    browser.click("#take-next-slot").await?;
    let when = browser
        .wait_for_text("[data-testid='confirmation-when']", 10, |t| !t.is_empty())
        .await?;
    if !when.contains(&offered) {
        return Err(format!(
            "offered {offered:?}, the confirmation says {when:?}"
        ));
    }

    // A lead time set by staff is explained in the cart.
    server
        .cli(
            &["user", "add", "--role", "admin", ADMIN],
            &format!("{PASSWORD}\n"),
        )
        .await?;
    let change = serde_json::json!({"lead_time_minutes": 2880});
    let status = browser
        .change_product_as(ADMIN, PASSWORD, product_id, change)
        .await?;
    if status != 200 {
        return Err(format!("setting a lead time got {status}"));
    }
    browser.open(server, "/").await?;
    browser
        .click(&format!("#add-{product_id}:not([disabled])"))
        .await?;
    let mut note = String::new();
    for _ in 0..10 {
        browser.open(server, "/cart").await?;
        if let Ok(text) = browser
            .wait_for_text("[data-testid='lead-times']", 3, |t| t.contains("earliest"))
            .await
        {
            note = text;
            break;
        }
    }
    if !note.contains(": order 48 h ahead — earliest ") {
        return Err(format!("the cart's lead times read {note:?}"));
    }
    browser.screenshot("pickup-05-lead-time").await?;

    // The refused order's 409 is the only console error.
    browser
        .no_console_errors_but(|e| e.contains("409") && e.contains("/api/orders"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_chooses_a_slot_and_sees_it_in_local_time() {
    let closed = kolkata_date(2);
    let env = [
        ("BAKERY_CALENDAR_TIME_ZONE", "Asia/Kolkata"),
        ("BAKERY_CALENDAR_SLOT_MINUTES", "60"),
        ("BAKERY_CALENDAR_SLOT_ORDERS", "1"),
        ("BAKERY_CALENDAR_CLOSED_DATES", closed.as_str()),
    ];
    run_walk_with_env(&[], &env, "pickup-failure", pickup_walk).await;
}
