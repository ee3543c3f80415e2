//! Requests per minute per client: a keyed GCRA limiter (`governor`) in the process, or a
//! fixed-window counter in Redis (`INCR` + `EXPIRE`) that every replica shares. When Redis does
//! not answer in time the process's own limiter decides.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::Refusal;
use crate::cache::RedisCache;

/// The window of the shared counters.
const WINDOW: Duration = Duration::from_secs(60);

/// One per-client request limit; its allowance may be changed while it runs.
pub struct RequestRate {
    name: &'static str,
    allowance: ArcSwap<Allowance>,
    /// Redis and the key prefix of this limit's counters.
    shared: Option<(Arc<RedisCache>, String)>,
}

/// Requests per client per minute (0: no limit) and the in-process limiter that counts them.
struct Allowance {
    limit: u32,
    local: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl Allowance {
    fn per_minute(per_minute: u32) -> Allowance {
        let local = NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)));
        Allowance {
            limit: per_minute,
            local,
        }
    }
}

impl RequestRate {
    /// `per_minute` requests per client per minute (0: no limit); counted in `shared` when given.
    pub fn per_minute(
        name: &'static str,
        per_minute: u32,
        shared: Option<(Arc<RedisCache>, String)>,
    ) -> RequestRate {
        RequestRate {
            name,
            allowance: ArcSwap::from_pointee(Allowance::per_minute(per_minute)),
            shared,
        }
    }

    /// Allows `per_minute` requests per client from now on (a settings reload); a changed
    /// allowance starts every client's in-process count afresh.
    pub fn set_per_minute(&self, per_minute: u32) {
        if self.allowance.load().limit != per_minute {
            self.allowance
                .store(Arc::new(Allowance::per_minute(per_minute)));
        }
    }

    /// Counts one request of `client`: `Err` with the wait when it is over the limit.
    pub async fn check(&self, client: IpAddr) -> Result<(), Refusal> {
        let allowance = self.allowance.load_full();
        let Some(local) = &allowance.local else {
            return Ok(());
        };
        if let Some((redis, prefix)) = &self.shared {
            let key = format!("{prefix}{client}");
            match redis.count_in_window(&key, WINDOW).await {
                Ok((count, ttl)) if count > i64::from(allowance.limit) => {
                    crate::metrics::request_refused(self.name);
                    return Err(Refusal {
                        limit: self.name,
                        retry_after: ttl,
                    });
                }
                Ok(_) => return Ok(()),
                Err(e) => tracing::debug!(error = %e, "rate limit counted in-process"),
            }
        }
        local.check_key(&client).map_err(|not_until| {
            crate::metrics::request_refused(self.name);
            Refusal {
                limit: self.name,
                retry_after: not_until.wait_time_from(DefaultClock::default().now()),
            }
        })
    }

    /// Forgets clients back to a full allowance.
    pub fn prune(&self) {
        if let Some(local) = &self.allowance.load().local {
            local.retain_recent();
            local.shrink_to_fit();
        }
    }

    /// Clients this process remembers.
    pub fn tracked_clients(&self) -> usize {
        self.allowance.load().local.as_ref().map_or(0, |l| l.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_client_has_its_own_allowance() {
        let rate = RequestRate::per_minute("order_posts", 3, None);
        let (a, b): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        for _ in 0..3 {
            assert!(rate.check(a).await.is_ok());
        }
        let refusal = rate.check(a).await.unwrap_err();
        assert_eq!(refusal.limit, "order_posts");
        assert!(refusal.retry_after_secs() >= 1 && refusal.retry_after_secs() <= 20);
        assert!(rate.check(b).await.is_ok(), "another client still may");
        assert_eq!(rate.tracked_clients(), 2);
        let unlimited = RequestRate::per_minute("order_posts", 0, None);
        for _ in 0..100 {
            assert!(unlimited.check(a).await.is_ok());
        }
        // A reload changes the allowance in place.
        rate.set_per_minute(0);
        assert!(rate.check(a).await.is_ok(), "no limit any more");
        unlimited.set_per_minute(1);
        assert!(unlimited.check(a).await.is_ok());
        assert!(unlimited.check(a).await.is_err());
    }
}
