//! The customer's reminder before an order's slot: `orders.reminded_at`, when the reminder was
//! written to the notification outbox (UTC; NULL until then, and for orders never reminded).
//!
//! Workers claim an order's reminder by setting it with a guarded `UPDATE … WHERE reminded_at IS
//! NULL`, so of every worker sweeping, exactly one reminds it, across restarts. No index names
//! it, so setting it stays a HOT update on PostgreSQL; the sweep reads the orders of the coming
//! slots through the index on `pickup_at`.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000010_order_reminders"
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    RemindedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(timestamp_with_time_zone_null(Orders::RemindedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::RemindedAt)
                    .to_owned(),
            )
            .await
    }
}
