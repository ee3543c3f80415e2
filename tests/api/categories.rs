//! The menu's categories: the sample catalog's (in order, with counts) in `GET /api/categories`
//! and as the additive `category` of `GET /api/products`; admins add, rename, move and remove
//! them and set a product's by id or name, each change audited and followed by the public menu;
//! removing a category leaves its products uncategorised; bad input is a 400, 404 or 409, never a
//! 5xx; and the migrations roll back and forward.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, spawn_app, wait_until};

async fn admin(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.staff_call(token, method, path, body).await
}

/// `GET /api/categories` as (name, position, product_count) triples.
async fn public_categories(app: &TestApp) -> Vec<(String, i64, i64)> {
    let (status, list) = app.get_json("/api/categories").await;
    assert_eq!(status, 200, "{list}");
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["position"].as_i64().unwrap(),
                c["product_count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn triples(list: &[(&str, i64, i64)]) -> Vec<(String, i64, i64)> {
    list.iter()
        .map(|(n, p, c)| ((*n).to_owned(), *p, *c))
        .collect()
}

/// Waits until the public categories are `want`.
async fn wait_for_categories(app: &TestApp, want: &[(&str, i64, i64)], what: &str) {
    let want = triples(want);
    wait_until(Duration::from_secs(5), what, || async {
        public_categories(app).await == want
    })
    .await;
}

/// The category the public catalog gives product `id`.
async fn category_of(app: &TestApp, id: i64) -> Option<String> {
    app.products()
        .await
        .into_iter()
        .find(|p| p.id == id)
        .unwrap()
        .category
}

async fn the_sample_catalog_comes_in_categories(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        public_categories(&app).await,
        triples(&[
            ("Cakes", 1, 2),
            ("Breads", 2, 2),
            ("Pastries", 3, 4),
            ("Muffins & Biscuits", 4, 2),
        ])
    );
    let (status, raw) = app.get_json("/api/products").await;
    assert_eq!(status, 200);
    let raw = raw.as_array().unwrap();
    // The seed's flat list, in id order, each with the additive category.
    let ids: Vec<i64> = raw.iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (1..=10).collect::<Vec<_>>());
    assert_eq!(raw[0]["category"], "Cakes");
    assert_eq!(raw[1]["category"], "Breads");
    assert_eq!(raw[2]["category"], "Muffins & Biscuits");
    assert_eq!(raw[3]["category"], "Pastries");
    for p in raw {
        for field in ["id", "name", "description", "price", "image_url", "stock"] {
            assert!(p.get(field).is_some(), "{field} in {p}");
        }
    }
    // Served with an ETag like the products: the same ETag is a 304.
    let res = app
        .client
        .get(app.url("/api/categories"))
        .send()
        .await
        .unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/api/categories"))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
}
on_both_databases!(the_sample_catalog_comes_in_categories);

