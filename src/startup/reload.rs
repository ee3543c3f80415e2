//! Reloading settings while the process runs (SIGHUP, or `POST /reload` on the operations
//! listener, which `bakery reload` calls): re-reads the settings file and the environment,
//! applies what can change live and logs what needs a restart.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::actors::processor_pool::ProcessorPool;
use crate::config::Settings;
use crate::config::live::{Changes, LiveSettings};
use crate::limits::ClientLimits;

/// Reloads one process's settings into its [`LiveSettings`].
pub struct Reloader {
    live: LiveSettings,
    /// The settings file the process was started with (`None`: `BAKERY_CONFIG`, if set).
    config: Mutex<Option<PathBuf>>,
}

impl Reloader {
    pub(super) fn new(live: LiveSettings) -> Reloader {
        Reloader {
            live,
            config: Mutex::new(None),
        }
    }

    /// Reads the settings file from now on at `config`.
    pub(super) fn read_from(&self, config: Option<PathBuf>) {
        if let Ok(mut path) = self.config.lock() {
            *path = config;
        }
    }

    /// Re-reads the settings, applies the live ones and logs every change; a file that does
    /// not load changes nothing.
    pub fn reload(&self) -> Result<Changes, String> {
        let path = self.config.lock().map(|p| p.clone()).unwrap_or_default();
        let loaded = Settings::load(path.as_deref()).map_err(|e| {
            tracing::error!(error = %e, "settings not reloaded: the file or environment is invalid");
            e.to_string()
        })?;
        let changes = self.live.replace(&loaded);
        for (setting, from, to) in &changes.live {
            tracing::info!(setting, from, to, "setting changed live");
        }
        for setting in &changes.need_restart {
            tracing::warn!(
                setting,
                "setting changed; it needs a restart to take effect"
            );
        }
        tracing::info!(
            live = changes.live.len(),
            need_restart = changes.need_restart.len(),
            "settings reloaded"
        );
        Ok(changes)
    }
}

/// SIGHUPs from now on (none is lost, and none ends the process, once this is called); call it
/// first thing, so that a SIGHUP during start-up does not end the process either.
pub fn hangups() -> Option<tokio::signal::unix::Signal> {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::hangup()) {
        Ok(hangups) => Some(hangups),
        Err(err) => {
            tracing::warn!(error = %err, "SIGHUP not handled: settings reload only through bakery reload");
            None
        }
    }
}

/// Reloads on every SIGHUP of `hangups`, for as long as the process runs.
pub(super) fn on_hangup(reloader: Arc<Reloader>, hangups: Option<tokio::signal::unix::Signal>) {
    let Some(mut hangups) = hangups else {
        return;
    };
    actix_web::rt::spawn(async move {
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading settings");
            let _logged = reloader.reload();
        }
    });
}

/// Applies each change of `live` to the parts that follow it: the processor pool's size, the
/// per-client rate limits and the log filter (the preparation time and the prefetch read the
/// handle themselves).
pub(super) fn follow(
    live: &LiveSettings,
    pool: Option<Arc<ProcessorPool>>,
    limits: Option<Arc<ClientLimits>>,
) {
    let mut changes = live.subscribe();
    let mut applied = live.current();
    actix_web::rt::spawn(async move {
        while changes.changed().await.is_ok() {
            let now = changes.borrow_and_update().clone();
            if let Some(pool) = &pool
                && now.worker.pool != applied.worker.pool
            {
                pool.resize(now.worker.pool);
            }
            if let Some(limits) = &limits
                && now.limits != applied.limits
            {
                limits.apply(&now.limits);
            }
            if now.log.filter != applied.log.filter
                && let Err(err) = crate::telemetry::set_filter(&now.log.filter)
            {
                tracing::warn!(error = %err, filter = %now.log.filter, "log filter not changed");
            }
            applied = now;
        }
    });
}

/// `bakery reload`: asks the process whose operations listener is at this machine's
/// `metrics_bind` to reload (`POST /reload`); returns its answer.
pub async fn ask_running_process(settings: &Settings) -> Result<String, String> {
    let Some(bind) = &settings.metrics_bind else {
        return Err(
            "bakery reload asks the operations listener: set BAKERY_METRICS_BIND (or send SIGHUP)"
                .into(),
        );
    };
    let port = bind
        .rsplit_once(':')
        .map_or(bind.as_str(), |(_, port)| port);
    let url = format!("http://127.0.0.1:{port}/reload");
    let answer = reqwest::Client::new()
        .post(&url)
        .timeout(std::time::Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| format!("no process answers at {url}: {e}"))?;
    let status = answer.status();
    let body = answer.text().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!("the process refused the reload ({status}): {body}"))
    }
}
