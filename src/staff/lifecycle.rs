//! Taking access away and giving it back: deactivate and reactivate an account, change its role,
//! reset its password (to be changed at the next sign-in), change one's own password, sign out
//! everywhere. Each change is written with its audit entry in one transaction.

use bakery_wire::staff::StaffRole;
use entity::staff_user;
use sea_orm::sea_query::{Expr, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect,
};
use serde_json::{Value, json};

use super::accounts::{AccountError, Principal, password_hash};
use super::secrets::verify_password;
use super::sessions::end_all_sessions;
use crate::store::{self, audit};

/// A change an admin makes to someone else's account.
#[derive(Debug, Clone, PartialEq)]
pub enum AccountChange {
    /// Deactivate: every session and token of the account stops working at once.
    Disable,
    /// Reactivate.
    Enable,
    /// A new role, in force from the account's next request.
    Role(StaffRole),
    /// A new password (already hashed); every session ends. When `must_change` (an admin's
    /// reset), at the next sign-in only changing the password is allowed.
    SetPassword { hash: String, must_change: bool },
    /// End every session of the account.
    SignOutEverywhere,
}

impl AccountChange {
    /// The audit log's name for it.
    fn action(&self) -> &'static str {
        match self {
            AccountChange::Disable => "user.disable",
            AccountChange::Enable => "user.enable",
            AccountChange::Role(_) => "user.role",
            AccountChange::SetPassword {
                must_change: true, ..
            } => "user.reset_password",
            AccountChange::SetPassword { .. } => "user.set_password",
            AccountChange::SignOutEverywhere => "user.sign_out_everywhere",
        }
    }

    /// What an admin may not do to their own account (a mistake that locks them out).
    fn refused_on_oneself(&self) -> Option<&'static str> {
        match self {
            AccountChange::Disable => Some("disable"),
            AccountChange::Role(_) => Some("change the role of"),
            AccountChange::SetPassword { .. } => Some("reset the password of"),
            AccountChange::Enable | AccountChange::SignOutEverywhere => None,
        }
    }

    /// True when it takes an admin away from the active admins.
    fn removes_an_admin(&self, user: &staff_user::Model) -> bool {
        let admin = user.active && user.role == StaffRole::Admin.as_str();
        admin
            && matches!(
                self,
                AccountChange::Disable | AccountChange::Role(StaffRole::Baker)
            )
    }
}

/// Makes `change` to account `user_id` as `actor`, with its audit entry, in one transaction;
/// returns the account as it is now.
pub async fn change_account(
    db: &DatabaseConnection,
    actor: &Principal,
    user_id: i64,
    change: AccountChange,
) -> Result<staff_user::Model, AccountError> {
    if actor.user_id == Some(user_id)
        && let Some(what) = change.refused_on_oneself()
    {
        return Err(AccountError::OwnAccount(what));
    }
    let write = store::begin_write(db).await?;
    match apply(&*write, actor, user_id, &change).await {
        Ok(user) => {
            write.commit().await?;
            Ok(user)
        }
        Err(err) => {
            write.rollback().await?;
            Err(err)
        }
    }
}

