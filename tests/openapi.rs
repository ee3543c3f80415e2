//! The OpenAPI document covers the app: every route and method the app serves is in it (read from
//! actix's own route introspection), every method it documents is answered, the others get 405
//! with `Allow`, the document holds together, and the docs page serves it. (`tests/fuzz_openapi.sh`
//! checks the document against the OpenAPI specification and the app against the document.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

#[allow(dead_code)]
#[path = "api/helpers.rs"]
mod helpers;

use std::collections::{BTreeMap, BTreeSet};

use actix_web::introspection::IntrospectionTree;
use actix_web::test as actix_test;
use actix_web::{App, HttpResponse, web};
use helpers::{Backend, spawn_app};
use serde_json::Value;

const TREE_ROUTE: &str = "/__routes";

/// Every resource `bakery::api::routes` registers (the function the server uses) with the methods
/// its guards accept, as actix reports them.
async fn served_routes() -> BTreeMap<String, BTreeSet<String>> {
    let app = actix_test::init_service(App::new().configure(bakery::api::routes).route(
        TREE_ROUTE,
        web::get().to(|tree: web::Data<IntrospectionTree>| async move {
            HttpResponse::Ok()
                .content_type("application/json")
                .body(tree.report_as_json())
        }),
    ))
    .await;
    let report: Value = actix_test::call_and_read_body_json(
        &app,
        actix_test::TestRequest::get().uri(TREE_ROUTE).to_request(),
    )
    .await;
    let mut routes = BTreeMap::new();
    for item in report.as_array().expect("a list of routes") {
        if item["resource_type"] != "resource" || item["full_path"] == TREE_ROUTE {
            continue;
        }
        let methods = item["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_ascii_lowercase())
            .collect::<BTreeSet<_>>();
        routes
            .entry(item["full_path"].as_str().unwrap().to_owned())
            .or_insert_with(BTreeSet::new)
            .extend(methods);
    }
    assert!(
        routes.len() >= 5,
        "could not read the app's routes: {report}"
    );
    routes
}

/// The document's methods of each path.
fn documented(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("the document has paths")
        .iter()
        .map(|(path, item)| {
            (
                path.clone(),
                item.as_object().unwrap().keys().cloned().collect(),
            )
        })
        .collect()
}

#[actix_web::rt::test(system = "crate::helpers::TestSystem")]
async fn every_route_the_app_serves_is_documented_and_nothing_else() {
    let served = served_routes().await;
    let doc = bakery::api::openapi::document();
    let documented = documented(doc);
    for (path, methods) in &served {
        let in_doc = documented
            .get(path)
            .unwrap_or_else(|| panic!("the app serves {path}, which the document lacks"));
        // A resource without method guards answers every method: none may exist.
        assert!(
            !methods.is_empty() || !in_doc.is_empty(),
            "{path} answers any method"
        );
        for method in methods {
            assert!(
                in_doc.contains(method),
                "the app serves {method} {path}, which the document lacks"
            );
        }
    }
    for (path, methods) in &documented {
        let served = served
            .get(path)
            .unwrap_or_else(|| panic!("the document has {path}, which the app does not route"));
        assert_eq!(
            methods, served,
            "{path}: documented and served methods differ"
        );
    }
}

#[actix_web::rt::test(system = "crate::helpers::TestSystem")]
async fn documented_methods_are_answered_and_others_get_405_with_allow() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, doc) = app.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    for (path, documented) in documented(&doc) {
        // A concrete address for the route; no order exists, so nothing streams or changes.
        let address = path.replace("{id}", "1");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            let res = app
                .client
                .request(method.parse().unwrap(), app.url(&address))
                .send()
                .await
                .unwrap();
            let answered = res.status().as_u16() != 405;
            let in_doc = documented.contains(&method.to_ascii_lowercase());
            if !answered {
                let allow = res
                    .headers()
                    .get("allow")
                    .map(|v| v.to_str().unwrap().to_owned());
                let listed: BTreeSet<String> = allow
                    .unwrap_or_else(|| panic!("{method} {path}: 405 without Allow"))
                    .split(", ")
                    .map(|m| m.to_ascii_lowercase())
                    .filter(|m| m != "head")
                    .collect();
                assert_eq!(listed, documented, "{method} {path}: Allow");
            }
            assert_eq!(
                answered,
                in_doc,
                "{method} {path}: the app answers {}, the document {}",
                res.status(),
                if in_doc { "has it" } else { "lacks it" }
            );
        }
    }
}

#[actix_web::rt::test(system = "crate::helpers::TestSystem")]
async fn the_document_is_openapi_3_and_holds_together() {
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
        "StockChange",
        "OrderEvent",
        "BoardEvent",
    ] {
        assert!(schemas.contains_key(name), "schema {name} missing");
    }
    // Every `$ref` points at a schema that exists.
    let text = doc.to_string();
    for piece in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = piece.split('"').next().unwrap();
        assert!(schemas.contains_key(name), "dangling $ref to {name}");
    }
    // Operation ids are unique (links name their target by it), every `{param}` of a path is
    // declared, and every link names an operation that exists.
    let mut ids = BTreeSet::new();
    let mut links = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let id = operation["operationId"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "operationId {id} twice");
            let declared: BTreeSet<&str> = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            let in_path: BTreeSet<&str> = path
                .split('{')
                .skip(1)
                .map(|p| p.split('}').next().unwrap())
                .collect();
            assert_eq!(declared, in_path, "{method} {path}: path parameters");
            for response in operation["responses"].as_object().unwrap().values() {
                for link in response["links"].as_object().into_iter().flatten() {
                    links.push(link.1["operationId"].as_str().unwrap().to_owned());
                }
            }
        }
    }
    for link in links {
        assert!(ids.contains(&link), "a link to unknown operation {link}");
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
