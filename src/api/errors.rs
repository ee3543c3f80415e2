//! One error type for the API, mapped to `{error, code, details}` JSON with the right status in one place.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpResponse, ResponseError};
use bakery_wire::{ErrorBody, FieldError};
use sea_orm::DbErr;
use serde_json::{Value, json};

use crate::domain::slots::Refusal;
use crate::notify::hosts::UrlRefusal;
use crate::staff::accounts::AccountError;
use crate::store::StoreError;

/// Everything a request can be refused for.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("The request body is not valid JSON: {0}")]
    InvalidJson(String),
    #[error("Some fields of the request are missing or invalid.")]
    Validation(Vec<FieldError>),
    #[error("Send the request body as JSON with Content-Type: application/json.")]
    UnsupportedMediaType,
    #[error("The request body is larger than the limit of {limit} bytes.")]
    PayloadTooLarge { limit: usize },
    /// An upload that is not a picture of a type the site takes, by its bytes.
    #[error("Send a JPEG, PNG or WebP picture.")]
    PictureType,
    #[error("The picture has {pixels} pixels; the limit is {max_pixels}.")]
    PictureTooLarge { pixels: u64, max_pixels: u64 },
    #[error("The picture cannot be read: {0}")]
    PictureUnreadable(String),
    #[error("The product has no picture.")]
    NoPicture,
    #[error("The request body did not arrive in time; the connection is closed.")]
    RequestTimeout,
    #[error("Product {product_id} is not in the catalog.")]
    UnknownProduct { product_id: i64, field: String },
    #[error(
        "The price of {product_name} is {catalog_price:.2}, not {your_price:.2}; nothing was charged."
    )]
    PriceMismatch {
        product_id: i64,
        product_name: String,
        catalog_price: f64,
        your_price: f64,
        field: String,
    },
    #[error("The order total is too large.")]
    TotalTooLarge,
    #[error("This Idempotency-Key was already used for a different order.")]
    IdempotencyKeyReused,
    #[error("The Idempotency-Key header must be 1 to 255 visible ASCII characters.")]
    InvalidIdempotencyKey,
    #[error("No order has the number {0}.")]
    OrderNotFound(String),
    #[error("{0:?} is not an order number; order numbers are positive whole numbers.")]
    InvalidOrderId(String),
    #[error("There is nothing at this address.")]
    NotFound,
    #[error("This address does not accept that method.")]
    MethodNotAllowed,
    #[error("The bakery cannot take this request right now; try again shortly.")]
    Unavailable(String),
    /// A bug (or data no code should have written): the cause is logged, never shown.
    #[error("Something went wrong on our side; the request was not completed.")]
    Internal(String),
    #[error("Sign in first.")]
    Unauthenticated,
    #[error("Your role may not do this.")]
    Forbidden,
    #[error("This order's e-mail does not match.")]
    NotYourOrder,
    #[error(
        "Only the order's customer may do this: send its tracking token as ?t= or X-Order-Token (or sign in as staff)."
    )]
    OrderTokenRequired,
    #[error("The request lacks a valid X-CSRF-Token header.")]
    CsrfFailed,
    #[error("The e-mail or password is not right.")]
    InvalidCredentials,
    #[error("Too many failed sign-ins from this address; try again in {} minutes.", retry_after_secs.div_ceil(60))]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("Too many requests from this client; try again in {} seconds.", refusal.retry_after_secs())]
    RateLimited { refusal: crate::limits::Refusal },
    #[error("The bakery is busy; try again in {retry_after_secs} seconds.")]
    Busy {
        limit: &'static str,
        retry_after_secs: u64,
    },
    #[error("Order {order_id} is {status}; \"{wanted}\" does not apply to it now.")]
    InvalidTransition {
        order_id: i64,
        status: String,
        wanted: String,
    },
    #[error("No product has the id {0}.")]
    ProductNotFound(i64),
    /// A category named by id in the path, or by id or name (`field`) in a body.
    #[error("There is no such category.")]
    CategoryNotFound { field: &'static str },
    #[error("A category named {0:?} exists already.")]
    CategoryExists(String),
    #[error("{0}")]
    Conflict(String),
    #[error("No such token.")]
    TokenNotFound,
    #[error("The webhook URL {0}.")]
    WebhookUrl(UrlRefusal),
    #[error("No staff account has this id.")]
    UserNotFound,
    #[error("Your password was reset: change it first (POST /api/staff/password).")]
    PasswordChangeRequired,
    #[error("The current password is not right.")]
    WrongPassword,
    /// The time asked for cannot be ordered; `next_available` is the next slot with room.
    #[error("{}", refusal.message())]
    SlotRefused {
        refusal: Refusal,
        next_available: Option<String>,
        field: &'static str,
    },
    #[error("No slot has room within the days customers may order ahead.")]
    NoSlot,
    /// A customer's cancel of a scheduled order after its day's cut-off.
    #[error(
        "Orders for that day can no longer be cancelled online (the cut-off was {cut_off}); please call the bakery."
    )]
    CancelClosed { order_id: i64, cut_off: String },
}

