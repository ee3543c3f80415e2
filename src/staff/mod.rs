//! The staff side: accounts with roles, sessions and CSRF tokens, bearer tokens, sign-in rate
//! limits and the audit log — everything that decides who may change the shop.

pub mod accounts;
pub use crate::store::audit;
pub mod rate_limit;
pub mod secrets;
