//! Product pictures: admins upload (`PUT /api/admin/products/{id}/picture`) and remove them;
//! everyone gets each size at `/pictures/{product_id}/{hash}-{width}.jpg`, cacheable for good.

use actix_web::{HttpRequest, HttpResponse, delete, get, put, web};
use bakery_wire::ErrorBody;
use bakery_wire::staff::AdminProduct;

use super::AppState;
use super::admin_catalog::changed_product;
use super::body::{BodyLimits, read_bytes};
use super::errors::ApiError;
use super::extract::positive_id;
use super::products::tagged_answer;
use super::shared_answers::AdminChange;
use super::staff::{ADMIN, Staff};
use crate::domain::pictures::{self, PictureLimits, PictureRefusal};
use crate::store::pictures::{self as stored, PictureRemoved};

/// Uploads decoded and resized at once in this process; more wait their turn.
static PREPARING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// How long a size of a picture may be cached: a year (its URL changes with the picture).
const CACHED_FOR_GOOD: &str = "public, max-age=31536000, immutable";

/// The bytes of a picture file, as the document describes them.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // only its documentation is used
struct PictureFile(Vec<u8>);

/// `PUT /api/admin/products/{id}/picture`: makes the body the product's picture (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Upload a product's picture (admin)",
    description = "The body is the picture file itself (JPEG, PNG or WebP, told by its bytes; the \
        Content-Type is not read). It is cropped to 4:3 and served in 320, 640 and 960 pixels \
        wide as JPEG; the product's `image_url` becomes the URL of the largest size and \
        `GET /api/products` shows every size as `picture`. A new picture replaces the old one \
        and gets new URLs.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The product")),
    request_body(
        content = inline(PictureFile),
        content_type = "application/octet-stream",
        description = "The picture file; any Content-Type (`image/png` as well)",
    ),
    responses(
        (status = 200, description = "The product with its new picture", body = AdminProduct),
        (status = 400, description = "Bad id (`validation_failed`), or a picture that cannot be read (`invalid_picture`)", body = ErrorBody),
        (status = 404, description = "No such product", body = ErrorBody),
        (status = 408, description = "The body did not arrive within the time limit", body = ErrorBody),
        (status = 413, description = "Larger than `catalog.picture_max_bytes` (`payload_too_large`) or `catalog.picture_max_pixels` (`picture_too_large`)", body = ErrorBody),
        (status = 415, description = "Not a JPEG, PNG or WebP picture (`unsupported_picture_type`)", body = ErrorBody),
        AdminChange,
    )
)]
#[put("/admin/products/{id}/picture")]
pub async fn upload_picture(
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let id = positive_id(&path)?;
    let limits = state.pictures;
    let body_limits = BodyLimits {
        bytes: limits.max_bytes,
        time: state.body.time,
    };
    let upload = read_bytes(&req, payload, body_limits).await?;
    pictures::sniff(&upload).map_err(refusal)?;
    // One decode's memory is bounded by the pixel limit; so many at once bound them all.
    let _turn = PREPARING
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("picture preparation closed: {e}")))?;
    let picture = web::block(move || pictures::prepare(&upload, limits))
        .await
        .map_err(|e| ApiError::Internal(format!("picture preparation stopped: {e}")))?
        .map_err(refusal)?;
    let hash = picture.hash.clone();
    let Some(product) = stored::replace(&state.db, id, picture, &who.actor).await? else {
        return Err(ApiError::ProductNotFound(id));
    };
    tracing::info!(product_id = id, %hash, "product picture replaced");
    Ok(HttpResponse::Ok().json(changed_product(&state, product).await?))
}

/// `DELETE /api/admin/products/{id}/picture`: removes the product's picture (admins).
#[utoipa::path(
    tag = "admin",
    summary = "Remove a product's picture (admin)",
    description = "Its sizes are no longer served and its `image_url` becomes empty.",
    security(("session" = []), ("bearer" = [])),
    params(("id" = i64, Path, minimum = 1, description = "The product")),
    responses(
        (status = 200, description = "The product without a picture", body = AdminProduct),
        (status = 400, description = "Bad id", body = ErrorBody),
        (status = 404, description = "No such product (`product_not_found`), or it has no picture (`no_picture`)", body = ErrorBody),
        AdminChange,
    )
)]
#[delete("/admin/products/{id}/picture")]
pub async fn remove_picture(
    path: web::Path<String>,
    staff: Staff,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let who = staff.require(ADMIN)?;
    let id = positive_id(&path)?;
    let product = match stored::remove(&state.db, id, &who.actor).await? {
        PictureRemoved::Removed(product) => *product,
        PictureRemoved::NoSuchProduct => return Err(ApiError::ProductNotFound(id)),
        PictureRemoved::NoPicture => return Err(ApiError::NoPicture),
    };
    Ok(HttpResponse::Ok().json(changed_product(&state, product).await?))
}

/// `GET /pictures/{product_id}/{hash}-{width}.jpg`: one size of a product's picture.
#[utoipa::path(
    tag = "catalog",
    summary = "One size of a product's picture",
    description = "The addresses come from `picture.src` and `picture.srcset` in \
        `GET /api/products`. An address stays the same picture for good (a new picture gets a \
        new hash), so the answer may be cached for a year.",
    params(
        ("product_id" = i64, Path, minimum = 1, description = "The product"),
        ("file" = String, Path, description = "`{hash}-{width}.jpg`: the picture's hash (16 hex digits) and a width the site serves (320, 640 or 960)"),
        ("If-None-Match" = Option<String>, Header, description = "ETags of earlier answers (or `*`); 304 if one is this answer's"),
    ),
    responses(
        (status = 200, description = "The picture", content_type = "image/jpeg", body = inline(PictureFile),
            headers(
                ("ETag" = String, description = "Names this size of this picture"),
                ("Cache-Control" = String, description = "`public, max-age=31536000, immutable`"),
            )),
        (status = 304, description = "Not changed since the ETag"),
        (status = 404, description = "No such picture (or no longer the product's)", body = ErrorBody),
        (status = 503, description = "The database cannot be reached", body = ErrorBody),
    )
)]
#[get("/pictures/{product_id}/{file}")]
pub async fn serve_picture(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (product_id, file) = path.into_inner();
    let product_id = positive_id(&product_id).map_err(|_| ApiError::NotFound)?;
    let (hash, width) = pictures::parse_file_name(&file).ok_or(ApiError::NotFound)?;
    let etag = format!("\"{hash}-{width}\"");
    let Some((content_type, bytes)) = stored::size(&state.db, product_id, hash, width).await?
    else {
        return Err(ApiError::NotFound);
    };
    Ok(tagged_answer(
        &req,
        &etag,
        CACHED_FOR_GOOD,
        &content_type,
        bytes,
    ))
}

/// An upload's refusal as the API answers it.
fn refusal(refusal: PictureRefusal) -> ApiError {
    match refusal {
        PictureRefusal::WrongType => ApiError::PictureType,
        PictureRefusal::TooManyPixels {
            width,
            height,
            max_pixels,
        } => ApiError::PictureTooLarge {
            pixels: u64::from(width) * u64::from(height),
            max_pixels,
        },
        PictureRefusal::Unreadable(why) => ApiError::PictureUnreadable(why),
    }
}

/// The limits an upload is held to.
pub fn limits_of(settings: &crate::config::CatalogSettings) -> PictureLimits {
    PictureLimits {
        max_bytes: settings.picture_max_bytes,
        max_pixels: settings.picture_max_pixels,
    }
}
