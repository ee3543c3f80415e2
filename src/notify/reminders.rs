//! The workers' reminder sweep: every `worker.schedule_sweep` it writes the reminders that have come due (`notify.reminder_before` ahead of each order's slot, read live), once per order whichever worker sweeps; the notifier then delivers them like status notifications.

use std::sync::Arc;

use chrono::Utc;
use sea_orm::DatabaseConnection;

use crate::config::live::LiveSettings;
use crate::domain::calendar::Calendar;
use crate::metrics::OrderGauges;
use crate::store::reminders::{self, BATCH};

/// Sweeps for as long as the process runs: each tick writes every reminder due (a batch at a
/// time), with `defaults` (the settings' calendar) unless admins stored another. A failed sweep
/// is logged and tried again at the next tick; nothing is lost, the marks are in the database.
pub async fn keep_reminding(
    db: DatabaseConnection,
    live: LiveSettings,
    defaults: Calendar,
    gauges: Arc<OrderGauges>,
) {
    let mut ticks = tokio::time::interval(live.current().worker.schedule_sweep);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let before = live.current().notify.reminder_before;
        loop {
            match reminders::remind_due(&db, &defaults, before, Utc::now()).await {
                Ok(reminded) => {
                    gauges.outbox_written(reminded.len() as u64);
                    for order_id in &reminded {
                        tracing::info!(order_id, "reminder of the order's slot written");
                    }
                    if (reminded.len() as u64) < BATCH {
                        break;
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "reminder sweep failed; tried again at the next");
                    break;
                }
            }
        }
    }
}
