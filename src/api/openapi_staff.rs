//! The OpenAPI document of the staff back-office (`/api/staff/...`, `/api/admin/...`), merged into `/api/openapi.json`.

use utoipa::OpenApi;

/// The back-office part of the document.
#[derive(OpenApi)]
#[openapi(
    paths(
        paths::sign_in,
        paths::sign_out,
        paths::me,
        paths::list_products,
        paths::add_product,
        paths::change_product,
        paths::change_stock,
        paths::board,
        paths::board_events,
        paths::order_action,
        paths::list_users,
        paths::add_user,
        paths::list_tokens,
        paths::add_token,
        paths::revoke_token,
        paths::audit,
        paths::customer_cancel,
        paths::list_webhooks,
        paths::add_webhook,
        paths::remove_webhook,
        paths::notifications,
    ),
    components(schemas(
        schemas::SignIn,
        schemas::StaffSession,
        schemas::StaffRole,
        schemas::AdminProduct,
        schemas::NewProduct,
        schemas::ProductPatch,
        schemas::StockChange,
        schemas::BoardOrder,
        schemas::CancelOrder,
        schemas::NewStaffUser,
        schemas::StaffUser,
        schemas::NewApiToken,
        schemas::ApiToken,
        schemas::AuditEntry,
        schemas::NewWebhook,
        schemas::Webhook,
        schemas::NotificationDelivery,
    )),
    modifiers(&Security),
    tags(
        (name = "staff", description = "Signing in and out of the back-office"),
        (name = "admin", description = "The back-office: catalog, stock, order board, accounts, tokens, audit"),
    )
)]
pub struct StaffApiDoc;

