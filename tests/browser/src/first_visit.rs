//! The first visit on a phone, measured: a cold headless Chromium with mobile CPU and network
//! throttling loads a page of the bakery and reports its paints, main-thread work, layout shift
//! and bytes (`cargo xtask bench --first-visit`).

use std::time::Duration;

use serde_json::{Value, json};

use crate::{Browser, Server, SessionPost};

/// How the phone is throttled: Chromium's "Slow 4G" link and a 4× slower CPU.
pub struct Throttling {
    /// Round-trip latency added to every request, in milliseconds.
    pub latency_ms: u64,
    /// Download speed in bits per second.
    pub down_bits: u64,
    /// Upload speed in bits per second.
    pub up_bits: u64,
    /// How many times slower the main thread runs.
    pub cpu_slowdown: u64,
}

/// The throttling the figures in docs/performance.md are taken under.
pub const SLOW_4G_PHONE: Throttling = Throttling {
    latency_ms: 150,
    down_bits: 1_600_000,
    up_bits: 750_000,
    cpu_slowdown: 4,
};

/// One load of a page, as the browser saw it (times in ms from navigation start).
#[derive(Debug, Clone, Default)]
pub struct Visit {
    pub first_contentful_paint: f64,
    pub largest_contentful_paint: f64,
    /// What the largest paint was (its tag and class), to tell the server's menu from the wasm's.
    pub largest_element: String,
    /// Time the renderer's main thread spent running tasks (CDP `TaskDuration`).
    pub main_thread_busy: f64,
    /// Sum of every long task's time over 50 ms (Total Blocking Time, without an interaction).
    pub blocking_time: f64,
    pub cumulative_layout_shift: f64,
    /// When a product card was first in the page.
    pub menu_shown: f64,
    /// When the storefront's wasm had arrived (the end of its response).
    pub wasm_loaded: f64,
    /// Bytes over the network (headers and compressed bodies), page and every resource.
    pub bytes: u64,
    /// Every URL the page requested, for "the shop does not load the staff bundle".
    pub requests: Vec<String>,
}

/// Installed before the page's own scripts: observers that keep the paints, layout shifts and
/// long tasks, and a watcher for the first product card.
const OBSERVERS: &str = r#"
window.__firstVisit = { fcp: 0, lcp: 0, lcpElement: '', cls: 0, blocking: 0, menu: 0 };
(() => {
  const fv = window.__firstVisit;
  const watch = (type, each) => {
    try { new PerformanceObserver(list => list.getEntries().forEach(each)).observe({ type, buffered: true }); } catch (_) {}
  };
  watch('paint', e => { if (e.name === 'first-contentful-paint') fv.fcp = e.startTime; });
  watch('largest-contentful-paint', e => {
    fv.lcp = e.startTime;
    fv.lcpElement = e.element ? e.element.tagName.toLowerCase() + '.' + (e.element.className || '') : '';
  });
  watch('layout-shift', e => { if (!e.hadRecentInput) fv.cls += e.value; });
  watch('longtask', e => { fv.blocking += Math.max(0, e.duration - 50); });
  const look = () => {
    if (!fv.menu && document.querySelector('.product-card')) fv.menu = performance.now();
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true });
})();
"#;

/// Reads the observers' findings and the bytes of every request.
const COLLECT: &str = r#"
const fv = window.__firstVisit || {};
const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
return {
  fcp: fv.fcp || 0, lcp: fv.lcp || 0, lcpElement: fv.lcpElement || '', cls: fv.cls || 0,
  blocking: fv.blocking || 0, menu: fv.menu || 0,
  wasm: (entries.find(e => e.name.endsWith('.wasm')) || {}).responseEnd || 0,
  bytes: entries.reduce((sum, e) => sum + (e.transferSize || 0), 0),
  requests: entries.map(e => e.name),
};
"#;

/// Sends one DevTools command to the browser's page.
pub async fn cdp(browser: &Browser, method: &'static str, params: Value) -> Result<Value, String> {
    browser
        .client
        .issue_cmd(SessionPost {
            path: "goog/cdp/execute",
            body: json!({ "cmd": method, "params": params }).to_string(),
        })
        .await
        .map_err(|e| format!("{method}: {e}"))
}

