//! Request and response types of the staff back-office API (`/api/staff/...`, `/api/admin/...`).

use serde::{Deserialize, Serialize};

use crate::{OrderLine, OrderStatus};

/// The header that carries a signed-in staff member's CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "X-CSRF-Token";
/// The session cookie's name.
pub const SESSION_COOKIE: &str = "bakery_session";

/// What a staff member may do: `admin` everything, `baker` the order board and stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignIn {
    pub email: String,
    pub password: String,
}

/// Who is signed in (`POST /api/staff/sign-in`, `GET /api/staff/me`); send `csrf_token` back in
/// the `X-CSRF-Token` header of every state-changing staff request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffSession {
    pub email: String,
    pub role: StaffRole,
    pub csrf_token: String,
    /// An admin reset the password: until it is changed (`POST /api/staff/password`), every
    /// other staff request is refused with 403 `password_change_required`.
    #[serde(default)]
    pub must_change_password: bool,
}

/// `POST /api/staff/password`: change one's own password.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 10 characters, not the current password.
    #[cfg_attr(feature = "openapi", schema(min_length = 10))]
    pub new_password: String,
}

/// `POST /api/admin/users/{id}/password`: a temporary password; the user must change it at the
/// next sign-in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordReset {
    #[cfg_attr(feature = "openapi", schema(min_length = 10))]
    pub password: String,
}

/// `POST /api/admin/users/{id}/role`: the account's new role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleChange {
    pub role: StaffRole,
}

/// A product as the back-office sees it (inactive ones included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminProduct {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub id: i64,
    pub name: String,
    pub description: String,
    pub price: f64,
    pub image_url: String,
    pub stock: i64,
    pub active: bool,
    /// Most pieces of this product in one order; null: the general rule (1000).
    #[serde(default)]
    pub max_per_order: Option<i64>,
    /// When the kitchen can make it.
    #[serde(flatten, default)]
    pub planning: crate::ProductPlanning,
    /// Allergens it contains.
    #[serde(default)]
    pub allergens: Vec<crate::Allergen>,
    /// Allergens it may contain.
    #[serde(default)]
    pub may_contain: Vec<crate::Allergen>,
    /// Its dietary labels.
    #[serde(default)]
    pub dietary: Vec<crate::Dietary>,
    /// Its category's id; null: uncategorised.
    #[serde(default)]
    pub category_id: Option<i64>,
    /// Its category's name; null: uncategorised.
    #[serde(default)]
    pub category: Option<String>,
    /// Its option groups (`PUT /api/admin/products/{id}/options` replaces them).
    #[serde(default)]
    pub options: Vec<crate::OptionGroup>,
    /// The inscription it takes; null: none.
    #[serde(default)]
    pub inscription: Option<crate::Inscription>,
    /// Its picture, as the menu shows it; null: none.
    #[serde(default)]
    pub picture: Option<crate::menu::ProductPicture>,
}

/// `POST /api/admin/products`: a new product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewProduct {
    /// Some visible text; no control characters but line breaks.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb][^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2000,
            pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub description: String,
    /// More than 0, at most 1000000, with at most two decimals.
    #[cfg_attr(
        feature = "openapi",
        schema(exclusive_minimum = 0, maximum = 1000000, multiple_of = 0.01)
    )]
    pub price: f64,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 500,
            pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub image_url: String,
    #[serde(default, deserialize_with = "crate::rules::whole::number")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 1000000))]
    pub stock: i64,
    /// Most pieces of this product in one order, 1 to 1000; null or absent: the general rule (1000).
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub max_per_order: Option<i64>,
    #[serde(flatten)]
    pub labels: LabelsPatch,
}

/// `PATCH /api/admin/products/{id}`: only the fields given change. A new price applies to new
/// orders only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProductPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb][^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2000,
            pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub description: Option<String>,
    /// More than 0, at most 1000000, with at most two decimals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(exclusive_minimum = 0, maximum = 1000000, multiple_of = 0.01)
    )]
    pub price: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 500,
            pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Most pieces of this product in one order, 1 to 1000; null: back to the general rule (1000).
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<i64>, minimum = 1, maximum = 1000)
    )]
    pub max_per_order: Option<Option<i64>>,
    /// Minutes from ordering to the earliest slot it can be ready for, 0 to 43200 (30 days).
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 43200))]
    pub lead_time_minutes: Option<i64>,
    /// Most pieces the kitchen makes a day, 1 to 100000; null: no limit.
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<i64>, minimum = 1, maximum = 100000)
    )]
    pub max_per_day: Option<Option<i64>>,
    /// Weekdays it is made, `mon,sat` or `mon-fri`; null: every day.
    #[serde(
        default,
        deserialize_with = "crate::rules::present_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, max_length = 100, pattern = r"^(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?(,(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?)*$")
    )]
    pub made_on: Option<Option<String>>,
    /// First date it can be ordered for, `YYYY-MM-DD`; null: none.
    #[serde(
        default,
        deserialize_with = "crate::rules::present_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub available_from: Option<Option<String>>,
    /// Last date it can be ordered for, `YYYY-MM-DD`, not before `available_from`; null: none.
    #[serde(
        default,
        deserialize_with = "crate::rules::present_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = Date))]
    pub available_until: Option<Option<String>>,
    #[serde(flatten)]
    pub labels: LabelsPatch,
    #[serde(flatten)]
    pub category: CategoryPick,
}

