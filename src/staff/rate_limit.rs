//! Failed staff sign-ins, counted per account-and-address pair and per address in a fixed window,
//! with a slot taken before the password is checked; and the bound on password checks at once.
//!
//! A sign-in first takes a failure slot ([`SignInLimiter::begin`], atomic: in one lock here, in
//! one Lua script in Redis), so parallel tries cannot all pass the check before any failure is
//! counted; a good password gives the slot back and clears the pair ([`SignInLimiter::succeeded`]).
//! The key is the account *and* the client's address: a flood from one address locks only that
//! address out of the account (and, past [`PER_ADDRESS`], out of every account), never other
//! clients. Keys are SHA-256 prefixes (a 30 KB e-mail costs what a short one does), entries end
//! with their window and the map holds at most [`MAX_ENTRIES`]. With Redis the counts are shared
//! by every replica; when Redis does not answer in time the process's own counts decide.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::cache::RedisCache;

/// Failures are counted in windows of this length from the first failure.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed per account from one address in a window.
pub const PER_PAIR: u32 = 5;
/// Failures allowed per address (any account) in a window.
pub const PER_ADDRESS: u32 = 20;
/// Most pairs and addresses remembered; when full, sign-ins that would need a new entry wait.
pub const MAX_ENTRIES: usize = 10_000;
/// How long a sign-in waits for a password check to be free before it gets 503.
const CHECK_WAIT: Duration = Duration::from_secs(1);

/// Why a sign-in was not tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Too many failures lately (429); try again after this long.
    TooManyFailures(Duration),
    /// Too many password checks at once (503); try again after this long.
    Busy(Duration),
}

/// A sign-in's failure slot, taken before its password is checked.
#[derive(Debug)]
pub struct Attempt {
    pair: Key,
    address: Key,
    /// Taken in Redis (else in this process).
    shared: bool,
}

type Key = [u8; 16];

#[derive(Debug, Clone, Copy)]
struct Window {
    failures: u32,
    ends: Instant,
}

/// The sign-in limiter of one API process.
pub struct SignInLimiter {
    local: Mutex<HashMap<Key, Window>>,
    /// Redis and the prefix of its keys, in the distributed shape.
    shared: Option<(Arc<RedisCache>, String)>,
    checks: Arc<Semaphore>,
    checked: AtomicU64,
    max_entries: usize,
}

impl SignInLimiter {
    /// A limiter running at most `password_checks` Argon2 checks at once (at least one), with its
    /// counts in `shared` (Redis and a key prefix) when given.
    pub fn new(password_checks: u32, shared: Option<(Arc<RedisCache>, String)>) -> SignInLimiter {
        SignInLimiter {
            local: Mutex::default(),
            shared,
            checks: Arc::new(Semaphore::new(password_checks.max(1) as usize)),
            checked: AtomicU64::new(0),
            max_entries: MAX_ENTRIES,
        }
    }

    /// Takes a failure slot for `account` from `address`, or says how long to wait.
    pub async fn begin(&self, account: &str, address: IpAddr) -> Result<Attempt, SignInRefusal> {
        let (pair, address) = keys(account, address);
        if let Some((redis, prefix)) = &self.shared {
            const TAKE: &str = "local p = tonumber(redis.call('GET', KEYS[1]) or '0') \
                local a = tonumber(redis.call('GET', KEYS[2]) or '0') \
                if p >= tonumber(ARGV[1]) then return {0, redis.call('PTTL', KEYS[1])} end \
                if a >= tonumber(ARGV[2]) then return {0, redis.call('PTTL', KEYS[2])} end \
                for i = 1, 2 do \
                  redis.call('INCR', KEYS[i]) \
                  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end \
                end \
                return {1, 0}";
            let (k1, k2) = (redis_key(prefix, &pair), redis_key(prefix, &address));
            let args = [
                i64::from(PER_PAIR),
                i64::from(PER_ADDRESS),
                WINDOW.as_millis() as i64,
            ];
            match redis.eval_ints(TAKE, &[&k1, &k2], &args).await {
                Ok(got) if got.first() == Some(&1) => {
                    return Ok(Attempt {
                        pair,
                        address,
                        shared: true,
                    });
                }
                Ok(got) => {
                    let ms = got.get(1).copied().unwrap_or(0).max(1000) as u64;
                    crate::metrics::request_refused("sign_in");
                    return Err(SignInRefusal::TooManyFailures(Duration::from_millis(ms)));
                }
                Err(e) => tracing::warn!(error = %e, "sign-in failures counted in-process"),
            }
        }
        self.take_local(pair, address).map(|()| Attempt {
            pair,
            address,
            shared: false,
        })
    }

