//! KnownTokens: the tracking tokens (by hash) this process has seen to be an order's, so a
//! customer watching their order's page is told it is theirs without a database read.
//!
//! Tokens are never revoked, so what is known stays true; a full shard is emptied (its tokens are
//! checked against the database again when next shown).

use std::collections::HashMap;
use std::sync::Mutex;

/// Shards, so the HTTP workers rarely wait for each other.
const SHARDS: usize = 16;

/// Orders remembered per shard.
const ORDERS_PER_SHARD: usize = 4096;

/// Token hashes remembered per order (a few: its first, a replay's, a look-up's).
const TOKENS_PER_ORDER: usize = 4;

/// Hashes of tokens known to be their order's.
#[derive(Debug)]
pub struct KnownTokens {
    shards: Vec<Mutex<HashMap<i64, Vec<String>>>>,
}

impl Default for KnownTokens {
    fn default() -> Self {
        KnownTokens {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

impl KnownTokens {
    fn shard(&self, order_id: i64) -> Option<std::sync::MutexGuard<'_, HashMap<i64, Vec<String>>>> {
        self.shards
            .get(order_id.rem_euclid(SHARDS as i64) as usize)?
            .lock()
            .ok()
    }

    /// True when `token_hash` is known to be order `order_id`'s.
    pub fn knows(&self, order_id: i64, token_hash: &str) -> bool {
        self.shard(order_id)
            .and_then(|shard| {
                shard
                    .get(&order_id)
                    .map(|hashes| hashes.iter().any(|h| h == token_hash))
            })
            .unwrap_or(false)
    }

    /// Remembers that `token_hash` is order `order_id`'s.
    pub fn learn(&self, order_id: i64, token_hash: &str) {
        let Some(mut shard) = self.shard(order_id) else {
            return;
        };
        if shard.len() >= ORDERS_PER_SHARD && !shard.contains_key(&order_id) {
            shard.clear();
            shard.shrink_to(ORDERS_PER_SHARD);
        }
        let hashes = shard.entry(order_id).or_default();
        if hashes.iter().any(|h| h == token_hash) {
            return;
        }
        if hashes.len() == TOKENS_PER_ORDER {
            hashes.remove(0);
        }
        hashes.push(token_hash.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_known_only_for_its_own_order() {
        let known = KnownTokens::default();
        assert!(!known.knows(1, "a"));
        known.learn(1, "a");
        known.learn(1, "b");
        assert!(known.knows(1, "a") && known.knows(1, "b"));
        assert!(!known.knows(2, "a"));
        assert!(!known.knows(1 + SHARDS as i64, "a"));
        for n in 0..TOKENS_PER_ORDER {
            known.learn(1, &format!("later {n}"));
        }
        assert!(!known.knows(1, "a"), "the oldest make room");
    }

    #[test]
    fn a_full_shard_starts_over() {
        let known = KnownTokens::default();
        for n in 0..ORDERS_PER_SHARD as i64 {
            known.learn(n * SHARDS as i64, "t");
        }
        assert!(known.knows(0, "t"));
        known.learn(ORDERS_PER_SHARD as i64 * SHARDS as i64, "t");
        assert!(!known.knows(0, "t"));
        assert!(known.knows(ORDERS_PER_SHARD as i64 * SHARDS as i64, "t"));
    }
}
