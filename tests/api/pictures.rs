//! Product pictures: an admin's JPEG, PNG or WebP upload is cropped to 4:3 and served in three
//! widths with long cache headers, listed as the additive `picture` of `GET /api/products` (the
//! seed's fields unchanged), replaced under new URLs and removed; an upload of the wrong type,
//! too large, unreadable or by anyone but an admin is refused with a JSON 4xx; the sample
//! catalog ships pictures of its own.

use std::io::Cursor;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use reqwest::Method;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use serde_json::Value;

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, spawn_app, spawn_app_with};

/// A `width`×`height` picture of stripes, encoded as `format`.
fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let stripes = RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, 90])
    });
    let mut bytes = Vec::new();
    DynamicImage::ImageRgb8(stripes)
        .write_to(&mut Cursor::new(&mut bytes), format)
        .unwrap();
    bytes
}

/// `PUT /api/admin/products/{id}/picture` with `bytes` as `token`: the status and JSON body.
async fn upload(
    app: &TestApp,
    token: Option<&str>,
    id: &str,
    bytes: Vec<u8>,
    named: &str,
) -> (u16, Value) {
    let mut req = app
        .client
        .put(app.url(&format!("/api/admin/products/{id}/picture")))
        .header(CONTENT_TYPE, named)
        .body(bytes);
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The `picture` the public catalog shows for product `id`, once its `src` names `hash` (or,
/// for `None`, once it is null).
async fn menu_picture(app: &TestApp, id: i64, hash: Option<&str>) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let (_, list) = app.get_json("/api/products").await;
        let product = list
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id)
            .cloned()
            .unwrap();
        let picture = product["picture"].clone();
        let shown = match hash {
            Some(hash) => picture["src"].as_str().is_some_and(|s| s.contains(hash)),
            None => picture.is_null(),
        };
        if shown {
            return picture;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the menu shows {picture} for {id}, not {hash:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `GET url`: status, headers and bytes.
async fn fetch(app: &TestApp, url: &str, etag: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(url));
    if let Some(etag) = etag {
        req = req.header(IF_NONE_MATCH, etag);
    }
    req.send().await.unwrap()
}

async fn good_pictures_are_served_resized_and_cached_for_good(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.admin_bearer("pictures test").await;
    let mut previous: Option<String> = None;
    for (format, stated) in [
        (ImageFormat::Png, "image/png"),
        (ImageFormat::Jpeg, "image/jpeg"),
        // The stated type is not read: a WebP sent as a "JPEG" is a WebP.
        (ImageFormat::WebP, "image/jpeg"),
    ] {
        let (status, product) =
            upload(&app, Some(&token), "2", picture(1200, 500, format), stated).await;
        assert_eq!(status, 200, "{format:?}: {product}");
        let image_url = product["image_url"].as_str().unwrap().to_owned();
        assert!(
            image_url.starts_with("/pictures/2/") && image_url.ends_with("-960.jpg"),
            "{image_url}"
        );
        let hash = image_url["/pictures/2/".len()..image_url.len() - "-960.jpg".len()].to_owned();
        let shown = menu_picture(&app, 2, Some(&hash)).await;
        assert_eq!(shown["src"], image_url.as_str());
        // The back-office's answer shows the same picture.
        assert_eq!(product["picture"], shown);
        assert_eq!(
            (shown["width"].as_u64(), shown["height"].as_u64()),
            (Some(960), Some(720))
        );
        let srcset: Vec<&str> = shown["srcset"].as_str().unwrap().split(", ").collect();
        assert_eq!(srcset.len(), 3, "{srcset:?}");
        for (entry, width) in srcset.iter().zip([320u32, 640, 960]) {
            let (url, w) = entry.split_once(' ').unwrap();
            assert_eq!(w, format!("{width}w"));
            let res = fetch(&app, url, None).await;
            assert_eq!(res.status().as_u16(), 200, "{url}");
            assert_eq!(res.headers()[CONTENT_TYPE], "image/jpeg");
            assert_eq!(
                res.headers()[CACHE_CONTROL],
                "public, max-age=31536000, immutable"
            );
            let etag = res.headers()[ETAG].to_str().unwrap().to_owned();
            let decoded = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
            assert_eq!(
                (decoded.width(), decoded.height()),
                (width, width * 3 / 4),
                "{url}"
            );
            let again = fetch(&app, url, Some(&etag)).await;
            assert_eq!(again.status().as_u16(), 304);
        }
        // A new picture has new URLs; the old ones are gone.
        if let Some(old) = previous.replace(image_url.clone()) {
            assert_ne!(old, image_url);
            assert_eq!(fetch(&app, &old, None).await.status().as_u16(), 404);
        }
    }
    // The seed's fields of the other products are as they were.
    let (_, list) = app.get_json("/api/products").await;
    let cake = &list.as_array().unwrap()[0];
    assert_eq!(cake["id"], 1);
    assert_eq!(cake["name"], "Chocolate Cake");
    assert_eq!(cake["price"], 29.99);
    assert_eq!(cake["image_url"], "chocolate_cake.jpg");
    assert!(cake["stock"].is_i64());
    // Audited.
    let audited = app
        .scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'product.picture' AND target = 'product:2'")
        .await;
    assert_eq!(audited, 3);

    // Removed: no picture on the menu, its URLs gone, `image_url` empty.
    let (status, product) = app
        .staff_call(
            &token,
            Method::DELETE,
            "/api/admin/products/2/picture",
            None,
        )
        .await;
    assert_eq!(status, 200, "{product}");
    assert_eq!(product["image_url"], "");
    assert!(product["picture"].is_null(), "{product}");
    menu_picture(&app, 2, None).await;
    let last = previous.unwrap();
    assert_eq!(fetch(&app, &last, None).await.status().as_u16(), 404);
    let (status, body) = app
        .staff_call(
            &token,
            Method::DELETE,
            "/api/admin/products/2/picture",
            None,
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("no_picture")));
}
on_both_databases!(good_pictures_are_served_resized_and_cached_for_good);

async fn bad_uploads_are_refused_with_json_4xx(backend: Backend) {
    let app = spawn_app_with(backend, |settings| {
        settings.catalog.picture_max_bytes = 40_000;
        settings.catalog.picture_max_pixels = 1_000_000;
    })
    .await;
    let token = app.admin_bearer("pictures test").await;
    let stored = "SELECT COUNT(*) FROM product_pictures WHERE product_id = 2";
    let stored_before = app.scalar(stored).await;
    let baker = {
        let db = app.db.connect().await;
        let baker = bakery_wire::staff::StaffRole::Baker;
        let (_, token) = bakery::staff::accounts::create_api_token(&db, "baker", baker, "test")
            .await
            .unwrap();
        token
    };
    let png = picture(100, 80, ImageFormat::Png);
    let mut cut = png.clone();
    cut.truncate(60);
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00;".to_vec();
    // (who, product, body, stated type, status, code)
    type Case<'a> = (Option<&'a str>, &'a str, Vec<u8>, &'a str, u16, &'a str);
    let cases: Vec<Case> = vec![
        (None, "2", png.clone(), "image/png", 401, "unauthenticated"),
        (
            Some(&baker),
            "2",
            png.clone(),
            "image/png",
            403,
            "forbidden",
        ),
        (
            Some(&token),
            "0",
            png.clone(),
            "image/png",
            400,
            "validation_failed",
        ),
        (
            Some(&token),
            "x",
            png.clone(),
            "image/png",
            400,
            "validation_failed",
        ),
        (
            Some(&token),
            "999",
            png.clone(),
            "image/png",
            404,
            "product_not_found",
        ),
        (
            Some(&token),
            "2",
            gif,
            "image/png",
            415,
            "unsupported_picture_type",
        ),
        (
            Some(&token),
            "2",
            b"not a picture at all".to_vec(),
            "image/png",
            415,
            "unsupported_picture_type",
        ),
        (
            Some(&token),
            "2",
            Vec::new(),
            "image/png",
            415,
            "unsupported_picture_type",
        ),
        (
            Some(&token),
            "2",
            vec![7u8; 40_001],
            "image/png",
            413,
            "payload_too_large",
        ),
        (
            Some(&token),
            "2",
            picture(1001, 1000, ImageFormat::Png),
            "image/png",
            413,
            "picture_too_large",
        ),
        (Some(&token), "2", cut, "image/png", 400, "invalid_picture"),
    ];
    for (who, id, bytes, named, status, code) in cases {
        let (got, body) = upload(&app, who, id, bytes, named).await;
        assert_eq!(
            (got, body["code"].as_str()),
            (status, Some(code)),
            "{id} {code}: {body}"
        );
        assert!(
            body["error"].is_string() && body.get("details").is_some(),
            "{body}"
        );
    }
    // Nothing was stored; the product and the menu are as they were.
    assert_eq!(app.scalar(stored).await, stored_before);
    let (_, list) = app.get_json("/api/products").await;
    let bread = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == 2)
        .unwrap()
        .clone();
    assert_eq!(bread["image_url"], "sourdough_bread.jpg");
    // Addresses that are no picture are a JSON 404.
    for url in [
        "/pictures/2/0123456789abcdef-960.jpg",
        "/pictures/2/0123456789abcdef-961.jpg",
        "/pictures/0/0123456789abcdef-960.jpg",
        "/pictures/x/y",
    ] {
        let res = fetch(&app, url, None).await;
        assert_eq!(res.status().as_u16(), 404, "{url}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
    }
}
on_both_databases!(bad_uploads_are_refused_with_json_4xx);

async fn the_sample_catalog_ships_its_own_pictures(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, list) = app.get_json("/api/products").await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 10);
    for product in list {
        let picture = &product["picture"];
        assert_eq!(
            (picture["width"].as_u64(), picture["height"].as_u64()),
            (Some(960), Some(720)),
            "{product}"
        );
        // The seed's `image_url` still names the picture as it did.
        assert!(product["image_url"].as_str().unwrap().ends_with(".jpg"));
    }
    let croissant = list.iter().find(|p| p["id"] == 4).unwrap();
    assert_eq!(croissant["image_url"], "croissant.jpg");
    for entry in croissant["picture"]["srcset"].as_str().unwrap().split(", ") {
        let (url, width) = entry.split_once(' ').unwrap();
        let res = fetch(&app, url, None).await;
        assert_eq!(res.status().as_u16(), 200, "{url}");
        let decoded = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(format!("{}w", decoded.width()), width);
        assert_eq!(decoded.height(), decoded.width() * 3 / 4);
    }
}
on_both_databases!(the_sample_catalog_ships_its_own_pictures);

async fn the_picture_migrations_roll_back_and_forward(backend: Backend) {
    use migration::{Migrator, MigratorTrait};
    let db = bakery_test_support::TestDatabase::create(backend).await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.unwrap();
    let count = |sql: &'static str| {
        let db = &db;
        async move { bakery_test_support::probe(&db.url).await.scalar(sql).await }
    };
    let pictures = "SELECT COUNT(*) FROM product_pictures";
    assert_eq!(count(pictures).await, 30);
    // Back to just before the sample pictures: the table stays, empty.
    let steps = super::options::steps_back_to("m20261203_000202_sample_pictures");
    Migrator::down(&conn, Some(steps)).await.unwrap();
    assert_eq!(count(pictures).await, 0);
    // And before the table; then forward again.
    Migrator::down(&conn, Some(1)).await.unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM products").await, 10);
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(count(pictures).await, 30);
    conn.close().await.unwrap();
}
on_both_databases!(the_picture_migrations_roll_back_and_forward);
