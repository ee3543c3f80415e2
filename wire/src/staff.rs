//! Request and response types of the staff back-office API (`/api/staff/...`, `/api/admin/...`).

use serde::{Deserialize, Serialize};

use crate::{OrderLine, OrderStatus};

/// The header that carries a signed-in staff member's CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "X-CSRF-Token";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "bakery_session";

/// What a staff member may do: `admin` everything, `baker` the order board and stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Admin,
    Baker,
}

impl StaffRole {
    /// The lowercase name used on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            StaffRole::Admin => "admin",
            StaffRole::Baker => "baker",
        }
    }

    /// Parses the lowercase name.
    pub fn parse(name: &str) -> Option<StaffRole> {
        match name {
            "admin" => Some(StaffRole::Admin),
            "baker" => Some(StaffRole::Baker),
            _ => None,
        }
    }
}

/// `POST /api/staff/sign-in`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// Who is signed in (`POST /api/staff/sign-in`, `GET /api/staff/me`); send `csrf_token` back in
/// the `X-CSRF-Token` header of every state-changing staff request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffSession {
    pub email: String,
    pub role: StaffRole,
    pub csrf_token: String,
}

/// A product as the back-office sees it (inactive ones included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminProduct {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub price: f64,
    pub image_url: String,
    pub stock: i64,
    pub active: bool,
}

/// `POST /api/admin/products`: a new product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewProduct {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub price: f64,
    #[serde(default)]
    pub image_url: String,
    #[serde(default)]
    pub stock: i64,
}

/// `PATCH /api/admin/products/{id}`: only the fields given change. A new price applies to new
/// orders only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProductPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
}

/// `POST /api/admin/products/{id}/stock`: set the count or adjust it by a delta, with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjust: Option<i64>,
    pub reason: String,
}

/// How the customer gets the order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fulfillment {
    #[default]
    Pickup,
    Delivery,
}

/// One order on the staff's order board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardOrder {
    pub order_id: i64,
    pub customer_name: String,
    pub customer_email: String,
    pub status: OrderStatus,
    pub fulfillment: Fulfillment,
    #[serde(default)]
    pub delivery_address: Option<String>,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub created_at: String,
    #[serde(default)]
    pub ready_at: Option<String>,
    pub items: Vec<OrderLine>,
    pub total: f64,
    #[serde(default)]
    pub failure_reason: Option<String>,
}

/// The body of `POST /api/admin/orders/{id}/cancel` (and of a customer's own cancel, which
/// proves the order is theirs with its e-mail).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CancelOrder {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub customer_email: Option<String>,
}

/// `POST /api/admin/users`: a new staff account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewStaffUser {
    pub email: String,
    pub password: String,
    pub role: StaffRole,
}

/// A staff account as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffUser {
    pub id: i64,
    pub email: String,
    pub role: StaffRole,
    pub active: bool,
}

/// `POST /api/admin/tokens`: a bearer token for automation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewApiToken {
    pub name: String,
    pub role: StaffRole,
}

/// A bearer token as listed; `token` is present only in the answer that created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: StaffRole,
    pub created_at: String,
    #[serde(default)]
    pub revoked_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// One line of the audit log: who did what to what, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    #[serde(default)]
    pub details: serde_json::Value,
    pub at: String,
}

/// `POST /api/admin/webhooks`: an endpoint to receive every order's status changes. Without a
/// `secret` the server makes one (shown once, in the answer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewWebhook {
    pub url: String,
    #[serde(default)]
    pub secret: Option<String>,
}

/// A webhook endpoint as listed; `secret` is present only in the answer that created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub active: bool,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One notification to one target (`GET /api/admin/notifications`): `status` is `delivered` or
/// `failing` (retried with backoff until delivered).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotificationDelivery {
    pub id: i64,
    /// The outbox row of the notification; with the endpoint's id it makes `X-Bakery-Delivery`.
    pub outbox_id: i64,
    #[serde(default)]
    pub order_id: Option<i64>,
    /// The order status the notification announces.
    #[serde(default)]
    pub order_status: Option<OrderStatus>,
    /// `webhook` or `email`.
    pub channel: String,
    /// The endpoint's id (webhooks) or the customer's e-mail address.
    pub target: String,
    pub status: String,
    pub attempts: i32,
    #[serde(default)]
    pub last_error: Option<String>,
    pub updated_at: String,
    #[serde(default)]
    pub delivered_at: Option<String>,
}