/// The writes of [`change_account`], in its transaction.
async fn apply(
    txn: &impl ConnectionTrait,
    actor: &Principal,
    user_id: i64,
    change: &AccountChange,
) -> Result<staff_user::Model, AccountError> {
    let user = staff_user::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or(AccountError::NotFound)?;
    if change.removes_an_admin(&user) && other_active_admins(txn, user_id).await? == 0 {
        return Err(AccountError::LastAdmin);
    }
    let mut details = json!({ "email": user.email });
    let update = staff_user::Entity::update_many().filter(staff_user::Column::Id.eq(user_id));
    match change {
        AccountChange::Disable | AccountChange::Enable => {
            let active = *change == AccountChange::Enable;
            update
                .col_expr(staff_user::Column::Active, Expr::value(active))
                .exec(txn)
                .await?;
            if !active {
                end_all_sessions(txn, user_id).await?;
            }
        }
        AccountChange::Role(role) => {
            update
                .col_expr(staff_user::Column::Role, Expr::value(role.as_str()))
                .exec(txn)
                .await?;
            details["from"] = Value::from(user.role.clone());
            details["to"] = Value::from(role.as_str());
        }
        AccountChange::SetPassword { hash, must_change } => {
            update
                .col_expr(staff_user::Column::PasswordHash, Expr::value(hash.as_str()))
                .col_expr(
                    staff_user::Column::MustChangePassword,
                    Expr::value(*must_change),
                )
                .exec(txn)
                .await?;
            end_all_sessions(txn, user_id).await?;
        }
        AccountChange::SignOutEverywhere => end_all_sessions(txn, user_id).await?,
    }
    let target = format!("user:{user_id}");
    audit::record(txn, &actor.actor, change.action(), &target, details).await?;
    staff_user::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or(AccountError::NotFound)
}

/// Active admins other than `user_id`; on PostgreSQL their rows stay locked until the end of the
/// transaction, so two admins cannot take each other away at the same moment (SQLite's write
/// lock already serializes it).
async fn other_active_admins(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<u64, AccountError> {
    let query = staff_user::Entity::find()
        .filter(staff_user::Column::Role.eq(StaffRole::Admin.as_str()))
        .filter(staff_user::Column::Active.eq(true))
        .filter(staff_user::Column::Id.ne(user_id));
    if conn.get_database_backend() == DbBackend::Postgres {
        return Ok(query.lock(LockType::Update).all(conn).await?.len() as u64);
    }
    Ok(query.count(conn).await?)
}

/// Changes the signed-in account's own password, given the current one; the new one must differ.
/// Clears a pending reset and ends every session of the account (the caller opens a new one for
/// the browser that asked). Audited in the same transaction.
pub async fn change_own_password(
    db: &DatabaseConnection,
    user_id: i64,
    current: &str,
    new: &str,
) -> Result<staff_user::Model, AccountError> {
    let user = super::accounts::user(db, user_id)
        .await?
        .filter(|u| u.active)
        .ok_or(AccountError::NotFound)?;
    if current == new {
        return Err(AccountError::Invalid(
            "new_password must differ from the current one".into(),
        ));
    }
    let (current, new, stored) = (current.to_owned(), new.to_owned(), user.password_hash);
    // Argon2 takes tens of milliseconds: off the async workers.
    let checked = tokio::task::spawn_blocking(move || {
        if !verify_password(&current, &stored) {
            return Err(AccountError::WrongPassword);
        }
        password_hash("new_password", &new)
    })
    .await
    .map_err(|e| AccountError::Invalid(format!("password check stopped: {e}")))?;
    let hash = checked?;
    let write = store::begin_write(db).await?;
    let txn = &*write;
    let changed = staff_user::Entity::update_many()
        .col_expr(staff_user::Column::PasswordHash, Expr::value(hash))
        .col_expr(staff_user::Column::MustChangePassword, Expr::value(false))
        .filter(staff_user::Column::Id.eq(user_id))
        .filter(staff_user::Column::Active.eq(true))
        .exec(txn)
        .await?;
    if changed.rows_affected == 0 {
        write.rollback().await?;
        return Err(AccountError::NotFound);
    }
    end_all_sessions(txn, user_id).await?;
    let target = format!("user:{user_id}");
    audit::record(
        txn,
        &user.email,
        "staff.password_change",
        &target,
        json!({}),
    )
    .await?;
    let user = staff_user::Entity::find_by_id(user_id)
        .one(txn)
        .await?
        .ok_or(AccountError::NotFound)?;
    write.commit().await?;
    Ok(user)
}

/// An account by e-mail for the command line, or [`AccountError::NotFound`].
pub async fn user_id_by_email(db: &DatabaseConnection, email: &str) -> Result<i64, AccountError> {
    super::accounts::user_by_email(db, email)
        .await?
        .map(|u| u.id)
        .ok_or(AccountError::NotFound)
}
