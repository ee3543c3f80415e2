//! The largest quantity of one product in one order, per product: `products.max_per_order`
//! (NULL: the general rule of `wire::rules::MAX_QUANTITY`).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000010_product_max_per_order"
    }
}

#[derive(DeriveIden)]
enum Products {
    Table,
    MaxPerOrder,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .add_column(ColumnDef::new(Products::MaxPerOrder).big_integer().null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Products::Table)
                    .drop_column(Products::MaxPerOrder)
                    .to_owned(),
            )
            .await
    }
}
