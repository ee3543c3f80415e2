//! Failed sign-ins counted per account and per address in a sliding window; too many and sign-in
//! is refused for a while, before any password is checked.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures counted over this window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures allowed per account in the window.
pub const PER_ACCOUNT: usize = 5;
/// Failures allowed per client address in the window.
pub const PER_ADDRESS: usize = 20;

/// The failure log of one process.
#[derive(Debug, Default)]
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl SignInLimiter {
    /// True when this account or address has failed too often lately.
    pub fn is_blocked(&self, account: &str, address: &str) -> bool {
        let Ok(mut failures) = self.failures.lock() else {
            return true;
        };
        let now = Instant::now();
        let mut recent = |key: String| {
            let times = failures.entry(key).or_default();
            times.retain(|t| now.duration_since(*t) < WINDOW);
            times.len()
        };
        recent(account_key(account)) >= PER_ACCOUNT || recent(address_key(address)) >= PER_ADDRESS
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, account: &str, address: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            let now = Instant::now();
            for key in [account_key(account), address_key(address)] {
                failures.entry(key).or_default().push(now);
            }
        }
    }

    /// A good sign-in clears the account's failures (not the address's).
    pub fn succeeded(&self, account: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&account_key(account));
        }
    }
}

fn account_key(account: &str) -> String {
    format!("account:{}", account.trim().to_lowercase())
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_five_failures_per_account_and_twenty_per_address() {
        let limiter = SignInLimiter::default();
        for _ in 0..PER_ACCOUNT {
            assert!(!limiter.is_blocked("a@x.com", "1.2.3.4"));
            limiter.failed("a@x.com", "1.2.3.4");
        }
        assert!(
            limiter.is_blocked("A@x.com", "5.6.7.8"),
            "per account, any address"
        );
        assert!(!limiter.is_blocked("b@x.com", "1.2.3.4"));
        for i in 0..PER_ADDRESS {
            limiter.failed(&format!("u{i}@x.com"), "9.9.9.9");
        }
        assert!(
            limiter.is_blocked("new@x.com", "9.9.9.9"),
            "per address, any account"
        );
        limiter.succeeded("a@x.com");
        assert!(!limiter.is_blocked("a@x.com", "5.6.7.8"));
    }
}
