//! Supervision: restart delays with exponential backoff and jitter for the actors and the
//! long-lived background loops, each start, failure, restart and stop logged the same way.
//!
//! Actors use [`Restarts`] from their `started`/`restarting` hooks under actix's `Supervisor`;
//! loops that are not actors run under [`supervise_loop`], which gives them the same policy and
//! log lines. Each reports to its [`Member`] of the process's roster (`roster.rs`): state,
//! restarts, last failure. The `backoff` crate is unmaintained upstream (RUSTSEC-2025-0012); it
//! is used here and only here, so it can be swapped without touching an actor.

use std::sync::Arc;
use std::time::Duration;

use backoff::ExponentialBackoff;
use backoff::backoff::Backoff;

use super::roster::Member;

/// One actor's restart bookkeeping: call [`Restarts::started`] from `Actor::started`,
/// [`Restarts::restarting`] from `Supervised::restarting`, [`Restarts::succeeded`] after good work,
/// and [`Restarts::failed`] with the reason before stopping on a failure.
pub struct Restarts {
    member: Arc<Member>,
    backoff: ExponentialBackoff,
    /// Restarts since the last success.
    attempt: u32,
    delay: Option<Duration>,
}

impl Restarts {
    /// Delays start at `initial`, double with ±50% jitter, and stop growing at `max`; what
    /// happens is reported to `member`.
    pub fn new(member: Arc<Member>, initial: Duration, max: Duration) -> Restarts {
        let backoff = backoff::ExponentialBackoffBuilder::new()
            .with_initial_interval(initial)
            .with_max_interval(max)
            .with_randomization_factor(0.5)
            .with_multiplier(2.0)
            .with_max_elapsed_time(None)
            .build();
        Restarts {
            member,
            backoff,
            attempt: 0,
            delay: None,
        }
    }

    /// The actor's name, for log fields.
    pub fn actor(&self) -> &'static str {
        self.member.actor()
    }

    /// Its entry in the roster, to report the depth of its queue.
    pub fn member(&self) -> &Member {
        &self.member
    }

    /// Logs the (re)start and returns how long to wait before working again.
    pub fn started(&mut self) -> Duration {
        self.member.starts(self.delay.unwrap_or_default());
        match self.delay.take() {
            None => {
                tracing::info!(actor = self.actor(), "actor started");
                Duration::ZERO
            }
            Some(delay) => {
                tracing::info!(
                    actor = self.actor(),
                    attempt = self.attempt,
                    delay_ms = delay.as_millis() as u64,
                    "actor restarted; resuming after backoff delay"
                );
                delay
            }
        }
    }

    /// Logs the failure's restart and picks the delay before the actor works again.
    pub fn restarting(&mut self) {
        self.attempt += 1;
        let delay = self
            .backoff
            .next_backoff()
            .unwrap_or(self.backoff.max_interval);
        self.member.restarting(delay);
        tracing::warn!(
            actor = self.actor(),
            attempt = self.attempt,
            delay_ms = delay.as_millis() as u64,
            "actor restarting after failure"
        );
        self.delay = Some(delay);
    }

    /// It fails for `reason` (call before stopping): the roster shows it as the last error.
    pub fn failed(&self, reason: &dyn std::fmt::Display) {
        self.member.failed(reason);
    }

    /// Work went well: the next failure starts again from the shortest delay.
    pub fn succeeded(&mut self) {
        if self.attempt > 0 {
            self.attempt = 0;
            self.backoff.reset();
        }
    }

    /// Logs the actor's stop.
    pub fn stopped(&self) {
        self.member.stopped();
        tracing::info!(actor = self.actor(), "actor stopped");
    }
}

/// Makes an actor with a `restarts: Restarts` field supervised: each restart is counted, logged
/// and delayed by it (the actor's `started` waits out [`Restarts::started`]).
macro_rules! supervised_by_restarts {
    ($actor:ty) => {
        impl actix::Supervised for $actor {
            fn restarting(&mut self, _ctx: &mut <Self as actix::Actor>::Context) {
                self.restarts.restarting();
            }
        }
    };
}
pub(crate) use supervised_by_restarts;

/// Runs a long-lived background loop (one that is not an actor) under the actors' restart
/// policy: `make_loop` builds the loop's future; if it panics, the failure is logged and counted
/// like an actor's and a new loop starts after the backoff delay; if it returns, its stop is
/// logged and it is not started again. Must be called inside an actix system.
pub fn supervise_loop<F, Fut>(mut restarts: Restarts, mut make_loop: F)
where
    F: FnMut() -> Fut + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    actix::spawn(async move {
        loop {
            let delay = restarts.started();
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            match actix::spawn(make_loop()).await {
                Ok(()) => {
                    restarts.stopped();
                    return;
                }
                // The system is shutting down.
                Err(ended) if ended.is_cancelled() => return,
                Err(ended) => {
                    restarts.failed(&panic_message(ended.into_panic()));
                    restarts.restarting();
                }
            }
        }
    });
}

/// What a panicking loop said, for the roster.
fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    match panic.downcast::<String>() {
        Ok(message) => format!("panicked: {message}"),
        Err(panic) => match panic.downcast::<&'static str>() {
            Ok(message) => format!("panicked: {message}"),
            Err(_) => "panicked".to_owned(),
        },
    }
}

impl std::fmt::Debug for Restarts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Restarts")
            .field("actor", &self.actor())
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::super::roster::Roster;
    use super::*;

    #[test]
    fn delays_grow_and_reset() {
        let roster = Roster::default();
        let mut r = Restarts::new(
            roster.enlist("test_actor"),
            Duration::from_millis(100),
            Duration::from_secs(1),
        );
        assert_eq!(r.started(), Duration::ZERO);
        let mut delays = Vec::new();
        for _ in 0..6 {
            r.restarting();
            delays.push(r.started());
        }
        assert!(delays[0] >= Duration::from_millis(50) && delays[0] <= Duration::from_millis(150));
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(1500)));
        assert!(delays[5] >= Duration::from_millis(500), "{delays:?}");
        r.succeeded();
        r.restarting();
        assert!(r.started() <= Duration::from_millis(150));
        assert_eq!(roster.reports()[0].restarts, 7);
    }

    #[actix::test]
    async fn a_loop_that_panics_is_started_again_and_one_that_returns_is_not() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU32, Ordering};
        let runs = Arc::new(AtomicU32::new(0));
        let counted = runs.clone();
        let roster = Roster::default();
        let restarts = Restarts::new(
            roster.enlist("test_loop"),
            Duration::from_millis(1),
            Duration::from_millis(5),
        );
        supervise_loop(restarts, move || {
            let run = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if run < 2 {
                    panic!("a loop failing on purpose (run {run})");
                }
            }
        });
        for _ in 0..200 {
            if runs.load(Ordering::SeqCst) >= 3 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(
            runs.load(Ordering::SeqCst),
            3,
            "two restarts, then it ended"
        );
        let report = &roster.reports()[0];
        assert_eq!(report.restarts, 2);
        assert_eq!(report.state, bakery_wire::staff::ActorState::Stopped);
        let last_error = report.last_error.as_deref().unwrap_or_default();
        assert!(
            last_error.contains("failing on purpose (run 1)"),
            "{last_error}"
        );
    }
}
