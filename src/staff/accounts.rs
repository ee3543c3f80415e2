//! Staff accounts, their sessions, and bearer tokens, in the database.

use std::time::Duration;

use bakery_wire::staff::StaffRole;
use chrono::Utc;
use entity::{api_token, staff_session, staff_user};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    SqlErr,
};
use serde_json::json;

use super::secrets::{self, SecretError, random_token, token_hash};
use crate::cache::{CacheError, RedisCache};
use crate::store::{self, StoreError, audit};

/// How long a staff session lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this e-mail exists already")]
    Exists,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The session store (Redis) failed.
    #[error("session store: {0}")]
    Sessions(#[from] CacheError),
    #[error(transparent)]
    Secret(#[from] SecretError),
}

impl From<DbErr> for AccountError {
    fn from(err: DbErr) -> Self {
        AccountError::Store(err.into())
    }
}

impl From<serde_json::Error> for AccountError {
    fn from(err: serde_json::Error) -> Self {
        AccountError::Store(err.into())
    }
}

/// Who is acting: a signed-in staff member or a bearer token.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// The e-mail, or `token:<name>`.
    pub actor: String,
    pub role: StaffRole,
    /// The session's CSRF token; `None` for bearer tokens (they are not sent by browsers).
    pub csrf_token: Option<String>,
}

fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Creates an account; the password is stored only as an Argon2id hash.
pub async fn create_user(
    conn: &impl ConnectionTrait,
    email: &str,
    password: &str,
    role: StaffRole,
) -> Result<staff_user::Model, AccountError> {
    let user = new_user(email, password, role)?;
    insert_user(conn, user).await
}

/// [`create_user`] by `actor`, with its audit entry in the same transaction.
pub async fn create_user_audited(
    db: &DatabaseConnection,
    actor: &str,
    email: &str,
    password: &str,
    role: StaffRole,
) -> Result<staff_user::Model, AccountError> {
    // The hash takes tens of milliseconds: made before the write begins.
    let user = new_user(email, password, role)?;
    let write = store::begin_write(db).await?;
    let user = insert_user(&*write, user).await?;
    let details = json!({ "email": user.email, "role": user.role });
    audit::record(
        &*write,
        actor,
        "user.create",
        &format!("user:{}", user.id),
        details,
    )
    .await?;
    write.commit().await?;
    Ok(user)
}

/// The row of a new account: the e-mail and password checked, the password hashed.
fn new_user(
    email: &str,
    password: &str,
    role: StaffRole,
) -> Result<staff_user::ActiveModel, AccountError> {
    bakery_wire::rules::check_email(email)
        .map_err(|m| AccountError::Invalid(format!("email {m}")))?;
    if password.chars().count() < secrets::MIN_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "password must be at least {} characters",
            secrets::MIN_PASSWORD_CHARS
        )));
    }
    let hash = secrets::hash_password(password)?;
    Ok(staff_user::ActiveModel {
        id: NotSet,
        email: Set(normalize_email(email)),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        active: Set(true),
        created_at: Set(Utc::now()),
    })
}

async fn insert_user(
    conn: &impl ConnectionTrait,
    user: staff_user::ActiveModel,
) -> Result<staff_user::Model, AccountError> {
    let inserted = staff_user::Entity::insert(user).exec(conn).await;
    let id = match inserted {
        Ok(done) => done.last_insert_id,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(AccountError::Exists);
        }
        Err(err) => return Err(err.into()),
    };
    staff_user::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("new account".into()).into())
}

/// An active account by e-mail.
pub async fn active_user(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<staff_user::Model>, StoreError> {
    staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(normalize_email(email)))
        .filter(staff_user::Column::Active.eq(true))
        .one(conn)
        .await
        .map_err(StoreError::from)
}

/// Every account, oldest first.
pub async fn users(conn: &impl ConnectionTrait) -> Result<Vec<staff_user::Model>, StoreError> {
    staff_user::Entity::find()
        .order_by_asc(staff_user::Column::Id)
        .all(conn)
        .await
        .map_err(StoreError::from)
}

/// Where staff sessions live: Redis in the distributed shape (every replica sees them, they
/// expire on their own), the database in the embedded one.
#[derive(Clone, Copy)]
pub enum Sessions<'a> {
    Database,
    Redis(&'a RedisCache),
}

/// What a Redis session holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSession {
    user_id: i64,
    csrf_token: String,
}

