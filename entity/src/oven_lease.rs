//! A worker process's oven and how long its lease runs: renewed while the worker lives; once it
//! has run out, another worker takes the `processing` orders whose `lease_owner` it is.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oven_leases")]
pub struct Model {
    /// The worker process's id (host, process id and a random part).
    #[sea_orm(primary_key, auto_increment = false)]
    pub owner: String,
    pub lease_until: DateTimeUtc,
    pub started_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