impl ApiError {
    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::Validation(_) => "validation_failed",
            ApiError::UnsupportedMediaType => "unsupported_media_type",
            ApiError::PayloadTooLarge { .. } => "payload_too_large",
            ApiError::PictureType => "unsupported_picture_type",
            ApiError::PictureTooLarge { .. } => "picture_too_large",
            ApiError::PictureUnreadable(_) => "invalid_picture",
            ApiError::NoPicture => "no_picture",
            ApiError::RequestTimeout => "request_timeout",
            ApiError::UnknownProduct { .. } => "unknown_product",
            ApiError::PriceMismatch { .. } => "price_mismatch",
            ApiError::TotalTooLarge => "total_too_large",
            ApiError::IdempotencyKeyReused => "idempotency_key_reused",
            ApiError::InvalidIdempotencyKey => "invalid_idempotency_key",
            ApiError::OrderNotFound(_) => "order_not_found",
            ApiError::InvalidOrderId(_) => "invalid_order_id",
            ApiError::NotFound => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Unavailable(_) => "service_unavailable",
            ApiError::Internal(_) => "internal_error",
            ApiError::Unauthenticated => "unauthenticated",
            ApiError::Forbidden | ApiError::NotYourOrder => "forbidden",
            ApiError::CsrfFailed => "csrf_failed",
            ApiError::OrderTokenRequired => "order_token_required",
            ApiError::InvalidCredentials => "invalid_credentials",
            ApiError::TooManyAttempts { .. } => "too_many_attempts",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::Busy { .. } => "busy",
            ApiError::InvalidTransition { .. } => "invalid_transition",
            ApiError::ProductNotFound(_) => "product_not_found",
            ApiError::CategoryNotFound { .. } => "category_not_found",
            ApiError::CategoryExists(_) => "category_exists",
            ApiError::Conflict(_) => "conflict",
            ApiError::TokenNotFound => "token_not_found",
            ApiError::UserNotFound => "user_not_found",
            ApiError::PasswordChangeRequired => "password_change_required",
            ApiError::WrongPassword => "wrong_password",
            ApiError::WebhookUrl(refusal) => refusal.code(),
            ApiError::SlotRefused { refusal, .. } => refusal.code(),
            ApiError::CancelClosed { .. } => "cancel_cut_off",
            ApiError::NoSlot => "no_slot",
        }
    }

    /// The `Retry-After` of a refusal that ends by itself.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            ApiError::TooManyAttempts { retry_after_secs }
            | ApiError::Busy {
                retry_after_secs, ..
            } => Some(*retry_after_secs),
            ApiError::RateLimited { refusal } => Some(refusal.retry_after_secs()),
            _ => None,
        }
    }

    fn details(&self) -> Value {
        match self {
            ApiError::Validation(fields) => json!(fields),
            ApiError::PayloadTooLarge { limit } => json!({ "limit_bytes": limit }),
            ApiError::PictureType => {
                json!({ "accepted": crate::domain::pictures::ACCEPTED })
            }
            ApiError::PictureTooLarge { pixels, max_pixels } => {
                json!({ "pixels": pixels, "limit_pixels": max_pixels })
            }
            ApiError::UnknownProduct { product_id, field } => {
                json!({ "product_id": product_id, "field": field })
            }
            ApiError::PriceMismatch {
                product_id,
                product_name,
                catalog_price,
                your_price,
                field,
            } => json!({
                "product_id": product_id,
                "product_name": product_name,
                "catalog_price": catalog_price,
                "your_price": your_price,
                "field": field,
            }),
            ApiError::OrderNotFound(id) | ApiError::InvalidOrderId(id) => json!({ "order_id": id }),
            ApiError::InvalidTransition {
                order_id,
                status,
                wanted,
            } => json!({ "order_id": order_id, "status": status, "wanted": wanted }),
            ApiError::ProductNotFound(id) => json!({ "product_id": id }),
            ApiError::CategoryNotFound { field } => json!({ "field": field }),
            ApiError::CategoryExists(name) => json!({ "field": "name", "existing": name }),
            ApiError::TooManyAttempts { retry_after_secs } => {
                json!({ "retry_after_seconds": retry_after_secs })
            }
            ApiError::RateLimited { refusal } => json!({
                "limit": refusal.limit,
                "retry_after_seconds": refusal.retry_after_secs(),
            }),
            ApiError::Busy {
                limit,
                retry_after_secs,
            } => json!({ "limit": limit, "retry_after_seconds": retry_after_secs }),
            ApiError::WebhookUrl(_) => json!({ "field": "url" }),
            ApiError::SlotRefused {
                next_available,
                field,
                ..
            } => json!({ "field": field, "next_available": next_available }),
            ApiError::CancelClosed { order_id, cut_off } => {
                json!({ "order_id": order_id, "cut_off": cut_off })
            }
            _ => Value::Null,
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidJson(_)
            | ApiError::Validation(_)
            | ApiError::UnknownProduct { .. }
            | ApiError::TotalTooLarge
            | ApiError::InvalidIdempotencyKey
            | ApiError::InvalidOrderId(_)
            | ApiError::WebhookUrl(_)
            | ApiError::PictureUnreadable(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType | ApiError::PictureType => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            ApiError::PayloadTooLarge { .. } | ApiError::PictureTooLarge { .. } => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::PriceMismatch { .. } => StatusCode::CONFLICT,
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::OrderNotFound(_) | ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unauthenticated | ApiError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden
            | ApiError::NotYourOrder
            | ApiError::OrderTokenRequired
            | ApiError::CsrfFailed
            | ApiError::PasswordChangeRequired
            | ApiError::WrongPassword => StatusCode::FORBIDDEN,
            ApiError::TooManyAttempts { .. } | ApiError::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::InvalidTransition { .. }
            | ApiError::Conflict(_)
            | ApiError::SlotRefused { .. }
            | ApiError::CancelClosed { .. }
            | ApiError::CategoryExists(_) => StatusCode::CONFLICT,
            ApiError::NoSlot => StatusCode::NOT_FOUND,
            ApiError::ProductNotFound(_)
            | ApiError::CategoryNotFound { .. }
            | ApiError::TokenNotFound
            | ApiError::UserNotFound
            | ApiError::NoPicture => StatusCode::NOT_FOUND,
        }
    }

    fn error_response(&self) -> HttpResponse<BoxBody> {
        // Inside the request's span: the line carries its request id.
        match self {
            ApiError::Unavailable(cause) => {
                tracing::warn!(%cause, "request refused: a backing service is unavailable");
            }
            ApiError::Internal(cause) => tracing::error!(%cause, "request failed: internal error"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::RequestTimeout) {
            // The rest of the body may still be trickling in: the connection cannot be reused.
            response.force_close();
        }
        if let Some(seconds) = self.retry_after_secs() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        response.json(ErrorBody {
            error: self.to_string(),
            code: self.code().to_owned(),
            details: self.details(),
        })
    }
}

/// Unmatched routes answer a JSON 404.
pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::NotFound)
}

