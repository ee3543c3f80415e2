//! Adds the orders' tracking tokens: the SHA-256 of each token that shows its order in full.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderTrackingTokens {
    Table,
    Id,
    OrderId,
    TokenHash,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OrderTrackingTokens::Table)
                    .col(big_pk_auto(OrderTrackingTokens::Id))
                    .col(big_integer(OrderTrackingTokens::OrderId))
                    .col(string_len(OrderTrackingTokens::TokenHash, 64))
                    .col(timestamp_with_time_zone(OrderTrackingTokens::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // A token is checked by its hash (unique: 256 random bits each) together with its order.
        manager
            .create_index(
                Index::create()
                    .name("order_tracking_tokens_hash")
                    .table(OrderTrackingTokens::Table)
                    .col(OrderTrackingTokens::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OrderTrackingTokens::Table).to_owned())
            .await
    }
}
