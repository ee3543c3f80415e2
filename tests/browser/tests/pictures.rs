//! Product pictures managed on the staff catalog page in headless Chromium: an admin picks a
//! photo for the sourdough (its thumbnail and then the customer's menu show the new picture), a
//! file that is no picture is refused next to the product, and removing the picture leaves the
//! menu's plain tile in the same reserved box.

use bakery_browser_tests::{Browser, Server, repo_root, run_walk};
use fantoccini::Locator;

type Result<T> = std::result::Result<T, String>;

const ADMIN: &str = "owner@example.com";
const PASSWORD: &str = "secret-password";

/// The `src` of the first element matching `css`, or `None` when there is none.
async fn src_of(browser: &Browser, css: &str) -> Result<Option<String>> {
    let value = browser
        .client
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute('src') : null;",
            vec![css.into()],
        )
        .await
        .map_err(|e| e.to_string())?;
    Ok(value.as_str().map(str::to_owned))
}

/// Waits until `css`'s `src` satisfies `check`.
async fn wait_for_src(
    browser: &Browser,
    css: &str,
    what: &str,
    check: impl Fn(Option<&str>) -> bool,
) -> Result<Option<String>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut last = None;
    while std::time::Instant::now() < deadline {
        last = src_of(browser, css).await?;
        if check(last.as_deref()) {
            return Ok(last);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Err(format!("{what}: `{css}` shows {last:?}"))
}

/// Picks the file at `path` in the file input `css`.
async fn pick_file(browser: &Browser, css: &str, path: &std::path::Path) -> Result<()> {
    let input = browser.wait_for(css, 10).await?;
    input
        .send_keys(&path.display().to_string())
        .await
        .map_err(|e| e.to_string())
}

async fn pictures_walk(server: &Server, browser: &Browser) -> Result<()> {
    browser
        .sign_in_new_admin(server, "/staff/catalog", ADMIN, PASSWORD)
        .await?;

    // The sourdough shows its sample picture; the admin picks a photo of their own.
    let thumb = "[data-product-id='2'] img.admin-thumb";
    let sample = wait_for_src(browser, thumb, "the sample picture", |s| s.is_some())
        .await?
        .unwrap_or_default();
    let photo = repo_root().join("migration/pictures/croissant-960.jpg");
    pick_file(browser, "#picture-2", &photo).await?;
    let mine = wait_for_src(browser, thumb, "the new picture", |s| {
        s.is_some_and(|s| s != sample && s.ends_with("-320.jpg"))
    })
    .await?
    .unwrap_or_default();

    // Something that is no picture is refused, said next to the product.
    let not_a_picture = repo_root().join("Cargo.toml");
    pick_file(browser, "#picture-2", &not_a_picture).await?;
    browser
        .wait_for_text("[data-product-id='2'] .field-error", 10, |t| {
            t.contains("JPEG, PNG or WebP")
        })
        .await?;
    browser
        .client
        .execute(
            "document.querySelector(\"[data-product-id='2']\").scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    browser.screenshot("pictures-staff").await?;

    // The menu shows the new picture, in every size.
    browser.open(server, "/").await?;
    let card = "[data-testid='product-2'] img.product-photo";
    let hash = mine
        .rsplit('/')
        .next()
        .and_then(|f| f.split('-').next())
        .unwrap_or_default()
        .to_owned();
    wait_for_src(browser, card, "the menu's picture", |s| {
        s.is_some_and(|s| s.contains(&hash))
    })
    .await?;

    // Removed: the menu's card keeps its box with the plain tile.
    browser.open(server, "/staff/catalog").await?;
    browser.wait_for("#remove-picture-2", 30).await?;
    browser
        .client
        .execute(
            "document.querySelector('#remove-picture-2').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .map_err(|e| e.to_string())?;
    browser.click("#remove-picture-2").await?;
    wait_for_src(browser, thumb, "the removed picture", |s| s.is_none()).await?;
    browser.open(server, "/").await?;
    browser
        .wait_for("[data-testid='product-2'] .product-art.placeholder", 10)
        .await?;
    let photos = browser
        .client
        .find_all(Locator::Css("[data-testid='product-2'] img"))
        .await
        .map_err(|e| e.to_string())?;
    if !photos.is_empty() {
        return Err("the sourdough's card still shows a picture".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_give_products_pictures_and_the_menu_shows_them() {
    run_walk(&[], "pictures-failure", pictures_walk).await;
}
