//! The bakery's rules as types: validated names, e-mails, quantities, money and order status moves.

mod money;
mod order_request;
mod status;

pub use money::Money;
pub use order_request::{OrderRequest, RequestedLine};
pub use status::can_move;

pub use bakery_wire::OrderStatus;
