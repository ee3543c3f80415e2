//! `GET /api/products`: the seed's catalog with stock, ETag and 304.

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, spawn_app};

async fn lists_the_seed_catalog_with_stock(backend: Backend) {
    let app = spawn_app(backend).await;
    let products = app.products().await;
    assert!(
        products.len() >= 8,
        "at least the seed's four and four more"
    );
    let expect = [
        (1, "Chocolate Cake", 29.99),
        (2, "Sourdough Bread", 8.99),
        (3, "Blueberry Muffin", 3.99),
        (4, "Croissant", 4.50),
    ];
    for (id, name, price) in expect {
        let p = products.iter().find(|p| p.id == id).unwrap();
        assert_eq!(p.name, name);
        assert_eq!(p.price, price);
        assert!(p.stock >= 100);
    }
    assert_eq!(
        products[0].description,
        "Rich chocolate layer cake with ganache"
    );
    assert_eq!(products[0].image_url, "chocolate_cake.jpg");
}
on_both_databases!(lists_the_seed_catalog_with_stock);

async fn answers_304_to_a_matching_etag_and_sees_stock_changes(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app
        .client
        .get(app.url("/api/products"))
        .send()
        .await
        .unwrap();
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/api/products"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    // An order changes stock; the catalog follows shortly and the ETag changes with it.
    let id = app.place(&bakery_test_support::seed_order()).await;
    app.wait_for_status(id, &["ready"], std::time::Duration::from_secs(10))
        .await;
    let refreshed = || async {
        let res = app
            .client
            .get(app.url("/api/products"))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        res.status().as_u16() == 200
    };
    let within = std::time::Duration::from_secs(5);
    bakery_test_support::wait_until(within, "a new catalog", refreshed).await;
    assert_eq!(app.products().await[0].stock, 298);
}
on_both_databases!(answers_304_to_a_matching_etag_and_sees_stock_changes);
