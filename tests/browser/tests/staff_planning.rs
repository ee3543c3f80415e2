//! The bakery's planning in headless Chromium, against the real server: on the order board an
//! admin makes the kitchen busy (+30 min; the earliest slot moves), pauses online orders (an
//! order is refused) and resumes them, and opens tomorrow's production sheet; on the calendar
//! page a mistake is caught next to its day, the server's refusal next to its field with the
//! input kept, and a weekday's hours and a closed date are saved and read back after a reload.
//! A baker then sees the switches and reads the calendar without a way to change it.

use std::time::{Duration, Instant};

use bakery_browser_tests::{Browser, Server, run_walk};
use fantoccini::Locator;

type Result<T> = std::result::Result<T, String>;

const ADMIN: &str = "owner@example.com";
const PASSWORD: &str = "secret-password";
const BAKER: &str = "baker@example.com";
const BAKER_PASSWORD: &str = "flour-and-water-42";
/// A date far enough ahead for any day the test runs.
const CLOSED: &str = "2030-12-25";

/// Runs `fetch` in the page (same origin, the staff cookie) and returns `[status, body]`.
async fn fetch(browser: &Browser, method: &str, url: &str, body: &str) -> Result<(i64, String)> {
    let script = r#"
        const [method, url, body, done] = arguments;
        const init = {method, headers: {'Content-Type': 'application/json'}};
        if (body) init.body = body;
        fetch(url, init).then(async r => done([r.status, await r.text()]), e => done([0, String(e)]));
    "#;
    let answer = browser
        .client
        .execute_async(script, vec![method.into(), url.into(), body.into()])
        .await
        .map_err(|e| format!("{method} {url}: {e}"))?;
    let status = answer[0].as_i64().unwrap_or_default();
    let text = answer[1].as_str().unwrap_or_default().to_owned();
    Ok((status, text))
}

/// The start of the earliest pickup slot (`GET /api/slots/next`).
async fn next_slot(browser: &Browser) -> Result<String> {
    let (status, body) = fetch(browser, "GET", "/api/slots/next", "").await?;
    let json: serde_json::Value =
        serde_json::from_str(&body).map_err(|e| format!("slots/next {status} {body}: {e}"))?;
    json["start"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("slots/next answered {status} {body}"))
}

/// Minutes from `a` to `b` (RFC 3339), as the browser reads them.
async fn minutes_between(browser: &Browser, a: &str, b: &str) -> Result<i64> {
    let value = browser
        .client
        .execute(
            "return Math.round((Date.parse(arguments[1]) - Date.parse(arguments[0])) / 60000);",
            vec![a.into(), b.into()],
        )
        .await
        .map_err(|e| e.to_string())?;
    value
        .as_i64()
        .ok_or_else(|| format!("{a} → {b} is not a duration"))
}

/// A pickup order over HTTP; returns the status and the answer's `code`.
async fn order(browser: &Browser) -> Result<(i64, String)> {
    let body = serde_json::json!({
        "customer_name": "Ada Lovelace",
        "customer_email": "ada@example.com",
        "items": [{"product_id": 2, "quantity": 1}],
    });
    let (status, text) = fetch(browser, "POST", "/api/orders", &body.to_string()).await?;
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    Ok((status, json["code"].as_str().unwrap_or_default().to_owned()))
}