    fn take_local(&self, pair: Key, address: Key) -> Result<(), SignInRefusal> {
        let Ok(mut map) = self.local.lock() else {
            return Err(SignInRefusal::Busy(CHECK_WAIT));
        };
        let now = Instant::now();
        let current =
            |map: &HashMap<Key, Window>, key: &Key| map.get(key).filter(|w| w.ends > now).copied();
        for (key, limit) in [(pair, PER_PAIR), (address, PER_ADDRESS)] {
            if let Some(w) = current(&map, &key).filter(|w| w.failures >= limit) {
                crate::metrics::request_refused("sign_in");
                return Err(SignInRefusal::TooManyFailures(w.ends - now));
            }
        }
        let new_entries = [pair, address]
            .iter()
            .filter(|k| current(&map, k).is_none())
            .count();
        if map.len() + new_entries > self.max_entries {
            map.retain(|_, w| w.ends > now);
            if map.len() + new_entries > self.max_entries {
                crate::metrics::request_refused("sign_in_full");
                return Err(SignInRefusal::Busy(Duration::from_secs(60)));
            }
        }
        for key in [pair, address] {
            let window = map.entry(key).or_insert(Window {
                failures: 0,
                ends: now + WINDOW,
            });
            if window.ends <= now {
                *window = Window {
                    failures: 0,
                    ends: now + WINDOW,
                };
            }
            window.failures += 1;
        }
        crate::metrics::set_sign_in_entries(map.len());
        Ok(())
    }

    /// A good password: the pair's failures are forgiven and the address gets its slot back.
    pub async fn succeeded(&self, attempt: Attempt) {
        if let (true, Some((redis, prefix))) = (attempt.shared, &self.shared) {
            const FORGIVE: &str = "redis.call('DEL', KEYS[1]) \
                if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end \
                return {1}";
            let (k1, k2) = (
                redis_key(prefix, &attempt.pair),
                redis_key(prefix, &attempt.address),
            );
            if let Err(e) = redis.eval_ints(FORGIVE, &[&k1, &k2], &[]).await {
                tracing::warn!(error = %e, "a good sign-in could not be forgiven in Redis");
            }
            return;
        }
        if let Ok(mut map) = self.local.lock() {
            map.remove(&attempt.pair);
            if let Some(w) = map.get_mut(&attempt.address) {
                w.failures = w.failures.saturating_sub(1);
            }
            crate::metrics::set_sign_in_entries(map.len());
        }
    }

    /// The password was not checked after all (too busy): the slot is given back, nothing forgiven.
    pub async fn release(&self, attempt: Attempt) {
        if let (true, Some((redis, prefix))) = (attempt.shared, &self.shared) {
            const RELEASE: &str = "for i = 1, 2 do \
                  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end \
                end \
                return {1}";
            let (k1, k2) = (
                redis_key(prefix, &attempt.pair),
                redis_key(prefix, &attempt.address),
            );
            if let Err(e) = redis.eval_ints(RELEASE, &[&k1, &k2], &[]).await {
                tracing::warn!(error = %e, "a sign-in slot could not be given back in Redis");
            }
            return;
        }
        if let Ok(mut map) = self.local.lock() {
            for key in [attempt.pair, attempt.address] {
                if let Some(w) = map.get_mut(&key) {
                    w.failures = w.failures.saturating_sub(1);
                }
            }
        }
    }

