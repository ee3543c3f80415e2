//! An index of the outbox rows not yet published, so the relay and the notifier find them at once.
//!
//! Both look for `published_at IS NULL AND topic = ? ORDER BY id LIMIT n`. Without this index
//! SQLite walked the table in id order from its first row, through every row already published,
//! on each look: the slower the more orders the shop had taken (the benchmark's profile showed
//! most of the server's time in that walk). The index holds only unpublished rows, so it stays
//! as small as the backlog.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000005_outbox_unpublished_index"
    }
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Topic,
    PublishedAt,
}

const NAME: &str = "idx_outbox_unpublished";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(NAME)
                    .table(Outbox::Table)
                    .col(Outbox::Topic)
                    .col(Outbox::Id)
                    .and_where(Expr::col(Outbox::PublishedAt).is_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(NAME).table(Outbox::Table).to_owned())
            .await
    }
}
