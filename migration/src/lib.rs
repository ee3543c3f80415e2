//! SeaORM migrations of the bakery's schema and its sample catalog (with its pictures), the same on SQLite and PostgreSQL.

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_schema;
mod m20261125_000002_sample_catalog;
mod m20261125_000003_staff_and_delivery;
mod m20261125_000004_notifications;
mod m20261126_000005_outbox_unpublished_index;
mod m20261126_000006_indexes_that_let_updates_stay_hot;
mod m20261126_000007_notification_channels;
mod m20261130_000008_notification_retries;
mod m20261130_000009_order_tracking_tokens;
mod m20261130_000010_product_max_per_order;
mod m20261130_000011_account_lifecycle_and_oven_leases;
mod m20261201_000012_pickup_planning;
mod m20261201_000020_product_allergens_and_labels;
mod m20261201_000021_sample_catalog_allergens;
mod m20261201_000040_scheduled_orders;
mod m20261202_000010_order_reminders;
mod m20261202_000020_product_categories;
mod m20261202_000021_sample_catalog_categories;
mod m20261203_000101_product_options;
mod m20261203_000102_sample_catalog_options;
mod m20261203_000201_product_pictures;
mod m20261203_000202_sample_pictures;

/// Runs the bakery's migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_schema::Migration),
            Box::new(m20261125_000002_sample_catalog::Migration),
            Box::new(m20261125_000003_staff_and_delivery::Migration),
            Box::new(m20261125_000004_notifications::Migration),
            Box::new(m20261126_000005_outbox_unpublished_index::Migration),
            Box::new(m20261126_000006_indexes_that_let_updates_stay_hot::Migration),
            Box::new(m20261126_000007_notification_channels::Migration),
            Box::new(m20261130_000008_notification_retries::Migration),
            Box::new(m20261130_000009_order_tracking_tokens::Migration),
            Box::new(m20261130_000010_product_max_per_order::Migration),
            Box::new(m20261130_000011_account_lifecycle_and_oven_leases::Migration),
            Box::new(m20261201_000012_pickup_planning::Migration),
            Box::new(m20261201_000020_product_allergens_and_labels::Migration),
            Box::new(m20261201_000021_sample_catalog_allergens::Migration),
            Box::new(m20261201_000040_scheduled_orders::Migration),
            Box::new(m20261202_000010_order_reminders::Migration),
            Box::new(m20261202_000020_product_categories::Migration),
            Box::new(m20261202_000021_sample_catalog_categories::Migration),
            Box::new(m20261203_000101_product_options::Migration),
            Box::new(m20261203_000102_sample_catalog_options::Migration),
            Box::new(m20261203_000201_product_pictures::Migration),
            Box::new(m20261203_000202_sample_pictures::Migration),
        ]
    }
}
