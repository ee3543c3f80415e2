//! Gives the sample catalog's celebration cakes their options (a size of 6″, 8″ or 10″, and a
//! flavour or frosting) and an inscription of up to 40 characters. Only a sample cake still
//! there under its sample name and without options of its own is changed, so a shop's own
//! catalog is left alone. Each default choice costs nothing extra, so an order that names no
//! options pays the listed price.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261203_000102_sample_catalog_options"
    }
}

#[derive(DeriveIden)]
enum Products {
    Table,
    Id,
    Name,
    Options,
    InscriptionMaxLen,
}

/// The sizes every sample cake comes in.
const SIZES: &str = r#"{"key":"size","name":"Size","required":true,"default":"6in","choices":[
    {"key":"6in","name":"6″ (serves 6–8)","price_delta_cents":0},
    {"key":"8in","name":"8″ (serves 10–12)","price_delta_cents":800},
    {"key":"10in","name":"10″ (serves 16–20)","price_delta_cents":1600}]}"#;

/// The longest inscription the sample cakes take.
const INSCRIPTION_CHARS: i64 = 40;

/// (id, sample name, its second group).
const CAKES: [(i64, &str, &str); 2] = [
    (
        1,
        "Chocolate Cake",
        r#"{"key":"flavour","name":"Ganache","required":true,"default":"dark","choices":[
    {"key":"dark","name":"Dark chocolate","price_delta_cents":0},
    {"key":"milk","name":"Milk chocolate","price_delta_cents":0},
    {"key":"salted-caramel","name":"Salted caramel","price_delta_cents":250}]}"#,
    ),
    (
        9,
        "Carrot Cake",
        r#"{"key":"frosting","name":"Frosting","required":true,"default":"cream-cheese","choices":[
    {"key":"cream-cheese","name":"Cream cheese","price_delta_cents":0},
    {"key":"orange-mascarpone","name":"Orange mascarpone","price_delta_cents":150}]}"#,
    ),
];

/// JSON without the line breaks and indentation the constants are written with.
fn compact(json: &str) -> String {
    json.lines().map(str::trim).collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (id, name, second) in CAKES {
            let options = format!("[{},{}]", compact(SIZES), compact(second));
            let update = Query::update()
                .table(Products::Table)
                .value(Products::Options, options)
                .value(Products::InscriptionMaxLen, INSCRIPTION_CHARS)
                .and_where(Expr::col(Products::Id).eq(id))
                .and_where(Expr::col(Products::Name).eq(name))
                .and_where(Expr::col(Products::Options).is_null())
                .and_where(Expr::col(Products::InscriptionMaxLen).is_null())
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (id, name, second) in CAKES {
            let options = format!("[{},{}]", compact(SIZES), compact(second));
            let update = Query::update()
                .table(Products::Table)
                .value(Products::Options, Option::<String>::None)
                .value(Products::InscriptionMaxLen, Option::<i64>::None)
                .and_where(Expr::col(Products::Id).eq(id))
                .and_where(Expr::col(Products::Name).eq(name))
                .and_where(Expr::col(Products::Options).eq(options))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        Ok(())
    }
}
