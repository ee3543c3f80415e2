//! A signed-in staff member's session: the hash of the cookie's token, and the CSRF token.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_sessions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 of the session token; the token itself lives only in the cookie.
    #[sea_orm(unique)]
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTimeUtc,
    /// The absolute end of the session.
    pub expires_at: DateTimeUtc,
    /// Last request seen (kept to within a fraction of the idle timeout), for the idle timeout.
    pub last_seen_at: Option<DateTimeUtc>,
    /// The account's `session_epoch` when the session was opened.
    pub epoch: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
