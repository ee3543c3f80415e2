//! Which status an order may move to from which: the guarded transitions of the lifecycle.

use bakery_wire::OrderStatus::{self, *};

/// True when an order in `from` may move to `to`.
pub fn can_move(from: OrderStatus, to: OrderStatus) -> bool {
    matches!(
        (from, to),
        (Pending, Processing | Rejected | Cancelled | Failed)
            | (Processing, Ready | Cancelled | Failed)
            | (Ready, Completed | OutForDelivery | Failed)
            | (OutForDelivery, Delivered | Failed)
            // Ops replay a failed order from the dead-letter queue.
            | (Failed, Pending)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lifecycle_moves_forward_only() {
        assert!(can_move(Pending, Processing));
        assert!(can_move(Processing, Ready));
        assert!(can_move(Ready, Completed));
        assert!(can_move(Pending, Rejected));
        assert!(!can_move(Ready, Pending));
        assert!(!can_move(Processing, Pending));
        assert!(can_move(Ready, OutForDelivery));
        assert!(can_move(OutForDelivery, Delivered));
        assert!(!can_move(Pending, Delivered));
        for done in [Completed, Delivered, Rejected, Cancelled] {
            for to in OrderStatus::ALL {
                assert!(!can_move(done, to), "{done} -> {to}");
            }
        }
        assert!(can_move(Failed, Pending), "a replay starts over");
        assert!(!can_move(Failed, Ready));
    }
}
