//! Bearer tokens for automation: stored only as hashes, owned by the account that made them
//! (working only while it is active, never above its role), with an optional expiry and the
//! time of their last use.

use bakery_wire::staff::StaffRole;
use chrono::Utc;
use entity::{api_token, staff_user};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;

use super::accounts::{AccountError, Principal, insert_api_token};
use super::secrets::token_hash;
use crate::store::{self, StoreError, audit, wire_time};

/// A token's last use is written again only when the stored one is older than this: a busy
/// token costs one small UPDATE a minute, not one per request.
const LAST_USED_GRANULARITY: chrono::Duration = chrono::Duration::seconds(60);

/// Longest expiry a token may be given: ten years, in seconds.
pub const MAX_EXPIRES_IN: i64 = 315_360_000;

/// What a new token is.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub role: StaffRole,
    /// Seconds until it stops working; `None`: never.
    pub expires_in: Option<i64>,
}

/// Creates a bearer token owned by `creator`'s account; the token itself is returned once and
/// never stored.
pub async fn create_api_token(
    conn: &impl ConnectionTrait,
    new: &NewToken<'_>,
    creator: &Principal,
) -> Result<(api_token::Model, String), AccountError> {
    let expires_at = match new.expires_in {
        None => None,
        Some(seconds) if (1..=MAX_EXPIRES_IN).contains(&seconds) => {
            Some(Utc::now() + chrono::Duration::seconds(seconds))
        }
        Some(_) => {
            return Err(AccountError::Invalid(format!(
                "expires_in must be 1 to {MAX_EXPIRES_IN} seconds"
            )));
        }
    };
    insert_api_token(
        conn,
        new.name,
        new.role,
        &creator.actor,
        creator.user_id,
        expires_at,
    )
    .await
}

/// [`create_api_token`] with its audit entry in the same transaction.
pub async fn create_api_token_audited(
    db: &DatabaseConnection,
    new: &NewToken<'_>,
    creator: &Principal,
) -> Result<(api_token::Model, String), AccountError> {
    let write = store::begin_write(db).await?;
    let (model, token) = create_api_token(&*write, new, creator).await?;
    let details = json!({
        "name": model.name,
        "role": model.role,
        "expires_at": model.expires_at.map(wire_time),
    });
    let target = format!("token:{}", model.id);
    audit::record(&*write, &creator.actor, "token.create", &target, details).await?;
    write.commit().await?;
    Ok((model, token))
}

/// The principal behind a bearer token, if it exists, is not revoked or expired, and its owner
/// (if known) is active; its role is at most the owner's. Notes the use (at most once a minute).
pub async fn token_principal(
    conn: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Principal>, StoreError> {
    let now = Utc::now();
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(conn)
        .await?;
    let Some(found) = found.filter(|t| t.expires_at.is_none_or(|end| now < end)) else {
        return Ok(None);
    };
    let Some(mut role) = StaffRole::parse(&found.role) else {
        return Ok(None);
    };
    if let Some(owner_id) = found.owner_id {
        let owner = staff_user::Entity::find_by_id(owner_id)
            .filter(staff_user::Column::Active.eq(true))
            .one(conn)
            .await?;
        let Some(owner) = owner else {
            return Ok(None);
        };
        if StaffRole::parse(&owner.role) != Some(StaffRole::Admin) {
            role = StaffRole::Baker;
        }
    }
    if found
        .last_used_at
        .is_none_or(|used| now - used >= LAST_USED_GRANULARITY)
    {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(now))
            .filter(api_token::Column::Id.eq(found.id))
            .exec(conn)
            .await?;
    }
    Ok(Some(Principal {
        actor: format!("token:{}", found.name),
        role,
        csrf_token: None,
        user_id: found.owner_id,
        must_change_password: false,
    }))
}

/// Revokes a token; false when there is no such (unrevoked) token.
pub async fn revoke_api_token(conn: &impl ConnectionTrait, id: i64) -> Result<bool, StoreError> {
    let done = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_token::Column::Id.eq(id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// [`revoke_api_token`] by `actor`, with its audit entry in the same transaction.
pub async fn revoke_api_token_audited(
    db: &DatabaseConnection,
    id: i64,
    actor: &str,
) -> Result<bool, StoreError> {
    let write = store::begin_write(db).await?;
    if !revoke_api_token(&*write, id).await? {
        write.rollback().await?;
        return Ok(false);
    }
    let target = format!("token:{id}");
    audit::record(&*write, actor, "token.revoke", &target, json!({})).await?;
    write.commit().await?;
    Ok(true)
}

/// Every token, newest first.
pub async fn api_tokens(conn: &impl ConnectionTrait) -> Result<Vec<api_token::Model>, StoreError> {
    api_token::Entity::find()
        .order_by_desc(api_token::Column::Id)
        .all(conn)
        .await
        .map_err(StoreError::from)
}