/// Loads `path` once in a fresh browser (cold cache, own profile) under `throttling`, waits
/// until `ready` (a CSS selector) is in the page and the page has been quiet for a moment,
/// and reports what it measured.
pub async fn visit(
    server: &Server,
    path: &str,
    ready: &str,
    throttling: &Throttling,
) -> Result<Visit, String> {
    let browser = Browser::start().await?;
    let outcome = measure(&browser, server, path, ready, throttling).await;
    browser.close().await;
    outcome
}

async fn measure(
    browser: &Browser,
    server: &Server,
    path: &str,
    ready: &str,
    throttling: &Throttling,
) -> Result<Visit, String> {
    // A phone's screen (Moto G Power, Lighthouse's mobile device).
    cdp(
        browser,
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": 412, "height": 823, "deviceScaleFactor": 1.75, "mobile": true }),
    )
    .await?;
    cdp(browser, "Network.enable", json!({})).await?;
    cdp(
        browser,
        "Network.setCacheDisabled",
        json!({ "cacheDisabled": true }),
    )
    .await?;
    cdp(
        browser,
        "Network.emulateNetworkConditions",
        json!({
            "offline": false,
            "latency": throttling.latency_ms,
            "downloadThroughput": throttling.down_bits / 8,
            "uploadThroughput": throttling.up_bits / 8,
        }),
    )
    .await?;
    cdp(
        browser,
        "Emulation.setCPUThrottlingRate",
        json!({ "rate": throttling.cpu_slowdown }),
    )
    .await?;
    cdp(
        browser,
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": OBSERVERS }),
    )
    .await?;
    cdp(browser, "Performance.enable", json!({})).await?;
    let busy_before = task_duration(browser).await?;

    browser
        .open_as_served(&format!("{}{path}", server.url))
        .await?;
    browser.wait_for(ready, 60).await?;
    // The wasm is compiled and started after the first paints: let it finish and settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let busy = task_duration(browser).await? - busy_before;
    let found = browser
        .client
        .execute(COLLECT, vec![])
        .await
        .map_err(|e| format!("reading the measurements: {e}"))?;
    let number = |key: &str| found[key].as_f64().unwrap_or(0.0);
    Ok(Visit {
        first_contentful_paint: number("fcp"),
        largest_contentful_paint: number("lcp"),
        largest_element: found["lcpElement"].as_str().unwrap_or_default().to_owned(),
        main_thread_busy: busy * 1000.0,
        blocking_time: number("blocking"),
        cumulative_layout_shift: number("cls"),
        menu_shown: number("menu"),
        wasm_loaded: number("wasm"),
        bytes: found["bytes"].as_u64().unwrap_or(0),
        requests: found["requests"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|u| u.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

/// The renderer's main-thread task time so far, in seconds.
async fn task_duration(browser: &Browser) -> Result<f64, String> {
    let metrics = cdp(browser, "Performance.getMetrics", json!({})).await?;
    Ok(metrics["metrics"]
        .as_array()
        .and_then(|all| all.iter().find(|m| m["name"] == "TaskDuration"))
        .and_then(|m| m["value"].as_f64())
        .unwrap_or(0.0))
}

/// The middle of `values` (the mean of the middle two for an even count).
pub fn median(mut values: Vec<f64>) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// The median of each figure over `visits`, as one visit (its requests are the first visit's).
pub fn median_visit(visits: &[Visit]) -> Visit {
    let of = |f: fn(&Visit) -> f64| median(visits.iter().map(f).collect());
    Visit {
        first_contentful_paint: of(|v| v.first_contentful_paint),
        largest_contentful_paint: of(|v| v.largest_contentful_paint),
        largest_element: visits
            .first()
            .map(|v| v.largest_element.clone())
            .unwrap_or_default(),
        main_thread_busy: of(|v| v.main_thread_busy),
        blocking_time: of(|v| v.blocking_time),
        cumulative_layout_shift: of(|v| v.cumulative_layout_shift),
        menu_shown: of(|v| v.menu_shown),
        wasm_loaded: of(|v| v.wasm_loaded),
        bytes: of(|v| v.bytes as f64) as u64,
        requests: visits
            .first()
            .map(|v| v.requests.clone())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn the_median_is_the_middle_value() {
        assert_eq!(median(vec![5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
    }
}