async fn admins_manage_categories_and_the_menu_follows(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.admin_bearer("categories test").await;

    // Added last by default, or where asked (the others move down).
    let (status, pies) = admin(
        &app,
        &token,
        Method::POST,
        "/api/admin/categories",
        Some(json!({"name": "  Pies  "})),
    )
    .await;
    assert_eq!(status, 201, "{pies}");
    assert_eq!(
        (&pies["name"], &pies["position"], &pies["product_count"]),
        (&json!("Pies"), &json!(5), &json!(0))
    );
    let pies_id = pies["id"].as_i64().unwrap();
    let (status, seasonal) = admin(
        &app,
        &token,
        Method::POST,
        "/api/admin/categories",
        Some(json!({"name": "Seasonal", "position": 1})),
    )
    .await;
    assert_eq!(
        (status, &seasonal["position"]),
        (201, &json!(1)),
        "{seasonal}"
    );
    let seasonal_id = seasonal["id"].as_i64().unwrap();
    wait_for_categories(
        &app,
        &[
            ("Seasonal", 1, 0),
            ("Cakes", 2, 2),
            ("Breads", 3, 2),
            ("Pastries", 4, 4),
            ("Muffins & Biscuits", 5, 2),
            ("Pies", 6, 0),
        ],
        "two new categories",
    )
    .await;

    // A product moves by category name (any case), then by id; the menu follows.
    let (status, tart) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/7",
        Some(json!({"category": "pies"})),
    )
    .await;
    assert_eq!(status, 200, "{tart}");
    assert_eq!(
        (&tart["category"], &tart["category_id"]),
        (&json!("Pies"), &json!(pies_id))
    );
    let (status, biscotti) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/10",
        Some(json!({"category_id": seasonal_id})),
    )
    .await;
    assert_eq!((status, &biscotti["category"]), (200, &json!("Seasonal")));
    // Other changes leave the category alone; null makes a product uncategorised.
    let (_, renamed) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/10",
        Some(json!({"name": "Almond Cantucci"})),
    )
    .await;
    assert_eq!(renamed["category"], "Seasonal", "{renamed}");
    let (status, bun) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/5",
        Some(json!({"category": null})),
    )
    .await;
    assert_eq!(status, 200, "{bun}");
    assert_eq!(
        (&bun["category"], &bun["category_id"]),
        (&Value::Null, &Value::Null)
    );
    // Both ways at once only when both say "none".
    let (status, _) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/5",
        Some(json!({"category_id": null, "category": null})),
    )
    .await;
    assert_eq!(status, 200);
    wait_until(
        Duration::from_secs(5),
        "products to change category",
        || async {
            category_of(&app, 7).await.as_deref() == Some("Pies")
                && category_of(&app, 10).await.as_deref() == Some("Seasonal")
                && category_of(&app, 5).await.is_none()
        },
    )
    .await;

    // Rename and move: positions stay 1, 2, 3…; past the end means last.
    let (status, moved) = admin(
        &app,
        &token,
        Method::PATCH,
        &format!("/api/admin/categories/{pies_id}"),
        Some(json!({"name": "Pies & Tarts", "position": 2})),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (&moved["position"], &moved["product_count"]),
        (&json!(2), &json!(1))
    );
    let (status, _) = admin(
        &app,
        &token,
        Method::PATCH,
        &format!("/api/admin/categories/{seasonal_id}"),
        Some(json!({"position": 1000})),
    )
    .await;
    assert_eq!(status, 200);
    wait_for_categories(
        &app,
        &[
            ("Pies & Tarts", 1, 1),
            ("Cakes", 2, 2),
            ("Breads", 3, 2),
            ("Pastries", 4, 2),
            ("Muffins & Biscuits", 5, 1),
            ("Seasonal", 6, 1),
        ],
        "renamed and moved",
    )
    .await;
    assert_eq!(category_of(&app, 7).await.as_deref(), Some("Pies & Tarts"));

    // Removing a category that has products: they become uncategorised, the rest close up.
    let (status, removed) = admin(
        &app,
        &token,
        Method::DELETE,
        "/api/admin/categories/1",
        None,
    )
    .await;
    assert_eq!(status, 200, "{removed}");
    assert_eq!(
        removed,
        json!({"id": 1, "name": "Cakes", "uncategorised": [1, 9]})
    );
    wait_for_categories(
        &app,
        &[
            ("Pies & Tarts", 1, 1),
            ("Breads", 2, 2),
            ("Pastries", 3, 2),
            ("Muffins & Biscuits", 4, 1),
            ("Seasonal", 5, 1),
        ],
        "cakes removed",
    )
    .await;
    assert_eq!(category_of(&app, 1).await, None);
    // The admin list counts inactive products too.
    let (_, off) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/2",
        Some(json!({"active": false})),
    )
    .await;
    assert_eq!(off["category"], "Breads");
    let (status, listed) = admin(&app, &token, Method::GET, "/api/admin/categories", None).await;
    assert_eq!(status, 200);
    assert_eq!(listed[1]["name"], "Breads");
    assert_eq!(listed[1]["product_count"], 2);
    wait_until(Duration::from_secs(5), "the bread off the menu", || async {
        public_categories(&app).await[1] == ("Breads".to_owned(), 2, 1)
    })
    .await;

    // Every change is in the audit log.
    let (status, audit) = admin(&app, &token, Method::GET, "/api/admin/audit", None).await;
    assert_eq!(status, 200, "{audit}");
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for action in ["category.create", "category.update", "category.delete"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    let deleted = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "category.delete")
        .unwrap();
    assert_eq!(deleted["target"], "category:1");
}
on_both_databases!(admins_manage_categories_and_the_menu_follows);

