//! The OpenAPI 3.1 document of every endpoint (`GET /api/openapi.json`) and a Swagger UI page for it (`GET /api/docs`).
//!
//! The wire types stay serde-only (the wasm storefront shares them), so [`schemas`] mirrors them
//! with `ToSchema`; a unit test fails when a mirror and its wire type disagree on a field. The
//! operations are described here, next to one another, rather than on the handlers; the
//! `openapi` integration test fails when a route of the app is missing from the document.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, web};
use utoipa::OpenApi;

use super::errors;

/// The Swagger UI release the docs page loads, with the hashes of its two files (from the
/// `swagger-ui-dist` npm package), so the browser refuses anything else.
const SWAGGER_UI_VERSION: &str = "5.35.0";
const SWAGGER_UI_JS_SRI: &str =
    "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9";
const SWAGGER_UI_CSS_SRI: &str =
    "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I";

/// The document, built once per call (cheap: a few kilobytes).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bakery",
        description = "A bakery's ordering API: the catalog, orders, their live status, and operations endpoints. \
            Every error is JSON `{error, code, details}`; money is a JSON number with two decimals.",
        license(name = "MIT")
    ),
    paths(
        paths::list_products,
        paths::create_order,
        paths::get_order,
        paths::order_events,
        paths::health,
        paths::metrics,
        paths::openapi_json,
        paths::docs,
    ),
    components(schemas(
        schemas::Product,
        schemas::NewOrder,
        schemas::NewOrderItem,
        schemas::OrderAccepted,
        schemas::OrderView,
        schemas::OrderLine,
        schemas::StatusChange,
        schemas::OrderStatus,
        schemas::Fulfillment,
        schemas::Health,
        schemas::HealthServices,
        schemas::ErrorBody,
    )),
    tags(
        (name = "catalog", description = "What the bakery sells"),
        (name = "orders", description = "Placing and following orders"),
        (name = "operations", description = "Health, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// Registers `/openapi.json` and `/docs`; call inside the `/api` scope.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/openapi.json")
            .route(web::get().to(openapi_json))
            .default_service(web::to(errors::method_not_allowed)),
    )
    .service(
        web::resource("/docs")
            .route(web::get().to(docs))
            .default_service(web::to(errors::method_not_allowed)),
    );
}

/// The whole document: the public API and the staff back-office.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut document = ApiDoc::openapi();
    document.merge(super::openapi_staff::StaffApiDoc::openapi());
    document
}

/// The document as JSON.
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

/// A Swagger UI page reading `openapi.json` next to it. The browser loads the UI's script and
/// style, pinned and hash-checked, from a public CDN; the document itself never leaves the shop.
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(docs_page())
}

/// For 405 answers (an `ErrorHandlers` handler): adds the `Allow` header RFC 9110 requires,
/// listing the methods the document gives the matched route, then makes the body JSON as usual.
pub fn with_allow_header<B: MessageBody + 'static>(
    mut res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let allowed = res
        .request()
        .match_pattern()
        .and_then(|route| allowed_methods().get(&route).cloned());
    if let Some(allow) = allowed {
        res.response_mut()
            .headers_mut()
            .insert(header::ALLOW, allow);
    }
    errors::json_error_body(res)
}

/// Each documented path's methods, as an `Allow` value (`GET, HEAD`); built once from the document.
fn allowed_methods() -> &'static BTreeMap<String, HeaderValue> {
    static ALLOWED: OnceLock<BTreeMap<String, HeaderValue>> = OnceLock::new();
    ALLOWED.get_or_init(|| {
        let doc = serde_json::to_value(document()).unwrap_or_default();
        let methods = ["get", "head", "post", "put", "patch", "delete"];
        let mut allowed = BTreeMap::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            let mut names: Vec<String> = methods
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| m.to_ascii_uppercase())
                .collect();
            // actix answers HEAD wherever it answers GET.
            if names.iter().any(|m| m == "GET") && !names.iter().any(|m| m == "HEAD") {
                names.insert(1, "HEAD".to_owned());
            }
            if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
                allowed.insert(path.clone(), value);
            }
        }
        allowed
    })
}

