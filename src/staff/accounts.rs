//! Staff accounts in the database: who may sign in, with which role; and who is acting.

use bakery_wire::staff::StaffRole;
use chrono::{DateTime, Utc};
use entity::{api_token, staff_user};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    SqlErr,
};
use serde_json::json;

use super::secrets::{self, SecretError};
use crate::cache::CacheError;
use crate::store::{self, StoreError, audit};

/// Why an account operation failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this e-mail exists already")]
    Exists,
    #[error("{0}")]
    Invalid(String),
    #[error("no such account")]
    NotFound,
    /// An admin tried to disable, demote or reset their own account.
    #[error("you cannot {0} your own account")]
    OwnAccount(&'static str),
    /// The change would leave no active admin.
    #[error("the shop needs at least one active admin")]
    LastAdmin,
    /// The current password given to change it is not right.
    #[error("the current password is not right")]
    WrongPassword,
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
    /// The account acting (a token's owner); `None` for a token whose owner is unknown.
    pub user_id: Option<i64>,
    /// The account's password was reset: only changing it is allowed (sessions only).
    pub must_change_password: bool,
}

pub(super) fn normalize_email(email: &str) -> String {
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
    let hash = password_hash("password", password)?;
    Ok(staff_user::ActiveModel {
        id: NotSet,
        email: Set(normalize_email(email)),
        password_hash: Set(hash),
        role: Set(role.as_str().to_owned()),
        active: Set(true),
        created_at: Set(Utc::now()),
        must_change_password: Set(false),
        session_epoch: Set(0),
    })
}

/// The Argon2id hash of a new password, checked first: at least
/// [`secrets::MIN_PASSWORD_CHARS`] characters (`field` names it in the error).
pub fn password_hash(field: &str, password: &str) -> Result<String, AccountError> {
    if password.chars().count() < secrets::MIN_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "{field} must be at least {} characters",
            secrets::MIN_PASSWORD_CHARS
        )));
    }
    Ok(secrets::hash_password(password)?)
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

/// An account by id, active or not.
pub async fn user(
    conn: &impl ConnectionTrait,
    id: i64,
) -> Result<Option<staff_user::Model>, StoreError> {
    staff_user::Entity::find_by_id(id)
        .one(conn)
        .await
        .map_err(StoreError::from)
}

/// An account by e-mail, active or not.
pub async fn user_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<staff_user::Model>, StoreError> {
    staff_user::Entity::find()
        .filter(staff_user::Column::Email.eq(normalize_email(email)))
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

/// Creates a bearer token with no owner and no expiry (for tools and tests; the API makes
/// owned ones, [`super::tokens::create_api_token`]). The token is returned once, never stored.
pub async fn create_api_token(
    conn: &impl ConnectionTrait,
    name: &str,
    role: StaffRole,
    created_by: &str,
) -> Result<(api_token::Model, String), AccountError> {
    insert_api_token(conn, name, role, created_by, None, None).await
}

/// Writes a new bearer token: `owner_id` the account it acts for, `expires_at` its end.
pub(super) async fn insert_api_token(
    conn: &impl ConnectionTrait,
    name: &str,
    role: StaffRole,
    created_by: &str,
    owner_id: Option<i64>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<(api_token::Model, String), AccountError> {
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(AccountError::Invalid(
            "name must be 1 to 200 characters".into(),
        ));
    }
    let token = secrets::random_token()?;
    let id = api_token::Entity::insert(api_token::ActiveModel {
        id: NotSet,
        name: Set(name.to_owned()),
        token_hash: Set(secrets::token_hash(&token)),
        role: Set(role.as_str().to_owned()),
        created_by: Set(created_by.to_owned()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        expires_at: Set(expires_at),
        last_used_at: Set(None),
        owner_id: Set(owner_id),
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
