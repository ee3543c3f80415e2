//! The chaos loop: SIGKILLs a process and starts it again, cuts a link to PostgreSQL, Redis or
//! RabbitMQ for a few seconds; meanwhile it reads every process's memory once a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::cluster::Cluster;
use super::proxy::LinkProxy;
use super::record::Recorder;
use super::traffic::Rng;
use crate::app::Backing;

/// What the chaos loop may do, and when.
pub struct Plan {
    /// Faults start only before this many seconds.
    pub until: f64,
    /// Seconds between faults: uniform in this range.
    pub every: (f64, f64),
    /// How long a link stays cut: uniform in this range.
    pub cut_for: (f64, f64),
    pub seed: u64,
}

/// Runs until `done`; returns how many processes exited without being killed or did not start
/// again.
pub async fn run(
    cluster: &mut Cluster,
    backing: &Backing,
    links: &[LinkProxy],
    recorder: &Recorder,
    plan: &Plan,
    done: Arc<AtomicBool>,
) -> usize {
    let mut rng = Rng::new(plan.seed);
    let mut next = rng.seconds(plan.every.0, plan.every.1).as_secs_f64();
    // (link, restore at, cut at)
    let mut cut: Vec<(usize, f64, f64)> = Vec::new();
    let mut unexpected = 0;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while !done.load(Ordering::SeqCst) {
        tick.tick().await;
        cluster.sample_rss(recorder);
        for index in cluster.exited() {
            unexpected += 1;
            let name = cluster.slots[index].name.clone();
            recorder.fault(recorder.now(), 0.0, format!("{name} exited by itself"));
            if !restart(cluster, backing, recorder, index).await {
                unexpected += 1;
            }
        }
        let now = recorder.now();
        cut.retain(|(link, at, from)| {
            if now < *at {
                return true;
            }
            links[*link].restore();
            let what = format!("{} link cut", links[*link].name);
            recorder.fault(*from, now - from, what);
            false
        });
        if now < plan.until && now >= next {
            next = now + rng.seconds(plan.every.0, plan.every.1).as_secs_f64();
            // Half the faults are kills, the others cuts of a random link (one already cut is
            // not cut again: a kill instead).
            let choice = if links.is_empty() || rng.chance(0.5) {
                0
            } else {
                1 + rng.below(links.len() as u64) as usize
            };
            if choice == 0 || cut.iter().any(|(link, _, _)| *link == choice - 1) {
                let index = rng.below(cluster.slots.len() as u64) as usize;
                cluster.kill(index).await;
                let name = cluster.slots[index].name.clone();
                recorder.fault(now, 0.0, format!("{name} killed (SIGKILL)"));
                if !restart(cluster, backing, recorder, index).await {
                    unexpected += 1;
                }
            } else {
                let link = choice - 1;
                links[link].cut();
                let seconds = rng.seconds(plan.cut_for.0, plan.cut_for.1).as_secs_f64();
                cut.push((link, now + seconds, now));
            }
        }
    }
    for (link, _, from) in cut {
        links[link].restore();
        let now = recorder.now();
        recorder.fault(from, now - from, format!("{} link cut", links[link].name));
    }
    unexpected
}

/// Starts slot `index` again; false (and a fault) when it does not come up.
async fn restart(
    cluster: &mut Cluster,
    backing: &Backing,
    recorder: &Recorder,
    index: usize,
) -> bool {
    let began = recorder.now();
    match cluster.restart(backing, index).await {
        Ok(()) => {
            eprintln!(
                "soak: {:>6.1} s  {} up again after {:.1} s",
                recorder.now(),
                cluster.slots[index].name,
                recorder.now() - began
            );
            true
        }
        Err(err) => {
            let name = cluster.slots[index].name.clone();
            recorder.fault(
                recorder.now(),
                0.0,
                format!("{name} did not restart: {err}"),
            );
            false
        }
    }
}
