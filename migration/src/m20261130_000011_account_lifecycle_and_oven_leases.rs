//! Taking access away and leaving no order in a gone worker's oven.
//!
//! Accounts: `must_change_password` (set by an admin's password reset; the user may only change
//! it until they do) and `session_epoch` (every session carries the epoch it was opened in;
//! raising it ends all of the account's sessions at once, in the database or in Redis). Sessions
//! get `last_seen_at` for the idle timeout. API tokens get an optional `expires_at`, a
//! `last_used_at` and the account that owns them (`owner_id`, filled from `created_by` for the
//! tokens made so far): a token works only while its owner's account is active, and never above
//! the owner's role.
//!
//! Ovens: each worker process keeps a row in `oven_leases` (its id and how long its lease runs),
//! renewed while it lives; an order it puts in the oven records the worker in
//! `orders.lease_owner`. A worker whose lease ran out is gone: another one deletes its row and
//! takes its `processing` orders over, in one transaction (the delete has one winner). The lease
//! lives on the worker's row, not on each order, so staying alive costs one small UPDATE per
//! worker, not one per baking order; `lease_owner` is not indexed, so the move to `processing`
//! that sets it stays an in-place ("HOT") update on PostgreSQL.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000011_account_lifecycle_and_oven_leases"
    }
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    MustChangePassword,
    SessionEpoch,
}

#[derive(DeriveIden)]
enum StaffSessions {
    Table,
    LastSeenAt,
    Epoch,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    ExpiresAt,
    LastUsedAt,
    OwnerId,
}

#[derive(DeriveIden)]
enum Orders {
    Table,
    LeaseOwner,
}

#[derive(DeriveIden)]
enum OvenLeases {
    Table,
    Owner,
    LeaseUntil,
    StartedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns: Vec<(DynIden, ColumnDef)> = vec![
            (
                StaffUsers::Table.into_iden(),
                boolean(StaffUsers::MustChangePassword)
                    .default(false)
                    .to_owned(),
            ),
            (
                StaffUsers::Table.into_iden(),
                integer(StaffUsers::SessionEpoch).default(0).to_owned(),
            ),
            (
                StaffSessions::Table.into_iden(),
                timestamp_with_time_zone_null(StaffSessions::LastSeenAt),
            ),
            (
                StaffSessions::Table.into_iden(),
                integer(StaffSessions::Epoch).default(0).to_owned(),
            ),
            (
                ApiTokens::Table.into_iden(),
                timestamp_with_time_zone_null(ApiTokens::ExpiresAt),
            ),
            (
                ApiTokens::Table.into_iden(),
                timestamp_with_time_zone_null(ApiTokens::LastUsedAt),
            ),
            (
                ApiTokens::Table.into_iden(),
                big_integer_null(ApiTokens::OwnerId),
            ),
            (
                Orders::Table.into_iden(),
                string_len_null(Orders::LeaseOwner, 128),
            ),
        ];
        for (table, mut column) in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE api_tokens SET owner_id = \
                 (SELECT id FROM staff_users WHERE staff_users.email = api_tokens.created_by)",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OvenLeases::Table)
                    .if_not_exists()
                    .col(string_len(OvenLeases::Owner, 128).primary_key())
                    .col(timestamp_with_time_zone(OvenLeases::LeaseUntil))
                    .col(timestamp_with_time_zone(OvenLeases::StartedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OvenLeases::Table).to_owned())
            .await?;
        let columns: Vec<(DynIden, DynIden)> = vec![
            (
                StaffUsers::Table.into_iden(),
                StaffUsers::MustChangePassword.into_iden(),
            ),
            (
                StaffUsers::Table.into_iden(),
                StaffUsers::SessionEpoch.into_iden(),
            ),
            (
                StaffSessions::Table.into_iden(),
                StaffSessions::LastSeenAt.into_iden(),
            ),
            (
                StaffSessions::Table.into_iden(),
                StaffSessions::Epoch.into_iden(),
            ),
            (
                ApiTokens::Table.into_iden(),
                ApiTokens::ExpiresAt.into_iden(),
            ),
            (
                ApiTokens::Table.into_iden(),
                ApiTokens::LastUsedAt.into_iden(),
            ),
            (ApiTokens::Table.into_iden(), ApiTokens::OwnerId.into_iden()),
            (Orders::Table.into_iden(), Orders::LeaseOwner.into_iden()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
