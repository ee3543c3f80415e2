//! The soak's summary: the counts, the faults, p50/p99 per phase, and every check, on stdout
//! and in soak-<shape>.json.

use std::path::Path;
use std::sync::atomic::Ordering;

use serde::Serialize;

use super::Options;
use super::checks::Check;
use super::record::{Fault, LatencyRow, Recorder, RssSample};
use super::traffic::Ledger;
use crate::Error;
use crate::report::{Machine, load_average};

/// What clients did, in numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub accepted_orders: usize,
    pub refused_orders: u64,
    pub orders_given_up: u64,
    pub visits_skipped: u64,
    pub customer_cancels: u64,
    pub customer_cancels_too_late: u64,
    pub followed_live: usize,
    pub staff_moves: u64,
    pub stock_changes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub shape: &'static str,
    pub minutes: f64,
    pub visits_per_second: f64,
    pub seed: u64,
    pub machine: Machine,
    pub load_seconds: f64,
    pub steady_from: f64,
    pub counts: Counts,
    pub first_refusal: Option<String>,
    pub first_errors: Vec<String>,
    pub faults: Vec<Fault>,
    pub latencies: Vec<LatencyRow>,
    pub checks: Vec<Check>,
    /// Every memory reading, for a look at the curves behind the memory checks.
    pub rss: Vec<RssSample>,
}

impl Summary {
    pub fn new(
        options: &Options,
        recorder: &Recorder,
        ledger: &Ledger,
        checks: Vec<Check>,
        load_seconds: f64,
    ) -> Summary {
        let mut machine = Machine::read();
        machine.load_at_end = load_average();
        let mut faults = recorder.faults();
        faults.sort_by(|a, b| a.at.total_cmp(&b.at));
        Summary {
            shape: options.shape.name(),
            minutes: options.minutes,
            visits_per_second: options.rate,
            seed: options.seed,
            machine,
            load_seconds,
            steady_from: recorder.steady_from,
            counts: Counts {
                accepted_orders: ledger.accepted().len(),
                refused_orders: ledger.refused_orders.load(Ordering::Relaxed),
                orders_given_up: ledger.gave_up.load(Ordering::Relaxed),
                visits_skipped: ledger.skipped.load(Ordering::Relaxed),
                customer_cancels: ledger.customer_cancels.load(Ordering::Relaxed),
                customer_cancels_too_late: ledger.customer_cancels_refused.load(Ordering::Relaxed),
                followed_live: ledger.follows().len(),
                staff_moves: ledger.staff_moves.load(Ordering::Relaxed),
                stock_changes: ledger.stock_changes.load(Ordering::Relaxed),
            },
            first_refusal: ledger
                .first_refusal
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
            first_errors: recorder.first_errors(),
            faults,
            latencies: recorder.latency_table(),
            checks,
            rss: recorder.rss_samples(),
        }
    }

    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// The report on stdout.
    pub fn print(&self) {
        let c = &self.counts;
        println!(
            "\nsoak, {} shape: {:.1} min of load ({} cores, load average {}), seed {}",
            self.shape, self.minutes, self.machine.cores, self.machine.load_at_end, self.seed
        );
        println!(
            "  {} orders accepted, {} refused, {} given up; {} customer cancels ({} too late); \
             {} followed live; {} staff moves; {} stock changes; {} visits skipped (rate bound)",
            c.accepted_orders,
            c.refused_orders,
            c.orders_given_up,
            c.customer_cancels,
            c.customer_cancels_too_late,
            c.followed_live,
            c.staff_moves,
            c.stock_changes,
            c.visits_skipped
        );
        if let Some(refusal) = &self.first_refusal {
            println!("  first refusal: {refusal}");
        }
        let kills = self.faults.iter().filter(|f| f.seconds == 0.0).count();
        println!(
            "  {} faults ({kills} kills, {} link cuts) before {:.0} s",
            self.faults.len(),
            self.faults.len() - kills,
            self.steady_from
        );
        println!(
            "\n  {:<8} {:<8} {:>8} {:>7} {:>9} {:>9}",
            "phase", "request", "ok", "errors", "p50 ms", "p99 ms"
        );
        for row in &self.latencies {
            println!(
                "  {:<8} {:<8} {:>8} {:>7} {:>9.1} {:>9.1}",
                row.phase, row.kind, row.ok, row.errors, row.p50_ms, row.p99_ms
            );
        }
        println!();
        for check in &self.checks {
            let mark = if check.ok { "ok  " } else { "FAIL" };
            println!("  {mark} {}: {}", check.name, check.detail);
        }
        let failed = self.checks.iter().filter(|c| !c.ok).count();
        if failed == 0 {
            println!("\nsoak: every check held");
        } else {
            println!("\nsoak: {failed} check(s) failed");
            for error in &self.first_errors {
                println!("  early error: {error}");
            }
        }
    }

    pub fn write_json(&self, path: &Path) -> Result<(), Error> {
        std::fs::write(path, serde_json::to_string_pretty(self)? + "\n")?;
        Ok(())
    }
}
