//! Products' options and inscriptions: the menu lists the sample cakes' sizes and flavours and
//! their inscription limit; the server prices every line with its choices (a wrong price is a
//! 409), keeps them on the line and shows them on the order page and the staff board; an order
//! naming no options gets each group's default; a bad choice or inscription is a 400 naming the
//! field; admins replace a product's options (audited) without changing placed orders; and the
//! migrations roll back and forward.

use reqwest::Method;
use serde_json::{Value, json};

use bakery_test_support::{Backend, TestApp, accepted, on_both_databases, seed_order, spawn_app};

fn cake_order(items: Value) -> Value {
    json!({
        "customer_name": "Léa Martin",
        "customer_email": "lea@example.com",
        "items": items,
    })
}

/// Posts `body`: the status and the answer as JSON.
async fn post(app: &TestApp, body: &Value) -> (u16, Value) {
    let res = app.post_order(body).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The field a 400's details name first.
fn field_of(answer: &Value) -> &str {
    answer["details"][0]["field"].as_str().unwrap_or_default()
}

async fn lines_are_priced_kept_and_shown_with_their_options(backend: Backend) {
    let app = spawn_app(backend).await;
    // The menu: the seed's fields as they were, and the cakes' options beside them.
    let (status, menu) = app.get_json("/api/products").await;
    assert_eq!(status, 200);
    let cake = &menu[0];
    assert_eq!(
        (cake["id"].as_i64(), cake["price"].as_f64()),
        (Some(1), Some(29.99))
    );
    for seed_field in ["name", "description", "image_url", "stock"] {
        assert!(
            cake.get(seed_field).is_some(),
            "{seed_field} is gone: {cake}"
        );
    }
    let groups: Vec<&str> = cake["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["key"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["size", "flavour"]);
    assert_eq!(cake["options"][0]["default"], "6in");
    assert_eq!(cake["options"][0]["required"], true);
    assert_eq!(cake["options"][0]["choices"][1]["key"], "8in");
    assert_eq!(cake["options"][0]["choices"][1]["price_delta"], 8.0);
    assert_eq!(cake["inscription"]["max_length"], 40);
    let bread = &menu[1];
    assert_eq!(
        (bread["options"].clone(), bread["inscription"].clone()),
        (json!([]), Value::Null)
    );

    // The server prices the line: 29.99 + 8.00 + 2.50.
    let body = cake_order(json!([{
        "product_id": 1, "quantity": 2, "price": 40.49,
        "options": {"size": "8in", "flavour": "salted-caramel"},
        "inscription": "  Happy 5th birthday, Léa!  ",
    }, {"product_id": 2, "quantity": 1}]));
    let placed = accepted(app.post_order(&body).await).await;
    assert_eq!(
        placed.total, 89.97,
        "80.98 for the cakes, 8.99 for the bread"
    );
    // The same without a price is priced the same.
    let mut unpriced = body.clone();
    unpriced["items"][0]
        .as_object_mut()
        .unwrap()
        .remove("price");
    assert_eq!(accepted(app.post_order(&unpriced).await).await.total, 89.97);

    let line_shown = |line: &Value| {
        assert_eq!(line["unit_price"], 40.49, "{line}");
        assert_eq!(line["total"], 80.98, "{line}");
        assert_eq!(
            line["options"],
            json!([
                {"group": "Size", "choice": "8″ (serves 10–12)", "price_delta": 8.0},
                {"group": "Ganache", "choice": "Salted caramel", "price_delta": 2.5},
            ])
        );
        assert_eq!(line["inscription"], "Happy 5th birthday, Léa!");
    };
    // The order page, as kept by the API process and as read back from the database.
    let path = format!("/api/orders/{}", placed.order_id);
    let (status, page) = app.get_json(&path).await;
    assert_eq!(status, 200, "{page}");
    line_shown(&page["items"][0]);
    assert_eq!(page["items"][1]["options"], json!([]));
    assert_eq!(page["items"][1]["inscription"], Value::Null);
    let stored: String = {
        let db = app.db.connect().await;
        let view = bakery::store::reads::order_view(&db, placed.order_id)
            .await
            .unwrap()
            .unwrap();
        db.close().await.unwrap();
        serde_json::to_string(&view.items[0]).unwrap()
    };
    line_shown(&serde_json::from_str(&stored).unwrap());
    assert_eq!(
        app.scalar(&format!(
            "SELECT COUNT(*) FROM order_items WHERE order_id = {} AND inscription = 'Happy 5th birthday, Léa!'",
            placed.order_id
        ))
        .await,
        1
    );

    // The staff board shows them on the order's card.
    let token = app.admin_bearer("options-board").await;
    let (status, board) = app
        .staff_call(&token, Method::GET, "/api/admin/orders?day=today", None)
        .await;
    assert_eq!(status, 200, "{board}");
    let card = board
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["order_id"] == placed.order_id)
        .unwrap_or_else(|| panic!("order {} not on the board: {board}", placed.order_id));
    line_shown(&card["items"][0]);

    // The production sheet sums the cakes by their choices and lists the inscription.
    let day = &placed.pickup_at.clone().unwrap()[..10];
    let path = format!("/api/admin/production?date={day}");
    let (status, sheet) = app.staff_call(&token, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{sheet}");
    let cakes = sheet["products"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["product_id"] == 1)
        .unwrap_or_else(|| panic!("no cakes on the sheet: {sheet}"));
    assert_eq!(cakes["quantity"], 4, "two orders of two: {sheet}");
    assert_eq!(
        cakes["options"],
        json!(["8″ (serves 10–12)", "Salted caramel"])
    );
    assert_eq!(cakes["inscriptions"][0]["text"], "Happy 5th birthday, Léa!");
    assert_eq!(cakes["inscriptions"].as_array().unwrap().len(), 2);

    // The seed's order names no options: the cake's defaults cost nothing, 29.99 stands.
    let seed = accepted(app.post_order(&seed_order()).await).await;
    assert_eq!(seed.total, 59.98);
    let page = app.order(seed.order_id).await;
    let chosen: Vec<(&str, &str)> = page.items[0]
        .options
        .iter()
        .map(|o| (o.group.as_str(), o.choice.as_str()))
        .collect();
    assert_eq!(
        chosen,
        [("Size", "6″ (serves 6–8)"), ("Ganache", "Dark chocolate")]
    );
    assert_eq!(page.items[0].inscription, None);
    // The queue message stays the seed's: no options in it.
    let payload: String = {
        use sea_orm::{ConnectionTrait, Statement};
        let db = app.db.connect().await;
        let sql = format!(
            "SELECT payload FROM outbox WHERE payload LIKE '%\"order_id\":{}%' AND topic <> 'notifications'",
            placed.order_id
        );
        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
        db.close().await.unwrap();
        row.map(|r| r.try_get_by_index::<String>(0).unwrap())
            .unwrap_or_default()
    };
    if !payload.is_empty() {
        let message: Value = serde_json::from_str(&payload).unwrap();
        let keys: Vec<&String> = message["items"][0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["price", "product_id", "quantity"], "{message}");
        assert_eq!(message["items"][0]["price"], 40.49);
    }
}
on_both_databases!(lines_are_priced_kept_and_shown_with_their_options);

async fn bad_choices_are_400_naming_the_field_and_wrong_prices_409(backend: Backend) {
    let app = spawn_app(backend).await;
    let line = |extra: Value| {
        let mut line = json!({"product_id": 1, "quantity": 1});
        for (k, v) in extra.as_object().unwrap() {
            line[k] = v.clone();
        }
        cake_order(json!([line]))
    };
    // The listed price without the 8″'s difference.
    let (status, answer) = post(
        &app,
        &line(json!({"price": 29.99, "options": {"size": "8in"}})),
    )
    .await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (409, Some("price_mismatch")),
        "{answer}"
    );
    assert_eq!(answer["details"]["field"], "items[0].price");
    assert_eq!(answer["details"]["catalog_price"], 37.99);
    let refused = [
        (
            json!({"options": {"size": "12in"}}),
            "items[0].options.size",
        ),
        (
            json!({"options": {"colour": "red"}}),
            "items[0].options.colour",
        ),
        (json!({"options": {"size": 8}}), "items[0].options.size"),
        (json!({"options": ["8in"]}), "items[0].options"),
        (
            json!({"inscription": "x".repeat(41)}),
            "items[0].inscription",
        ),
        (
            json!({"inscription": "Happy\nbirthday"}),
            "items[0].inscription",
        ),
        (json!({"inscription": "Hi\u{202e}"}), "items[0].inscription"),
        (json!({"inscription": 5}), "items[0].inscription"),
    ];
    for (extra, field) in refused {
        let (status, answer) = post(&app, &line(extra.clone())).await;
        assert_eq!(status, 400, "{extra}: {answer}");
        assert_eq!(answer["code"], "validation_failed", "{answer}");
        assert_eq!(field_of(&answer), field, "{extra}: {answer}");
    }
    // Forty characters (counted as characters, not bytes) are fine; blank is no inscription.
    let forty = "é".repeat(40);
    assert_eq!(
        post(&app, &line(json!({"inscription": forty}))).await.0,
        201
    );
    // Bread takes neither options nor inscriptions.
    let bread = |extra: Value| {
        let mut body = line(extra);
        body["items"][0]["product_id"] = json!(2);
        body
    };
    let (status, answer) = post(&app, &bread(json!({"inscription": "Hi"}))).await;
    assert_eq!(
        (status, field_of(&answer)),
        (400, "items[0].inscription"),
        "{answer}"
    );
    let (status, answer) = post(&app, &bread(json!({"options": {"size": "8in"}}))).await;
    assert_eq!(
        (status, field_of(&answer)),
        (400, "items[0].options.size"),
        "{answer}"
    );
    assert_eq!(
        post(&app, &bread(json!({"inscription": "  "}))).await.0,
        201
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders").await,
        2,
        "nothing refused is stored"
    );
}
on_both_databases!(bad_choices_are_400_naming_the_field_and_wrong_prices_409);

async fn admins_replace_options_and_placed_orders_keep_theirs(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.admin_bearer("options-admin").await;
    let placed = accepted(
        app.post_order(&cake_order(json!([{"product_id": 1, "quantity": 1,
            "options": {"size": "10in"}, "inscription": "Félicitations"}])))
            .await,
    )
    .await;
    assert_eq!(placed.total, 45.99);
    let wanted = json!({
        "options": [{"key": "size", "name": "Size", "required": true, "default": "small",
            "choices": [{"key": "small", "name": "Small", "price_delta": 0},
                        {"key": "large", "name": "Large", "price_delta": 12.5}]},
                    {"key": "candles", "name": "Candles", "required": false,
            "choices": [{"key": "five", "name": "Five candles", "price_delta": 1}]}],
        "inscription": {"max_length": 12},
    });
    let (status, changed) = app
        .staff_call(
            &token,
            Method::PUT,
            "/api/admin/products/1/options",
            Some(wanted.clone()),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["options"][0]["choices"][1]["price_delta"], 12.5);
    assert_eq!(changed["inscription"]["max_length"], 12);
    bakery_test_support::wait_until(std::time::Duration::from_secs(5), "the menu", || async {
        let menu = app.products().await;
        menu[0].options.len() == 2 && menu[0].options[0].choices[1].key == "large"
    })
    .await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'product.options' AND target = 'product:1'")
            .await,
        1
    );
    // The new choices price new lines; the optional group stays empty unless asked for.
    let large = accepted(
        app.post_order(&cake_order(
            json!([{"product_id": 1, "quantity": 1, "price": 43.49,
            "options": {"size": "large", "candles": "five"}}]),
        ))
        .await,
    )
    .await;
    assert_eq!(large.total, 43.49);
    let (status, answer) = post(
        &app,
        &cake_order(json!([{"product_id": 1, "quantity": 1, "inscription": "Félicitations"}])),
    )
    .await;
    assert_eq!(
        (status, field_of(&answer)),
        (400, "items[0].inscription"),
        "now at most 12"
    );
    let plain = app.place(&seed_order()).await;
    assert_eq!(
        app.order(plain).await.items[0].options.len(),
        1,
        "candles are optional"
    );
    // The order placed before keeps the 10″ and its price.
    let before = app.order(placed.order_id).await;
    assert_eq!(before.items[0].unit_price, 45.99);
    assert_eq!(before.items[0].options[0].choice, "10″ (serves 16–20)");
    assert_eq!(
        before.items[0].inscription.as_deref(),
        Some("Félicitations")
    );

    // Bad admin input is a 400 naming the field; an unknown product a 404; bakers may not.
    let bad = [
        (
            json!({"options": [{"key": "Size", "name": "Size", "choices": [{"key": "a", "name": "A"}]}]}),
            "options[0].key",
        ),
        (
            json!({"options": [{"key": "size", "name": "Size", "choices": []}]}),
            "options[0].choices",
        ),
        (
            json!({"options": [{"key": "size", "name": "Size", "default": "b", "choices": [{"key": "a", "name": "A"}]}]}),
            "options[0].default",
        ),
        (
            json!({"options": [{"key": "size", "name": "Size", "choices": [{"key": "a", "name": "A"}, {"key": "a", "name": "B"}]}]}),
            "options[0].choices[1].key",
        ),
        (
            json!({"options": [{"key": "size", "name": "Size", "choices": [{"key": "a", "name": "A", "price_delta": 0.001}]}]}),
            "options[0].choices[0].price_delta",
        ),
        (
            json!({"options": [{"key": "size", "name": " ", "choices": [{"key": "a", "name": "A"}]}]}),
            "options[0].name",
        ),
        (
            json!({"inscription": {"max_length": 0}}),
            "inscription.max_length",
        ),
        (
            json!({"inscription": {"max_length": 201}}),
            "inscription.max_length",
        ),
        // The cake costs 29.99: a size 40.00 cheaper would make a line cost less than nothing.
        (
            json!({"options": [{"key": "size", "name": "Size", "required": true,
                "choices": [{"key": "mini", "name": "Mini", "price_delta": -40}]}]}),
            "options",
        ),
    ];
    for (body, field) in bad {
        let (status, answer) = app
            .staff_call(
                &token,
                Method::PUT,
                "/api/admin/products/1/options",
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (status, field_of(&answer)),
            (400, field),
            "{body}: {answer}"
        );
    }
    let (status, _) = app
        .staff_call(
            &token,
            Method::PUT,
            "/api/admin/products/999/options",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .staff_call(
            &token,
            Method::PUT,
            "/api/admin/products/1/options",
            Some(json!({"options": 5})),
        )
        .await;
    assert_eq!(status, 400);
    // An empty set removes them: the cake is plain again.
    let (status, cleared) = app
        .staff_call(
            &token,
            Method::PUT,
            "/api/admin/products/1/options",
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (
            status,
            cleared["options"].clone(),
            cleared["inscription"].clone()
        ),
        (200, json!([]), Value::Null)
    );
}
on_both_databases!(admins_replace_options_and_placed_orders_keep_theirs);

/// How many migrations `Migrator::down` undoes to undo `name` and those after it.
pub fn steps_back_to(name: &str) -> u32 {
    use migration::{Migrator, MigratorTrait};
    let back = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == name)
        .unwrap_or_else(|| panic!("no migration {name}"));
    u32::try_from(back + 1).unwrap()
}

