//! Adds the staff back-office: accounts, sessions, API tokens, the audit log; and delivery orders.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Fulfillment,
    DeliveryAddress,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
    Email,
    PasswordHash,
    Role,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum StaffSessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CsrfToken,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    TokenHash,
    Role,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Actor,
    Action,
    Target,
    Details,
    At,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(string_len(Orders::Fulfillment, 16).default("pickup"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Orders::Table)
                    .add_column(text_null(Orders::DeliveryAddress))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffUsers::Table)
                    .col(big_pk_auto(StaffUsers::Id))
                    .col(string_len_uniq(StaffUsers::Email, 254))
                    .col(text(StaffUsers::PasswordHash))
                    .col(string_len(StaffUsers::Role, 16))
                    .col(boolean(StaffUsers::Active).default(true))
                    .col(timestamp_with_time_zone(StaffUsers::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffSessions::Table)
                    .col(big_pk_auto(StaffSessions::Id))
                    .col(string_len_uniq(StaffSessions::TokenHash, 64))
                    .col(big_integer(StaffSessions::UserId))
                    .col(string_len(StaffSessions::CsrfToken, 64))
                    .col(timestamp_with_time_zone(StaffSessions::CreatedAt))
                    .col(timestamp_with_time_zone(StaffSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffSessions::Table, StaffSessions::UserId)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .col(big_pk_auto(ApiTokens::Id))
                    .col(string_len(ApiTokens::Name, 200))
                    .col(string_len_uniq(ApiTokens::TokenHash, 64))
                    .col(string_len(ApiTokens::Role, 16))
                    .col(string_len(ApiTokens::CreatedBy, 254))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(big_pk_auto(AuditLog::Id))
                    .col(string_len(AuditLog::Actor, 254))
                    .col(string_len(AuditLog::Action, 100))
                    .col(string_len(AuditLog::Target, 200))
                    .col(text(AuditLog::Details))
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditLog::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            StaffSessions::Table.into_iden(),
            StaffUsers::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            Orders::DeliveryAddress.into_iden(),
            Orders::Fulfillment.into_iden(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Orders::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