/// Known routes called with another method answer a JSON 405.
pub async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed)
}

/// Turns any error response that is not JSON yet (from actix itself) into `{error, code, details}`.
pub fn json_error_body<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_json = res
        .response()
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_json {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let code = status
        .canonical_reason()
        .unwrap_or("error")
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    let body = ErrorBody {
        error: format!(
            "The request could not be served: {}.",
            status.canonical_reason().unwrap_or("error")
        ),
        code,
        details: Value::Null,
    };
    let (req, mut res) = res.into_parts();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let json = serde_json::to_string(&body).unwrap_or_default();
    let res = ServiceResponse::new(req, res.set_body(json))
        .map_into_boxed_body()
        .map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// A store failure: 503 `service_unavailable` when the database could not serve it, else a bug,
/// 500 `internal_error`. Either way the cause is logged, never shown.
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        if err.is_unavailable() {
            ApiError::Unavailable(err.to_string())
        } else {
            ApiError::Internal(err.to_string())
        }
    }
}

/// The order store: its database's failure as any store failure; the store not running is 503.
impl From<crate::actors::order_store::StoreError> for ApiError {
    fn from(err: crate::actors::order_store::StoreError) -> Self {
        use crate::actors::order_store::StoreError as OrderStoreError;
        match err {
            OrderStoreError::Database(err) => err.into(),
            OrderStoreError::Unavailable => ApiError::Unavailable(err.to_string()),
        }
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        StoreError::from(err).into()
    }
}