    /// Checks `password` against `stored` (Argon2, off the async workers) once a check is free;
    /// `Busy` when none frees up within a second.
    pub async fn check_password(
        &self,
        password: String,
        stored: String,
    ) -> Result<bool, SignInRefusal> {
        let permit = tokio::time::timeout(CHECK_WAIT, self.checks.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| {
                crate::metrics::request_refused("password_checks");
                SignInRefusal::Busy(CHECK_WAIT)
            })?;
        self.checked.fetch_add(1, Ordering::Relaxed);
        crate::metrics::password_checked();
        let matches = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            super::secrets::verify_password(&password, &stored)
        })
        .await
        .unwrap_or(false);
        Ok(matches)
    }

    /// Forgets windows that have ended.
    pub fn prune(&self) {
        if let Ok(mut map) = self.local.lock() {
            let now = Instant::now();
            map.retain(|_, w| w.ends > now);
            let keep = map.len().max(64);
            map.shrink_to(keep);
            crate::metrics::set_sign_in_entries(map.len());
        }
    }

    /// Pairs and addresses this process remembers.
    pub fn entries(&self) -> usize {
        self.local.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Passwords this process has checked.
    pub fn password_checks(&self) -> u64 {
        self.checked.load(Ordering::Relaxed)
    }
}

/// The pair's and the address's keys. IPv6 clients are counted by their /64 network, which one
/// household or server usually holds whole.
fn keys(account: &str, address: IpAddr) -> (Key, Key) {
    let address = match address {
        IpAddr::V6(v6) => {
            let mut octets = v6.octets();
            octets[8..].fill(0);
            IpAddr::from(octets)
        }
        v4 => v4,
    }
    .to_string();
    let account = account.trim().to_lowercase();
    let pair = digest(&["pair", &account, &address]);
    (pair, digest(&["address", &address]))
}

fn digest(parts: &[&str]) -> Key {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let mut key = [0u8; 16];
    key.copy_from_slice(&hasher.finalize()[..16]);
    key
}

fn redis_key(prefix: &str, key: &Key) -> String {
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[tokio::test]
    async fn failures_lock_the_pair_and_then_the_address_but_no_one_else() {
        let limiter = SignInLimiter::new(1, None);
        for _ in 0..PER_PAIR {
            limiter.begin("a@x.com", ip("192.0.2.1")).await.unwrap();
        }
        assert!(matches!(
            limiter.begin("A@x.com ", ip("192.0.2.1")).await,
            Err(SignInRefusal::TooManyFailures(_))
        ));
        let other = limiter.begin("a@x.com", ip("192.0.2.2")).await.unwrap();
        limiter.succeeded(other).await;
        for i in 0..(PER_ADDRESS - PER_PAIR) {
            limiter
                .begin(&format!("u{i}@x.com"), ip("192.0.2.1"))
                .await
                .unwrap();
        }
        assert!(
            limiter.begin("new@x.com", ip("192.0.2.1")).await.is_err(),
            "per address, any account"
        );
        assert!(limiter.entries() <= 2 + 2 + (PER_ADDRESS - PER_PAIR) as usize);
    }

    #[tokio::test]
    async fn the_map_never_holds_more_than_its_cap() {
        let limiter = SignInLimiter {
            max_entries: 10,
            ..SignInLimiter::new(1, None)
        };
        let mut refused = 0;
        for i in 0..100u8 {
            let address = IpAddr::from([192, 0, 2, i]);
            if limiter.begin(&"y".repeat(30_000), address).await.is_err() {
                refused += 1;
            }
            assert!(limiter.entries() <= 10);
        }
        assert_eq!(refused, 95, "five clients fit, two entries each");
    }

    #[tokio::test]
    async fn password_checks_past_the_bound_are_refused_as_busy() {
        let limiter = SignInLimiter::new(1, None);
        let _running = limiter.checks.clone().acquire_owned().await.unwrap();
        let got = limiter
            .check_password("password".into(), "not-a-hash".into())
            .await;
        assert_eq!(got, Err(SignInRefusal::Busy(CHECK_WAIT)));
        assert_eq!(limiter.password_checks(), 0);
        let attempt = limiter.begin("a@x.com", ip("192.0.2.1")).await.unwrap();
        limiter.release(attempt).await;
        for _ in 0..PER_PAIR {
            limiter.begin("a@x.com", ip("192.0.2.1")).await.unwrap();
        }
    }

    #[test]
    fn keys_are_short_whatever_the_account() {
        let long = "x".repeat(30_000);
        let (pair, address) = keys(&long, ip("2001:db8::1"));
        assert_eq!(keys(&long, ip("2001:db8::ffff")), (pair, address));
        assert_ne!(keys("a@x.com", ip("2001:db8::1")).0, pair);
    }
}
