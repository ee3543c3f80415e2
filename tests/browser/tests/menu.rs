//! The menu's categories, allergens, labels and filter in headless Chromium, in a shop that sells
//! in euros the German way: products come under their categories' headings in the shop's order,
//! the filter hides what it should (and stays in the address and across visits, emptied
//! headings going with it), prices read `29,99 €`, allergens show again in the cart and on
//! the order's page, a product's card says when the kitchen makes it, and each card's picture
//! has its box reserved and a size for each screen.

use bakery_browser_tests::{Browser, Server, run_walk_with_env};
use fantoccini::Locator;

type Result<T> = std::result::Result<T, String>;

/// The ids of the products the menu shows, in order.
async fn shown(browser: &Browser) -> Result<Vec<i64>> {
    let cards = browser
        .client
        .find_all(Locator::Css("[data-testid='product-grid'] > li"))
        .await
        .map_err(|e| e.to_string())?;
    let mut ids = Vec::new();
    for card in cards {
        let testid = card.attr("data-testid").await.map_err(|e| e.to_string())?;
        let id = testid
            .as_deref()
            .and_then(|t| t.strip_prefix("product-"))
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("a card named {testid:?}"))?;
        ids.push(id);
    }
    Ok(ids)
}

/// Waits until the menu's headings and their products are exactly `want`.
async fn wait_for_groups(browser: &Browser, want: &[(&str, &[i64])], what: &str) -> Result<()> {
    let want: Vec<(String, Vec<i64>)> = want
        .iter()
        .map(|(name, ids)| ((*name).to_owned(), ids.to_vec()))
        .collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut last = Vec::new();
    while std::time::Instant::now() < deadline {
        last = browser.menu_groups().await.unwrap_or_default();
        if last == want {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!(
        "{what}: the menu's groups are {last:?}, not {want:?}"
    ))
}

/// The sample catalog as the menu groups it.
const SAMPLE_GROUPS: [(&str, &[i64]); 4] = [
    ("Cakes", &[1, 9]),
    ("Breads", &[2, 6]),
    ("Pastries", &[4, 5, 7, 8]),
    ("Muffins & Biscuits", &[3, 10]),
];

/// Waits until the menu shows exactly `want`.
async fn wait_for_menu(browser: &Browser, want: &[i64], what: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut last = Vec::new();
    while std::time::Instant::now() < deadline {
        last = shown(browser).await.unwrap_or_default();
        if last == want {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("{what}: the menu shows {last:?}, not {want:?}"))
}

async fn address(browser: &Browser) -> Result<String> {
    let url = browser
        .client
        .current_url()
        .await
        .map_err(|e| e.to_string())?;
    Ok(format!(
        "{}{}",
        url.path(),
        url.query().map(|q| format!("?{q}")).unwrap_or_default()
    ))
}

/// Text with no-break spaces read as spaces.
fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

async fn menu_walk(server: &Server, browser: &Browser) -> Result<()> {
    browser.open(server, "/").await?;
    browser
        .wait_for("[data-testid='product-1'] [data-testid='allergens']", 30)
        .await?;
    // Grouped under their categories' headings, in the shop's order.
    wait_for_groups(browser, &SAMPLE_GROUPS, "unfiltered").await?;
    let everything: Vec<i64> = SAMPLE_GROUPS
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    wait_for_menu(browser, &everything, "unfiltered").await?;

    // Each card's picture has its box reserved (width and height) and a size for each screen;
    // the first ones load at once, the rest as they scroll near; each one loads.
    for id in everything.iter().copied() {
        let css = format!("[data-testid='product-{id}'] img.product-photo");
        let photo = browser.wait_for(&css, 5).await?;
        let attr = |name: &'static str| {
            let photo = photo.clone();
            async move {
                photo
                    .attr(name)
                    .await
                    .map_err(|e| e.to_string())
                    .map(Option::unwrap_or_default)
            }
        };
        let (width, height, srcset, sizes) = (
            attr("width").await?,
            attr("height").await?,
            attr("srcset").await?,
            attr("sizes").await?,
        );
        if (width.as_str(), height.as_str()) != ("960", "720")
            || srcset.matches("w,").count() != 2
            || sizes.is_empty()
        {
            return Err(format!(
                "product {id}'s picture: {width}×{height}, srcset {srcset:?}, sizes {sizes:?}"
            ));
        }
        let loading = attr("loading").await?;
        // The top of the menu: the first group's first three.
        let first = SAMPLE_GROUPS[0].1.iter().take(3).any(|&top| top == id);
        if first != (loading == "eager") {
            return Err(format!("product {id}'s picture loads {loading:?}"));
        }
    }
    let script = "const img = document.querySelector(\"[data-testid='product-1'] img\"); \
                  return img.complete && img.naturalWidth > 0;";
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while browser
        .client
        .execute(script, vec![])
        .await
        .map_err(|e| e.to_string())?
        != serde_json::json!(true)
    {
        if std::time::Instant::now() > deadline {
            return Err("the cake's picture did not load".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // Prices the shop's way; allergens and labels written out beside their icons.
    let price = browser
        .wait_for_text("[data-testid='product-1'] [data-testid='price']", 5, |t| {
            !t.is_empty()
        })
        .await?;
    if plain(&price) != "29,99 €" {
        return Err(format!("the cake costs {price:?}, not 29,99 €"));
    }
    let contains = browser
        .wait_for_text(
            "[data-testid='product-1'] [data-testid='allergens']",
            5,
            |t| !t.is_empty(),
        )
        .await?;
    for word in ["Gluten", "Eggs", "Soy", "Milk"] {
        if !contains.contains(word) {
            return Err(format!("the cake's allergens {contains:?} lack {word}"));
        }
    }
    browser
        .wait_for_text(
            "[data-testid='product-1'] [data-testid='may-contain']",
            5,
            |t| t.contains("Tree nuts"),
        )
        .await?;
    browser
        .wait_for_text(
            "[data-testid='product-2'] [data-testid='dietary']",
            5,
            |t| t.contains("Vegan"),
        )
        .await?;

    // Hide what contains or may contain nuts: only the breads are left.
    browser.click("[data-testid='menu-filter'] summary").await?;
    browser.click("label[for='avoid-nuts']").await?;
    wait_for_menu(browser, &[2, 6], "without nuts").await?;
    // Only the breads' heading is left.
    wait_for_groups(browser, &[("Breads", &[2, 6])], "without nuts").await?;
    browser
        .wait_for_text("[data-testid='filter-count']", 5, |t| {
            t == "Showing 2 of 10 products."
        })
        .await?;
    if address(browser).await? != "/?avoid=nuts" {
        return Err(format!(
            "the filter is not in the address: {}",
            address(browser).await?
        ));
    }
    browser.screenshot("menu-without-nuts").await?;

    // Without milk, vegetarian only: the biscotti join the breads.
    browser.click("label[for='avoid-nuts']").await?;
    browser.click("label[for='avoid-milk']").await?;
    browser.click("label[for='only-vegetarian']").await?;
    wait_for_menu(browser, &[2, 6, 10], "no milk, vegetarian").await?;
    wait_for_groups(
        browser,
        &[("Breads", &[2, 6]), ("Muffins & Biscuits", &[10])],
        "no milk, vegetarian",
    )
    .await?;
    // Vegan and nut-free too: nothing is both vegan and free of a peanut trace but the breads.
    browser.click("label[for='only-vegan']").await?;
    wait_for_menu(browser, &[2, 6], "vegan without milk").await?;

    // A shared link carries the filter; a visit to the menu without one keeps the last filter.
    browser.open(server, "/?only=dairy_free").await?;
    wait_for_menu(browser, &[2, 6, 10], "a link to dairy-free").await?;
    let checked = browser
        .wait_for("#only-dairy_free", 5)
        .await?
        .prop("checked")
        .await
        .map_err(|e| e.to_string())?;
    if checked.as_deref() != Some("true") {
        return Err(format!("the dairy-free box is not ticked: {checked:?}"));
    }
    // A fresh visit without a filter in the address: the server's page shows everything, and
    // the wasm applies the filter remembered here once it has hydrated the page.
    browser.open(server, "/").await?;
    wait_for_menu(browser, &[2, 6, 10], "a fresh visit").await?;
    browser.open(server, "/cart").await?;
    browser.click("a.brand").await?;
    wait_for_menu(browser, &[2, 6, 10], "back on the menu").await?;
    browser.click("#clear-filter").await?;
    wait_for_menu(browser, &everything, "cleared").await?;
    wait_for_groups(browser, &SAMPLE_GROUPS, "cleared").await?;
    if address(browser).await? != "/" {
        return Err(format!(
            "a cleared filter stays in the address: {}",
            address(browser).await?
        ));
    }

    // The cart and the order's page say the allergens again.
    browser.click("#add-2").await?;
    browser
        .wait_for_text("[data-testid='cart-count']", 5, |t| t == "1")
        .await?;
    browser.click("#nav-cart").await?;
    let note = browser
        .wait_for_text(
            "[data-testid='cart-line-2'] [data-testid='allergen-note']",
            10,
            |t| !t.is_empty(),
        )
        .await?;
    if !note.contains("Contains gluten. May contain sesame.") {
        return Err(format!("the cart's allergen note reads {note:?}"));
    }
    let total = browser
        .wait_for_text("[data-testid='cart-total']", 5, |t| !t.is_empty())
        .await?;
    if plain(&total) != "8,99 €" {
        return Err(format!("the cart's total reads {total:?}"));
    }
    browser
        .check_out(server, "Ada Baker", "ada@example.com")
        .await?;
    browser
        .wait_for_text("[data-testid='allergen-note']", 15, |t| {
            t.contains("Contains gluten")
        })
        .await?;
    let total = browser
        .wait_for_text("[data-testid='order-total']", 5, |t| !t.is_empty())
        .await?;
    if plain(&total) != "8,99 €" {
        return Err(format!("the order's total reads {total:?}"));
    }
    browser.screenshot("menu-order-allergens").await?;
    when_it_is_made(server, browser).await?;
    browser.no_console_errors_but(|_| false).await
}

const ADMIN: &str = "menu-admin@example.com";
const PASSWORD: &str = "a-long-enough-password-1";

/// An admin sets when the cake is made; its card says so, and a card without such rules says
/// nothing of it.
async fn when_it_is_made(server: &Server, browser: &Browser) -> Result<()> {
    server
        .cli(
            &["user", "add", "--role", "admin", ADMIN],
            &format!("{PASSWORD}\n"),
        )
        .await?;
    let change = serde_json::json!({"lead_time_minutes": 2880, "made_on": "fri-sun",
        "max_per_day": 20, "available_until": "2099-12-24"});
    let status = browser
        .change_product_as(ADMIN, PASSWORD, 1, change)
        .await?;
    if status != 200 {
        return Err(format!("setting when the cake is made got {status}"));
    }
    let mut text = String::new();
    for _ in 0..10 {
        browser.open(server, "/").await?;
        if let Ok(found) = browser
            .wait_for_text("[data-testid='product-1'] [data-testid='making']", 3, |t| {
                t.contains("48 h")
            })
            .await
        {
            text = found;
            break;
        }
    }
    for part in [
        "Order 48 h ahead",
        "Made Fri\u{2013}Sun",
        "Up to 20 a day",
        "Until ",
        "24 December",
    ] {
        if !text.contains(part) {
            return Err(format!("the cake's card says {text:?}, without {part:?}"));
        }
    }
    let bread_notes = browser
        .client
        .find_all(Locator::Css(
            "[data-testid='product-2'] [data-testid='making']",
        ))
        .await
        .map_err(|e| e.to_string())?;
    if !bread_notes.is_empty() {
        return Err("the bread's card speaks of when it is made".to_owned());
    }
    browser.screenshot("menu-when-it-is-made").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_filter_hides_what_it_should_and_allergens_follow_the_order() {
    let env = [
        ("BAKERY_SHOP_CURRENCY", "EUR"),
        ("BAKERY_SHOP_LOCALE", "de-DE"),
    ];
    run_walk_with_env(&[], &env, "menu-failure", menu_walk).await;
}