/// Declares the two ways to authenticate: the session cookie (plus `X-CSRF-Token` on changes)
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
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("bakery_session"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[allow(dead_code)] // the functions only carry the operations' descriptions
mod paths {
    use super::super::openapi::schemas::{ErrorBody, OrderView};
    use super::schemas::*;

    #[utoipa::path(post, path = "/api/staff/sign-in", tag = "staff", summary = "Sign in",
        description = "Sets the `bakery_session` cookie (HttpOnly, SameSite=Strict). Five failures per account in 15 minutes block further tries.",
        request_body(content = SignIn, content_type = "application/json"),
        responses(
            (status = 200, description = "Signed in; send `csrf_token` as `X-CSRF-Token` on changes", body = StaffSession),
            (status = 400, description = "Not JSON, or no e-mail and password", body = ErrorBody),
            (status = 401, description = "Wrong e-mail or password", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
            (status = 429, description = "Too many failed sign-ins", body = ErrorBody),
        ))]
    fn sign_in() {}

    #[utoipa::path(post, path = "/api/staff/sign-out", tag = "staff", summary = "Sign out",
        security(("session" = [])),
        responses(
            (status = 204, description = "Signed out; the cookie is cleared"),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "No valid X-CSRF-Token", body = ErrorBody),
        ))]
    fn sign_out() {}

    #[utoipa::path(get, path = "/api/staff/me", tag = "staff", summary = "Who is signed in",
        security(("session" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The signed-in staff member", body = StaffSession),
            (status = 401, description = "Not signed in", body = ErrorBody),
        ))]
    fn me() {}

    #[utoipa::path(get, path = "/api/admin/products", tag = "admin", summary = "Every product, inactive ones too (admin, baker)",
        security(("session" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The products", body = Vec<AdminProduct>),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed", body = ErrorBody),
        ))]
    fn list_products() {}

    #[utoipa::path(post, path = "/api/admin/products", tag = "admin", summary = "Add a product (admin)",
        security(("session" = []), ("bearer" = [])),
        request_body(content = NewProduct, content_type = "application/json"),
        responses(
            (status = 201, description = "Added", body = AdminProduct),
            (status = 400, description = "Invalid fields", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
        ))]
    fn add_product() {}

    #[utoipa::path(patch, path = "/api/admin/products/{id}", tag = "admin", summary = "Change a product (admin); orders keep their prices",
        security(("session" = []), ("bearer" = [])),
        params(("id" = i64, Path, description = "The product")),
        request_body(content = ProductPatch, content_type = "application/json"),
        responses(
            (status = 200, description = "Changed", body = AdminProduct),
            (status = 400, description = "Invalid fields", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 404, description = "No such product", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
        ))]
    fn change_product() {}

    #[utoipa::path(post, path = "/api/admin/products/{id}/stock", tag = "admin", summary = "Set or adjust stock with a reason (admin, baker)",
        security(("session" = []), ("bearer" = [])),
        params(("id" = i64, Path, description = "The product")),
        request_body(content = StockChange, content_type = "application/json"),
        responses(
            (status = 200, description = "Changed", body = AdminProduct),
            (status = 400, description = "Invalid fields", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 404, description = "No such product", body = ErrorBody),
            (status = 409, description = "The adjustment would go below zero", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
        ))]
    fn change_stock() {}

    #[utoipa::path(get, path = "/api/admin/orders", tag = "admin", summary = "The day's orders, newest first (admin, baker)",
        security(("session" = []), ("bearer" = [])),
        params(
            ("day" = Option<String>, Query, description = "`today` (default) or YYYY-MM-DD"),
            ("status" = Option<String>, Query, description = "Only orders in this status"),
        ),
        responses(
            (status = 200, description = "The board", body = Vec<BoardOrder>),
            (status = 400, description = "Bad day or status", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed", body = ErrorBody),
        ))]
    fn board() {}

    #[utoipa::path(get, path = "/api/admin/orders/events", tag = "admin", summary = "Every order's status changes, live (admin, baker)",
        description = "Server-Sent Events: `event: status` with `data: {order_id, change: {status, note, at}}`; `event: reload` when the stream fell behind.",
        security(("session" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "An event stream", content_type = "text/event-stream", body = String),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed", body = ErrorBody),
        ))]
    fn board_events() {}

    #[utoipa::path(post, path = "/api/admin/orders/{id}/{action}", tag = "admin", summary = "Move an order (admin, baker)",
        description = "`complete` (ready → completed, pickup), `dispatch` (ready → out_for_delivery), `deliver` (out_for_delivery → delivered), `cancel` (pending/processing → cancelled, body `{reason}`, stock returned), `retry` (failed → pending).",
        security(("session" = []), ("bearer" = [])),
        params(
            ("id" = i64, Path, description = "The order number"),
            ("action" = String, Path, description = "complete, dispatch, deliver, cancel or retry"),
        ),
        request_body(content = Option<CancelOrder>, content_type = "application/json"),
        responses(
            (status = 200, description = "Moved", body = BoardOrder),
            (status = 400, description = "Bad order number, or a cancel without a reason", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 404, description = "No such order or action", body = ErrorBody),
            (status = 409, description = "The order's status does not allow this move", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
        ))]
    fn order_action() {}

    #[utoipa::path(get, path = "/api/admin/users", tag = "admin", summary = "Staff accounts (admin)",
        security(("session" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The accounts", body = Vec<StaffUser>),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed", body = ErrorBody),
        ))]
    fn list_users() {}

    #[utoipa::path(post, path = "/api/admin/users", tag = "admin", summary = "Add a staff account (admin)",
        security(("session" = []), ("bearer" = [])),
        request_body(content = NewStaffUser, content_type = "application/json"),
        responses(
            (status = 201, description = "Added", body = StaffUser),
            (status = 400, description = "Invalid e-mail or a password under 10 characters", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 409, description = "The e-mail has an account", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
        ))]
    fn add_user() {}

    #[utoipa::path(get, path = "/api/admin/tokens", tag = "admin", summary = "Bearer tokens (admin)",
        security(("session" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The tokens, without their secrets", body = Vec<ApiToken>),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed", body = ErrorBody),
        ))]
    fn list_tokens() {}

    #[utoipa::path(post, path = "/api/admin/tokens", tag = "admin", summary = "Create a bearer token (admin); shown once",
        security(("session" = []), ("bearer" = [])),
        request_body(content = NewApiToken, content_type = "application/json"),
        responses(
            (status = 201, description = "Created; `token` is shown only now", body = ApiToken),
            (status = 400, description = "Invalid fields", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
        ))]
    fn add_token() {}

    #[utoipa::path(delete, path = "/api/admin/tokens/{id}", tag = "admin", summary = "Revoke a bearer token (admin)",
        security(("session" = []), ("bearer" = [])),
        params(("id" = i64, Path, description = "The token")),
        responses(
            (status = 204, description = "Revoked"),
            (status = 400, description = "Bad id", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 404, description = "No such (unrevoked) token", body = ErrorBody),
        ))]
    fn revoke_token() {}

    #[utoipa::path(get, path = "/api/admin/audit", tag = "admin", summary = "The latest 500 staff actions (admin)",
        security(("session" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "Newest first", body = Vec<AuditEntry>),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed", body = ErrorBody),
        ))]
    fn audit() {}

    #[utoipa::path(post, path = "/api/orders/{id}/cancel", tag = "orders", summary = "A customer cancels their pending order",
        description = "The order's e-mail proves it is the customer's.",
        params(("id" = i64, Path, description = "The order number")),
        request_body(content = CancelOrder, content_type = "application/json"),
        responses(
            (status = 200, description = "Cancelled", body = OrderView),
            (status = 400, description = "Bad order number or no e-mail", body = ErrorBody),
            (status = 403, description = "The e-mail is not the order's", body = ErrorBody),
            (status = 404, description = "No such order", body = ErrorBody),
            (status = 409, description = "The order is no longer pending", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
        ))]
    fn customer_cancel() {}

    #[utoipa::path(get, path = "/api/admin/webhooks", tag = "admin", summary = "Webhook endpoints (admin)",
        security(("session" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "The active endpoints, without their secrets", body = Vec<Webhook>),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed", body = ErrorBody),
        ))]
    fn list_webhooks() {}

    #[utoipa::path(post, path = "/api/admin/webhooks", tag = "admin", summary = "Add a webhook endpoint (admin)",
        description = "Every order status change is POSTed to it as JSON `{event_id, order_id, status, note, at, customer_name, customer_email, fulfillment}` with `X-Bakery-Signature: sha256=<hex HMAC-SHA256 of the body keyed with the secret>` and `X-Bakery-Delivery: <outbox id>-<endpoint id>` (the same on retries); a 2xx answer counts as delivered, anything else is retried with backoff. Plain `http://` only.",
        security(("session" = []), ("bearer" = [])),
        request_body(content = NewWebhook, content_type = "application/json"),
        responses(
            (status = 201, description = "Added; `secret` is shown only now", body = Webhook),
            (status = 400, description = "Not an http:// URL, or a secret under 16 characters", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 413, description = "Body too large", body = ErrorBody),
            (status = 415, description = "Not JSON", body = ErrorBody),
        ))]
    fn add_webhook() {}

    #[utoipa::path(delete, path = "/api/admin/webhooks/{id}", tag = "admin", summary = "Remove a webhook endpoint (admin)",
        security(("session" = []), ("bearer" = [])),
        params(("id" = i64, Path, description = "The endpoint")),
        responses(
            (status = 204, description = "Removed; its past deliveries stay listed"),
            (status = 400, description = "Bad id", body = ErrorBody),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed, or no valid X-CSRF-Token", body = ErrorBody),
            (status = 404, description = "No such (active) endpoint", body = ErrorBody),
        ))]
    fn remove_webhook() {}

    #[utoipa::path(get, path = "/api/admin/notifications", tag = "admin", summary = "The latest 500 notification deliveries (admin)",
        security(("session" = []), ("bearer" = [])),
        responses(
            (status = 200, description = "Most recently tried first", body = Vec<NotificationDelivery>),
            (status = 401, description = "Not signed in", body = ErrorBody),
            (status = 403, description = "Role not allowed", body = ErrorBody),
        ))]
    fn notifications() {}
}

