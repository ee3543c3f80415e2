//! `bakery actors`: asks a running process on its operations listener (`metrics_bind`, the
//! listener of `/metrics`) for its roster of actors and loops, and prints it as a table.

use std::time::Duration;

use bakery_wire::staff::{ActorReport, ActorState};

use crate::config::Settings;

/// The process at `url` (`http://host:port` of its operations listener), or else the one this
/// machine runs with these settings' `metrics_bind`.
pub async fn show(settings: &Settings, url: Option<String>) -> Result<String, String> {
    let base = match url {
        Some(url) => url,
        None => local_url(settings.metrics_bind.as_deref())?,
    };
    let address = format!("{}/actors", base.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let res = client
        .get(&address)
        .send()
        .await
        .map_err(|e| format!("cannot ask {address}: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("{address} answered {}", res.status()));
    }
    let body = res.bytes().await.map_err(|e| e.to_string())?;
    let reports: Vec<ActorReport> = serde_json::from_slice(&body)
        .map_err(|e| format!("{address} did not answer a roster: {e}"))?;
    Ok(table(&reports))
}

/// `metrics_bind` as an address to ask on this machine (any-address binds become loopback).
fn local_url(bind: Option<&str>) -> Result<String, String> {
    let Some(bind) = bind else {
        return Err("no operations listener: set BAKERY_METRICS_BIND (or pass --url)".to_owned());
    };
    let (host, port) = bind
        .rsplit_once(':')
        .ok_or_else(|| format!("BAKERY_METRICS_BIND {bind:?} has no port"))?;
    if port == "0" {
        return Err("BAKERY_METRICS_BIND picks a free port: pass --url".to_owned());
    }
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        host => host,
    };
    Ok(format!("http://{host}:{port}"))
}

/// One line per actor: name, instance, state, restarts, queue depth, last failure.
pub fn table(reports: &[ActorReport]) -> String {
    let mut out = format!(
        "{:<24} {:>3}  {:<10} {:>8} {:>6}  last error",
        "actor", "#", "state", "restarts", "queue"
    );
    for r in reports {
        let state = match r.state {
            ActorState::Running => "running",
            ActorState::Restarting => "restarting",
            ActorState::Stopped => "stopped",
        };
        let queue = r.queue_depth.map_or("-".to_owned(), |d| d.to_string());
        let last_error = match (&r.last_error_at, &r.last_error) {
            (Some(at), Some(error)) => format!("{at}  {error}"),
            _ => "-".to_owned(),
        };
        out.push_str(&format!(
            "\n{:<24} {:>3}  {state:<10} {:>8} {queue:>6}  {last_error}",
            r.actor, r.instance, r.restarts
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_a_line_per_actor_and_the_local_address_is_loopback() {
        let report = ActorReport {
            actor: "order_processor".into(),
            instance: 1,
            state: ActorState::Restarting,
            restarts: 2,
            last_error: Some("order 7: injected fault".into()),
            last_error_at: Some("2026-12-01T02:00:00.000Z".into()),
            queue_depth: Some(5),
        };
        let text = table(&[report]);
        let line = text.lines().nth(1).unwrap_or_default();
        for part in [
            "order_processor",
            "restarting",
            " 2 ",
            " 5 ",
            "injected fault",
        ] {
            assert!(line.contains(part), "{part:?} missing: {text}");
        }
        assert_eq!(
            local_url(Some("0.0.0.0:9100")).as_deref(),
            Ok("http://127.0.0.1:9100")
        );
        assert!(local_url(Some("127.0.0.1:0")).is_err());
        assert!(local_url(None).is_err());
    }
}
