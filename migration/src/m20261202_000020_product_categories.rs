//! Product categories with an order of display: `categories` (`name` unique, `position` the
//! menu's order, smallest first) and `products.category_id` (NULL: uncategorised, shown last as
//! "Other"). On PostgreSQL the column references `categories` with `ON DELETE SET NULL`; SQLite
//! cannot add a foreign key to an existing table, and the store clears a deleted category's
//! products in the same transaction on both.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000020_product_categories"
    }
}

#[derive(DeriveIden)]
enum Categories {
    Table,
    Id,
    Name,
    Position,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    CategoryId,
}

const FOREIGN_KEY: &str = "fk_products_category_id";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Categories::Table)
                    .col(big_pk_auto(Categories::Id))
                    .col(string_len_uniq(Categories::Name, 100))
                    .col(big_integer(Categories::Position))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .add_column(ColumnDef::new(Products::CategoryId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .create_foreign_key(
                    ForeignKey::create()
                        .name(FOREIGN_KEY)
                        .from(Products::Table, Products::CategoryId)
                        .to(Categories::Table, Categories::Id)
                        .on_delete(ForeignKeyAction::SetNull)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .drop_foreign_key(
                    ForeignKey::drop()
                        .name(FOREIGN_KEY)
                        .table(Products::Table)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .drop_column(Products::CategoryId)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Categories::Table).to_owned())
            .await
    }
}