/// `ToSchema` mirrors of the back-office wire types (`bakery_wire::staff`), field for field.
pub mod schemas {
    use serde::Serialize;
    use utoipa::ToSchema;

    pub use super::super::openapi::schemas::{Fulfillment, OrderLine, OrderStatus};

    /// `admin` (everything) or `baker` (order board and stock).
    #[derive(Serialize, ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum StaffRole {
        Admin,
        Baker,
    }

    /// E-mail and password.
    #[derive(Serialize, ToSchema)]
    pub struct SignIn {
        pub email: String,
        pub password: String,
    }

    /// Who is signed in, with the CSRF token to send back.
    #[derive(Serialize, ToSchema)]
    pub struct StaffSession {
        pub email: String,
        pub role: StaffRole,
        pub csrf_token: String,
    }

    /// A product as the back-office sees it.
    #[derive(Serialize, ToSchema)]
    pub struct AdminProduct {
        pub id: i64,
        pub name: String,
        pub description: String,
        pub price: f64,
        pub image_url: String,
        pub stock: i64,
        pub active: bool,
    }

    /// A new product.
    #[derive(Serialize, ToSchema)]
    pub struct NewProduct {
        #[schema(min_length = 1, max_length = 200)]
        pub name: String,
        pub description: String,
        pub price: f64,
        pub image_url: String,
        pub stock: i64,
    }

    /// Fields to change; absent ones stay.
    #[derive(Serialize, ToSchema)]
    pub struct ProductPatch {
        pub name: Option<String>,
        pub description: Option<String>,
        pub price: Option<f64>,
        pub image_url: Option<String>,
        pub active: Option<bool>,
    }

    /// Either `set` or `adjust`, with a reason.
    #[derive(Serialize, ToSchema)]
    pub struct StockChange {
        pub set: Option<i64>,
        pub adjust: Option<i64>,
        #[schema(min_length = 1, max_length = 500)]
        pub reason: String,
    }

    /// One order on the board.
    #[derive(Serialize, ToSchema)]
    pub struct BoardOrder {
        pub order_id: i64,
        pub customer_name: String,
        pub customer_email: String,
        pub status: OrderStatus,
        pub fulfillment: Fulfillment,
        pub delivery_address: Option<String>,
        pub created_at: String,
        pub ready_at: Option<String>,
        pub items: Vec<OrderLine>,
        pub total: f64,
        pub failure_reason: Option<String>,
    }

    /// A cancel: the staff give a reason; a customer gives the order's e-mail.
    #[derive(Serialize, ToSchema)]
    pub struct CancelOrder {
        pub reason: Option<String>,
        pub customer_email: Option<String>,
    }

    /// A new staff account.
    #[derive(Serialize, ToSchema)]
    pub struct NewStaffUser {
        pub email: String,
        #[schema(min_length = 10)]
        pub password: String,
        pub role: StaffRole,
    }

    /// A staff account.
    #[derive(Serialize, ToSchema)]
    pub struct StaffUser {
        pub id: i64,
        pub email: String,
        pub role: StaffRole,
        pub active: bool,
    }

    /// A new bearer token.
    #[derive(Serialize, ToSchema)]
    pub struct NewApiToken {
        pub name: String,
        pub role: StaffRole,
    }

    /// A bearer token; `token` only in the answer that created it.
    #[derive(Serialize, ToSchema)]
    pub struct ApiToken {
        pub id: i64,
        pub name: String,
        pub role: StaffRole,
        pub created_at: String,
        pub revoked_at: Option<String>,
        pub token: Option<String>,
    }

    /// One staff action.
    #[derive(Serialize, ToSchema)]
    pub struct AuditEntry {
        pub id: i64,
        pub actor: String,
        pub action: String,
        pub target: String,
        pub details: serde_json::Value,
        pub at: String,
    }

    /// A new webhook endpoint; without a secret the server makes one.
    #[derive(Serialize, ToSchema)]
    pub struct NewWebhook {
        #[schema(max_length = 2000)]
        pub url: String,
        #[schema(min_length = 16, max_length = 200)]
        pub secret: Option<String>,
    }

    /// A webhook endpoint; `secret` only in the answer that created it.
    #[derive(Serialize, ToSchema)]
    pub struct Webhook {
        pub id: i64,
        pub url: String,
        pub active: bool,
        pub created_at: String,
        pub secret: Option<String>,
    }

    /// One notification to one target: `status` is `delivered` or `failing` (being retried).
    #[derive(Serialize, ToSchema)]
    pub struct NotificationDelivery {
        pub id: i64,
        pub outbox_id: i64,
        pub order_id: Option<i64>,
        pub order_status: Option<OrderStatus>,
        /// `webhook` or `email`.
        pub channel: String,
        /// The endpoint's id, or the customer's e-mail address.
        pub target: String,
        pub status: String,
        pub attempts: i32,
        pub last_error: Option<String>,
        pub updated_at: String,
        pub delivered_at: Option<String>,
    }
}
