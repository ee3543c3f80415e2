//! `/robots.txt` and `/sitemap.xml` answer as themselves, not with the storefront's HTML.

use bakery_test_support::{Backend, spawn_app};

async fn text_at(app: &bakery_test_support::TestApp, path: &str) -> (u16, String, String) {
    let res = app
        .client
        .get(format!("{}{path}", app.address))
        .header("X-Forwarded-Host", "shop.example")
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    (status, content_type, res.text().await.unwrap())
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn robots_and_sitemap_name_the_shop_and_keep_crawlers_out_of_private_pages() {
    let app = spawn_app(Backend::Sqlite).await;

    let (status, content_type, robots) = text_at(&app, "/robots.txt").await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert!(robots.contains("User-agent: *"), "{robots}");
    for private in ["/staff", "/api/", "/checkout", "/orders"] {
        assert!(
            robots.contains(&format!("Disallow: {private}\n")),
            "{robots}"
        );
    }
    assert!(
        robots.contains("Sitemap: https://shop.example/sitemap.xml"),
        "{robots}"
    );

    let (status, content_type, sitemap) = text_at(&app, "/sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
    assert!(sitemap.starts_with("<?xml"), "{sitemap}");
    assert!(
        sitemap.contains("<loc>https://shop.example/</loc>"),
        "{sitemap}"
    );
    assert!(!sitemap.contains("/staff"), "{sitemap}");
}
