//! The bakery's rules as types: the order lifecycle, validated order requests, products' options,
//! money, the queue message, product pictures' sizes, what anyone may see of an order, and the
//! pickup calendar with its slots and the kitchen's clock.

pub mod calendar;
pub mod lifecycle;
mod money;
pub mod options;
mod order_message;
mod order_request;
pub mod pictures;
pub mod privacy;
pub mod production;
#[cfg(test)]
mod sample_pictures;
pub mod schedule;
pub mod slots;

pub use lifecycle::{Move, Moved, MovedFields, StaffAction, can_move};
pub use money::Money;
pub use order_message::{MessageItem, OrderMessage};
pub use order_request::{OrderRequest, RequestedLine};

pub use bakery_wire::OrderStatus;
