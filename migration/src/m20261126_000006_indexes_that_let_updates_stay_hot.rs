//! Indexes that cost every status move and helped no query: orders by status, outbox rows by publish time.
//!
//! PostgreSQL rewrites every index of a row whose indexed column changes; a row whose indexed
//! columns stay put is updated in place on its page ("HOT"), its indexes untouched. An order's
//! status changes three times or more in its life, so `idx_orders_status` made each move write
//! new entries in all of the order's indexes, left dead ones behind for every look-up by id to
//! step over, and was read only when a process starts (to resume open orders; a scan of the
//! table does that once). `idx_outbox_published_at` duplicated the partial index of unpublished
//! rows and, once PostgreSQL picked it for the relay's look-up, walked every unpublished row of
//! both topics (the distributed benchmark read 1.9 M of its entries in 15 s). In their place,
//! `idx_orders_created_at` serves the staff board's orders of a day, which scanned the table;
//! `created_at` never changes, so it keeps updates in place. An update stays on its page only if
//! the page has room, so on PostgreSQL orders are written to pages 70 % full (`fillfactor`): in
//! the distributed benchmark 69 % of the moves were then made in place against 32 % on full
//! pages, and order POSTs rose from 2,300–2,500 to 2,900–3,200 a second.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000006_indexes_that_let_updates_stay_hot"
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    PublishedAt,
}

const ORDERS_STATUS: &str = "idx_orders_status";
const OUTBOX_PUBLISHED_AT: &str = "idx_outbox_published_at";
const ORDERS_CREATED_AT: &str = "idx_orders_created_at";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("ALTER TABLE orders SET (fillfactor = 70)")
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name(ORDERS_STATUS)
                    .table(Orders::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name(OUTBOX_PUBLISHED_AT)
                    .table(Outbox::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ORDERS_CREATED_AT)
                    .table(Orders::Table)
                    .col(Orders::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(ORDERS_CREATED_AT)
                    .table(Orders::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(OUTBOX_PUBLISHED_AT)
                    .table(Outbox::Table)
                    .col(Outbox::PublishedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ORDERS_STATUS)
                    .table(Orders::Table)
                    .col(Orders::Status)
                    .to_owned(),
            )
            .await
    }
}
