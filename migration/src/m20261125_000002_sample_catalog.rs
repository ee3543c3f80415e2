//! Stocks a new shop with the seed document's four products (same ids and prices) and a few more.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{DbBackend, Statement};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Name,
    Description,
    PriceCents,
    ImageUrl,
    Stock,
    Active,
    CreatedAt,
    UpdatedAt,
}

/// (id, name, description, price in cents, image, stock)
const SAMPLE_CATALOG: [(i64, &str, &str, i64, &str, i64); 10] = [
    (
        1,
        "Chocolate Cake",
        "Rich chocolate layer cake with ganache",
        2999,
        "chocolate_cake.jpg",
        300,
    ),
    (
        2,
        "Sourdough Bread",
        "Naturally leavened loaf with a crackling crust",
        899,
        "sourdough_bread.jpg",
        400,
    ),
    (
        3,
        "Blueberry Muffin",
        "Buttery muffin bursting with wild blueberries",
        399,
        "blueberry_muffin.jpg",
        500,
    ),
    (
        4,
        "Croissant",
        "Flaky all-butter French croissant",
        450,
        "croissant.jpg",
        500,
    ),
    (
        5,
        "Cinnamon Roll",
        "Soft swirl of cinnamon sugar under cream-cheese icing",
        425,
        "cinnamon_roll.jpg",
        400,
    ),
    (
        6,
        "Baguette",
        "Crisp French stick baked every morning",
        350,
        "baguette.jpg",
        400,
    ),
    (
        7,
        "Lemon Tart",
        "Shortcrust tart filled with tangy lemon curd",
        575,
        "lemon_tart.jpg",
        250,
    ),
    (
        8,
        "Pain au Chocolat",
        "Laminated pastry around two bars of dark chocolate",
        475,
        "pain_au_chocolat.jpg",
        400,
    ),
    (
        9,
        "Carrot Cake",
        "Spiced carrot and walnut cake with cream-cheese frosting",
        2499,
        "carrot_cake.jpg",
        200,
    ),
    (
        10,
        "Almond Biscotti",
        "Bag of six twice-baked almond biscuits",
        699,
        "almond_biscotti.jpg",
        300,
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let now = Expr::current_timestamp();
        let mut insert = Query::insert();
        insert.into_table(Products::Table).columns([
            Products::Id,
            Products::Name,
            Products::Description,
            Products::PriceCents,
            Products::ImageUrl,
            Products::Stock,
            Products::Active,
            Products::CreatedAt,
            Products::UpdatedAt,
        ]);
        for (id, name, description, price_cents, image_url, stock) in SAMPLE_CATALOG {
            insert.values_panic([
                id.into(),
                name.into(),
                description.into(),
                price_cents.into(),
                image_url.into(),
                stock.into(),
                true.into(),
                now.clone(),
                now.clone(),
            ]);
        }
        manager.exec_stmt(insert).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            // Explicit ids leave the identity sequence behind; move it past them.
            manager
                .get_connection()
                .execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT setval(pg_get_serial_sequence('products', 'id'), (SELECT MAX(id) FROM products))",
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let ids: Vec<i64> = SAMPLE_CATALOG.iter().map(|p| p.0).collect();
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(Products::Table)
                    .and_where(Expr::col(Products::Id).is_in(ids))
                    .to_owned(),
            )
            .await
    }
}
