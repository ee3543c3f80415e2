//! Prometheus metrics: one recorder per process, the small functions the rest of the code records with, and the text `/metrics` serves.
//!
//! Every name starts with `bakery_`. Counters end in `_total`; the HTTP latency is a histogram
//! with fixed buckets so that replicas can be summed before `histogram_quantile`. Nothing here
//! knows HTTP, actors or the database: callers hand in what they observed.

mod order_gauges;

use std::sync::OnceLock;
use std::time::Duration;

use bakery_wire::OrderStatus;
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

pub use self::order_gauges::{OrderCounts, OrderGauges};

/// Seconds; from a cached catalog read to a slow order write.
const HTTP_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often histogram samples are folded in when nobody scrapes (keeps memory flat).
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

const HTTP_REQUESTS: &str = "bakery_http_requests_total";
const HTTP_DURATION: &str = "bakery_http_request_duration_seconds";

/// The process's recorder, installed on first use; `None` if another recorder was installed first.
fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE.get_or_init(install).as_ref()
}

fn install() -> Option<PrometheusHandle> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.into()), HTTP_BUCKETS)
        .and_then(PrometheusBuilder::install_recorder);
    match handle {
        Ok(handle) => {
            describe();
            let upkeep = handle.clone();
            let spawned = std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_EVERY);
                        upkeep.run_upkeep();
                    }
                });
            if let Err(err) = spawned {
                tracing::warn!(error = %err, "metrics upkeep thread not started; scrapes still work");
            }
            gauge!("bakery_build_info", "version" => env!("CARGO_PKG_VERSION")).set(1.0);
            Some(handle)
        }
        Err(err) => {
            tracing::warn!(error = %err, "metrics recorder not installed; /metrics will be empty");
            None
        }
    }
}

fn describe() {
    use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests by route pattern, method and status."
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "Time to the response head, by route pattern and method."
    );
    describe_counter!(
        "bakery_order_transitions_total",
        "Order status changes made by this process, by the new status."
    );
    describe_counter!(
        "bakery_queue_published_total",
        "Order messages published to the queue."
    );
    describe_counter!(
        "bakery_queue_delivered_total",
        "Order messages delivered to a processor."
    );
    describe_counter!(
        "bakery_queue_acked_total",
        "Order messages acknowledged after their new state was committed."
    );
    describe_counter!(
        "bakery_queue_dead_lettered_total",
        "Order messages sent to the dead-letter queue."
    );
    describe_gauge!(
        "bakery_queue_depth",
        "Order messages waiting in the in-process queue."
    );
    describe_gauge!(
        "bakery_processors_busy",
        "Order processors working on an order right now."
    );
    describe_gauge!(
        "bakery_worker_pool_size",
        "Order processors in this process's pool (follows worker.pool on reload)."
    );
    describe_counter!(
        "bakery_cache_hits_total",
        "Catalog reads answered by the shared cache."
    );
    describe_counter!(
        "bakery_cache_misses_total",
        "Catalog reads the shared cache could not answer."
    );
    describe_counter!(
        "bakery_actor_restarts_total",
        "Supervisor restarts of each actor since the process started."
    );
    describe_gauge!(
        "bakery_actor_up",
        "Instances of each actor running now (not restarting, not stopped)."
    );
    describe_gauge!(
        "bakery_actor_queue_depth",
        "Messages waiting for each actor that has a queue (the deepest of a pool)."
    );
    describe_counter!(
        "bakery_requests_refused_total",
        "Requests refused by a per-client or global limit, by limit."
    );
    describe_counter!(
        "bakery_sign_in_password_checks_total",
        "Staff passwords checked (Argon2 runs) by this process."
    );
    describe_gauge!(
        "bakery_sign_in_limiter_entries",
        "Accounts and addresses the in-process sign-in limiter remembers."
    );
    describe_gauge!(
        "bakery_streams_open",
        "Live event streams this process holds open."
    );
    describe_gauge!(
        "bakery_build_info",
        "Always 1; the version label says which build runs."
    );
}

/// Installs the recorder now (it is installed on first use anyway), so that an idle process
/// already exposes its descriptions and build info.
pub fn init() {
    let _ = recorder();
}

/// The process-wide metrics in the Prometheus text format (version 0.0.4); the order figures
/// are an [`OrderGauges`]' own [`OrderGauges::render`].
pub fn render() -> String {
    recorder().map(PrometheusHandle::render).unwrap_or_default()
}

/// One answered HTTP request. `route` is the matched pattern (`/api/orders/{id}`), never the
/// raw path, so that the number of series stays bounded.
pub fn record_http(route: &str, method: &str, status: u16, seconds: f64) {
    if recorder().is_none() {
        return;
    }
    let (route, method) = (route.to_owned(), method.to_owned());
    counter!(HTTP_REQUESTS, "route" => route.clone(), "method" => method.clone(), "status" => status.to_string())
        .increment(1);
    histogram!(HTTP_DURATION, "route" => route, "method" => method).record(seconds);
}

/// An order moved to `status` (call after the guarded update committed).
pub fn order_transition(status: OrderStatus) {
    if recorder().is_some() {
        counter!("bakery_order_transitions_total", "status" => status.as_str()).increment(1);
    }
}

