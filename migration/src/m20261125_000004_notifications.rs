//! Adds customer notifications: the admins' webhook endpoints and one row per delivery of a notification.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    Url,
    Secret,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    Id,
    OutboxId,
    Channel,
    Target,
    Status,
    Attempts,
    LastError,
    CreatedAt,
    UpdatedAt,
    DeliveredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookEndpoints::Table)
                    .col(big_pk_auto(WebhookEndpoints::Id))
                    .col(string_len(WebhookEndpoints::Url, 2000))
                    .col(string_len(WebhookEndpoints::Secret, 200))
                    .col(boolean(WebhookEndpoints::Active).default(true))
                    .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(NotificationDeliveries::Table)
                    .col(big_pk_auto(NotificationDeliveries::Id))
                    .col(big_integer(NotificationDeliveries::OutboxId))
                    .col(string_len(NotificationDeliveries::Channel, 16))
                    .col(string_len(NotificationDeliveries::Target, 2000))
                    .col(string_len(NotificationDeliveries::Status, 16))
                    .col(integer(NotificationDeliveries::Attempts).default(0))
                    .col(text_null(NotificationDeliveries::LastError))
                    .col(timestamp_with_time_zone(NotificationDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone(NotificationDeliveries::UpdatedAt))
                    .col(timestamp_with_time_zone_null(
                        NotificationDeliveries::DeliveredAt,
                    ))
                    .to_owned(),
            )
            .await?;
        // A retry after a crash finds what was delivered already, and never records it twice.
        manager
            .create_index(
                Index::create()
                    .name("notification_deliveries_once")
                    .table(NotificationDeliveries::Table)
                    .col(NotificationDeliveries::OutboxId)
                    .col(NotificationDeliveries::Channel)
                    .col(NotificationDeliveries::Target)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            NotificationDeliveries::Table.into_iden(),
            WebhookEndpoints::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
