//! Sorts the sample catalog into categories, in this order on the menu: Cakes, Breads, Pastries,
//! Muffins & Biscuits. A category is made only when one of its sample products is still there
//! under its sample name and uncategorised, and only such products are put in it, so a shop's
//! own catalog is left alone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000021_sample_catalog_categories"
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
    Id,
    Name,
    CategoryId,
}

/// (category, its sample products as (id, sample name)), in the menu's order.
const SAMPLE_CATEGORIES: [(&str, &[(i64, &str)]); 4] = [
    ("Cakes", &[(1, "Chocolate Cake"), (9, "Carrot Cake")]),
    ("Breads", &[(2, "Sourdough Bread"), (6, "Baguette")]),
    (
        "Pastries",
        &[
            (4, "Croissant"),
            (5, "Cinnamon Roll"),
            (8, "Pain au Chocolat"),
            (7, "Lemon Tart"),
        ],
    ),
    (
        "Muffins & Biscuits",
        &[(3, "Blueberry Muffin"), (10, "Almond Biscotti")],
    ),
];

/// The sample products of `members` still there under their sample names, uncategorised.
fn sample_products(members: &[(i64, &str)]) -> Condition {
    members.iter().fold(Condition::any(), |any, (id, name)| {
        any.add(
            Condition::all()
                .add(Expr::col(Products::Id).eq(*id))
                .add(Expr::col(Products::Name).eq(*name)),
        )
    })
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut position = 0_i64;
        for (category, members) in SAMPLE_CATEGORIES {
            let present = Query::select()
                .expr(Expr::col(Products::Id).count())
                .from(Products::Table)
                .cond_where(sample_products(members))
                .and_where(Expr::col(Products::CategoryId).is_null())
                .to_owned();
            let count: i64 = match db.query_one(&present).await? {
                Some(row) => row.try_get_by_index(0)?,
                None => 0,
            };
            let taken = Query::select()
                .column(Categories::Id)
                .from(Categories::Table)
                .and_where(Expr::col(Categories::Name).eq(category))
                .to_owned();
            if count == 0 || db.query_one(&taken).await?.is_some() {
                continue;
            }
            position += 1;
            let insert = Query::insert()
                .into_table(Categories::Table)
                .columns([Categories::Name, Categories::Position])
                .values_panic([category.into(), position.into()])
                .to_owned();
            manager.exec_stmt(insert).await?;
            let id: i64 = match db.query_one(&taken).await? {
                Some(row) => row.try_get_by_index(0)?,
                None => return Err(DbErr::RecordNotFound(format!("category {category}"))),
            };
            let sort = Query::update()
                .table(Products::Table)
                .value(Products::CategoryId, id)
                .cond_where(sample_products(members))
                .and_where(Expr::col(Products::CategoryId).is_null())
                .to_owned();
            manager.exec_stmt(sort).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let names = SAMPLE_CATEGORIES.map(|(name, _)| name);
        let ids = Query::select()
            .column(Categories::Id)
            .from(Categories::Table)
            .and_where(Expr::col(Categories::Name).is_in(names))
            .to_owned();
        let clear = Query::update()
            .table(Products::Table)
            .value(Products::CategoryId, Option::<i64>::None)
            .and_where(Expr::col(Products::CategoryId).in_subquery(ids))
            .to_owned();
        manager.exec_stmt(clear).await?;
        let delete = Query::delete()
            .from_table(Categories::Table)
            .and_where(Expr::col(Categories::Name).is_in(names))
            .to_owned();
        manager.exec_stmt(delete).await
    }
}
