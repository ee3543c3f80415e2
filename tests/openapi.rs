//! The OpenAPI document covers the app: every route and every method the app answers is in it, and the docs page serves it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use bakery_test_support as helpers;

use std::collections::BTreeSet;

use actix_web::test as actix_test;
use actix_web::{App, HttpRequest, HttpResponse, web};
use helpers::{Backend, spawn_app};

const TREE_ROUTE: &str = "/__route_tree";

/// Every resource pattern `bakery::api::routes` registers (the function the server uses), read
/// from actix's own route tree: scope prefixes joined with their resources.
async fn registered_routes() -> BTreeSet<String> {
    let app = actix_test::init_service(App::new().configure(bakery::api::routes).route(
        TREE_ROUTE,
        web::get().to(|req: HttpRequest| async move {
            HttpResponse::Ok().body(format!("{:#?}", req.resource_map()))
        }),
    ))
    .await;
    let tree = actix_test::call_and_read_body(
        &app,
        actix_test::TestRequest::get().uri(TREE_ROUTE).to_request(),
    )
    .await;
    let tree = String::from_utf8(tree.to_vec()).unwrap();
    let routes = resources_in_tree(&tree);
    assert!(
        routes.len() >= 5,
        "could not read actix's route tree (did its Debug format change?): {routes:?}"
    );
    routes.into_iter().filter(|r| r != TREE_ROUTE).collect()
}

/// Reads `ResourceMap`'s pretty Debug output: each node's pattern string sits 12 columns deeper
/// per level of nesting, and resources (not scopes) have `is_prefix: false`.
fn resources_in_tree(tree: &str) -> BTreeSet<String> {
    let lines: Vec<&str> = tree.lines().collect();
    let mut prefixes: Vec<String> = Vec::new();
    let mut routes = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() != "patterns: Single(" {
            continue;
        }
        let value_line = lines[i + 1];
        let indent = value_line.len() - value_line.trim_start().len();
        let depth = (indent - 12) / 12;
        let pattern = value_line.trim().trim_end_matches(',').trim_matches('"');
        prefixes.truncate(depth);
        prefixes.push(pattern.to_owned());
        let is_prefix = lines[i + 3].trim() == "is_prefix: true,";
        if !is_prefix {
            routes.insert(prefixes.concat());
        }
    }
    routes
}

#[actix_web::rt::test(system = "crate::helpers::TestSystem")]
async fn every_route_and_method_the_app_answers_is_in_the_document() {
    let routes = registered_routes().await;
    let app = spawn_app(Backend::Sqlite).await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    let paths = doc["paths"].as_object().expect("the document has paths");

    for route in &routes {
        let documented = paths
            .get(route)
            .unwrap_or_else(|| panic!("route {route} is not in the OpenAPI document"));
        // A concrete address for the route; no order exists, so nothing streams or changes.
        let address = route.replace("{id}", "1");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let res = app
                .client
                .request(method.parse().unwrap(), app.url(&address))
                .send()
                .await
                .unwrap();
            let answered = res.status().as_u16() != 405;
            let in_doc = documented.get(method.to_ascii_lowercase()).is_some();
            if !answered {
                let allow = res
                    .headers()
                    .get("allow")
                    .map(|v| v.to_str().unwrap().to_owned());
                let listed: BTreeSet<String> = allow
                    .unwrap_or_else(|| panic!("{method} {route}: 405 without Allow"))
                    .split(", ")
                    .map(|m| m.to_ascii_lowercase())
                    .filter(|m| m != "head")
                    .collect();
                let documented: BTreeSet<String> =
                    documented.as_object().unwrap().keys().cloned().collect();
                assert_eq!(listed, documented, "{method} {route}: Allow");
            }
            assert_eq!(
                answered,
                in_doc,
                "{method} {route}: the app answers {}, the document {}",
                res.status(),
                if in_doc { "has it" } else { "lacks it" }
            );
        }
    }
    for path in paths.keys() {
        assert!(
            routes.contains(path),
            "the document has {path}, which the app does not route"
        );
    }
}

#[actix_web::rt::test(system = "crate::helpers::TestSystem")]
async fn the_document_is_openapi_3_with_schemas_for_every_body() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, doc) = app.get_json("/api/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    for name in [
        "Product",
        "NewOrder",
        "OrderAccepted",
        "OrderView",
        "Health",
        "ErrorBody",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    // Every `$ref` points at a schema that exists.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref to {name}");
    }
    let create = &doc["paths"]["/api/orders"]["post"];
    let codes: BTreeSet<&str> = create["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for code in ["201", "400", "409", "413", "415", "422", "503"] {
        assert!(
            codes.contains(code),
            "POST /api/orders does not document {code}"
        );
    }
}

#[actix_web::rt::test(system = "crate::helpers::TestSystem")]
async fn the_docs_page_shows_swagger_ui_for_the_document() {
    let app = spawn_app(Backend::Sqlite).await;
    let res = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = res.text().await.unwrap();
    assert!(page.contains("SwaggerUIBundle"), "{page}");
    assert!(page.contains(r#"url: "openapi.json""#), "{page}");
    assert_eq!(page.matches("integrity=\"sha384-").count(), 2, "{page}");
}

#[test]
fn the_tree_reader_joins_scopes_and_skips_them() {
    let tree = "\
x
        patterns: Single(
            \"\",
        ),
        is_prefix: true,
                    patterns: Single(
                        \"/api\",
                    ),
                    is_prefix: true,
                                patterns: Single(
                                    \"/orders/{id}\",
                                ),
                                is_prefix: false,
                    patterns: Single(
                        \"/health\",
                    ),
                    is_prefix: false,
";
    let routes: Vec<String> = resources_in_tree(tree).into_iter().collect();
    assert_eq!(routes, ["/api/orders/{id}", "/health"]);
}
