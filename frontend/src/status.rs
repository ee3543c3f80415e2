//! How an order's status reads to a customer: labels, explanations and the progress steps.

use bakery_wire::{Fulfillment, OrderStatus};

/// The short name shown on the status badge.
pub fn label(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Pending => "Received",
        OrderStatus::Scheduled => "Scheduled",
        OrderStatus::Processing => "In the oven",
        OrderStatus::Ready => "Ready",
        OrderStatus::OutForDelivery => "Out for delivery",
        OrderStatus::Delivered => "Delivered",
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
        OrderStatus::Scheduled => {
            "Your items are set aside; we will bake them to be ready at your time."
        }
        OrderStatus::Processing => "Your items are set aside and baking now.",
        OrderStatus::Ready => "Your order is ready. Come by the counter to pick it up!",
        OrderStatus::OutForDelivery => "Your order is on its way to you.",
        OrderStatus::Delivered => "Delivered. Enjoy, and thank you!",
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

/// [`explanation`], told for the way the order reaches the customer: a delivery order that is
/// ready waits for the courier, not for the customer at the counter.
pub fn explanation_for(status: OrderStatus, fulfillment: Fulfillment) -> &'static str {
    match (status, fulfillment) {
        (OrderStatus::Ready, Fulfillment::Delivery) => {
            "Your order is ready and will be on its way to you shortly."
        }
        _ => explanation(status),
    }
}

/// How the order reaches the customer, in a few words.
pub fn fulfillment_label(fulfillment: Fulfillment) -> &'static str {
    match fulfillment {
        Fulfillment::Pickup => "Pickup at the counter",
        Fulfillment::Delivery => "Delivery",
    }
}

/// The happy path of a pickup order, as the steps of the progress tracker.
pub const STEPS: [OrderStatus; 4] = [
    OrderStatus::Pending,
    OrderStatus::Processing,
    OrderStatus::Ready,
    OrderStatus::Completed,
];

/// The happy path of a delivery order.
pub const DELIVERY_STEPS: [OrderStatus; 5] = [
    OrderStatus::Pending,
    OrderStatus::Processing,
    OrderStatus::Ready,
    OrderStatus::OutForDelivery,
    OrderStatus::Delivered,
];

/// The progress steps for the way the order reaches the customer.
pub fn steps(fulfillment: Fulfillment) -> &'static [OrderStatus] {
    match fulfillment {
        Fulfillment::Pickup => &STEPS,
        Fulfillment::Delivery => &DELIVERY_STEPS,
    }
}

/// How far along its happy path the order is (index into [`steps`]), or `None` off it. A
/// scheduled order is still at the first step: the kitchen has yet to start on it.
pub fn step(status: OrderStatus, fulfillment: Fulfillment) -> Option<usize> {
    let status = match status {
        OrderStatus::Scheduled => OrderStatus::Pending,
        other => other,
    };
    steps(fulfillment).iter().position(|s| *s == status)
}

/// The order's slot as the customer reads it, in the bakery's local time:
/// "Ready for pickup Saturday 5 December, 10:00–10:15" (a delivery: "Delivered Saturday …").
/// `start` and `end` are RFC 3339 with the bakery's offset, as the order page carries them.
pub fn slot_sentence(start: &str, end: Option<&str>, fulfillment: Fulfillment) -> Option<String> {
    let when = crate::pickup::span(start, end)?;
    let what = match fulfillment {
        Fulfillment::Pickup => "Ready for pickup",
        Fulfillment::Delivery => "Delivered",
    };
    Some(format!("{what} {when}"))
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
        let (pickup, delivery) = (Fulfillment::Pickup, Fulfillment::Delivery);
        assert_eq!(step(OrderStatus::Pending, pickup), Some(0));
        assert_eq!(step(OrderStatus::Ready, pickup), Some(2));
        assert_eq!(step(OrderStatus::Rejected, pickup), None);
        assert_eq!(step(OrderStatus::OutForDelivery, pickup), None);
        assert_eq!(step(OrderStatus::OutForDelivery, delivery), Some(3));
        assert_eq!(step(OrderStatus::Delivered, delivery), Some(4));
        assert_eq!(step(OrderStatus::Completed, delivery), None);
        assert!(explanation_for(OrderStatus::Ready, pickup).contains("counter"));
        assert_eq!(step(OrderStatus::Scheduled, pickup), Some(0));
        assert!(!explanation_for(OrderStatus::Ready, delivery).contains("counter"));
    }

    #[test]
    fn a_slot_reads_as_a_weekday_and_local_times() {
        let pickup = Fulfillment::Pickup;
        assert_eq!(
            slot_sentence(
                "2026-12-05T10:00:00+01:00",
                Some("2026-12-05T10:15:00+01:00"),
                pickup
            )
            .as_deref(),
            Some("Ready for pickup Saturday 5 December, 10:00–10:15")
        );
        assert_eq!(
            slot_sentence("2024-02-29T08:30:00Z", None, Fulfillment::Delivery).as_deref(),
            Some("Delivered Thursday 29 February, 08:30")
        );
        assert_eq!(
            slot_sentence("2026-01-01T00:00:00Z", None, pickup).as_deref(),
            Some("Ready for pickup Thursday 1 January, 00:00")
        );
        assert_eq!(slot_sentence("soon", None, pickup), None);
    }
}
