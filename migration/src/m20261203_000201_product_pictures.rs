//! Product pictures: `product_pictures` holds each product's current picture in every size the
//! site serves, one row per width (`hash` names the picture, the same in all its sizes; `bytes`
//! the encoded image of `content_type`). Kept in the database, every replica serves them with no
//! shared disk.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000201_product_pictures"
    }
}

#[derive(DeriveIden)]
enum ProductPictures {
    Table,
    Id,
    ProductId,
    Hash,
    Width,
    Height,
    ContentType,
    Bytes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
}

const ONE_PER_WIDTH: &str = "ux_product_pictures_product_width";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProductPictures::Table)
                    .col(big_pk_auto(ProductPictures::Id))
                    .col(big_integer(ProductPictures::ProductId))
                    .col(string_len(ProductPictures::Hash, 64))
                    .col(integer(ProductPictures::Width))
                    .col(integer(ProductPictures::Height))
                    .col(string_len(ProductPictures::ContentType, 40))
                    .col(blob(ProductPictures::Bytes))
                    .col(timestamp_with_time_zone(ProductPictures::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ProductPictures::Table, ProductPictures::ProductId)
                            .to(Products::Table, Products::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_PER_WIDTH)
                    .table(ProductPictures::Table)
                    .col(ProductPictures::ProductId)
                    .col(ProductPictures::Width)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProductPictures::Table).to_owned())
            .await
    }
}
