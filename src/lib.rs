//! Bakery: a bakery's ordering system — catalog, orders over HTTP, and supervised actors that bake them.
//!
//! Start at [`startup::Application`], which builds everything from [`config::Settings`].

pub mod actors;
pub mod api;
pub mod cache;
pub mod config;
pub mod dead_letters;
pub mod domain;
pub mod events;
pub mod limits;
pub mod memory;
pub mod metrics;
pub mod notify;
pub mod order_views;
pub mod queue;
pub mod staff;
pub mod startup;
pub mod store;
pub mod telemetry;
