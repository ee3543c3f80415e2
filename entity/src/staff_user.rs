//! A staff account: e-mail, Argon2id password hash, role (`admin` or `baker`) and whether it is active.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub password_hash: String,
    pub role: String,
    pub active: bool,
    pub created_at: DateTimeUtc,
    /// Set by an admin's password reset: until the user changes it, only that is allowed.
    pub must_change_password: bool,
    /// Sessions opened in an earlier epoch are over (raised to sign out everywhere).
    pub session_epoch: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