/// Waits until an input's value satisfies `check`.
async fn wait_for_value(
    browser: &Browser,
    css: &str,
    secs: u64,
    check: impl Fn(&str) -> bool,
) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = browser.client.find(Locator::Css(css)).await {
            last = element
                .prop("value")
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            if check(&last) {
                return Ok(last);
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(format!("`{css}` still holds {last:?} after {secs} s"))
}

async fn count(browser: &Browser, css: &str) -> Result<usize> {
    browser
        .client
        .find_all(Locator::Css(css))
        .await
        .map(|found| found.len())
        .map_err(|e| format!("finding `{css}`: {e}"))
}

async fn sign_in(browser: &Browser, email: &str, password: &str) -> Result<()> {
    browser.type_into("#staff-email", email).await?;
    browser.type_into("#staff-password", password).await?;
    browser.click("#staff-sign-in").await?;
    browser.wait_for("[data-testid='board']", 10).await?;
    Ok(())
}

/// Busy +30, pause, resume, not busy: each one click, each shown on the board.
async fn switches(browser: &Browser) -> Result<()> {
    let busy = "[data-testid='switch-busy']";
    let pause = "[data-testid='switch-pause']";
    browser
        .wait_for_text(busy, 10, |t| t.starts_with("Not busy"))
        .await?;
    browser
        .wait_for_text(pause, 10, |t| t == "Taking online orders.")
        .await?;
    let before = next_slot(browser).await?;
    browser.click("#switch-busy-30").await?;
    browser
        .wait_for_text(busy, 10, |t| t == "Busy: +30 min")
        .await?;
    browser
        .wait_for_text("[data-testid='switch-said']", 5, |t| t.contains("+30"))
        .await?;
    let after = next_slot(browser).await?;
    let moved = minutes_between(browser, &before, &after).await?;
    if moved < 30 {
        return Err(format!(
            "busy +30 moved the earliest slot by {moved} min ({before} → {after})"
        ));
    }
    browser.screenshot("16-staff-board-busy").await?;

    browser.click("#switch-pause-30").await?;
    browser
        .wait_for_text(pause, 10, |t| t.starts_with("Online orders paused until "))
        .await?;
    // Busy stays as it was: each click changes one switch.
    browser
        .wait_for_text(busy, 5, |t| t == "Busy: +30 min")
        .await?;
    let (status, code) = order(browser).await?;
    if (status, code.as_str()) != (409, "paused") {
        return Err(format!(
            "a paused shop answered an order with {status} {code:?}"
        ));
    }
    browser.screenshot("17-staff-board-paused").await?;

    browser.click("#switch-resume").await?;
    browser
        .wait_for_text(pause, 10, |t| t == "Taking online orders.")
        .await?;
    let (status, code) = order(browser).await?;
    if status != 201 {
        return Err(format!("after resuming, an order got {status} {code:?}"));
    }
    browser.click("#switch-busy-clear").await?;
    browser
        .wait_for_text(busy, 10, |t| t.starts_with("Not busy"))
        .await?;

    // Until closing: the default calendar is open all day, so until midnight.
    browser.click("#switch-pause-closing").await?;
    browser
        .wait_for_text(pause, 10, |t| t.ends_with(" 00:00"))
        .await?;
    browser.click("#switch-resume").await?;
    browser
        .wait_for_text(pause, 10, |t| t == "Taking online orders.")
        .await?;

    // A time typed by hand: the pause shows it.
    browser.type_into("#switch-until", "23:59").await?;
    browser.click("#switch-pause-until").await?;
    browser
        .wait_for_text(pause, 10, |t| t.ends_with("23:59"))
        .await?;
    browser.click("#switch-resume").await?;
    browser
        .wait_for_text(pause, 10, |t| t == "Taking online orders.")
        .await?;
    Ok(())
}

/// The board's link opens tomorrow's production sheet.
async fn tomorrow(browser: &Browser) -> Result<()> {
    browser.click("[data-testid='board-tomorrow']").await?;
    let title = browser
        .wait_for_text("#page-title", 10, |t| t.starts_with("To bake for "))
        .await?;
    let (_, today) = fetch(browser, "GET", "/api/admin/production?date=today", "").await?;
    let today: serde_json::Value = serde_json::from_str(&today).unwrap_or_default();
    let today = today["date"].as_str().unwrap_or_default().to_owned();
    if today.is_empty() || title.contains(&today) {
        return Err(format!(
            "the board's sheet is {title:?}, today is {today:?}"
        ));
    }
    // The sheet's own buttons change the day too.
    browser
        .click(".production-sheet a[href='/staff/production?date=today']")
        .await?;
    browser
        .wait_for_text("#page-title", 10, |t| t.contains(&today))
        .await?;
    browser.click("#nav-board").await?;
    browser.wait_for("[data-testid='board']", 10).await?;
    Ok(())
}

/// The admin edits the calendar: a mistake, a refusal, then hours and a closed date saved.
async fn calendar(server: &Server, browser: &Browser) -> Result<()> {
    browser.click("#nav-calendar").await?;
    wait_for_value(browser, "#cal-hours-mon", 10, |v| v == "00:00-24:00").await?;

    // Caught in the page, next to its day.
    browser.type_into("#cal-hours-tue", "9-5").await?;
    browser.click("#calendar-save").await?;
    browser
        .wait_for_text("#cal-hours-tue-error", 5, |t| t.starts_with("Tuesday: "))
        .await?;
    browser
        .wait_for("#cal-hours-tue[aria-invalid='true']", 5)
        .await?;

    // Refused by the server, shown next to the field it names; the input stays.
    browser.type_into("#cal-hours-tue", "00:00-24:00").await?;
    browser.type_into("#cal-time_zone", "Mars/Olympus").await?;
    browser.click("#calendar-save").await?;
    browser
        .wait_for_text("#cal-time_zone-error", 10, |t| {
            t.starts_with("Time zone must be an IANA time zone")
        })
        .await?;
    if count(browser, "#cal-hours-tue[aria-invalid='true']").await? != 0 {
        return Err("Tuesday is still marked wrong after it was fixed".to_owned());
    }
    wait_for_value(browser, "#cal-time_zone", 2, |v| v == "Mars/Olympus").await?;
    wait_for_value(browser, "#cal-hours-tue", 2, |v| v == "00:00-24:00").await?;
    browser.screenshot("18-staff-calendar-refused").await?;

    browser.type_into("#cal-time_zone", "Europe/Paris").await?;
    browser
        .type_into("#cal-hours-wed", "13:00-17:30, 08:00-12:00")
        .await?;
    browser.type_into("#cal-slot_orders", "12").await?;
    browser.type_into("#cal-closed_dates", CLOSED).await?;
    browser.click("#calendar-save").await?;
    browser
        .wait_for_text("[data-testid='calendar-saved']", 10, |t| {
            t.starts_with("Saved")
        })
        .await?;
    if count(browser, ".calendar-form [aria-invalid='true']").await? != 0 {
        return Err("a field is still marked wrong after saving".to_owned());
    }

    // Stored: a reload shows it, and the API holds it in the calendar's own words.
    browser.open(server, "/staff/calendar").await?;
    wait_for_value(browser, "#cal-hours-wed", 10, |v| {
        v == "08:00-12:00, 13:00-17:30"
    })
    .await?;
    wait_for_value(browser, "#cal-closed_dates", 2, |v| v == CLOSED).await?;
    wait_for_value(browser, "#cal-time_zone", 2, |v| v == "Europe/Paris").await?;
    wait_for_value(browser, "#cal-slot_orders", 2, |v| v == "12").await?;
    wait_for_value(browser, "#cal-delivery_hours-wed", 2, |v| {
        v == "00:00-24:00"
    })
    .await?;
    let (_, stored) = fetch(browser, "GET", "/api/admin/calendar", "").await?;
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap_or_default();
    if stored["hours"] != "mon-tue 00:00-24:00; wed 08:00-12:00,13:00-17:30; thu-sun 00:00-24:00"
        || stored["closed_dates"] != CLOSED
    {
        return Err(format!("the stored calendar is {stored}"));
    }
    browser.screenshot("19-staff-calendar").await?;
    Ok(())
}

/// A baker runs the switches and reads the calendar, without a way to change it.
async fn baker(browser: &Browser) -> Result<()> {
    browser.click("#staff-sign-out").await?;
    browser.wait_for("#staff-email", 10).await?;
    sign_in(browser, BAKER, BAKER_PASSWORD).await?;
    browser
        .wait_for_text("[data-testid='switch-busy']", 10, |t| {
            t.starts_with("Not busy")
        })
        .await?;
    browser.click("#switch-busy-15").await?;
    browser
        .wait_for_text("[data-testid='switch-busy']", 10, |t| t == "Busy: +15 min")
        .await?;
    browser.click("#nav-calendar").await?;
    wait_for_value(browser, "#cal-hours-wed", 10, |v| {
        v == "08:00-12:00, 13:00-17:30"
    })
    .await?;
    if count(browser, "#calendar-save").await? != 0 {
        return Err("a baker is offered to save the calendar".to_owned());
    }
    browser.wait_for("#cal-hours-wed[readonly]", 2).await?;
    Ok(())
}

async fn planning_walk(server: &Server, browser: &Browser) -> Result<()> {
    server
        .cli(
            &["user", "add", "--role", "admin", ADMIN],
            &format!("{PASSWORD}\n"),
        )
        .await?;
    server
        .cli(
            &["user", "add", "--role", "baker", BAKER],
            &format!("{BAKER_PASSWORD}\n"),
        )
        .await?;
    browser.open(server, "/staff").await?;
    browser.wait_for("#staff-email", 30).await?;
    sign_in(browser, ADMIN, PASSWORD).await?;
    switches(browser).await?;
    tomorrow(browser).await?;
    calendar(server, browser).await?;
    baker(browser).await?;
    // The expected refusals (the paused order, the bad time zone) are the only errors.
    browser
        .no_console_errors_but(|e| {
            (e.contains("/api/orders") && e.contains("409"))
                || (e.contains("/api/admin/calendar") && e.contains("400"))
                || (e.contains("401") && e.contains("/api/staff/"))
        })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_plan_the_calendar_and_switch_busy_and_pause_from_the_board() {
    run_walk(&[], "staff-planning-failure", planning_walk).await;
}
