//! Black-box tests of the bakery over HTTP, each on a fresh SQLite file and a fresh PostgreSQL database.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod accounts;
mod actors;
mod bad_input;
mod categories;
mod client_limits;
mod front_page;
mod headers;
mod health;
mod idempotency;
mod menu;
mod metrics;
mod migrate;
mod notifications;
mod options;
mod orders;
mod oven_leases;
mod pictures;
mod production;
mod products;
mod recovery;
mod reload;
mod reminders;
mod retention;
mod scheduled;
mod search_engines;
mod sign_in_limits;
mod slot_days;
mod slots;
mod slow_clients;
mod staff;
mod statistics;
mod stock;
mod streams;
mod supervision;
mod tls;
mod tracking;
mod user_cli;
