//! The OpenAPI 3.1 document of every endpoint (`GET /api/openapi.json`), a Swagger UI page for it
//! (`GET /api/docs`), and the `Allow` header of 405 answers.
//!
//! The document is made from the routes themselves: [`super::routes`] registers every handler
//! through `utoipa_actix_web`, which takes each handler's `#[utoipa::path]` operation (path and
//! method from its actix attribute) and the schemas it names. Those are derived on the wire types
//! (`bakery_wire`, whose `openapi` feature only the server enables), so a route cannot be served
//! without being documented, nor a field change without the document following. The few request
//! bodies whose rules differ by endpoint are described here ([`StaffCancel`], [`CustomerCancel`]),
//! with the board's `day` ([`BoardDay`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{App, HttpResponse, get, web};
use bakery_wire::staff::{DeliveryStatus, VISIBLE_TEXT_PATTERN};
use bakery_wire::{FieldError, StatusChange};
use serde_json::{Value, json};
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{KnownFormat, Ref, RefOr, SchemaFormat};
use utoipa::{OpenApi, PartialSchema, ToSchema};
use utoipa_actix_web::AppExt;

use super::errors;

/// The Swagger UI release the docs page loads, with the hashes of its two files (from the
/// `swagger-ui-dist` npm package), so the browser refuses anything else.
const SWAGGER_UI_VERSION: &str = "5.35.0";
const SWAGGER_UI_JS_SRI: &str =
    "sha384-gjRm0bEPMeTmMh5jT2cHccIwCUZSTd8YC+j0d0sXw0MdGEfScduGpSyF3ZSSLkX9";
const SWAGGER_UI_CSS_SRI: &str =
    "sha384-WlYgdmXYOOBWL5apwjDEZwN+U3HmXSSu5R6V5aGxEcf7z+KuRNwBhoxKVN1i3D5I";

/// What the document says besides its operations.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Bakery",
        description = "A bakery's ordering API: the catalog, orders, their live status, the staff back-office, and operations endpoints. \
            Every error is JSON `{error, code, details}` (for `validation_failed`, `details` is a list of `FieldError`); \
            503 `service_unavailable` means a backing service is down (try again shortly), 500 `internal_error` a bug \
            (`details` null, the cause logged with the request id); \
            money is a JSON number with at most two decimals. A path's other methods answer 405 with `Allow`.",
        license(name = "MIT")
    ),
    components(schemas(StatusChange, FieldError, BoardDay, OrderEvent, BoardEvent, DeliveryStatus)),
    modifiers(&Security),
    tags(
        (name = "catalog", description = "What the bakery sells"),
        (name = "orders", description = "Placing and following orders"),
        (name = "slots", description = "Pickup slots and delivery windows: when an order can be for"),
        (name = "staff", description = "Signing in and out of the back-office"),
        (name = "admin", description = "The back-office: catalog, stock, order board, calendar and switches, accounts, tokens, webhooks, audit"),
        (name = "operations", description = "Health, metrics and this document"),
    )
)]
struct ApiDoc;

/// Declares the two ways staff authenticate: the session cookie (plus `X-CSRF-Token` on changes)
/// and bearer tokens.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                bakery_wire::staff::SESSION_COOKIE,
                "Set by sign-in; POST, PATCH and DELETE also need the session's CSRF token in `X-CSRF-Token`. After an admin's password reset, every request but `GET /api/staff/me`, `POST /api/staff/password` and `POST /api/staff/sign-out` answers 403 `password_change_required`",
            ))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `POST /api/admin/tokens`"))
                    .build(),
            ),
        );
    }
}

/// The whole document as JSON, made once from the routes.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let (_, document) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .configure(|cfg| super::register(cfg, false))
            .split_for_parts();
        let mut document = serde_json::to_value(document).unwrap_or_default();
        camel_case_links(&mut document);
        delivery_needs_an_address(&mut document);
        document
    })
}