/// Accounts: a taken e-mail is 409, a bad field 400; the session store (Redis) down is 503.
impl From<AccountError> for ApiError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Exists => {
                ApiError::Conflict("An account with this e-mail exists already.".into())
            }
            AccountError::Invalid(message) => ApiError::invalid("body", &message),
            AccountError::NotFound => ApiError::UserNotFound,
            err @ (AccountError::OwnAccount(_) | AccountError::LastAdmin) => {
                ApiError::Conflict(format!("{}.", capitalized(&err.to_string())))
            }
            AccountError::WrongPassword => ApiError::WrongPassword,
            AccountError::Store(err) => err.into(),
            AccountError::Sessions(err) => ApiError::Unavailable(err.to_string()),
            AccountError::Secret(err) => ApiError::Internal(err.to_string()),
        }
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl ApiError {
    /// A store (or account) failure, answered by its kind: 503 when the database cannot serve,
    /// else 500; for `.map_err(ApiError::database)` where `?` does not fit.
    pub fn database(err: impl Into<ApiError>) -> ApiError {
        err.into()
    }

    /// Something that is not the client's fault and not a service being down: 500, logged.
    pub fn internal(err: impl std::fmt::Display) -> ApiError {
        ApiError::Internal(err.to_string())
    }

    /// A list of field problems, answered as 400 `validation_failed`.
    pub fn invalid(field: &str, message: &str) -> ApiError {
        ApiError::Validation(vec![FieldError {
            field: field.to_owned(),
            message: message.to_owned(),
        }])
    }
}

#[cfg(test)]
mod tests {
    use actix_web::body::to_bytes;
    use sea_orm::{ConnAcquireErr, RuntimeErr};

    use super::*;

    async fn answer(err: ApiError) -> (u16, Value, String) {
        let res = err.error_response();
        let status = res.status().as_u16();
        let text = String::from_utf8(to_bytes(res.into_body()).await.unwrap().to_vec()).unwrap();
        (status, serde_json::from_str(&text).unwrap(), text)
    }

    #[actix_web::test]
    async fn a_bug_is_a_500_that_shows_nothing_of_its_cause() {
        let bugs = [
            ApiError::from(DbErr::RecordNotFound("secret row 17".into())),
            ApiError::from(StoreError::UnknownStatus {
                order_id: 17,
                status: "secret status".into(),
            }),
            ApiError::from(DbErr::Query(RuntimeErr::Internal("secret syntax".into()))),
        ];
        for err in bugs {
            let (status, body, text) = answer(err).await;
            assert_eq!(status, 500);
            assert_eq!(body["code"], "internal_error");
            assert_eq!(body["details"], Value::Null);
            assert!(!text.contains("secret"), "{text}");
        }
    }

    #[actix_web::test]
    async fn a_database_that_cannot_serve_is_a_503() {
        let down = [
            ApiError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            ApiError::from(DbErr::Conn(RuntimeErr::Internal("secret host".into()))),
        ];
        for err in down {
            let (status, body, text) = answer(err).await;
            assert_eq!(status, 503);
            assert_eq!(body["code"], "service_unavailable");
            assert!(!text.contains("secret"), "{text}");
        }
    }

    #[test]
    fn account_errors_keep_their_meaning() {
        assert_eq!(ApiError::from(AccountError::Exists).code(), "conflict");
        assert_eq!(
            ApiError::from(AccountError::Invalid("email bad".into())).code(),
            "validation_failed"
        );
        let db_down = AccountError::from(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
        assert_eq!(ApiError::from(db_down).code(), "service_unavailable");
        let bug = AccountError::from(DbErr::RecordNotFound("new account".into()));
        assert_eq!(ApiError::from(bug).code(), "internal_error");
    }
}