/// `n` order messages were published (confirmed by the broker, or handed to the in-process queue).
pub fn queue_published(n: u64) {
    if recorder().is_some() {
        counter!("bakery_queue_published_total").increment(n);
    }
}

/// An order message was delivered to a processor.
pub fn queue_delivered() {
    if recorder().is_some() {
        counter!("bakery_queue_delivered_total").increment(1);
    }
}

/// An order message was acknowledged.
pub fn queue_acked() {
    if recorder().is_some() {
        counter!("bakery_queue_acked_total").increment(1);
    }
}

/// An order message went to the dead-letter queue.
pub fn queue_dead_lettered() {
    if recorder().is_some() {
        counter!("bakery_queue_dead_lettered_total").increment(1);
    }
}

/// Messages waiting in the in-process queue (RabbitMQ reports its own queue depth).
pub fn set_queue_depth(n: u64) {
    if recorder().is_some() {
        gauge!("bakery_queue_depth").set(n as f64);
    }
}

/// A processor started (`+1`) or finished (`-1`) work on an order.
pub fn processor_busy(delta: i32) {
    if recorder().is_some() {
        gauge!("bakery_processors_busy").increment(f64::from(delta));
    }
}

/// Processors in this process's pool now.
pub fn set_worker_pool_size(n: usize) {
    if recorder().is_some() {
        gauge!("bakery_worker_pool_size").set(n as f64);
    }
}

/// A catalog read was answered by the shared cache.
pub fn cache_hit() {
    if recorder().is_some() {
        counter!("bakery_cache_hits_total").increment(1);
    }
}

/// A catalog read missed the shared cache.
pub fn cache_miss() {
    if recorder().is_some() {
        counter!("bakery_cache_misses_total").increment(1);
    }
}

/// A request was refused by `limit` (`order_posts`, `streams_total`, `sign_in`…).
pub fn request_refused(limit: &'static str) {
    if recorder().is_some() {
        counter!("bakery_requests_refused_total", "limit" => limit).increment(1);
    }
}

/// A staff password was checked (one Argon2 run).
pub fn password_checked() {
    if recorder().is_some() {
        counter!("bakery_sign_in_password_checks_total").increment(1);
    }
}

/// Entries of the in-process sign-in limiter.
pub fn set_sign_in_entries(n: usize) {
    if recorder().is_some() {
        gauge!("bakery_sign_in_limiter_entries").set(n as f64);
    }
}

/// Live event streams open in this process.
pub fn set_streams_open(n: usize) {
    if recorder().is_some() {
        gauge!("bakery_streams_open").set(n as f64);
    }
}

/// One supervised actor's or loop's figures at scrape time (from the roster in `actors`).
#[derive(Debug, Clone, Copy)]
pub struct ActorFigures<'a> {
    pub actor: &'a str,
    pub restarts: u64,
    /// Running now (not restarting, not stopped).
    pub up: bool,
    pub queue_depth: Option<u64>,
}

/// Every actor's figures, summed by name (a pool of processors is one `actor` label): restarts,
/// how many run, and the deepest queue among them where they have one.
pub fn set_actor_figures<'a>(figures: impl IntoIterator<Item = ActorFigures<'a>>) {
    if recorder().is_none() {
        return;
    }
    let mut by_name: std::collections::BTreeMap<&str, (u64, u64, Option<u64>)> = Default::default();
    for f in figures {
        let (restarts, up, depth) = by_name.entry(f.actor).or_default();
        *restarts += f.restarts;
        *up += u64::from(f.up);
        *depth = (*depth).max(f.queue_depth);
    }
    for (actor, (restarts, up, depth)) in by_name {
        counter!("bakery_actor_restarts_total", "actor" => actor.to_owned()).absolute(restarts);
        gauge!("bakery_actor_up", "actor" => actor.to_owned()).set(up as f64);
        if let Some(depth) = depth {
            gauge!("bakery_actor_queue_depth", "actor" => actor.to_owned()).set(depth as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_values_appear_in_the_text_format() {
        record_http("/api/orders/{id}", "GET", 404, 0.003);
        order_transition(OrderStatus::Ready);
        let figures = |restarts, up, queue_depth| ActorFigures {
            actor: "order_processor",
            restarts,
            up,
            queue_depth,
        };
        set_actor_figures([figures(2, true, Some(4)), figures(1, false, Some(6))]);
        processor_busy(1);
        let text = render();
        assert!(
            text.contains(
                r#"bakery_http_requests_total{route="/api/orders/{id}",method="GET",status="404"}"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"bakery_http_request_duration_seconds_bucket{route="/api/orders/{id}",method="GET",le="0.005"}"#),
            "{text}"
        );
        assert!(text.contains(r#"bakery_actor_restarts_total{actor="order_processor"} 3"#));
        assert!(text.contains(r#"bakery_actor_up{actor="order_processor"} 1"#));
        assert!(text.contains(r#"bakery_actor_queue_depth{actor="order_processor"} 6"#));
        assert!(
            text.contains("# TYPE bakery_processors_busy gauge"),
            "{text}"
        );
        assert!(text.contains("bakery_build_info{version="), "{text}");
    }
}
