//! The staff side: accounts with roles and their lifecycle, sessions and CSRF tokens, bearer
//! tokens, sign-in rate limits and the audit log — everything that decides who may change the shop.

pub mod accounts;
pub use crate::store::audit;
pub mod lifecycle;
pub mod rate_limit;
pub mod secrets;
pub mod sessions;
pub mod tokens;
