//! A product's allergens (contained and possibly contained) and dietary labels:
//! `products.allergens`, `products.may_contain` and `products.dietary`, each the lowercase names
//! of `bakery_wire::menu` joined by commas (`''`: none).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000020_product_allergens_and_labels"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Products {
    Table,
    Allergens,
    MayContain,
    Dietary,
}

const COLUMNS: [Products; 3] = [Products::Allergens, Products::MayContain, Products::Dietary];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one column at a time.
        for column in COLUMNS {
            manager
                .alter_table(
                    Table::alter()
                        .table(Products::Table)
                        .add_column(ColumnDef::new(column).string().not_null().default(""))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in COLUMNS {
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