fn docs_page() -> String {
    let base = format!("https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI_VERSION}");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bakery API</title>
<link rel="stylesheet" href="{base}/swagger-ui.css" integrity="{SWAGGER_UI_CSS_SRI}" crossorigin="anonymous">
</head>
<body>
<div id="swagger-ui"><p>Loading Swagger UI&hellip; The raw document is at <a href="openapi.json">openapi.json</a>.</p></div>
<script src="{base}/swagger-ui-bundle.js" integrity="{SWAGGER_UI_JS_SRI}" crossorigin="anonymous"></script>
<script>
window.ui = SwaggerUIBundle({{ url: "openapi.json", dom_id: "\#swagger-ui", deepLinking: true }});
</script>
</body>
</html>
"#
    )
}

/// The operations, described on empty functions: the handlers themselves live in their modules.
#[allow(dead_code)]
mod paths {
    use super::schemas::{ErrorBody, Health, NewOrder, OrderAccepted, OrderView, Product};

    #[utoipa::path(
        get,
        path = "/api/products",
        tag = "catalog",
        summary = "List the active products",
        params(("If-None-Match" = Option<String>, Header, description = "An ETag from an earlier answer; 304 if the catalog is unchanged")),
        responses(
            (status = 200, description = "The catalog", body = Vec<Product>,
                headers(("ETag" = String, description = "Version of the catalog"))),
            (status = 304, description = "The catalog has not changed since the ETag"),
        )
    )]
    fn list_products() {}

    #[utoipa::path(
        post,
        path = "/api/orders",
        tag = "orders",
        summary = "Place an order",
        description = "Prices come from the catalog; an item `price` that differs is refused with 409. \
            With an `Idempotency-Key`, a retry with the same body returns the first answer.",
        request_body(content = NewOrder, content_type = "application/json"),
        params(("Idempotency-Key" = Option<String>, Header, description = "1 to 255 visible ASCII characters")),
        responses(
            (status = 201, description = "Accepted and queued for processing", body = OrderAccepted,
                headers(
                    ("Location" = String, description = "The order's address"),
                    ("Idempotent-Replayed" = String, description = "`true` when this is the first answer again"),
                )),
            (status = 400, description = "Invalid JSON, invalid fields (`details` lists them), unknown product, or bad Idempotency-Key", body = ErrorBody),
            (status = 409, description = "An item's price differs from the catalog's", body = ErrorBody),
            (status = 413, description = "The body is larger than the limit", body = ErrorBody),
            (status = 415, description = "The body is not JSON", body = ErrorBody),
            (status = 422, description = "The Idempotency-Key was used for another body", body = ErrorBody),
            (status = 503, description = "The database cannot take the order right now", body = ErrorBody),
        )
    )]
    fn create_order() {}

    #[utoipa::path(
        get,
        path = "/api/orders/{id}",
        tag = "orders",
        summary = "Show an order with its lines and history",
        params(("id" = i64, Path, description = "The order number")),
        responses(
            (status = 200, description = "The order", body = OrderView),
            (status = 400, description = "`id` is not a number", body = ErrorBody),
            (status = 404, description = "No such order", body = ErrorBody),
            (status = 503, description = "The database cannot be reached", body = ErrorBody),
        )
    )]
    fn get_order() {}

    #[utoipa::path(
        get,
        path = "/api/orders/{id}/events",
        tag = "orders",
        summary = "Follow an order's status as Server-Sent Events",
        description = "Each event is `event: status` with a `StatusChange` as `data`; the first is the \
            current status, and the stream ends after a final one (completed, rejected, cancelled, failed).",
        params(("id" = i64, Path, description = "The order number")),
        responses(
            (status = 200, description = "An event stream", content_type = "text/event-stream", body = String),
            (status = 400, description = "`id` is not a number", body = ErrorBody),
            (status = 404, description = "No such order", body = ErrorBody),
            (status = 503, description = "The database cannot be reached", body = ErrorBody),
        )
    )]
    fn order_events() {}

    #[utoipa::path(
        get,
        path = "/health",
        tag = "operations",
        summary = "Check the database, broker and cache",
        responses(
            (status = 200, description = "The database answers", body = Health),
            (status = 503, description = "The database does not answer", body = Health),
        )
    )]
    fn health() {}

    #[utoipa::path(
        get,
        path = "/metrics",
        tag = "operations",
        summary = "Prometheus metrics of this process",
        responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain", body = String))
    )]
    fn metrics() {}

    #[utoipa::path(
        get,
        path = "/api/openapi.json",
        tag = "operations",
        summary = "This document",
        responses((status = 200, description = "OpenAPI 3.1", body = Object))
    )]
    fn openapi_json() {}

    #[utoipa::path(
        get,
        path = "/api/docs",
        tag = "operations",
        summary = "Swagger UI for this document",
        responses((status = 200, description = "An HTML page", content_type = "text/html", body = String))
    )]
    fn docs() {}
}

