//! What the soak saw over time: requests per second, latencies per phase, faults and memory.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::Serialize;

/// The parts of a run, for the latency table: faults, then steady load, then the drain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Phase {
    Faults,
    Steady,
    Drain,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Faults => "faults",
            Phase::Steady => "steady",
            Phase::Drain => "drain",
        }
    }
}

/// One second of the run.
#[derive(Debug, Default, Clone)]
pub struct Second {
    pub ok: u64,
    pub errors: u64,
    /// Latency of each successful request, in microseconds.
    pub latencies_us: Vec<u32>,
}

/// A fault the chaos loop caused (or a process that died by itself), at `at` seconds.
#[derive(Debug, Clone, Serialize)]
pub struct Fault {
    pub at: f64,
    /// How long it lasted (a cut link), 0 for a kill.
    pub seconds: f64,
    pub what: String,
}

/// One reading of a process's resident memory.
#[derive(Debug, Clone, Serialize)]
pub struct RssSample {
    /// `all`, `serve-1`, `worker-2`, …
    pub process: String,
    /// 0 for the first start, then one more per restart.
    pub incarnation: u32,
    pub at: f64,
    pub kib: u64,
}

#[derive(Default)]
struct Inner {
    seconds: Vec<Second>,
    /// (phase, request kind) → latencies in microseconds.
    latencies: BTreeMap<(Phase, &'static str), Vec<u32>>,
    errors: BTreeMap<(Phase, &'static str), u64>,
    faults: Vec<Fault>,
    rss: Vec<RssSample>,
    drain_from: Option<f64>,
    first_errors: Vec<String>,
}

/// Shared by every task of the soak.
pub struct Recorder {
    pub start: Instant,
    /// Faults happen before this many seconds, steady load after.
    pub steady_from: f64,
    inner: Mutex<Inner>,
}

impl Recorder {
    pub fn new(steady_from: Duration) -> Recorder {
        Recorder {
            start: Instant::now(),
            steady_from: steady_from.as_secs_f64(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// Seconds since the start of the load.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn phase_at(&self, inner: &Inner, at: f64) -> Phase {
        match inner.drain_from {
            Some(drain) if at >= drain => Phase::Drain,
            _ if at >= self.steady_from => Phase::Steady,
            _ => Phase::Faults,
        }
    }

    /// The load has stopped: what follows is the drain.
    pub fn start_drain(&self) {
        let now = self.now();
        self.lock().drain_from = Some(now);
    }

    /// A request of `kind` that began at `began` succeeded.
    pub fn ok(&self, kind: &'static str, began: Instant) {
        let at = began.duration_since(self.start).as_secs_f64();
        let micros = u32::try_from(began.elapsed().as_micros()).unwrap_or(u32::MAX);
        let mut inner = self.lock();
        let phase = self.phase_at(&inner, at);
        inner
            .latencies
            .entry((phase, kind))
            .or_default()
            .push(micros);
        let second = second_mut(&mut inner.seconds, at);
        second.ok += 1;
        // A live follow lasts as long as the order takes: it is no request's latency.
        if kind != "follow" {
            second.latencies_us.push(micros);
        }
    }

    /// A request of `kind` failed (a refused connection, a 5xx during a fault, …).
    pub fn error(&self, kind: &'static str, error: &str) {
        let at = self.now();
        let mut inner = self.lock();
        let phase = self.phase_at(&inner, at);
        *inner.errors.entry((phase, kind)).or_default() += 1;
        second_mut(&mut inner.seconds, at).errors += 1;
        if inner.first_errors.len() < 10 {
            inner
                .first_errors
                .push(format!("{at:.1} s {kind}: {error}"));
        }
    }

    pub fn fault(&self, at: f64, seconds: f64, what: String) {
        eprintln!("soak: {at:>6.1} s  {what}");
        self.lock().faults.push(Fault { at, seconds, what });
    }

    pub fn rss(&self, process: &str, incarnation: u32, kib: u64) {
        let at = self.now();
        self.lock().rss.push(RssSample {
            process: process.to_owned(),
            incarnation,
            at,
            kib,
        });
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.lock().faults.clone()
    }

    pub fn rss_samples(&self) -> Vec<RssSample> {
        self.lock().rss.clone()
    }

    pub fn seconds(&self) -> Vec<Second> {
        self.lock().seconds.clone()
    }

    pub fn first_errors(&self) -> Vec<String> {
        self.lock().first_errors.clone()
    }

    /// Per phase and kind: (phase, kind, ok, errors, p50 ms, p99 ms).
    pub fn latency_table(&self) -> Vec<LatencyRow> {
        let inner = self.lock();
        let mut keys: Vec<(Phase, &'static str)> = inner.latencies.keys().copied().collect();
        keys.extend(inner.errors.keys().copied());
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .map(|(phase, kind)| {
                let mut values = inner
                    .latencies
                    .get(&(phase, kind))
                    .cloned()
                    .unwrap_or_default();
                LatencyRow {
                    phase: phase.name(),
                    kind,
                    ok: values.len() as u64,
                    errors: inner.errors.get(&(phase, kind)).copied().unwrap_or(0),
                    p50_ms: crate::load::quantile_ms(&mut values, 0.5),
                    p99_ms: crate::load::quantile_ms(&mut values, 0.99),
                }
            })
            .collect()
    }
}

/// The latencies of one kind of request in one phase.
#[derive(Debug, Clone, Serialize)]
pub struct LatencyRow {
    pub phase: &'static str,
    pub kind: &'static str,
    pub ok: u64,
    pub errors: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

fn second_mut(seconds: &mut Vec<Second>, at: f64) -> &mut Second {
    let index = at.max(0.0) as usize;
    if seconds.len() <= index {
        seconds.resize(index + 1, Second::default());
    }
    &mut seconds[index]
}

/// Least-squares slope of `points` (x, y), or `None` with fewer than two distinct x.
pub fn slope(points: &[(f64, f64)]) -> Option<f64> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mean_x).powi(2)).sum();
    let sxy: f64 = points.iter().map(|p| (p.0 - mean_x) * (p.1 - mean_y)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slope_is_the_least_squares_one() {
        assert_eq!(slope(&[(0.0, 1.0)]), None);
        assert_eq!(slope(&[(1.0, 1.0), (1.0, 2.0)]), None);
        let line: Vec<(f64, f64)> = (0..10)
            .map(|x| (f64::from(x), 3.0 + 0.5 * f64::from(x)))
            .collect();
        assert!((slope(&line).unwrap() - 0.5).abs() < 1e-12);
        let flat_with_noise = [(0.0, 10.0), (1.0, 11.0), (2.0, 9.0), (3.0, 10.0)];
        assert!(slope(&flat_with_noise).unwrap().abs() < 0.5);
    }

    #[test]
    fn requests_fall_into_their_phase() {
        let recorder = Recorder::new(Duration::from_secs(3600));
        recorder.ok("order", Instant::now());
        recorder.error("order", "refused");
        recorder.start_drain();
        recorder.ok("staff", Instant::now());
        let table = recorder.latency_table();
        let phases: Vec<(&str, &str, u64, u64)> = table
            .iter()
            .map(|r| (r.phase, r.kind, r.ok, r.errors))
            .collect();
        assert_eq!(
            phases,
            [("faults", "order", 1, 1), ("drain", "staff", 1, 0)]
        );
    }
}