/// utoipa 5 writes a link's fields in snake case; OpenAPI spells them `operationId`, ….
fn camel_case_links(document: &mut Value) {
    let operations = document["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    for operation in operations {
        let links = operation["responses"]
            .as_object_mut()
            .into_iter()
            .flat_map(|responses| responses.values_mut())
            .filter_map(|response| response.get_mut("links"))
            .filter_map(Value::as_object_mut)
            .flat_map(|links| links.values_mut())
            .filter_map(Value::as_object_mut);
        for link in links {
            for (snake, camel) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
                ("request_body", "requestBody"),
            ] {
                if let Some(value) = link.remove(snake) {
                    link.insert(camel.to_owned(), value);
                }
            }
        }
    }
}

/// A rule of `NewOrder` that its fields alone cannot state: a delivery needs an address (some
/// visible text, at most 500 characters, line breaks allowed); a pickup order's address is not read.
fn delivery_needs_an_address(document: &mut Value) {
    let Some(order) = document.pointer_mut("/components/schemas/NewOrder") else {
        return;
    };
    order["properties"]["delivery_address"] = json!({
        "description": "Required for delivery, and read only then"
    });
    order["oneOf"] = json!([
        {
            "title": "Pickup",
            "properties": { "fulfillment": { "enum": ["pickup", null] } }
        },
        {
            "title": "Delivery",
            "required": ["fulfillment", "delivery_address"],
            "properties": {
                "fulfillment": { "enum": ["delivery"] },
                "delivery_address": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": bakery_wire::rules::MAX_ADDRESS_CHARS,
                    "pattern": ADDRESS_PATTERN
                }
            }
        }
    ]);
}

/// [`bakery_wire::rules::check_delivery_address`]: not blank, no control characters but line breaks.
const ADDRESS_PATTERN: &str = r"^[^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb][^\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$";

/// The document as JSON.
#[utoipa::path(
    tag = "operations",
    summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = Object))
)]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

/// A Swagger UI page reading `openapi.json` next to it. The browser loads the UI's script and
/// style, pinned and hash-checked, from a public CDN; the document itself never leaves the shop.
#[utoipa::path(
    tag = "operations",
    summary = "Swagger UI for this document",
    responses((status = 200, description = "An HTML page", content_type = "text/html", body = String))
)]
#[get("/docs")]
pub async fn docs() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::CONTENT_SECURITY_POLICY, docs_policy()))
        .body(docs_page())
}

/// Registers, for every documented path under `prefix` (and, with an empty prefix, every one
/// outside `/api`), a resource that answers its other methods with 405. Call after the routes
/// themselves, which come first in the matching.
pub fn method_fallbacks(cfg: &mut web::ServiceConfig, prefix: &str) {
    for path in document()["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.keys())
    {
        let own = match prefix {
            "" => (!path.starts_with("/api/")).then_some(path.as_str()),
            _ => path.strip_prefix(prefix),
        };
        if let Some(own) = own {
            cfg.service(
                web::resource(own.to_owned()).default_service(web::to(errors::method_not_allowed)),
            );
        }
    }
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
        let doc = document();
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

/// Where the pinned Swagger UI files are.
fn swagger_ui_base() -> String {
    format!("https://cdn.jsdelivr.net/npm/swagger-ui-dist@{SWAGGER_UI_VERSION}")
}

/// The docs page's one inline script: starts Swagger UI on the document next to it (no
/// validator badge, which would load an image from swagger.io).
const DOCS_INIT_SCRIPT: &str = r##"
window.ui = SwaggerUIBundle({ url: "openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });
"##;

/// The docs page's own Content-Security-Policy (the site's would refuse the CDN): scripts are
/// exactly the pinned bundle and the inline start-up script (by its hash), styles the pinned
/// sheet plus the inline styles Swagger UI sets; requests go to this site only.
pub fn docs_policy() -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let base = swagger_ui_base();
    let init = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(DOCS_INIT_SCRIPT));
    format!(
        "default-src 'none'; script-src {base}/swagger-ui-bundle.js 'sha256-{init}'; \
         style-src {base}/swagger-ui.css 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

fn docs_page() -> String {
    let base = swagger_ui_base();
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
<script>{DOCS_INIT_SCRIPT}</script>
</body>
</html>
"#
    )
}

/// The body of an admin's cancel: a reason is required.
pub struct StaffCancel;

impl PartialSchema for StaffCancel {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(
                "reason",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1))
                    .max_length(Some(500))
                    .pattern(Some(VISIBLE_TEXT_PATTERN))
                    .description(Some(
                        "Why the order is cancelled, for the audit log and the customer",
                    )),
            )
            .required("reason")
            .description(Some("A `CancelOrder` from the staff"))
            .into()
    }
}

