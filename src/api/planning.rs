//! The planning in force in this process: the calendar (the settings' `[calendar]`, or the one
//! admins stored) and the board's switches, read through from the database at most every
//! [`FRESH_FOR`], so a change on any replica holds on every replica within a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use crate::config::CalendarSettings;
use crate::domain::calendar::{Calendar, CalendarError};
use crate::domain::slots::Switches;
use crate::store::{StoreError, planning};

/// How long a read of the planning is used before the database is asked again.
pub const FRESH_FOR: Duration = Duration::from_millis(500);

/// The calendar and switches in force.
#[derive(Debug, Clone)]
pub struct Planning {
    pub calendar: Calendar,
    /// The calendar's text form, as `GET /api/admin/calendar` shows it.
    pub calendar_text: CalendarSettings,
    pub switches: Switches,
}

/// The planning, read through from the database.
pub struct PlanningCache {
    defaults: Planning,
    /// The last read: when it began, the number of changes made here before it, and what it
    /// found.
    current: ArcSwap<(Instant, u64, Arc<Planning>)>,
    /// Changes made here so far ([`PlanningCache::forget`]): a read that began before the
    /// latest is not used, even while it is fresh.
    changes: AtomicU64,
    reload: tokio::sync::Mutex<()>,
}

impl PlanningCache {
    /// Starts from the settings' calendar (checked here: a bad one stops the start).
    pub fn new(defaults: &CalendarSettings) -> Result<PlanningCache, CalendarError> {
        let defaults = Planning {
            calendar: Calendar::parse(defaults)?,
            calendar_text: defaults.clone(),
            switches: Switches::default(),
        };
        let stale = Instant::now()
            .checked_sub(FRESH_FOR * 2)
            .unwrap_or_else(Instant::now);
        Ok(PlanningCache {
            current: ArcSwap::from_pointee((stale, 0, Arc::new(defaults.clone()))),
            changes: AtomicU64::new(0),
            defaults,
            reload: tokio::sync::Mutex::new(()),
        })
    }

    /// The planning as last read (for rendering; may be up to [`FRESH_FOR`] old).
    pub fn loaded(&self) -> Arc<Planning> {
        self.current.load().2.clone()
    }

    /// The planning, read again when older than [`FRESH_FOR`] (one reader at a time).
    pub async fn current(&self, db: &DatabaseConnection) -> Result<Arc<Planning>, StoreError> {
        let fresh = |read: &(Instant, u64, Arc<Planning>)| {
            read.0.elapsed() < FRESH_FOR && read.1 == self.changes.load(Ordering::SeqCst)
        };
        let now = self.current.load();
        if fresh(&now) {
            return Ok(now.2.clone());
        }
        let _one = self.reload.lock().await;
        let now = self.current.load();
        if fresh(&now) {
            return Ok(now.2.clone());
        }
        let (read_at, changes) = (Instant::now(), self.changes.load(Ordering::SeqCst));
        let stored = planning::load(db).await?;
        let planning = Arc::new(self.merge_stored(stored));
        self.current
            .store(Arc::new((read_at, changes, planning.clone())));
        Ok(planning)
    }

    /// An order page's slot shown with the bakery's offset: `pickup_at` localized and
    /// `pickup_until` (its start plus the slot length of its fulfillment) added.
    pub fn localize_view(&self, view: &mut bakery_wire::OrderView) {
        let Some(at) = view.pickup_at.as_deref() else {
            return;
        };
        let Ok(start) = DateTime::parse_from_rfc3339(at) else {
            return;
        };
        let loaded = self.loaded();
        let calendar = &loaded.calendar;
        let start = start.with_timezone(&Utc);
        let length = i64::from(calendar.window(view.fulfillment).slot_minutes);
        view.pickup_at = Some(calendar.show(start));
        view.pickup_until = Some(calendar.show(start + chrono::Duration::minutes(length)));
    }

    /// Forgets the last read: the next one asks the database (after a change made here).
    /// A read already on its way when the change was made is not used either.
    pub fn forget(&self) {
        self.changes.fetch_add(1, Ordering::SeqCst);
    }

    fn merge_stored(&self, stored: planning::StoredPlanning) -> Planning {
        let mut planning = self.defaults.clone();
        if let Some(value) = stored.calendar {
            match planning::stored_calendar(value) {
                Some((calendar, text)) => {
                    planning.calendar = calendar;
                    planning.calendar_text = text;
                }
                None => tracing::warn!("the stored calendar does not parse; using the settings'"),
            }
        }
        if let Some(value) = stored.switches {
            planning.switches = switches_from_json(&value);
        }
        planning
    }
}

/// The switches as stored: `{"busy_minutes": n, "paused_until": "<RFC 3339>" | null}`.
pub fn switches_json(switches: Switches) -> Value {
    json!({
        "busy_minutes": switches.busy_minutes,
        "paused_until": switches.paused_until.map(|at| at.to_rfc3339()),
    })
}

/// The stored switches read back; a field missing or of the wrong kind is off.
pub fn switches_from_json(value: &Value) -> Switches {
    Switches {
        busy_minutes: value
            .get("busy_minutes")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0),
        paused_until: value
            .get("paused_until")
            .and_then(Value::as_str)
            .and_then(|at| DateTime::parse_from_rfc3339(at).ok())
            .map(|at| at.with_timezone(&Utc)),
    }
}
