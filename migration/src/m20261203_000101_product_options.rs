//! Products' options and inscriptions, and what an order line chose of them.
//!
//! `products.options` holds a product's option groups as JSON (each group's key, name, whether
//! it is required, its default choice, and its choices with their price differences in cents);
//! NULL: none. `products.inscription_max_len` is the longest inscription it takes; NULL: none.
//! `order_items.options` keeps the choices as they were named and priced when the order was
//! placed (JSON), and `order_items.inscription` the text; NULL: none.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000101_product_options"
    }
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Options,
    InscriptionMaxLen,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Options,
    Inscription,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        for column in [
            ColumnDef::new(Products::Options).text().null().to_owned(),
            ColumnDef::new(Products::InscriptionMaxLen)
                .big_integer()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Products::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [OrderItems::Options, OrderItems::Inscription] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OrderItems::Table)
                        .add_column(ColumnDef::new(column).text().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [OrderItems::Options, OrderItems::Inscription] {
            manager
                .alter_table(
                    Table::alter()
                        .table(OrderItems::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for column in [Products::Options, Products::InscriptionMaxLen] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Products::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