impl ToSchema for StaffCancel {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("StaffCancel")
    }
}

/// The body of a customer's cancel: a JSON object, optionally with the order's e-mail (which
/// proves the order is the customer's only with `order_lookup = "open"`).
pub struct CustomerCancel;

impl PartialSchema for CustomerCancel {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(
                "customer_email",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some(
                        "Only with `order_lookup = \"open\"`: the e-mail the order was placed with (another one is 403); otherwise ignored, the tracking token proves it",
                    )),
            )
            .description(Some("A `CancelOrder` from the customer; `{}` will do"))
            .into()
    }
}

impl ToSchema for CustomerCancel {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("CustomerCancel")
    }
}

/// The board's `day`: `today` or a date.
pub struct BoardDay;

impl PartialSchema for BoardDay {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(["today"])),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
            )
            .description(Some("`today` or a day, YYYY-MM-DD"))
            .into()
    }
}

impl ToSchema for BoardDay {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("BoardDay")
    }
}

/// The `data` of an event: JSON text (`contentMediaType`) holding `content` (`contentSchema`).
fn json_data(content: impl Into<RefOr<Schema>>) -> ObjectBuilder {
    let content = serde_json::to_value(content.into()).unwrap_or_default();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .content_media_type("application/json")
        .extensions(Some(Extensions::from_iter([("contentSchema", content)])))
}

/// One Server-Sent Event: its `event` name and its `data`.
fn sse_event(name: &str, data: ObjectBuilder) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(Type::Object)
        .property(
            "event",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some([name])),
        )
        .property("data", data)
        .required("event")
        .required("data")
}

/// Each event of an order's stream (`GET /api/orders/{id}/events`): `event: status` with a
/// `StatusChange` as its JSON `data`.
pub struct OrderEvent;

impl PartialSchema for OrderEvent {
    fn schema() -> RefOr<Schema> {
        sse_event(
            "status",
            json_data(Ref::from_schema_name(StatusChange::name())),
        )
        .description(Some(
            "One event of the stream: `event: status`, `data:` a `StatusChange`",
        ))
        .into()
    }
}

impl ToSchema for OrderEvent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("OrderEvent")
    }
}

/// Each event of the staff's board stream (`GET /api/admin/orders/events`): `event: status` with
/// `{order_id, change, fields?}`, or `event: reload` with `{}` when the stream fell behind.
pub struct BoardEvent;

impl PartialSchema for BoardEvent {
    fn schema() -> RefOr<Schema> {
        let moved = ObjectBuilder::new()
            .schema_type(Type::Object)
            .property(
                "order_id",
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1)),
            )
            .property("change", Ref::from_schema_name(StatusChange::name()))
            .property(
                "fields",
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .description(Some(
                        "What else the move wrote: `ready_at`, `failure_reason`",
                    )),
            )
            .required("order_id")
            .required("change");
        let reload = ObjectBuilder::new()
            .schema_type(Type::Object)
            .max_properties(Some(0));
        OneOfBuilder::new()
            .item(sse_event("status", json_data(moved)))
            .item(sse_event("reload", json_data(reload)))
            .description(Some(
                "One event of the board's stream: a status change of any order, or `reload` (read the board again)",
            ))
            .into()
    }
}

impl ToSchema for BoardEvent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("BoardEvent")
    }
}