/// A product's category as an admin sets it, by id or by name (one of the two; absent: unchanged;
/// null: uncategorised). A category that does not exist is a 404 `category_not_found`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryPick {
    /// The category's id.
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>, minimum = 1))]
    pub category_id: Option<Option<i64>>,
    /// The category's name, whatever the letters' case.
    #[serde(
        default,
        deserialize_with = "crate::rules::present_text",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<String>, min_length = 1, max_length = 100)
    )]
    pub category: Option<Option<String>>,
}

/// `POST /api/admin/categories`: a new category of the menu.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCategory {
    /// One line of visible text (spaces around it are dropped); unique whatever the letters' case.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb][^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub name: String,
    /// Its place on the menu, from 1; the categories from there move down one. Absent, null or
    /// past the end: last.
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000000))]
    pub position: Option<i64>,
}

/// `PATCH /api/admin/categories/{id}`: rename it, move it, or both (absent: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryPatch {
    /// The new name, as for a new category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"^[^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb][^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub name: Option<String>,
    /// Its new place on the menu, from 1 (past the end: last); the others close up around it.
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000000))]
    pub position: Option<i64>,
}

/// The answer to `DELETE /api/admin/categories/{id}`: the category removed, and the products that
/// were in it, now uncategorised (the menu shows them under "Other").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRemoved {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub id: i64,
    pub name: String,
    /// Ids of the products that were in it.
    pub uncategorised: Vec<i64>,
}

/// A product's allergens and dietary labels as an admin sends them: each list replaces the
/// stored one when given (absent: unchanged; on a new product: none). Names outside the
/// vocabulary are refused with 400 naming the field (`allergens[1]`); repeats count once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabelsPatch {
    /// Allergens the product contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::Allergen>>))]
    pub allergens: Option<Vec<String>>,
    /// Allergens the product may contain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::Allergen>>))]
    pub may_contain: Option<Vec<String>>,
    /// Dietary labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<crate::Dietary>>))]
    pub dietary: Option<Vec<String>>,
}

/// `POST /api/admin/products/{id}/stock`: set the count or adjust it by a delta, with a reason.
/// Exactly one of `set` and `adjust` (its OpenAPI schema says so; see below).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StockChange {
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub set: Option<i64>,
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub adjust: Option<i64>,
    pub reason: String,
}

/// How the customer gets the order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Fulfillment {
    #[default]
    Pickup,
    Delivery,
}

/// One order on the staff's order board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// Start of the order's pickup slot or delivery window, RFC 3339 with the bakery's offset.
    #[serde(default)]
    pub pickup_at: Option<String>,
}

/// The body of `POST /api/admin/orders/{id}/cancel` (and of a customer's own cancel, which
/// proves the order is theirs with its e-mail).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelOrder {
    /// Why the staff cancel: some visible text, at most 500 characters.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 500,
            pattern = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb][^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$"
        )
    )]
    pub reason: Option<String>,
    #[serde(default)]
    pub customer_email: Option<String>,
}

/// `POST /api/admin/users`: a new staff account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewStaffUser {
    /// An e-mail address (the same rule as an order's; the pattern states a plain ASCII subset).
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,32}(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,15}){0,2}@[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?){1,4}$"
        )
    )]
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 10))]
    pub password: String,
    pub role: StaffRole,
}

/// A staff account as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffUser {
    pub id: i64,
    pub email: String,
    pub role: StaffRole,
    pub active: bool,
    /// A password reset waits for the user to choose a new password (absent: no).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub must_change_password: bool,
}

/// `POST /api/admin/tokens`: a bearer token for automation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewApiToken {
    /// Some visible text, at most 200 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(min_length = 1, max_length = 200, pattern = r"^\s*\S[\s\S]*$")
    )]
    pub name: String,
    pub role: StaffRole,
    /// Seconds until the token stops working (1 to 315360000, ten years); absent or `null`:
    /// the token does not expire.
    #[serde(
        default,
        deserialize_with = "crate::rules::whole::optional",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 315_360_000))]
    pub expires_in: Option<i64>,
}

