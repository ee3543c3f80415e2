//! Gives the sample catalog's products pictures of their own, drawn by the project
//! (`src/domain/sample_pictures.rs` draws them into `migration/pictures/`), in every size the
//! site serves. A product gets its picture only while it is still the sample's (its `image_url`
//! still the sample's name) and has none; rolling back removes exactly these pictures.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    ImageUrl,
}

#[derive(DeriveIden)]
enum ProductPictures {
    Table,
    ProductId,
    Hash,
    Width,
    Height,
    ContentType,
    Bytes,
    CreatedAt,
}

/// The pictures of one sample product: 320, 640 and 960 pixels wide, 4:3.
macro_rules! sizes {
    ($slug:literal) => {
        [
            (
                320,
                include_bytes!(concat!("../pictures/", $slug, "-320.jpg")).as_slice(),
            ),
            (
                640,
                include_bytes!(concat!("../pictures/", $slug, "-640.jpg")).as_slice(),
            ),
            (
                960,
                include_bytes!(concat!("../pictures/", $slug, "-960.jpg")).as_slice(),
            ),
        ]
    };
}

type Sizes = [(i32, &'static [u8]); 3];

/// (product id, its sample `image_url`, its picture's sizes)
const SAMPLES: [(i64, &str, Sizes); 10] = [
    (1, "chocolate_cake.jpg", sizes!("chocolate_cake")),
    (2, "sourdough_bread.jpg", sizes!("sourdough_bread")),
    (3, "blueberry_muffin.jpg", sizes!("blueberry_muffin")),
    (4, "croissant.jpg", sizes!("croissant")),
    (5, "cinnamon_roll.jpg", sizes!("cinnamon_roll")),
    (6, "baguette.jpg", sizes!("baguette")),
    (7, "lemon_tart.jpg", sizes!("lemon_tart")),
    (8, "pain_au_chocolat.jpg", sizes!("pain_au_chocolat")),
    (9, "carrot_cake.jpg", sizes!("carrot_cake")),
    (10, "almond_biscotti.jpg", sizes!("almond_biscotti")),
];

/// The hash naming a picture in its URLs, as the server makes it for uploads: 16 hex digits of
/// the SHA-256 of the file (here: the largest size).
fn hash_of(sizes: &Sizes) -> String {
    Sha256::digest(sizes[2].1)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (id, image_url, sizes) in SAMPLES {
            let still_the_sample = Query::select()
                .expr(Expr::col(Products::Id))
                .from(Products::Table)
                .and_where(Expr::col(Products::Id).eq(id))
                .and_where(Expr::col(Products::ImageUrl).eq(image_url))
                .and_where(
                    Expr::exists(
                        Query::select()
                            .expr(Expr::col(ProductPictures::ProductId))
                            .from(ProductPictures::Table)
                            .and_where(Expr::col(ProductPictures::ProductId).eq(id))
                            .to_owned(),
                    )
                    .not(),
                )
                .to_owned();
            if db.query_one(&still_the_sample).await?.is_none() {
                continue;
            }
            let hash = hash_of(&sizes);
            let mut insert = Query::insert();
            insert.into_table(ProductPictures::Table).columns([
                ProductPictures::ProductId,
                ProductPictures::Hash,
                ProductPictures::Width,
                ProductPictures::Height,
                ProductPictures::ContentType,
                ProductPictures::Bytes,
                ProductPictures::CreatedAt,
            ]);
            for (width, bytes) in sizes {
                insert.values_panic([
                    id.into(),
                    hash.clone().into(),
                    width.into(),
                    (width * 3 / 4).into(),
                    "image/jpeg".into(),
                    bytes.to_vec().into(),
                    Expr::current_timestamp(),
                ]);
            }
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (id, _, sizes) in SAMPLES {
            manager
                .exec_stmt(
                    Query::delete()
                        .from_table(ProductPictures::Table)
                        .and_where(Expr::col(ProductPictures::ProductId).eq(id))
                        .and_where(Expr::col(ProductPictures::Hash).eq(hash_of(&sizes)))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
