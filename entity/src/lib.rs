//! SeaORM entities of the bakery's tables: products, their pictures and categories, orders, order items, order events, outbox, staff, notifications, oven leases, bookings and planning.

pub mod api_token;
pub mod audit_log;
pub mod booking;
pub mod category;
pub mod notification_delivery;
pub mod order;
pub mod order_booking;
pub mod order_event;
pub mod order_item;
pub mod order_tracking_token;
pub mod outbox;
pub mod oven_lease;
pub mod planning;
pub mod product;
pub mod product_picture;
pub mod staff_session;
pub mod staff_user;
pub mod webhook_endpoint;

pub mod prelude {
    //! The entities under short names.
    pub use super::order::Entity as Order;
    pub use super::order_event::Entity as OrderEvent;
    pub use super::order_item::Entity as OrderItem;
    pub use super::outbox::Entity as Outbox;
    pub use super::product::Entity as Product;
    pub use super::staff_user::Entity as StaffUser;
}
