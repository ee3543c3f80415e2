//! One size of a product's current picture: its width and height in pixels, the picture's hash
//! (the same in every size, new when the picture changes) and the encoded image.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product_pictures")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub product_id: i64,
    /// Names the picture in its URLs: hex of the start of the SHA-256 of the uploaded file.
    pub hash: String,
    pub width: i32,
    pub height: i32,
    /// The encoding of `bytes` (`image/jpeg`).
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
