//! Product pictures in the database: replacing or removing a product's picture (audited, with
//! its `image_url`), the pictures the menu shows, and one size's bytes to serve.

use bakery_wire::menu::ProductPicture;
use chrono::Utc;
use entity::{product, product_picture};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::StoreError;
use super::audit;
use crate::domain::pictures::{CONTENT_TYPE, Picture, WIDTHS, url_of};

/// A product's current picture as the menu shows it: the hash naming it and its largest size.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PictureRef {
    pub product_id: i64,
    pub hash: String,
    /// The widths stored, smallest first.
    pub widths: Vec<u32>,
    /// Width and height of the largest size.
    pub width: u32,
    pub height: u32,
}

impl PictureRef {
    /// The picture as the menu and the back-office show it: every size's URL and the largest
    /// size's dimensions.
    pub fn shown(&self) -> ProductPicture {
        let url = |width| url_of(self.product_id, &self.hash, width);
        ProductPicture {
            src: url(self.width),
            srcset: self
                .widths
                .iter()
                .map(|&w| format!("{} {w}w", url(w)))
                .collect::<Vec<_>>()
                .join(", "),
            width: self.width,
            height: self.height,
        }
    }
}

/// The current pictures of every product, by product, without their bytes.
pub async fn current(db: &impl ConnectionTrait) -> Result<Vec<PictureRef>, StoreError> {
    let rows: Vec<(i64, String, i32, i32)> = product_picture::Entity::find()
        .select_only()
        .column(product_picture::Column::ProductId)
        .column(product_picture::Column::Hash)
        .column(product_picture::Column::Width)
        .column(product_picture::Column::Height)
        .order_by_asc(product_picture::Column::ProductId)
        .order_by_asc(product_picture::Column::Width)
        .into_tuple()
        .all(db)
        .await?;
    let mut pictures: Vec<PictureRef> = Vec::new();
    for (product_id, hash, width, height) in rows {
        let (width, height) = (
            u32::try_from(width).unwrap_or(0),
            u32::try_from(height).unwrap_or(0),
        );
        match pictures.last_mut() {
            Some(last) if last.product_id == product_id => {
                last.widths.push(width);
                (last.width, last.height) = (width, height);
            }
            _ => pictures.push(PictureRef {
                product_id,
                hash,
                widths: vec![width],
                width,
                height,
            }),
        }
    }
    Ok(pictures)
}

/// One size of a product's picture: its content type and bytes, if `hash` is still its picture.
pub async fn size(
    db: &impl ConnectionTrait,
    product_id: i64,
    hash: &str,
    width: u32,
) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    let row = product_picture::Entity::find()
        .select_only()
        .column(product_picture::Column::ContentType)
        .column(product_picture::Column::Bytes)
        .filter(product_picture::Column::ProductId.eq(product_id))
        .filter(product_picture::Column::Hash.eq(hash))
        .filter(product_picture::Column::Width.eq(i64::from(width)))
        .into_tuple()
        .one(db)
        .await?;
    Ok(row)
}

/// Makes `picture` the product's picture in place of any other, its `image_url` the URL of its
/// largest size; audited as `actor`'s. `None`: no such product.
pub async fn replace(
    db: &sea_orm::DatabaseConnection,
    product_id: i64,
    picture: Picture,
    actor: &str,
) -> Result<Option<product::Model>, StoreError> {
    let write = super::begin_write(db).await?;
    let largest = WIDTHS[WIDTHS.len() - 1];
    let image_url = url_of(product_id, &picture.hash, largest);
    // The product's row first: a change of its picture at the same time waits for this one.
    let Some(changed) = set_image_url(&*write, product_id, &image_url).await? else {
        write.rollback().await?;
        return Ok(None);
    };
    delete_sizes(&*write, product_id).await?;
    let now = Utc::now();
    let bytes: usize = picture.sizes.iter().map(|s| s.bytes.len()).sum();
    let rows = picture
        .sizes
        .into_iter()
        .map(|size| product_picture::ActiveModel {
            id: NotSet,
            product_id: Set(product_id),
            hash: Set(picture.hash.clone()),
            width: Set(i32::try_from(size.width).unwrap_or(i32::MAX)),
            height: Set(i32::try_from(size.height).unwrap_or(i32::MAX)),
            content_type: Set(CONTENT_TYPE.to_owned()),
            bytes: Set(size.bytes),
            created_at: Set(now),
        });
    product_picture::Entity::insert_many(rows)
        .exec(&*write)
        .await?;
    let details = json!({ "hash": picture.hash, "image_url": image_url, "bytes": bytes });
    let target = format!("product:{product_id}");
    audit::record(&*write, actor, "product.picture", &target, details).await?;
    write.commit().await?;
    Ok(Some(changed))
}

/// What removing a product's picture came to.
#[derive(Debug, Clone, PartialEq)]
pub enum PictureRemoved {
    Removed(Box<product::Model>),
    NoSuchProduct,
    NoPicture,
}

/// Removes the product's picture and empties its `image_url`; audited as `actor`'s.
pub async fn remove(
    db: &sea_orm::DatabaseConnection,
    product_id: i64,
    actor: &str,
) -> Result<PictureRemoved, StoreError> {
    let write = super::begin_write(db).await?;
    // The product's row first: a change of its picture at the same time waits for this one.
    let Some(changed) = set_image_url(&*write, product_id, "").await? else {
        write.rollback().await?;
        return Ok(PictureRemoved::NoSuchProduct);
    };
    if delete_sizes(&*write, product_id).await? == 0 {
        write.rollback().await?;
        return Ok(PictureRemoved::NoPicture);
    }
    let target = format!("product:{product_id}");
    audit::record(
        &*write,
        actor,
        "product.picture_removed",
        &target,
        json!({}),
    )
    .await?;
    write.commit().await?;
    Ok(PictureRemoved::Removed(Box::new(changed)))
}

async fn delete_sizes(db: &impl ConnectionTrait, product_id: i64) -> Result<u64, StoreError> {
    Ok(product_picture::Entity::delete_many()
        .filter(product_picture::Column::ProductId.eq(product_id))
        .exec(db)
        .await?
        .rows_affected)
}

async fn set_image_url(
    db: &impl ConnectionTrait,
    product_id: i64,
    image_url: &str,
) -> Result<Option<product::Model>, StoreError> {
    let updated = product::Entity::update_many()
        .col_expr(product::Column::ImageUrl, Expr::value(image_url))
        .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(product::Column::Id.eq(product_id))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(None);
    }
    Ok(product::Entity::find_by_id(product_id).one(db).await?)
}
