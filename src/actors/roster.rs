//! The roster of a process's supervised actors and loops: what each is doing (running,
//! restarting, stopped), its restarts, its last failure and when, and the depth of the queue it
//! works from where it has one. `GET /api/admin/actors`, `bakery actors` and the metrics read it.
//!
//! Each actor or loop is enlisted once, when it is built; its
//! [`Restarts`](super::supervision::Restarts) reports to its [`Member`] from then on, so nothing
//! here sits in the actors' message paths.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use bakery_wire::staff::{ActorReport, ActorState};
use chrono::{DateTime, SecondsFormat, Utc};

/// Longest last-error text kept: a whole error chain says enough in that much.
const ERROR_CHARS: usize = 300;

/// Measures a queue's depth when asked (for a queue the actor does not own alone).
type DepthProbe = Box<dyn Fn() -> u64 + Send + Sync>;

/// Every actor and loop enlisted in this process, in the order they were built.
#[derive(Default)]
pub struct Roster {
    members: Mutex<Vec<Arc<Member>>>,
}

impl std::fmt::Debug for Roster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Roster").finish_non_exhaustive()
    }
}

impl Roster {
    /// Enlists one more `actor` (the next instance of its name) as running.
    pub fn enlist(&self, actor: &'static str) -> Arc<Member> {
        let Ok(mut members) = self.members.lock() else {
            return Arc::new(Member::new(actor, 0));
        };
        let instance = members.iter().filter(|m| m.actor == actor).count();
        let member = Arc::new(Member::new(
            actor,
            u32::try_from(instance).unwrap_or(u32::MAX),
        ));
        members.push(member.clone());
        member
    }

    /// Every member as it stands now.
    pub fn reports(&self) -> Vec<ActorReport> {
        let members = match self.members.lock() {
            Ok(members) => members.clone(),
            Err(_) => Vec::new(),
        };
        let now = Instant::now();
        members.iter().map(|m| m.report(now)).collect()
    }
}

/// One actor or loop's entry in the roster.
pub struct Member {
    actor: &'static str,
    instance: u32,
    record: Mutex<Record>,
    /// The depth it reported last; [`NOT_MEASURED`] for an actor without a queue.
    depth: AtomicU64,
    probe: OnceLock<DepthProbe>,
}

const NOT_MEASURED: u64 = u64::MAX;

#[derive(Default)]
struct Record {
    restarts: u64,
    /// Works again at this instant (after a failure's backoff); `None`: running.
    resumes_at: Option<Instant>,
    stopped: bool,
    last_error: Option<(String, DateTime<Utc>)>,
}

impl Member {
    fn new(actor: &'static str, instance: u32) -> Member {
        Member {
            actor,
            instance,
            record: Mutex::default(),
            depth: AtomicU64::new(NOT_MEASURED),
            probe: OnceLock::new(),
        }
    }

    /// The actor's name, as in the logs and the metrics.
    pub fn actor(&self) -> &'static str {
        self.actor
    }

    fn change(&self, change: impl FnOnce(&mut Record)) {
        if let Ok(mut record) = self.record.lock() {
            change(&mut record);
        }
    }

    /// It works (again), after waiting `delay` if it is not zero.
    pub(super) fn starts(&self, delay: std::time::Duration) {
        self.change(|r| {
            r.stopped = false;
            r.resumes_at = (!delay.is_zero()).then(|| Instant::now() + delay);
        });
    }

    /// It failed for `reason` (kept until the next failure).
    pub(super) fn failed(&self, reason: &dyn std::fmt::Display) {
        let mut text = reason.to_string();
        if let Some((cut, _)) = text.char_indices().nth(ERROR_CHARS) {
            text.truncate(cut);
            text.push('…');
        }
        self.change(|r| r.last_error = Some((text, Utc::now())));
    }

    /// Its supervisor restarts it after `delay`.
    pub(super) fn restarting(&self, delay: std::time::Duration) {
        self.change(|r| {
            r.restarts += 1;
            r.stopped = false;
            r.resumes_at = Some(Instant::now() + delay);
        });
    }

    /// It ended and is not started again (unless a restart follows at once).
    pub(super) fn stopped(&self) {
        self.change(|r| r.stopped = true);
    }

    /// The number of messages waiting for it now.
    pub fn set_depth(&self, depth: usize) {
        self.depth.store(
            u64::try_from(depth).unwrap_or(u64::MAX - 1),
            Ordering::Relaxed,
        );
    }

    /// Its queue's depth is measured by `probe` when asked (a queue shared with others).
    pub fn measure_depth(&self, probe: impl Fn() -> u64 + Send + Sync + 'static) {
        let _set_once = self.probe.set(Box::new(probe));
    }

    fn report(&self, now: Instant) -> ActorReport {
        let (state, restarts, last_error) = match self.record.lock() {
            Ok(r) => {
                let state = match (r.stopped, r.resumes_at) {
                    (true, _) => ActorState::Stopped,
                    (false, Some(at)) if at > now => ActorState::Restarting,
                    _ => ActorState::Running,
                };
                (state, r.restarts, r.last_error.clone())
            }
            Err(_) => (ActorState::Running, 0, None),
        };
        let depth = match self.probe.get() {
            Some(probe) => Some(probe()),
            None => Some(self.depth.load(Ordering::Relaxed)).filter(|d| *d != NOT_MEASURED),
        };
        let (last_error, last_error_at) = match last_error {
            Some((text, at)) => (
                Some(text),
                Some(at.to_rfc3339_opts(SecondsFormat::Millis, true)),
            ),
            None => (None, None),
        };
        ActorReport {
            actor: self.actor.to_owned(),
            instance: self.instance,
            state,
            restarts,
            last_error,
            last_error_at,
            queue_depth: depth,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn members_report_their_state_restarts_last_error_and_depth() {
        let roster = Roster::default();
        let first = roster.enlist("order_processor");
        let second = roster.enlist("order_processor");
        let oven = roster.enlist("oven");
        first.failed(&"injected fault");
        first.restarting(Duration::from_secs(60));
        second.measure_depth(|| 7);
        oven.set_depth(3);
        oven.stopped();
        let reports = roster.reports();
        let by = |actor: &str, instance: u32| {
            reports
                .iter()
                .find(|r| r.actor == actor && r.instance == instance)
                .cloned()
                .unwrap()
        };
        let failed = by("order_processor", 0);
        assert_eq!(failed.state, ActorState::Restarting);
        assert_eq!(failed.restarts, 1);
        assert_eq!(failed.last_error.as_deref(), Some("injected fault"));
        assert!(failed.last_error_at.is_some());
        assert_eq!(failed.queue_depth, None);
        assert_eq!(by("order_processor", 1).state, ActorState::Running);
        assert_eq!(by("order_processor", 1).queue_depth, Some(7));
        assert_eq!(by("oven", 0).state, ActorState::Stopped);
        assert_eq!(by("oven", 0).queue_depth, Some(3));
        first.starts(Duration::ZERO);
        assert_eq!(roster.reports()[0].state, ActorState::Running);
    }

    #[test]
    fn a_long_error_is_cut() {
        let member = Roster::default().enlist("notifier");
        member.failed(&"x".repeat(1000));
        let kept = member.report(Instant::now()).last_error.unwrap();
        assert_eq!(kept.chars().count(), ERROR_CHARS + 1);
    }
}
