//! Redis as the catalog's shared second level and its invalidation bus (all replicas hear a change).
//!
//! Every operation is bounded by a short timeout: a slow or missing Redis makes the bakery fall
//! back to the database, never fail.

use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Client};

use crate::config::NameSettings;

/// Longest wait for one Redis operation before the cache is skipped.
const OP_TIMEOUT: Duration = Duration::from_millis(300);
/// How long a catalog copy may live in Redis (a safety net; versions make it fresh).
const CATALOG_TTL_SECS: u64 = 300;

/// Why the cache could not help.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer in time")]
    Timeout,
    #[error("the redis subscription ended")]
    Ended,
}

/// The shared cache of one deployment (keys under the configured prefix).
pub struct RedisCache {
    client: Client,
    manager: ConnectionManager,
    version_key: String,
    catalog_key: String,
    channel: String,
    session_prefix: String,
}

impl RedisCache {
    /// A cache that connects lazily (start-up does not need Redis to be up).
    pub fn new(url: &str, names: &NameSettings) -> Result<RedisCache, CacheError> {
        let client = Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(1)))
            .set_response_timeout(Some(OP_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(RedisCache {
            client,
            manager,
            version_key: names.redis_key("catalog:version"),
            catalog_key: names.redis_key("catalog"),
            channel: names.redis_key("catalog:changed"),
            session_prefix: names.redis_key("session:"),
        })
    }

    async fn bounded<T>(
        &self,
        op: impl Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, CacheError> {
        tokio::time::timeout(OP_TIMEOUT, op)
            .await
            .map_err(|_| CacheError::Timeout)?
            .map_err(CacheError::from)
    }

    /// True when Redis answers a PING in time.
    pub async fn is_healthy(&self) -> bool {
        let mut conn = self.manager.clone();
        let ping = async move { redis::cmd("PING").query_async::<String>(&mut conn).await };
        self.bounded(ping).await.is_ok()
    }

    /// The catalog's current version (0 before the first change).
    pub async fn catalog_version(&self) -> Result<i64, CacheError> {
        let mut conn = self.manager.clone();
        let key = self.version_key.clone();
        let version: Option<i64> = self.bounded(async move { conn.get(key).await }).await?;
        Ok(version.unwrap_or(0))
    }

    /// The catalog stored for `version`, if any replica stored it.
    pub async fn catalog(&self, version: i64) -> Result<Option<Vec<u8>>, CacheError> {
        let mut conn = self.manager.clone();
        let key = format!("{}:{version}", self.catalog_key);
        self.bounded(async move { conn.get(key).await }).await
    }

    /// Stores the catalog for `version`.
    pub async fn store_catalog(&self, version: i64, json: &[u8]) -> Result<(), CacheError> {
        let mut conn = self.manager.clone();
        let key = format!("{}:{version}", self.catalog_key);
        let json = json.to_vec();
        self.bounded(async move { conn.set_ex(key, json, CATALOG_TTL_SECS).await })
            .await
    }

    /// Stores a staff session under its token hash for `ttl` (to the millisecond).
    pub async fn store_session(
        &self,
        token_hash: &str,
        json: &str,
        ttl: Duration,
    ) -> Result<(), CacheError> {
        let mut conn = self.manager.clone();
        let (key, json) = (
            format!("{}{token_hash}", self.session_prefix),
            json.to_owned(),
        );
        let millis = ttl.as_millis().clamp(1, u128::from(u64::MAX)) as u64;
        self.bounded(async move { conn.pset_ex(key, json, millis).await })
            .await
    }

    /// The staff session stored under a token hash, if it has not expired; its time to live
    /// starts again at `idle` (in the same round trip).
    pub async fn session(
        &self,
        token_hash: &str,
        idle: Duration,
    ) -> Result<Option<String>, CacheError> {
        let mut conn = self.manager.clone();
        let key = format!("{}{token_hash}", self.session_prefix);
        let millis = i64::try_from(idle.as_millis()).unwrap_or(i64::MAX).max(1);
        let (json, _): (Option<String>, bool) = self
            .bounded(async move {
                redis::pipe()
                    .get(&key)
                    .pexpire(&key, millis)
                    .query_async(&mut conn)
                    .await
            })
            .await?;
        Ok(json)
    }

    /// Ends a staff session.
    pub async fn drop_session(&self, token_hash: &str) -> Result<(), CacheError> {
        let mut conn = self.manager.clone();
        let key = format!("{}{token_hash}", self.session_prefix);
        self.bounded(async move { conn.del::<_, ()>(key).await })
            .await
    }

    /// Counts one hit on `key` in a fixed window starting at its first hit: the count so far and
    /// the time left in the window. `key` is a full key (see [`NameSettings::redis_key`]).
    pub async fn count_in_window(
        &self,
        key: &str,
        window: Duration,
    ) -> Result<(i64, Duration), CacheError> {
        const COUNT: &str = "local n = redis.call('INCR', KEYS[1]) \
            local ttl = redis.call('PTTL', KEYS[1]) \
            if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end \
            return {n, ttl}";
        let window_ms = window.as_millis() as i64;
        let got = self.eval_ints(COUNT, &[key], &[window_ms]).await?;
        let count = got.first().copied().unwrap_or(0);
        let left = got.get(1).copied().unwrap_or(window_ms).max(0) as u64;
        Ok((count, Duration::from_millis(left)))
    }

    /// Runs a Lua script (atomic in Redis) whose answer is a list of integers.
    pub async fn eval_ints(
        &self,
        script: &str,
        keys: &[&str],
        args: &[i64],
    ) -> Result<Vec<i64>, CacheError> {
        let mut conn = self.manager.clone();
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(script).arg(keys.len()).arg(keys).arg(args);
        self.bounded(async move { cmd.query_async::<Vec<i64>>(&mut conn).await })
            .await
    }

    /// Moves the catalog to a new version and tells every replica.
    pub async fn announce_change(&self) -> Result<(), CacheError> {
        let mut conn = self.manager.clone();
        let (key, channel) = (self.version_key.clone(), self.channel.clone());
        self.bounded(async move {
            let version: i64 = conn.incr(key, 1).await?;
            conn.publish::<_, _, ()>(channel, version).await
        })
        .await
    }

    /// Calls `on_change` for every change announced by any replica; returns when the link drops.
    pub async fn listen(&self, on_change: impl Fn()) -> CacheError {
        let subscribing = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(&self.channel).await?;
            tracing::info!(channel = %self.channel, "listening for catalog changes");
            let mut messages = pubsub.on_message();
            while messages.next().await.is_some() {
                on_change();
            }
            Ok::<(), redis::RedisError>(())
        };
        match subscribing.await {
            Ok(()) => CacheError::Ended,
            Err(err) => err.into(),
        }
    }
}