/// A fresh database with every migration run, its connection, and a way to count in it.
pub async fn migrated(
    backend: Backend,
) -> (
    bakery_test_support::TestDatabase,
    sea_orm::DatabaseConnection,
) {
    use migration::{Migrator, MigratorTrait};
    let db = bakery_test_support::TestDatabase::create(backend).await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.unwrap();
    (db, conn)
}

async fn the_options_migrations_roll_back_and_forward(backend: Backend) {
    use migration::{Migrator, MigratorTrait};
    let (db, conn) = migrated(backend).await;
    let count = |sql: &'static str| {
        let db = &db;
        async move { bakery_test_support::probe(&db.url).await.scalar(sql).await }
    };
    let with_options =
        "SELECT COUNT(*) FROM products WHERE options IS NOT NULL AND inscription_max_len = 40";
    assert_eq!(count(with_options).await, 2);
    Migrator::down(
        &conn,
        Some(steps_back_to("m20261203_000101_product_options")),
    )
    .await
    .unwrap();
    let column = match backend {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM pragma_table_info('order_items') WHERE name IN ('options', 'inscription')"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'order_items' AND column_name IN ('options', 'inscription')"
        }
    };
    assert_eq!(count(column).await, 0);
    assert_eq!(count("SELECT COUNT(*) FROM products").await, 10);
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(count(with_options).await, 2);
    conn.close().await.unwrap();
}
on_both_databases!(the_options_migrations_roll_back_and_forward);
