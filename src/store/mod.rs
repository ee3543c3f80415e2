//! The bakery's database work as plain async functions: catalog, orders and their moves, outbox.
//!
//! Actors and handlers call these; each is usable (and tested) on its own with any connection.

pub mod catalog;
pub mod connect;
pub mod notifications;
pub mod orders;
pub mod outbox;

use chrono::{DateTime, Utc};

/// Renders a stored time as the seed's API shows it: `YYYY-MM-DD HH:MM:SS`, UTC.
pub fn wire_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}
