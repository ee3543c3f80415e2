//! The menu's allergens, "may contain" and dietary labels: the sample catalog's true values, an
//! admin's changes through the admin API reaching `GET /api/products` (and its ETag), names
//! outside the vocabularies refused naming the field; the seed's shapes unchanged; and
//! `GET /api/shop` with the shop's currency and locale.

use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, seed_order, spawn_app, spawn_app_with};
use bakery_wire::{Allergen, Dietary};

/// A bearer token of a new admin, made in the database as `bakery user` would.
async fn admin_token(app: &TestApp) -> String {
    app.admin_bearer("menu test").await
}

async fn admin(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    app.staff_call(token, method, path, Some(body)).await
}

/// The catalog as raw JSON (to see exactly which fields it has) and its ETag.
async fn raw_catalog(app: &TestApp) -> (Vec<Value>, String) {
    let res = app
        .client
        .get(app.url("/api/products"))
        .send()
        .await
        .unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    (res.json().await.unwrap(), etag)
}

async fn the_sample_catalog_declares_its_allergens_and_labels(backend: Backend) {
    let app = spawn_app(backend).await;
    let products = app.products().await;
    let by_id = |id: i64| products.iter().find(|p| p.id == id).unwrap();
    let cake = by_id(1);
    assert_eq!(
        cake.allergens,
        [
            Allergen::Gluten,
            Allergen::Eggs,
            Allergen::Soybeans,
            Allergen::Milk
        ]
    );
    assert_eq!(cake.may_contain, [Allergen::Nuts]);
    assert_eq!(cake.dietary, [Dietary::Vegetarian]);
    let bread = by_id(2);
    assert_eq!(bread.allergens, [Allergen::Gluten]);
    assert!(bread.dietary.contains(&Dietary::Vegan), "{bread:?}");
    assert!(
        by_id(9).allergens.contains(&Allergen::Nuts),
        "walnuts in the carrot cake"
    );
    assert!(
        by_id(10).allergens.contains(&Allergen::Nuts),
        "almonds in the biscotti"
    );
    // Every product declares something, and the seed's fields are all still there, unchanged.
    let (raw, _) = raw_catalog(&app).await;
    for p in &raw {
        assert!(!p["allergens"].as_array().unwrap().is_empty(), "{p}");
        for field in ["id", "name", "description", "price", "image_url", "stock"] {
            assert!(p.get(field).is_some(), "{field} in {p}");
        }
    }
    assert_eq!(
        raw[0]["allergens"],
        json!(["gluten", "eggs", "soybeans", "milk"])
    );
    assert_eq!(raw[0]["price"], json!(29.99));
    assert_eq!(raw[0]["image_url"], "chocolate_cake.jpg");
    // The seed's order body still places an order, and its page names the product's id.
    let id = app.place(&seed_order()).await;
    let view = app.order(id).await;
    assert_eq!((view.items[0].product_id, view.items[0].quantity), (1, 2));
}
on_both_databases!(the_sample_catalog_declares_its_allergens_and_labels);

