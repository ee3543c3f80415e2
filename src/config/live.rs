//! Settings that change while the process runs: the one handle the live pieces read from, and
//! what a reload changed (applied live, or waiting for a restart).

use std::sync::Arc;

use arc_swap::ArcSwap;
use tokio::sync::watch;

use super::Settings;

/// Settings (TOML keys, or a prefix of them) a running process applies at once; every other
/// changed setting needs a restart.
pub const LIVE_KEYS: &[&str] = &[
    "worker.pool",
    "worker.prefetch",
    "worker.prep_time",
    "log.filter",
    "limits.order_posts_per_minute",
    "limits.order_lookups_per_minute",
    "notify.reminder_before",
];

/// The process's current settings: read with [`LiveSettings::current`], followed with
/// [`LiveSettings::subscribe`], replaced by a reload. Cheap to clone (one shared handle).
#[derive(Debug, Clone)]
pub struct LiveSettings {
    current: Arc<ArcSwap<Settings>>,
    changes: Arc<watch::Sender<Arc<Settings>>>,
}

/// What a reload found changed, by TOML key.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// Applied now: `(key, old, new)`.
    pub live: Vec<(String, String, String)>,
    /// Changed in the file or environment but kept as they were until the process restarts.
    pub need_restart: Vec<String>,
}

impl LiveSettings {
    /// A handle on `settings` as the process started with them.
    pub fn new(settings: Settings) -> LiveSettings {
        let settings = Arc::new(settings);
        let (changes, _) = watch::channel(settings.clone());
        LiveSettings {
            current: Arc::new(ArcSwap::new(settings)),
            changes: Arc::new(changes),
        }
    }

    /// The settings in force now.
    pub fn current(&self) -> Arc<Settings> {
        self.current.load_full()
    }

    /// Sees every replacement from now on.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Settings>> {
        self.changes.subscribe()
    }

    /// Takes the live part of `loaded` (the others keep their running values) and tells the
    /// subscribers; returns what changed.
    pub fn replace(&self, loaded: &Settings) -> Changes {
        let old = self.current();
        let mut next = (*old).clone();
        next.worker.pool = loaded.worker.pool;
        next.worker.prefetch = loaded.worker.prefetch;
        next.worker.prep_time = loaded.worker.prep_time;
        next.log.filter = loaded.log.filter.clone();
        next.limits.order_posts_per_minute = loaded.limits.order_posts_per_minute;
        next.limits.order_lookups_per_minute = loaded.limits.order_lookups_per_minute;
        next.notify.reminder_before = loaded.notify.reminder_before;
        let changes = differences(&old, loaded);
        if !changes.live.is_empty() {
            let next = Arc::new(next);
            self.current.store(next.clone());
            self.changes.send_replace(next);
        }
        changes
    }
}

/// The settings that differ between `old` and `new`, split into live and restart-bound ones.
/// Values are shown for live settings only (others may hold secrets).
fn differences(old: &Settings, new: &Settings) -> Changes {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    flatten("", &serde_json::to_value(old).unwrap_or_default(), &mut a);
    flatten("", &serde_json::to_value(new).unwrap_or_default(), &mut b);
    let mut changes = Changes::default();
    for (key, before) in &a {
        let after = b.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        if after.as_ref() == Some(before) {
            continue;
        }
        let after = after.unwrap_or_else(|| "unset".to_owned());
        if LIVE_KEYS.contains(&key.as_str()) {
            changes.live.push((key.clone(), before.clone(), after));
        } else {
            changes.need_restart.push(key.clone());
        }
    }
    for (key, _) in &b {
        if !a.iter().any(|(k, _)| k == key) {
            changes.need_restart.push(key.clone());
        }
    }
    changes
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, field) in fields {
                let key = match prefix {
                    "" => name.clone(),
                    _ => format!("{prefix}.{name}"),
                };
                flatten(&key, field, out);
            }
        }
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reload_applies_live_settings_and_names_the_others() {
        let live = LiveSettings::new(Settings::default());
        let mut follower = live.subscribe();
        let mut loaded = Settings::default();
        loaded.worker.pool = 9;
        loaded.log.filter = "debug".into();
        loaded.database_pool = 99;
        let changes = live.replace(&loaded);
        let keys: Vec<&str> = changes.live.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(keys, ["log.filter", "worker.pool"]);
        assert_eq!(changes.need_restart, ["database_pool"]);
        assert!(follower.has_changed().unwrap());
        let now = live.current();
        assert_eq!((now.worker.pool, now.database_pool), (9, 10));
        assert_eq!(follower.borrow_and_update().worker.pool, 9);
        // Nothing changed: nobody is woken.
        assert_eq!(live.replace(&live.current()), Changes::default());
        assert!(!follower.has_changed().unwrap());
    }
}
