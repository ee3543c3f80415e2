//! Staff sessions: opened at sign-in, over after an idle timeout, an absolute lifetime, sign-out,
//! or when the account's session epoch moves on (sign-out everywhere, deactivation, password
//! change or reset).

use std::time::Duration;

use bakery_wire::staff::StaffRole;
use chrono::{DateTime, Utc};
use entity::{staff_session, staff_user};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::accounts::{AccountError, Principal};
use super::secrets::{random_token, token_hash};
use crate::cache::RedisCache;

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Unused this long: over.
    pub idle_timeout: Duration,
    /// This long after sign-in: over, used or not.
    pub lifetime: Duration,
}

impl SessionPolicy {
    /// How stale a database session's `last_seen_at` may get before a request writes it again:
    /// a quarter of the idle timeout, at most a minute (most requests write nothing).
    fn touch_after(self) -> chrono::Duration {
        let every = (self.idle_timeout / 4).min(Duration::from_secs(60));
        chrono::Duration::from_std(every).unwrap_or_default()
    }

    fn idle(self) -> chrono::Duration {
        chrono::Duration::from_std(self.idle_timeout).unwrap_or(chrono::Duration::MAX)
    }

    fn lifetime(self) -> chrono::Duration {
        chrono::Duration::from_std(self.lifetime).unwrap_or(chrono::Duration::MAX)
    }
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_timeout: Duration::from_secs(30 * 60),
            lifetime: Duration::from_secs(12 * 3600),
        }
    }
}

/// Where staff sessions live — Redis in the distributed shape (every replica sees them, they
/// expire on their own), the database in the embedded one — and how long they last.
#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    pub place: SessionPlace<'a>,
    pub policy: SessionPolicy,
}

/// Where sessions are kept.
#[derive(Clone, Copy)]
pub enum SessionPlace<'a> {
    Database,
    Redis(&'a RedisCache),
}

/// What a Redis session holds.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredSession {
    user_id: i64,
    csrf_token: String,
    #[serde(default)]
    epoch: i32,
    /// The absolute end, in milliseconds since the epoch (Redis's time to live is the idle
    /// timeout).
    #[serde(default)]
    expires_at_ms: Option<i64>,
}

/// Opens a session for `user`; returns the cookie's token and the CSRF token.
pub async fn open_session(
    conn: &impl ConnectionTrait,
    sessions: Sessions<'_>,
    user: &staff_user::Model,
) -> Result<(String, String), AccountError> {
    let (token, csrf) = (random_token()?, random_token()?);
    let now = Utc::now();
    let expires_at = now + sessions.policy.lifetime();
    if let SessionPlace::Redis(redis) = sessions.place {
        let stored = StoredSession {
            user_id: user.id,
            csrf_token: csrf.clone(),
            epoch: user.session_epoch,
            expires_at_ms: Some(expires_at.timestamp_millis()),
        };
        let json = serde_json::to_string(&stored)?;
        let ttl = sessions.policy.idle_timeout.min(sessions.policy.lifetime);
        redis.store_session(&token_hash(&token), &json, ttl).await?;
        return Ok((token, csrf));
    }
    staff_session::Entity::insert(staff_session::ActiveModel {
        id: NotSet,
        token_hash: Set(token_hash(&token)),
        user_id: Set(user.id),
        csrf_token: Set(csrf.clone()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        last_seen_at: Set(Some(now)),
        epoch: Set(user.session_epoch),
    })
    .exec(conn)
    .await?;
    Ok((token, csrf))
}

/// The staff member behind a session token, if the session is current (not idle too long, not
/// past its lifetime, of the account's current epoch) and the account active.
pub async fn session_principal(
    conn: &impl ConnectionTrait,
    sessions: Sessions<'_>,
    token: &str,
) -> Result<Option<Principal>, AccountError> {
    let now = Utc::now();
    let policy = sessions.policy;
    let found = match sessions.place {
        SessionPlace::Redis(redis) => redis
            .session(&token_hash(token), policy.idle_timeout)
            .await?
            .and_then(|json| serde_json::from_str::<StoredSession>(&json).ok())
            .filter(|s| {
                s.expires_at_ms
                    .is_none_or(|end| now.timestamp_millis() < end)
            })
            .map(|s| (s.user_id, s.csrf_token, s.epoch)),
        SessionPlace::Database => {
            let row = staff_session::Entity::find()
                .filter(staff_session::Column::TokenHash.eq(token_hash(token)))
                .filter(staff_session::Column::ExpiresAt.gt(now))
                .one(conn)
                .await?;
            match row {
                Some(s) if now - s.last_seen_at.unwrap_or(s.created_at) < policy.idle() => {
                    touch(conn, &s, now, policy).await?;
                    Some((s.user_id, s.csrf_token, s.epoch))
                }
                _ => None,
            }
        }
    };
    let Some((user_id, csrf_token, epoch)) = found else {
        return Ok(None);
    };
    let user = staff_user::Entity::find_by_id(user_id)
        .filter(staff_user::Column::Active.eq(true))
        .filter(staff_user::Column::SessionEpoch.eq(epoch))
        .one(conn)
        .await?;
    Ok(user.and_then(|user| {
        Some(Principal {
            actor: user.email,
            role: StaffRole::parse(&user.role)?,
            csrf_token: Some(csrf_token),
            user_id: Some(user.id),
            must_change_password: user.must_change_password,
        })
    }))
}

/// Notes a database session as seen now, when its last note is older than the policy allows.
async fn touch(
    conn: &impl ConnectionTrait,
    session: &staff_session::Model,
    now: DateTime<Utc>,
    policy: SessionPolicy,
) -> Result<(), AccountError> {
    let seen = session.last_seen_at.unwrap_or(session.created_at);
    if now - seen < policy.touch_after() {
        return Ok(());
    }
    staff_session::Entity::update_many()
        .col_expr(staff_session::Column::LastSeenAt, Expr::value(now))
        .filter(staff_session::Column::Id.eq(session.id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends a session.
pub async fn close_session(
    conn: &impl ConnectionTrait,
    sessions: Sessions<'_>,
    token: &str,
) -> Result<(), AccountError> {
    if let SessionPlace::Redis(redis) = sessions.place {
        return Ok(redis.drop_session(&token_hash(token)).await?);
    }
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::TokenHash.eq(token_hash(token)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of an account, in the caller's transaction: its epoch moves on (Redis
/// sessions of the old epoch no longer count and run out on their own) and its database sessions
/// are deleted.
pub async fn end_all_sessions(
    conn: &impl ConnectionTrait,
    user_id: i64,
) -> Result<(), AccountError> {
    staff_user::Entity::update_many()
        .col_expr(
            staff_user::Column::SessionEpoch,
            Expr::col(staff_user::Column::SessionEpoch).add(1),
        )
        .filter(staff_user::Column::Id.eq(user_id))
        .exec(conn)
        .await?;
    staff_session::Entity::delete_many()
        .filter(staff_session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(())
}
