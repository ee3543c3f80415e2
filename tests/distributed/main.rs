//! The distributed shape against the real PostgreSQL, Redis and RabbitMQ on 127.0.0.1: each test
//! with its own database, queue/exchange names and Redis keys, faults cut through in-test proxies.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod cluster;

mod dead_letters;
mod faults;
mod flow;
mod oven_leases;
mod slots;