/// A bearer token as listed; `token` is present only in the answer that created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub role: StaffRole,
    pub created_at: String,
    #[serde(default)]
    pub revoked_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// When it stops working; `null`: never.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Last request made with it (to within a minute); `null`: not used yet.
    #[serde(default)]
    pub last_used_at: Option<String>,
}

/// One line of the audit log: who did what to what, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWebhook {
    /// An `http://` or `https://` URL of at most 2000 characters, without a user or password,
    /// whose host is not a loopback, link-local or private address (IP literals in any spelling,
    /// `localhost` names; refused with 400 `webhook_url_credentials`, `webhook_host_private` or
    /// `webhook_url_invalid`, unless the server allows private hosts). The pattern states a
    /// subset the server always takes: DNS names with a top-level domain of 2 to 6 letters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 2000,
            pattern = r"^https?://([a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\.){1,3}[a-z]{2,6}(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~-]{0,30}){0,3}$"
        )
    )]
    pub url: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 16, max_length = 200))]
    pub secret: Option<String>,
}

/// A webhook endpoint as listed; `secret` is present only in the answer that created it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub active: bool,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// One notification to one target (`GET /api/admin/notifications`): `status` is `pending`
/// (tried at `next_attempt_at`, with exponential backoff after failures), `delivered` or `dead`
/// (a permanent failure or too many tries; `POST /api/admin/notifications/{id}/retry` sets it
/// pending again).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationDelivery {
    pub id: i64,
    /// The outbox row of the notification; with the endpoint's id it makes `X-Bakery-Delivery`.
    pub outbox_id: i64,
    #[serde(default)]
    pub order_id: Option<i64>,
    /// The order status the notification announces (null for a reminder before the order's
    /// slot).
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
    /// When a pending delivery is tried next (UTC, `YYYY-MM-DD HH:MM:SS`); null once delivered
    /// or dead.
    #[serde(default)]
    pub next_attempt_at: Option<String>,
}

/// The state of a notification delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Waiting for its next try.
    Pending,
    /// Taken by its receiver.
    Delivered,
    /// Given up; staff may retry it.
    Dead,
}

impl DeliveryStatus {
    /// The stored and wire name: `pending`, `delivered`, `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    /// The status of a name; `None` for anything else.
    pub fn parse(name: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::Dead,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// Some visible text with no control characters but line breaks (the server's rule for names,
/// reasons and other staff-written text; no invisible or text-direction characters either).
#[cfg(feature = "openapi")]
pub const VISIBLE_TEXT_PATTERN: &str = r"^[^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*[^\s\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb][^\u0000-\u0009\u000b-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]*$";

/// Exactly one of `set` (0 to 1000000) and `adjust` (-1000000 to 1000000, not below zero in the
/// end), with a reason; the other one absent or null.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for StockChange {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let reason = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(500))
                .pattern(Some(VISIBLE_TEXT_PATTERN))
                .description(Some("Why the stock changes, for the audit log"))
        };
        let count = |min: i64| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(min))
                .maximum(Some(1_000_000))
        };
        let one = |given: &str, absent: &str, min: i64, title: &str| {
            ObjectBuilder::new()
                .title(Some(title))
                .schema_type(Type::Object)
                .property(given, count(min))
                .property(absent, ObjectBuilder::new().schema_type(Type::Null))
                .property("reason", reason())
                .required(given)
                .required("reason")
        };
        OneOfBuilder::new()
            .item(one("set", "adjust", 0, "Set the count"))
            .item(one("adjust", "set", -1_000_000, "Adjust the count by a delta"))
            .description(Some(
                "Either `set` the count or `adjust` it by a delta (409 if it would go below zero), with a reason.",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for StockChange {}

/// What a supervised actor or loop is doing. Supervisors never give up on a failing one: it is
/// restarted after a backoff that stops growing at `worker.restart_max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ActorState {
    /// At work.
    Running,
    /// Failed; its supervisor starts it again when the backoff delay has passed.
    Restarting,
    /// Ended on its own (a loop whose job is done) or with the process; not started again.
    Stopped,
}

/// One supervised actor or long-running loop of the process that answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActorReport {
    /// Its name, as in the logs and the metrics' `actor` label (`order_processor`, `oven`, …).
    pub actor: String,
    /// Which one of a pool of the same name, from 0.
    pub instance: u32,
    pub state: ActorState,
    /// Restarts since the process started.
    pub restarts: u64,
    /// Why it failed last; `null`: it has not failed.
    pub last_error: Option<String>,
    /// When it failed last (RFC 3339, UTC); `null`: it has not failed.
    pub last_error_at: Option<String>,
    /// Messages waiting for it (the order store's orders waiting for their batch, the
    /// processors' shared inbox); `null`: it has no queue of its own.
    pub queue_depth: Option<u64>,
}
