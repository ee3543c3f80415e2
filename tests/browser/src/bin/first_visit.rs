//! `first-visit [RUNS]`: the menu's first visit on a throttled phone, the median of RUNS cold
//! loads (default 5), printed as a table row for docs/performance.md. Starts `BAKERY_BIN`
//! (`cargo xtask bench --first-visit` passes the release build) on 127.0.0.1 with the embedded
//! shape and the sample catalog, serving `frontend/dist` (or `BAKERY_STATIC_DIR`).

use std::time::Duration;

use bakery_browser_tests::Server;
use bakery_browser_tests::first_visit::{SLOW_4G_PHONE, Visit, median_visit, visit};

/// The whole measurement stops after this long, whatever happens.
const LIMIT: Duration = Duration::from_secs(600);

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    match tokio::time::timeout(LIMIT, measure(runs)).await {
        Ok(Ok(())) => std::process::ExitCode::SUCCESS,
        Ok(Err(e)) => {
            eprintln!("first-visit: {e}");
            std::process::ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("first-visit: gave up after {} s", LIMIT.as_secs());
            std::process::ExitCode::FAILURE
        }
    }
}

async fn measure(runs: usize) -> Result<(), String> {
    // `BAKERY_STATIC_DIR` measures another build of the storefront (e.g. a copy of main's).
    let dist = std::env::var("BAKERY_STATIC_DIR").ok();
    let env: Vec<(&str, &str)> = dist
        .iter()
        .map(|d| ("BAKERY_STATIC_DIR", d.as_str()))
        .collect();
    let server = Server::start_with_env(&[], &env).await?;
    let t = &SLOW_4G_PHONE;
    println!(
        "first visit of {}/ on a phone: {} ms latency, {} kbit/s down, {} kbit/s up, CPU {}x slower; median of {runs} cold loads",
        server.url,
        t.latency_ms,
        t.down_bits / 1000,
        t.up_bits / 1000,
        t.cpu_slowdown
    );
    let mut visits = Vec::new();
    for run in 1..=runs {
        let one = visit(&server, "/", ".product-card", t).await?;
        println!("run {run}: {}", row(&one));
        visits.push(one);
    }
    let median = median_visit(&visits);
    println!("median: {}", row(&median));
    println!(
        "largest paint: {}; requests: {}",
        median.largest_element,
        median.requests.join(" ")
    );
    println!(
        "| {:.0} KiB | {:.0} ms | {:.0} ms | {:.0} ms | {:.0} ms | {:.3} | {:.0} ms | {:.0} ms |",
        median.bytes as f64 / 1024.0,
        median.first_contentful_paint,
        median.largest_contentful_paint,
        median.main_thread_busy,
        median.blocking_time,
        median.cumulative_layout_shift,
        median.menu_shown,
        median.wasm_loaded,
    );
    Ok(())
}

fn row(v: &Visit) -> String {
    format!(
        "{:.0} KiB, FCP {:.0} ms, LCP {:.0} ms, main thread busy {:.0} ms, blocking {:.0} ms, CLS {:.3}, menu in page {:.0} ms, wasm loaded {:.0} ms",
        v.bytes as f64 / 1024.0,
        v.first_contentful_paint,
        v.largest_contentful_paint,
        v.main_thread_busy,
        v.blocking_time,
        v.cumulative_layout_shift,
        v.menu_shown,
        v.wasm_loaded
    )
}
