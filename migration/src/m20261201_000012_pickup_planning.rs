//! Pickup planning: when an order is for, what limits it books, and the bakery's calendar and
//! switches as admins set them at run time.
//!
//! `orders.pickup_at` is the start of the order's slot (UTC; NULL for orders placed before).
//! Products get their planning rules: `lead_time_minutes`, `max_per_day` (pieces per day),
//! `made_on` (weekdays, `mon,sat`; NULL every day) and an optional date window
//! (`available_from`, `available_until`, `YYYY-MM-DD`).
//!
//! `bookings` holds the counters that cannot be oversold, one row per scope and key: a
//! fulfillment's slot (`slot pickup`, its UTC start), a fulfillment's day (`day pickup`, the
//! local date) and a product's day (`product 3`, the local date), each with orders and items
//! booked; intake raises them with a guarded UPDATE. `order_bookings` remembers what each order
//! booked, so a rejected, cancelled or failed order gives exactly that back. `planning` holds the
//! admin's calendar and the board's switches as JSON, one row each.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000012_pickup_planning"
    }
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    PickupAt,
}

#[derive(DeriveIden)]
enum Products {
    Table,
    LeadTimeMinutes,
    MaxPerDay,
    MadeOn,
    AvailableFrom,
    AvailableUntil,
}

#[derive(DeriveIden)]
enum Bookings {
    Table,
    Id,
    Scope,
    At,
    Orders,
    Items,
}

#[derive(DeriveIden)]
enum OrderBookings {
    Table,
    Id,
    OrderId,
    Scope,
    At,
    Orders,
    Items,
}

#[derive(DeriveIden)]
enum Planning {
    Table,
    Name,
    Value,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(timestamp_with_time_zone_null(Orders::PickupAt))
                    .to_owned(),
            )
            .await?;
        // One column per statement: SQLite alters one at a time.
        let columns = [
            ColumnDef::new(Products::LeadTimeMinutes)
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
            ColumnDef::new(Products::MaxPerDay)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(Products::MadeOn).string().null().to_owned(),
            ColumnDef::new(Products::AvailableFrom)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Products::AvailableUntil)
                .string()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Products::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(Bookings::Table)
                    .col(pk_auto(Bookings::Id).big_integer())
                    .col(string(Bookings::Scope))
                    .col(string(Bookings::At))
                    .col(big_integer(Bookings::Orders).default(0))
                    .col(big_integer(Bookings::Items).default(0))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("bookings_scope_at")
                    .table(Bookings::Table)
                    .col(Bookings::Scope)
                    .col(Bookings::At)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OrderBookings::Table)
                    .col(pk_auto(OrderBookings::Id).big_integer())
                    .col(big_integer(OrderBookings::OrderId))
                    .col(string(OrderBookings::Scope))
                    .col(string(OrderBookings::At))
                    .col(big_integer(OrderBookings::Orders))
                    .col(big_integer(OrderBookings::Items))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("order_bookings_order_id")
                    .table(OrderBookings::Table)
                    .col(OrderBookings::OrderId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Planning::Table)
                    .col(string(Planning::Name).primary_key())
                    .col(text(Planning::Value))
                    .col(timestamp_with_time_zone(Planning::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Planning::Table.into_iden(),
            OrderBookings::Table.into_iden(),
            Bookings::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            Products::LeadTimeMinutes.into_iden(),
            Products::MaxPerDay.into_iden(),
            Products::MadeOn.into_iden(),
            Products::AvailableFrom.into_iden(),
            Products::AvailableUntil.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Products::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .drop_column(Orders::PickupAt)
                    .to_owned(),
            )
            .await
    }
}
