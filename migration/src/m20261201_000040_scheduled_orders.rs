//! The kitchen's clock: `orders.start_at`, when a `scheduled` order goes into the oven (its slot
//! less the preparation time; UTC; NULL once it has left `scheduled`, and for every other order),
//! and an index on `pickup_at` for the production sheet of a day.
//!
//! The index on `start_at` holds only the orders waiting (`WHERE start_at IS NOT NULL`), so the
//! workers' sweep for due orders reads only those. Neither index names `status`, so a status
//! move of any other order stays a HOT update on PostgreSQL.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000040_scheduled_orders"
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    StartAt,
    PickupAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(timestamp_with_time_zone_null(Orders::StartAt))
                    .to_owned(),
            )
            .await?;
        // Partial: the same statement on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX orders_start_at ON orders (start_at) WHERE start_at IS NOT NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("orders_pickup_at")
                    .table(Orders::Table)
                    .col(Orders::PickupAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["orders_pickup_at", "orders_start_at"] {
            manager
                .drop_index(Index::drop().name(name).table(Orders::Table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::StartAt)
                    .to_owned(),
            )
            .await
    }
}
