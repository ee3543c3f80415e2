//! How an order's status reads to a customer: labels, explanations and the progress steps.

use bakery_wire::OrderStatus;

/// The short name shown on the status badge.
pub fn label(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "Received",
        OrderStatus::Processing => "In the oven",
        OrderStatus::Ready => "Ready for pickup",
        OrderStatus::Completed => "Picked up",
        OrderStatus::Rejected => "Could not be made",
        OrderStatus::Cancelled => "Cancelled",
        OrderStatus::Failed => "Failed",
    }
}

/// One sentence about what happens now.
pub fn explanation(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "We have your order and will start on it in a moment.",
        OrderStatus::Processing => "Your items are set aside and baking now.",
        OrderStatus::Ready => "Your order is ready. Come by the counter to pick it up!",
        OrderStatus::Completed => "Picked up. Enjoy, and thank you!",
        OrderStatus::Rejected => {
            "We are sorry: we ran out of something in your order. You have not been charged."
        }
        OrderStatus::Cancelled => "This order was cancelled.",
        OrderStatus::Failed => {
            "Something went wrong on our side and the order could not be made. You have not been charged."
        }
    }
}

/// The happy path, as the steps of the progress tracker.
pub const STEPS: [OrderStatus; 4] = [
    OrderStatus::Pending,
    OrderStatus::Processing,
    OrderStatus::Ready,
    OrderStatus::Completed,
];

/// How far along the happy path the order is (index into [`STEPS`]), or `None` off it.
pub fn step(status: OrderStatus) -> Option<usize> {
    STEPS.iter().position(|s| *s == status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_words_and_the_happy_path_is_ordered() {
        for s in OrderStatus::ALL {
            assert!(!label(s).is_empty());
            assert!(explanation(s).ends_with(['.', '!']));
        }
        assert_eq!(step(OrderStatus::Pending), Some(0));
        assert_eq!(step(OrderStatus::Ready), Some(2));
        assert_eq!(step(OrderStatus::Rejected), None);
    }
}