/// Opens a session; returns the cookie's token and the CSRF token.
pub async fn open_session(
    conn: &impl ConnectionTrait,
    sessions: Sessions<'_>,
    user_id: i64,
) -> Result<(String, String), AccountError> {
    let (token, csrf) = (random_token()?, random_token()?);
    if let Sessions::Redis(redis) = sessions {
        let stored = StoredSession {
            user_id,
            csrf_token: csrf.clone(),
        };
        let json = serde_json::to_string(&stored)?;
        redis
            .store_session(&token_hash(&token), &json, SESSION_LIFETIME.as_secs())
            .await?;
        return Ok((token, csrf));
    }
    let now = Utc::now();
    let lifetime = chrono::Duration::from_std(SESSION_LIFETIME).unwrap_or_default();
    staff_session::Entity::insert(staff_session::ActiveModel {
        id: NotSet,
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
    })
    .exec(conn)
    .await?;
    Ok((token, csrf))
}

/// The staff member behind a session token, if it is current and the account active.
pub async fn session_principal(
    conn: &impl ConnectionTrait,
    sessions: Sessions<'_>,
    token: &str,
) -> Result<Option<Principal>, AccountError> {
    let found = match sessions {
        Sessions::Redis(redis) => redis
            .session(&token_hash(token))
            .await?
            .and_then(|json| serde_json::from_str::<StoredSession>(&json).ok())
            .map(|s| (s.user_id, s.csrf_token)),
        Sessions::Database => staff_session::Entity::find()
            .filter(staff_session::Column::TokenHash.eq(token_hash(token)))
            .filter(staff_session::Column::ExpiresAt.gt(Utc::now()))
            .one(conn)
            .await?
            .map(|s| (s.user_id, s.csrf_token)),
    };
    let Some((user_id, csrf_token)) = found else {
        return Ok(None);
    };
    let user = staff_user::Entity::find_by_id(user_id)
        .filter(staff_user::Column::Active.eq(true))
        .one(conn)
        .await?;
    Ok(user.and_then(|user| {
        Some(Principal {
            actor: user.email,
            role: StaffRole::parse(&user.role)?,
            csrf_token: Some(csrf_token),
        })
    }))
}

/// Ends a session.
pub async fn close_session(
    conn: &impl ConnectionTrait,
    sessions: Sessions<'_>,
    token: &str,
) -> Result<(), AccountError> {
    if let Sessions::Redis(redis) = sessions {
        return Ok(redis.drop_session(&token_hash(token)).await?);
    }
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::TokenHash.eq(token_hash(token)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Creates a bearer token; the token itself is returned once and never stored.
pub async fn create_api_token(
    conn: &impl ConnectionTrait,
    name: &str,
    role: StaffRole,
    created_by: &str,
) -> Result<(api_token::Model, String), AccountError> {
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(AccountError::Invalid(
            "name must be 1 to 200 characters".into(),
        ));
    }
    let token = random_token()?;
    let id = api_token::Entity::insert(api_token::ActiveModel {
        id: NotSet,
        name: Set(name.to_owned()),
        token_hash: Set(token_hash(&token)),
        role: Set(role.as_str().to_owned()),
        created_by: Set(created_by.to_owned()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    })
    .exec(conn)
    .await?
    .last_insert_id;
    let model = api_token::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("new token".into()))?;
    Ok((model, token))
}

/// [`create_api_token`] by `actor`, with its audit entry in the same transaction.
pub async fn create_api_token_audited(
    db: &DatabaseConnection,
    name: &str,
    role: StaffRole,
    actor: &str,
) -> Result<(api_token::Model, String), AccountError> {
    let write = store::begin_write(db).await?;
    let (model, token) = create_api_token(&*write, name, role, actor).await?;
    let details = json!({ "name": model.name, "role": model.role });
    let target = format!("token:{}", model.id);
    audit::record(&*write, actor, "token.create", &target, details).await?;
    write.commit().await?;
    Ok((model, token))
}

/// The principal behind a bearer token, if it exists and is not revoked.
pub async fn token_principal(
    conn: &impl ConnectionTrait,
    token: &str,
) -> Result<Option<Principal>, StoreError> {
    let found = api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token)))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(conn)
        .await?;
    Ok(found.and_then(|t| {
        Some(Principal {
            actor: format!("token:{}", t.name),
            role: StaffRole::parse(&t.role)?,
            csrf_token: None,
        })
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