async fn admins_edit_allergens_and_labels_and_the_menu_follows(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = admin_token(&app).await;
    let (_, etag) = raw_catalog(&app).await;
    let (status, scone) = admin(
        &app,
        &token,
        Method::POST,
        "/api/admin/products",
        json!({"name": "Cheese Scone", "price": 3.25, "stock": 12,
               "allergens": ["milk", "gluten", "mustard", "milk"],
               "may_contain": ["eggs"], "dietary": ["vegetarian"]}),
    )
    .await;
    assert_eq!(status, 201, "{scone}");
    // Sorted in the vocabulary's order, repeats once.
    assert_eq!(scone["allergens"], json!(["gluten", "milk", "mustard"]));
    assert_eq!(scone["may_contain"], json!(["eggs"]));
    assert_eq!(scone["dietary"], json!(["vegetarian"]));
    let id = scone["id"].as_i64().unwrap();
    // A product added without them declares none.
    let (status, plain) = admin(
        &app,
        &token,
        Method::POST,
        "/api/admin/products",
        json!({"name": "Plain Roll", "price": 1.0}),
    )
    .await;
    assert_eq!((status, &plain["allergens"]), (201, &json!([])), "{plain}");

    // A patch replaces the lists it names and keeps the others.
    let (status, changed) = admin(
        &app,
        &token,
        Method::PATCH,
        &format!("/api/admin/products/{id}"),
        json!({"may_contain": [], "dietary": ["vegetarian", "nut_free"]}),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["allergens"], json!(["gluten", "milk", "mustard"]));
    assert_eq!(changed["may_contain"], json!([]));
    assert_eq!(changed["dietary"], json!(["vegetarian", "nut_free"]));
    let (status, listed) = admin(
        &app,
        &token,
        Method::GET,
        "/api/admin/products",
        Value::Null,
    )
    .await;
    assert_eq!(status, 200);
    let listed = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(listed["dietary"], changed["dietary"]);

    // The public catalog follows, with a new ETag.
    let within = std::time::Duration::from_secs(5);
    bakery_test_support::wait_until(within, "the catalog to follow", || async {
        let (raw, now) = raw_catalog(&app).await;
        now != etag
            && raw.iter().any(|p| {
                p["id"] == id
                    && p["dietary"] == json!(["vegetarian", "nut_free"])
                    && p["may_contain"] == json!([])
            })
    })
    .await;
    let scone = app
        .products()
        .await
        .into_iter()
        .find(|p| p.id == id)
        .unwrap();
    assert_eq!(
        scone.allergens,
        [Allergen::Gluten, Allergen::Milk, Allergen::Mustard]
    );
    // A product's other changes leave its labels alone.
    let (_, renamed) = admin(
        &app,
        &token,
        Method::PATCH,
        &format!("/api/admin/products/{id}"),
        json!({"name": "Cheddar Scone"}),
    )
    .await;
    assert_eq!(renamed["allergens"], json!(["gluten", "milk", "mustard"]));
}
on_both_databases!(admins_edit_allergens_and_labels_and_the_menu_follows);

async fn names_outside_the_vocabularies_are_refused_naming_the_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = admin_token(&app).await;
    let cases = [
        (json!({"allergens": ["gluten", "truffle"]}), "allergens[1]"),
        (json!({"may_contain": ["Milk"]}), "may_contain[0]"),
        (json!({"dietary": ["vegan", "gluten-free"]}), "dietary[1]"),
        (json!({"dietary": ["nuts"]}), "dietary[0]"),
    ];
    for (body, field) in cases {
        let (status, error) = admin(
            &app,
            &token,
            Method::PATCH,
            "/api/admin/products/1",
            body.clone(),
        )
        .await;
        assert_eq!(status, 400, "{body} → {error}");
        assert_eq!(error["code"], "validation_failed", "{error}");
        assert_eq!(error["details"][0]["field"], field, "{error}");
        let mut new = json!({"name": "Odd Bun", "price": 1.5});
        new.as_object_mut()
            .unwrap()
            .extend(body.as_object().unwrap().clone());
        let (status, error) = admin(&app, &token, Method::POST, "/api/admin/products", new).await;
        assert_eq!(
            (status, &error["details"][0]["field"]),
            (400, &json!(field)),
            "{error}"
        );
    }
    // Not a list of names at all: 400, never a 5xx.
    let (status, error) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/1",
        json!({"allergens": "gluten"}),
    )
    .await;
    assert_eq!(status, 400, "{error}");
    // Nothing changed.
    let cake = app
        .products()
        .await
        .into_iter()
        .find(|p| p.id == 1)
        .unwrap();
    assert_eq!(cake.may_contain, [Allergen::Nuts]);
}
on_both_databases!(names_outside_the_vocabularies_are_refused_naming_the_field);

async fn the_shop_tells_its_currency_and_locale(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, shop) = app.get_json("/api/shop").await;
    assert_eq!(status, 200);
    assert_eq!(
        shop,
        json!({"name": "The Bakery", "currency": "USD", "locale": "en-US"})
    );
    drop(app);
    let app = spawn_app_with(backend, |s| {
        s.shop.name = "Bäckerei Zoë".into();
        s.shop.currency = bakery_wire::money::Currency::EUR;
        s.shop.locale = bakery_wire::money::Locale::DeDe;
    })
    .await;
    let (_, shop) = app.get_json("/api/shop").await;
    assert_eq!(
        shop,
        json!({"name": "Bäckerei Zoë", "currency": "EUR", "locale": "de-DE"})
    );
    // Prices stay two-decimal numbers whatever the currency.
    assert_eq!(app.products().await[0].price, 29.99);
}
on_both_databases!(the_shop_tells_its_currency_and_locale);