async fn bad_category_requests_are_4xx_never_5xx(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.admin_bearer("categories test").await;
    let cases: [(Method, &str, Option<Value>, u16, &str); 17] = [
        // Names: blank, too long, two lines, taken (whatever the case).
        (
            Method::POST,
            "/api/admin/categories",
            Some(json!({"name": "  "})),
            400,
            "validation_failed",
        ),
        (
            Method::POST,
            "/api/admin/categories",
            Some(json!({"name": "x".repeat(101)})),
            400,
            "validation_failed",
        ),
        (
            Method::POST,
            "/api/admin/categories",
            Some(json!({"name": "Two\nlines"})),
            400,
            "validation_failed",
        ),
        (
            Method::POST,
            "/api/admin/categories",
            Some(json!({"name": "CAKES"})),
            409,
            "category_exists",
        ),
        (
            Method::POST,
            "/api/admin/categories",
            Some(json!({"name": "Pies", "position": 0})),
            400,
            "validation_failed",
        ),
        (
            Method::POST,
            "/api/admin/categories",
            Some(json!({"name": "Pies", "position": 1.5})),
            400,
            "validation_failed",
        ),
        (
            Method::POST,
            "/api/admin/categories",
            Some(json!({"position": 1})),
            400,
            "validation_failed",
        ),
        (
            Method::PATCH,
            "/api/admin/categories/2",
            Some(json!({"name": "cakes"})),
            409,
            "category_exists",
        ),
        (
            Method::PATCH,
            "/api/admin/categories/999",
            Some(json!({"name": "Pies"})),
            404,
            "category_not_found",
        ),
        (
            Method::PATCH,
            "/api/admin/categories/abc",
            Some(json!({"name": "Pies"})),
            400,
            "validation_failed",
        ),
        (
            Method::PATCH,
            "/api/admin/categories/2",
            Some(json!({"position": -3})),
            400,
            "validation_failed",
        ),
        (
            Method::DELETE,
            "/api/admin/categories/999",
            None,
            404,
            "category_not_found",
        ),
        (
            Method::DELETE,
            "/api/admin/categories/0",
            None,
            400,
            "validation_failed",
        ),
        // A product's category: unknown, both ways at once, not an id.
        (
            Method::PATCH,
            "/api/admin/products/1",
            Some(json!({"category": "Soups"})),
            404,
            "category_not_found",
        ),
        (
            Method::PATCH,
            "/api/admin/products/1",
            Some(json!({"category_id": 999})),
            404,
            "category_not_found",
        ),
        (
            Method::PATCH,
            "/api/admin/products/1",
            Some(json!({"category_id": 2, "category": "Breads"})),
            400,
            "validation_failed",
        ),
        (
            Method::PATCH,
            "/api/admin/products/1",
            Some(json!({"category_id": "two"})),
            400,
            "validation_failed",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let (got, error) = admin(&app, &token, method.clone(), path, body.clone()).await;
        assert_eq!(
            (got, error["code"].as_str()),
            (status, Some(code)),
            "{method} {path} {body:?} → {error}"
        );
    }
    let (_, unknown) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/1",
        Some(json!({"category": "Soups"})),
    )
    .await;
    assert_eq!(unknown["details"]["field"], "category", "{unknown}");
    // A product that does not exist is still the product's 404.
    let (status, error) = admin(
        &app,
        &token,
        Method::PATCH,
        "/api/admin/products/999",
        Some(json!({"category": "Breads"})),
    )
    .await;
    assert_eq!(
        (status, error["code"].as_str()),
        (404, Some("product_not_found"))
    );
    // Nobody signed in may change categories.
    let res = app
        .client
        .post(app.url("/api/admin/categories"))
        .json(&json!({"name": "Pies"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    // Nothing changed.
    assert_eq!(
        public_categories(&app).await,
        triples(&[
            ("Cakes", 1, 2),
            ("Breads", 2, 2),
            ("Pastries", 3, 4),
            ("Muffins & Biscuits", 4, 2),
        ])
    );
    assert_eq!(category_of(&app, 1).await.as_deref(), Some("Cakes"));
}
on_both_databases!(bad_category_requests_are_4xx_never_5xx);

/// How many migrations there are from `name` (included) to the last: the steps down to just
/// before it.
pub(crate) fn migrations_from(name: &str) -> u32 {
    use migration::{Migrator, MigratorTrait};
    let migrations = Migrator::migrations();
    let at = migrations.iter().position(|m| m.name() == name).unwrap();
    u32::try_from(migrations.len() - at).unwrap()
}

async fn the_category_migrations_roll_back_and_forward(backend: Backend) {
    use migration::{Migrator, MigratorTrait};
    let db = bakery_test_support::TestDatabase::create(backend).await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.unwrap();
    let count = |sql: &'static str| {
        let db = &db;
        async move { bakery_test_support::probe(&db.url).await.scalar(sql).await }
    };
    assert_eq!(count("SELECT COUNT(*) FROM categories").await, 4);
    assert_eq!(
        count("SELECT COUNT(*) FROM products WHERE category_id IS NOT NULL").await,
        10
    );
    // Back before categories (and whatever came after them): the table and the column are
    // gone, the products stay.
    let steps = migrations_from("m20261202_000020_product_categories");
    Migrator::down(&conn, Some(steps)).await.unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM products").await, 10);
    let (products_columns, missing_table) = match backend {
        Backend::Sqlite => (
            "SELECT COUNT(*) FROM pragma_table_info('products') WHERE name = 'category_id'",
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'categories'",
        ),
        Backend::Postgres => (
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'products' AND column_name = 'category_id'",
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'categories'",
        ),
    };
    assert_eq!(count(products_columns).await, 0);
    assert_eq!(count(missing_table).await, 0);
    // And forward again: the sample is sorted once more.
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(
        count("SELECT COUNT(*) FROM products WHERE category_id IS NOT NULL").await,
        10
    );
    conn.close().await.unwrap();
}
on_both_databases!(the_category_migrations_roll_back_and_forward);