/// `ToSchema` mirrors of the wire types (`bakery_wire`), field for field.
pub mod schemas {
    use serde::Serialize;
    use utoipa::ToSchema;

    /// One product of the catalog.
    #[derive(Serialize, ToSchema)]
    pub struct Product {
        pub id: i64,
        pub name: String,
        pub description: String,
        /// Price with two decimals, e.g. 29.99.
        pub price: f64,
        pub image_url: String,
        /// Pieces on the shelf; 0 means sold out.
        pub stock: i64,
    }

    /// The body of `POST /api/orders`.
    #[derive(Serialize, ToSchema)]
    pub struct NewOrder {
        /// Kept verbatim; not blank, no control characters.
        #[schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
        )]
        pub customer_name: String,
        /// A valid e-mail address: a local part, `@`, a dotted domain.
        #[schema(format = "email", max_length = 254)]
        pub customer_email: String,
        #[schema(min_items = 1, max_items = 50)]
        pub items: Vec<NewOrderItem>,
        /// `pickup` (the default) or `delivery`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub fulfillment: Option<Fulfillment>,
        /// Required for delivery; 1 to 500 characters.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[schema(max_length = 500)]
        pub delivery_address: Option<String>,
    }

    /// How the customer gets the order.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Fulfillment {
        Pickup,
        Delivery,
    }

    /// One line of a new order.
    #[derive(Serialize, ToSchema)]
    pub struct NewOrderItem {
        /// An active product's id.
        pub product_id: i64,
        #[schema(minimum = 1, maximum = 1000)]
        pub quantity: i64,
        /// If given, it must equal the catalog's price (else 409).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub price: Option<f64>,
    }

    /// The 201 answer to `POST /api/orders`.
    #[derive(Serialize, ToSchema)]
    pub struct OrderAccepted {
        pub order_id: i64,
        pub status: OrderStatus,
        /// Always `sent to processing queue`.
        pub queue_status: String,
        pub total: f64,
        /// `YYYY-MM-DD HH:MM:SS`, UTC.
        pub created_at: String,
    }

    /// One order, as `GET /api/orders/{id}` shows it.
    #[derive(Serialize, ToSchema)]
    pub struct OrderView {
        pub order_id: i64,
        pub customer_name: String,
        pub status: OrderStatus,
        /// `YYYY-MM-DD HH:MM:SS`, UTC.
        pub created_at: String,
        pub items: Vec<OrderLine>,
        pub total: f64,
        /// Every status the order has had, oldest first.
        pub history: Vec<StatusChange>,
        /// Why the order was rejected or failed.
        pub failure_reason: Option<String>,
        /// When baking ends, `YYYY-MM-DD HH:MM:SS` UTC, once the order is in the oven.
        pub ready_at: Option<String>,
        pub fulfillment: Fulfillment,
        /// Where a delivery order goes.
        pub delivery_address: Option<String>,
    }

    /// One line of a stored order, with the name and price as ordered.
    #[derive(Serialize, ToSchema)]
    pub struct OrderLine {
        pub product_name: String,
        pub quantity: i64,
        pub unit_price: f64,
        pub total: f64,
    }

    /// One step in an order's life; also the `data` of each Server-Sent Event.
    #[derive(Serialize, ToSchema)]
    pub struct StatusChange {
        pub status: OrderStatus,
        pub note: Option<String>,
        /// `YYYY-MM-DD HH:MM:SS`, UTC.
        pub at: String,
    }

    /// Where an order is in its life.
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum OrderStatus {
        Pending,
        Processing,
        Ready,
        OutForDelivery,
        Delivered,
        Completed,
        Rejected,
        Cancelled,
        Failed,
    }

    /// `GET /health`.
    #[derive(Serialize, ToSchema)]
    pub struct Health {
        /// `ok` or `degraded`.
        pub status: String,
        pub services: HealthServices,
    }

    /// Each backing service: `healthy`, `unhealthy`, or `embedded` (inside the process).
    #[derive(Serialize, ToSchema)]
    pub struct HealthServices {
        pub database: String,
        pub rabbitmq: String,
        pub redis: String,
    }

    /// Every error body.
    #[derive(Serialize, ToSchema)]
    pub struct ErrorBody {
        /// A sentence for people.
        pub error: String,
        /// A code for programs, e.g. `validation_failed`.
        pub code: String,
        /// More about the error (for `validation_failed`: `[{field, message}]`), or null.
        pub details: serde_json::Value,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use bakery_wire as wire;
    use serde_json::{Value, json};
    use utoipa::PartialSchema;

    use super::*;

    fn property_names<T: PartialSchema>() -> BTreeSet<String> {
        let schema = serde_json::to_value(T::schema()).unwrap_or_default();
        schema["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The keys the wire type `T` writes for `example` (read into `T` and written back), so a
    /// field added to the wire type shows up here without this test having to name it.
    fn wire_keys<T: serde::Serialize + serde::de::DeserializeOwned>(
        example: Value,
    ) -> BTreeSet<String> {
        let value: T = serde_json::from_value(example).expect("the example fits the wire type");
        match serde_json::to_value(value).unwrap_or_default() {
            Value::Object(map) => map.keys().cloned().collect(),
            _ => BTreeSet::new(),
        }
    }

    #[test]
    fn mirrors_have_the_fields_of_the_wire_types() {
        let line = json!({"product_name": "p", "quantity": 1, "unit_price": 1.0, "total": 1.0});
        let change = json!({"status": "ready", "note": "n", "at": "2026-01-01 00:00:00"});
        let item = json!({"product_id": 1, "quantity": 1, "price": 1.0});
        let services = json!({"database": "healthy", "rabbitmq": "embedded", "redis": "embedded"});
        let cases = [
            (
                property_names::<schemas::Product>(),
                wire_keys::<wire::Product>(json!({"id": 1, "name": "n", "description": "d",
                    "price": 1.0, "image_url": "i", "stock": 1})),
            ),
            (
                property_names::<schemas::NewOrderItem>(),
                wire_keys::<wire::NewOrderItem>(item.clone()),
            ),
            (
                property_names::<schemas::NewOrder>(),
                wire_keys::<wire::NewOrder>(json!({"customer_name": "n",
                    "customer_email": "e@x.io", "items": [item], "fulfillment": "delivery",
                    "delivery_address": "1 Oven Lane"})),
            ),
            (
                property_names::<schemas::OrderAccepted>(),
                wire_keys::<wire::OrderAccepted>(json!({"order_id": 1, "status": "pending",
                    "queue_status": "q", "total": 1.0, "created_at": "t"})),
            ),
            (
                property_names::<schemas::OrderLine>(),
                wire_keys::<wire::OrderLine>(line.clone()),
            ),
            (
                property_names::<schemas::OrderView>(),
                wire_keys::<wire::OrderView>(json!({"order_id": 1, "customer_name": "n",
                    "status": "ready", "created_at": "t", "items": [line], "total": 1.0,
                    "history": [change.clone()], "failure_reason": null, "ready_at": null,
                    "fulfillment": "delivery", "delivery_address": "1 Oven Lane"})),
            ),
            (
                property_names::<schemas::StatusChange>(),
                wire_keys::<wire::StatusChange>(change),
            ),
            (
                property_names::<schemas::Health>(),
                wire_keys::<wire::Health>(json!({"status": "ok", "services": services.clone()})),
            ),
            (
                property_names::<schemas::HealthServices>(),
                wire_keys::<wire::HealthServices>(services),
            ),
            (
                property_names::<schemas::ErrorBody>(),
                wire_keys::<wire::ErrorBody>(json!({"error": "e", "code": "c", "details": null})),
            ),
        ];
        for (mirror, wire) in cases {
            assert_eq!(mirror, wire, "a schema mirror and its wire type differ");
        }
    }

    #[test]
    fn the_status_enum_lists_every_wire_status() {
        let schema = serde_json::to_value(schemas::OrderStatus::schema()).unwrap_or_default();
        let names: Vec<Value> = wire::OrderStatus::ALL
            .iter()
            .map(|s| json!(s.as_str()))
            .collect();
        assert_eq!(schema["enum"], Value::Array(names));
    }
}
