//! Gives the sample catalog's products their true allergens and dietary labels (only where the
//! product still has its sample name and no labels yet, so a shop's own entries are left alone).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000021_sample_catalog_allergens"
    }
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Name,
    Allergens,
    MayContain,
    Dietary,
}

/// (id, sample name, contains, may contain, dietary labels), in `bakery_wire::menu`'s names.
const SAMPLE_LABELS: [(i64, &str, &str, &str, &str); 10] = [
    (
        1,
        "Chocolate Cake",
        "gluten,eggs,soybeans,milk",
        "nuts",
        "vegetarian",
    ),
    (
        2,
        "Sourdough Bread",
        "gluten",
        "sesame",
        "vegan,vegetarian,nut_free,dairy_free,egg_free",
    ),
    (
        3,
        "Blueberry Muffin",
        "gluten,eggs,milk",
        "nuts",
        "vegetarian",
    ),
    (
        4,
        "Croissant",
        "gluten,eggs,milk",
        "nuts,sesame",
        "vegetarian",
    ),
    (5, "Cinnamon Roll", "gluten,eggs,milk", "nuts", "vegetarian"),
    (
        6,
        "Baguette",
        "gluten",
        "sesame",
        "vegan,vegetarian,nut_free,dairy_free,egg_free",
    ),
    (7, "Lemon Tart", "gluten,eggs,milk", "nuts", "vegetarian"),
    (
        8,
        "Pain au Chocolat",
        "gluten,eggs,soybeans,milk",
        "nuts",
        "vegetarian",
    ),
    (9, "Carrot Cake", "gluten,eggs,milk,nuts", "", "vegetarian"),
    (
        10,
        "Almond Biscotti",
        "gluten,eggs,nuts",
        "peanuts",
        "vegetarian,dairy_free",
    ),
];

fn label(id: i64, name: &str, columns: [(Products, &str); 3]) -> UpdateStatement {
    let mut update = Query::update();
    update
        .table(Products::Table)
        .values(columns.map(|(column, value)| (column, value.into())))
        .and_where(Expr::col(Products::Id).eq(id))
        .and_where(Expr::col(Products::Name).eq(name));
    update
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (id, name, allergens, may_contain, dietary) in SAMPLE_LABELS {
            let mut update = label(
                id,
                name,
                [
                    (Products::Allergens, allergens),
                    (Products::MayContain, may_contain),
                    (Products::Dietary, dietary),
                ],
            );
            update
                .and_where(Expr::col(Products::Allergens).eq(""))
                .and_where(Expr::col(Products::MayContain).eq(""))
                .and_where(Expr::col(Products::Dietary).eq(""));
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (id, name, ..) in SAMPLE_LABELS {
            let cleared = [
                (Products::Allergens, ""),
                (Products::MayContain, ""),
                (Products::Dietary, ""),
            ];
            manager.exec_stmt(label(id, name, cleared)).await?;
        }
        Ok(())
    }
}
