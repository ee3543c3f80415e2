//! Gives every notification delivery its own retry schedule: when it is tried next, so a failing one waits out its backoff without holding others back.
//!
//! A delivery is `pending` (tried when `next_attempt_at` has come), `delivered` or `dead` (a
//! permanent failure or too many tries; staff may set it pending again). Deliveries that were
//! `failing` become `pending`, due at once.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000008_notification_retries"
    }
}

#[derive(DeriveIden)]
enum NotificationDeliveries {
    Table,
    Status,
    NextAttemptAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationDeliveries::Table)
                    .add_column(
                        ColumnDef::new(NotificationDeliveries::NextAttemptAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        let failing = Query::update()
            .table(NotificationDeliveries::Table)
            .value(NotificationDeliveries::Status, "pending")
            .value(
                NotificationDeliveries::NextAttemptAt,
                Expr::col(NotificationDeliveries::UpdatedAt),
            )
            .and_where(Expr::col(NotificationDeliveries::Status).eq("failing"))
            .to_owned();
        manager.exec_stmt(failing).await?;
        // The drain's look-up: pending deliveries whose time has come, earliest first.
        manager
            .create_index(
                Index::create()
                    .name("notification_deliveries_due")
                    .table(NotificationDeliveries::Table)
                    .col(NotificationDeliveries::Status)
                    .col(NotificationDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("notification_deliveries_due")
                    .table(NotificationDeliveries::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(NotificationDeliveries::Table)
                    .drop_column(NotificationDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }
}
