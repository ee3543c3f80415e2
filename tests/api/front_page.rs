//! The shop's front page `/`: the built page with the current menu rendered in between its
//! `<!--page-->` markers (names, prices, hydration keys, the menu's data for the wasm; filtered
//! by the address's `?avoid=`/`?only=`), an ETag and 304 while
//! the catalog is unchanged, a new page after an admin's change; `/staff…` answered with the
//! staff's page; a page without markers served as it is.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, spawn_app_with, unique_name, wait_until};

/// A stand-in for the built storefront with the shop's and the staff's pages.
fn storefront(shop_page: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique_name("bakery_front"));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("index.html"), shop_page).unwrap();
    std::fs::write(
        dir.join("staff.html"),
        "<!doctype html><title>Staff</title>",
    )
    .unwrap();
    dir
}

const PAGE: &str = "<!doctype html><title>Bakery</title><div id=\"app\"><!--page--><p class=\"boot\">Warming up</p><!--/page--></div><script type=\"module\" src=\"/assets/boot-1.js\"></script>";

/// The status of `GET /` with `If-None-Match: etag`.
async fn status_if_changed(app: &TestApp, etag: &str) -> u16 {
    let res = app.client.get(app.url("/")).header("If-None-Match", etag);
    res.send().await.unwrap().status().as_u16()
}

async fn the_front_page_carries_the_current_menu(backend: Backend) {
    let site = storefront(PAGE);
    let dir = site.clone();
    let app = spawn_app_with(backend, move |s| s.static_dir = dir).await;

    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let html = res.text().await.unwrap();
    assert!(
        html.starts_with("<!doctype html><title>Menu · Bakery</title><div id=\"app\">"),
        "{html}"
    );
    assert!(html.ends_with("</div><script type=\"module\" src=\"/assets/boot-1.js\"></script>"));
    assert!(!html.contains("Warming up"), "{html}");
    for text in [
        "Sourdough Bread",
        "Croissant",
        "data-testid=\"product-2\"",
        "$",
        "id=\"menu-data\"",
    ] {
        assert!(html.contains(text), "{text} missing from {html}");
    }

    // Rendered by the storefront's components, for the wasm to hydrate.
    assert!(html.contains(" data-hk=\"0.0\""), "{html}");
    assert!(html.contains(">Sourdough Bread</h3>"), "{html}");
    // The menu's first picture is fetched before anything else: on a phone it is the largest paint.
    assert_eq!(html.matches("fetchpriority=\"high\"").count(), 1, "{html}");

    // The address's filter applies to the page: breads contain gluten.
    let res = app
        .client
        .get(app.url("/?avoid=gluten"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let filtered_etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(filtered_etag, etag);
    let filtered = res.text().await.unwrap();
    assert!(!filtered.contains(">Sourdough Bread</h3>"), "{filtered}");
    assert!(filtered.contains("Showing "), "{filtered}");
    assert!(
        filtered.contains("id=\"avoid-gluten\" checked"),
        "{filtered}"
    );
    // A query that names no filter is the plain page; nothing in one is an error.
    for query in [
        "?utm_source=x",
        "?avoid=%ZZ&only=%3Cscript%3E",
        "?avoid=&only=,,",
    ] {
        let res = app
            .client
            .get(app.url(&format!("/{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200, "{query}");
        assert_eq!(res.headers()["etag"].to_str().unwrap(), etag, "{query}");
    }

    // Unchanged catalog: 304, and the same page again.
    assert_eq!(status_if_changed(&app, &etag).await, 304);
    let res = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);

    // An admin renames a product: the next page names it, under a new ETag.
    let token = app.admin_bearer("front page test").await;
    let (status, body) = app
        .staff_call(
            &token,
            Method::PATCH,
            "/api/admin/products/2",
            Some(json!({"name": "Country Sourdough"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    wait_until(
        Duration::from_secs(10),
        "the front page shows the new name",
        || async {
            let res = app.client.get(app.url("/")).send().await.unwrap();
            res.text().await.unwrap().contains("Country Sourdough")
        },
    )
    .await;
    let res = app.client.head(app.url("/")).send().await.unwrap();
    assert_ne!(res.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(
        status_if_changed(&app, &etag).await,
        200,
        "an old ETag gets the new page"
    );

    // The staff's pages have their own page; other site routes the shop's.
    for path in ["/staff", "/staff/catalog"] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert!(
            res.text().await.unwrap().contains("<title>Staff</title>"),
            "{path}"
        );
    }
    let res = app.client.get(app.url("/orders/12")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(res.text().await.unwrap().contains("<title>Bakery</title>"));
    let res = app.client.post(app.url("/")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 405);
    let _ = std::fs::remove_dir_all(site);
}

on_both_databases!(the_front_page_carries_the_current_menu);

/// A page built without the markers is served as it is (the wasm fetches the menu).
#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_page_without_markers_is_served_as_built() {
    let page = "<!doctype html><title>Bakery</title><div id=\"app\"></div>";
    let site = storefront(page);
    let dir = site.clone();
    let app = spawn_app_with(Backend::Sqlite, move |s| s.static_dir = dir).await;
    let res = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.text().await.unwrap(), page);
    let _ = std::fs::remove_dir_all(site);
}
