//! The menu's categories managed on the staff catalog page in headless Chromium: an admin adds a
//! category, moves it to the top, renames it, puts a product in it, and deletes another (its
//! products move under "Other"); the customer's menu shows the headings in that order with the
//! right products, "Other" last.

use bakery_browser_tests::{Browser, Server, run_walk};

type Result<T> = std::result::Result<T, String>;

const ADMIN: &str = "owner@example.com";
const PASSWORD: &str = "secret-password";

/// The staff page's categories, top to bottom.
async fn staff_categories(browser: &Browser) -> Result<Vec<String>> {
    let script = r#"
        return Array.from(document.querySelectorAll(
            "[data-testid='category-list'] [data-testid='category-name']"
        )).map(e => e.textContent.trim());
    "#;
    let value = browser
        .client
        .execute(script, vec![])
        .await
        .map_err(|e| e.to_string())?;
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Waits until `read` gives `want`.
async fn wait_for<T: PartialEq + std::fmt::Debug>(
    what: &str,
    want: T,
    mut read: impl AsyncFnMut() -> Result<T>,
) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut last = None;
    while std::time::Instant::now() < deadline {
        match read().await {
            Ok(now) if now == want => return Ok(()),
            Ok(now) => last = Some(now),
            Err(_) => {}
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("{what}: {last:?}, not {want:?}"))
}

/// Clicks `css` once scrolled to the middle of the window (clear of the sticky staff header).
async fn click_centered(browser: &Browser, css: &str) -> Result<()> {
    browser.wait_for(css, 10).await?;
    browser
        .client
        .execute(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            vec![css.into()],
        )
        .await
        .map_err(|e| e.to_string())?;
    browser.click(css).await
}

fn owned(list: &[(&str, &[i64])]) -> Vec<(String, Vec<i64>)> {
    list.iter()
        .map(|(name, ids)| ((*name).to_owned(), ids.to_vec()))
        .collect()
}

async fn categories_walk(server: &Server, browser: &Browser) -> Result<()> {
    browser
        .sign_in_new_admin(server, "/staff/catalog", ADMIN, PASSWORD)
        .await?;
    let sample = ["Cakes", "Breads", "Pastries", "Muffins & Biscuits"];
    wait_for(
        "the sample's categories",
        sample.map(str::to_owned).to_vec(),
        || staff_categories(browser),
    )
    .await?;

    // A new category goes last; "up" four times brings it to the top.
    browser.type_into("#new-category", "Seasonal").await?;
    browser.click("#new-category-save").await?;
    let listed = || staff_categories(browser);
    wait_for(
        "added",
        vec![
            "Cakes".to_owned(),
            "Breads".to_owned(),
            "Pastries".to_owned(),
            "Muffins & Biscuits".to_owned(),
            "Seasonal".to_owned(),
        ],
        listed,
    )
    .await?;
    let seasonal = browser
        .wait_for("[data-testid='category-list'] li:last-child", 5)
        .await?
        .attr("data-category-id")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the new category has no id")?;
    for step in 1..=4 {
        click_centered(browser, &format!("#category-up-{seasonal}")).await?;
        wait_for("moving up", true, || async move {
            let names = staff_categories(browser).await?;
            Ok(names.iter().position(|n| n == "Seasonal") == Some(4 - step))
        })
        .await?;
    }
    // The top one cannot go further up.
    let disabled = browser
        .wait_for(&format!("#category-up-{seasonal}"), 5)
        .await?
        .prop("disabled")
        .await
        .map_err(|e| e.to_string())?;
    if disabled.as_deref() != Some("true") {
        return Err(format!("the first category's up button: {disabled:?}"));
    }

    // Renamed.
    browser
        .click(&format!("#category-rename-{seasonal}"))
        .await?;
    browser
        .type_into(&format!("#category-name-{seasonal}"), "Winter Specials")
        .await?;
    click_centered(
        browser,
        &format!("[data-category-id='{seasonal}'] .admin-form button[type='submit']"),
    )
    .await?;
    wait_for(
        "renamed",
        Some("Winter Specials".to_owned()),
        || async move { Ok(staff_categories(browser).await?.first().cloned()) },
    )
    .await?;

    // The muffin goes into it from its edit form.
    click_centered(browser, "#edit-3").await?;
    browser
        .click(&format!("#category-3 option[value='{seasonal}']"))
        .await?;
    click_centered(
        browser,
        "[data-product-id='3'] .admin-form button[type='submit']",
    )
    .await?;
    if let Err(e) = browser
        .wait_for_text(
            "[data-product-id='3'] [data-testid='product-category']",
            10,
            |t| t == "Winter Specials",
        )
        .await
    {
        let shown = browser
            .wait_for_text("[data-product-id='3'] .field-error", 1, |_| true)
            .await
            .unwrap_or_default();
        return Err(format!("{e}; the row says {shown:?}"));
    }

    // Cakes deleted, after a confirmation that says where its products go.
    let cakes = "[data-testid='category-list'] li:nth-child(2)";
    let cakes_id = browser
        .wait_for(cakes, 5)
        .await?
        .attr("data-category-id")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("Cakes has no id")?;
    click_centered(browser, &format!("#category-delete-{cakes_id}")).await?;
    browser
        .wait_for_text(&format!("{cakes} .confirm"), 5, |t| {
            t.contains("2 products will show under “Other”")
        })
        .await?;
    click_centered(browser, &format!("#category-delete-confirm-{cakes_id}")).await?;
    wait_for(
        "deleted",
        vec![
            "Winter Specials".to_owned(),
            "Breads".to_owned(),
            "Pastries".to_owned(),
            "Muffins & Biscuits".to_owned(),
        ],
        listed,
    )
    .await?;
    browser
        .wait_for_text(
            "[data-product-id='1'] [data-testid='product-category']",
            10,
            |t| t.starts_with("No category"),
        )
        .await?;
    browser.screenshot("categories-staff").await?;

    // The customer's menu: the headings in the new order, "Other" last.
    browser.open(server, "/").await?;
    let want = owned(&[
        ("Winter Specials", &[3]),
        ("Breads", &[2, 6]),
        ("Pastries", &[4, 5, 7, 8]),
        ("Muffins & Biscuits", &[10]),
        ("Other", &[1, 9]),
    ]);
    wait_for("the menu's groups", want, || browser.menu_groups()).await?;
    // Each heading labels its section.
    let label = browser
        .wait_for("[data-testid='menu-group'][data-category='Other']", 5)
        .await?
        .attr("aria-labelledby")
        .await
        .map_err(|e| e.to_string())?;
    if label.as_deref() != Some("group-other") {
        return Err(format!("the Other section is labelled by {label:?}"));
    }
    browser.screenshot("categories-menu").await?;
    // The session check before signing in is the only expected refusal.
    browser
        .no_console_errors_but(|e| e.contains("401") && e.contains("/api/staff/"))
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_order_the_menu_by_category_and_customers_see_it() {
    run_walk(&[], "categories-failure", categories_walk).await;
}
