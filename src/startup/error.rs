//! Why the bakery could not start.

use sea_orm::DbErr;

use crate::queue::QueueError;
use crate::store::StoreError;

/// Why the bakery could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot open the database: {0}")]
    Database(#[from] DbErr),
    #[error("cannot read or write the database: {0}")]
    Store(#[from] StoreError),
    #[error("cannot hand pending orders to the queue: {0}")]
    Queue(#[from] QueueError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: String,
        source: std::io::Error,
    },
    #[error("cannot start the HTTP server: {0}")]
    Server(std::io::Error),
    #[error("bad BAKERY_REDIS_URL: {0}")]
    Redis(String),
    #[error("HTTPS: {0}")]
    Tls(String),
    #[error("bad settings: {0}")]
    Calendar(String),
}
