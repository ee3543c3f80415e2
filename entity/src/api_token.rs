//! A bearer token for automating the back-office; only its hash is stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub role: String,
    /// E-mail of the admin who created it.
    pub created_by: String,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// After this the token no longer works; `None`: it does not expire.
    pub expires_at: Option<DateTimeUtc>,
    /// Last request made with it, to within a minute.
    pub last_used_at: Option<DateTimeUtc>,
    /// The account it acts for: it works only while that account is active, within its role.
    pub owner_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
