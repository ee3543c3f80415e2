//! How much one client may do: who the client is (behind trusted proxies), requests per minute
//! per client (in-process or shared through Redis) and live streams per client and in all.
//!
//! Handlers do not use this module directly: `api::client` reads the client's address from the
//! request and calls [`ClientLimits`] through one guard per kind of request.

pub mod client;
pub mod streams;
pub mod window;

use std::sync::Arc;
use std::time::Duration;

use crate::cache::RedisCache;
use crate::config::{LimitSettings, NameSettings};

pub use client::{TrustedProxies, client_address};
pub use streams::{StreamPermit, StreamRefusal, StreamSlots};
pub use window::RequestRate;

/// A request refused by a limit, and when the client may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Which limit: `order_posts`, `order_lookups`, `streams_per_client`.
    pub limit: &'static str,
    /// How long until a try may succeed (at least a second, as `Retry-After` counts).
    pub retry_after: Duration,
}

impl Refusal {
    /// `Retry-After` in whole seconds, never 0.
    pub fn retry_after_secs(&self) -> u64 {
        retry_after_secs(self.retry_after)
    }
}

/// A wait as `Retry-After` counts it: whole seconds, rounded up, never 0.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs_f64().ceil().max(1.0) as u64
}

/// Every per-client limit of one API process.
pub struct ClientLimits {
    pub trusted_proxies: TrustedProxies,
    pub order_posts: RequestRate,
    pub order_lookups: RequestRate,
    pub streams: Arc<StreamSlots>,
}

impl ClientLimits {
    /// The limits of `settings`; with `redis`, the per-minute counts are shared by replicas.
    pub fn new(
        trusted_proxies: &[String],
        settings: &LimitSettings,
        names: &NameSettings,
        redis: Option<Arc<RedisCache>>,
    ) -> ClientLimits {
        let key = |kind: &str| names.redis_key(&format!("limit:{kind}:"));
        ClientLimits {
            trusted_proxies: TrustedProxies::parse(trusted_proxies),
            order_posts: RequestRate::per_minute(
                "order_posts",
                settings.order_posts_per_minute,
                redis.clone().map(|r| (r, key("order_posts"))),
            ),
            order_lookups: RequestRate::per_minute(
                "order_lookups",
                settings.order_lookups_per_minute,
                redis.map(|r| (r, key("order_lookups"))),
            ),
            streams: Arc::new(StreamSlots::new(
                settings.streams_per_client,
                settings.streams_total,
            )),
        }
    }

    /// Takes the per-minute allowances of `settings` (a settings reload).
    pub fn apply(&self, settings: &LimitSettings) {
        self.order_posts
            .set_per_minute(settings.order_posts_per_minute);
        self.order_lookups
            .set_per_minute(settings.order_lookups_per_minute);
    }

    /// Forgets clients whose in-process counts are back to full (keeps memory bounded); called
    /// every few seconds.
    pub fn prune(&self) {
        self.order_posts.prune();
        self.order_lookups.prune();
    }
}
