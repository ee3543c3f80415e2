//! The bakery's long-lived workers, each an actix actor under a supervisor that restarts it with backoff.
//!
//! Actors hold state and route messages; the work itself is in plain async functions of
//! [`crate::store`], tested on their own.

pub mod catalog_cache;
pub mod notifier;
pub mod order_consumer;
pub mod order_processor;
pub mod order_store;
pub mod outbox_relay;
pub mod oven;
pub mod processor_pool;
pub mod roster;
pub mod status_link;
pub mod supervision;
