//! The notification channels some process delivers on besides webhooks (e-mail), so writers know whether to write notifications.
//!
//! Webhook endpoints are rows already; whether e-mail goes out was only in the notifying
//! processes' settings. A process that sends e-mail records `email` here when it starts, and every
//! status move writes its customer's notification only while an active endpoint or a row here
//! exists: a bakery that notifies nobody no longer writes (and marks done) three outbox rows per
//! order.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261126_000007_notification_channels"
    }
}

#[derive(DeriveIden)]
enum NotificationChannels {
    Table,
    Channel,
    RegisteredAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(NotificationChannels::Table)
                    .if_not_exists()
                    .col(
                        ColumnDef::new(NotificationChannels::Channel)
                            .string_len(32)
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(NotificationChannels::RegisteredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(NotificationChannels::Table).to_owned())
            .await
    }
}
