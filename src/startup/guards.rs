//! The API process's limits: per-client request and stream limits and the sign-in limiter,
//! shared through Redis when there is one, and pruned every few seconds while the app runs.

use std::sync::{Arc, Weak};
use std::time::Duration;

use crate::cache::RedisCache;
use crate::config::Settings;
use crate::limits::ClientLimits;
use crate::staff::rate_limit::SignInLimiter;

/// How often forgotten clients and ended windows are dropped from memory.
const PRUNE_EVERY: Duration = Duration::from_secs(10);

/// The limits of one API process.
pub struct Guards {
    pub limits: Arc<ClientLimits>,
    pub sign_ins: Arc<SignInLimiter>,
}

impl Guards {
    /// Builds the limits of `settings` and starts pruning them (until they are dropped).
    pub fn start(settings: &Settings, redis: Option<Arc<RedisCache>>) -> Guards {
        let limits = Arc::new(ClientLimits::new(
            &settings.trusted_proxies,
            &settings.limits,
            &settings.names,
            redis.clone(),
        ));
        let sign_ins = Arc::new(SignInLimiter::new(
            settings.limits.password_checks,
            redis.map(|r| (r, settings.names.redis_key("sign_in:"))),
        ));
        let (weak_limits, weak_sign_ins): (Weak<ClientLimits>, Weak<SignInLimiter>) =
            (Arc::downgrade(&limits), Arc::downgrade(&sign_ins));
        actix_web::rt::spawn(async move {
            let mut every = tokio::time::interval(PRUNE_EVERY);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                let (Some(limits), Some(sign_ins)) =
                    (weak_limits.upgrade(), weak_sign_ins.upgrade())
                else {
                    return;
                };
                limits.prune();
                sign_ins.prune();
            }
        });
        Guards { limits, sign_ins }
    }
}
