//! The order lifecycle: every move between statuses, who may make it, and the action that names it.
//!
//! This table is the one place the lifecycle is written down. The server guards every status
//! change with it, the API and the staff board offer the actions it lists, and the storefront
//! reads it through this crate. Adding a status is one [`OrderStatus`] variant plus its rows
//! here.

use crate::{Fulfillment, OrderStatus};

/// Who makes a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mover {
    /// The order processors and the oven, on their own.
    Kitchen,
    /// A signed-in baker or admin, from the board or the staff API.
    Staff,
    /// The customer who placed the order.
    Customer,
    /// An operator at the command line (`bakery dlq replay`).
    Operator,
}

/// A move people ask for by name: `POST /api/admin/orders/{id}/{action}`, the customer's cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A pickup order handed over.
    Complete,
    /// A delivery order sent on its way.
    Dispatch,
    /// A delivery order handed over.
    Deliver,
    /// An order nobody will bake: reserved stock goes back on the shelf.
    Cancel,
    /// A failed order starts over and goes back on the queue.
    Retry,
}

impl Action {
    /// Every action, in the order the board offers them.
    pub const ALL: [Action; 5] = [
        Action::Complete,
        Action::Dispatch,
        Action::Deliver,
        Action::Cancel,
        Action::Retry,
    ];

    /// The action's name in URLs and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Complete => "complete",
            Action::Dispatch => "dispatch",
            Action::Deliver => "deliver",
            Action::Cancel => "cancel",
            Action::Retry => "retry",
        }
    }

    /// Reads an action's name.
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// One allowed move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    pub from: OrderStatus,
    pub to: OrderStatus,
    pub by: Mover,
    /// The action that makes it, for moves people ask for.
    pub action: Option<Action>,
    /// Only orders fulfilled this way may make it.
    pub only_for: Option<Fulfillment>,
}

use Action::*;
use Mover::*;
use OrderStatus::*;

const fn kitchen(from: OrderStatus, to: OrderStatus) -> Transition {
    Transition {
        from,
        to,
        by: Kitchen,
        action: None,
        only_for: None,
    }
}

const fn asked(
    by: Mover,
    from: OrderStatus,
    to: OrderStatus,
    action: Action,
    only_for: Option<Fulfillment>,
) -> Transition {
    Transition {
        from,
        to,
        by,
        action: Some(action),
        only_for,
    }
}

/// Every move an order may make. A status with no row leaving it is final.
pub const TRANSITIONS: &[Transition] = &[
    // Stock reserved, into the oven.
    kitchen(Pending, Processing),
    // Stock reserved, for a slot later than the preparation time: waits for its start time.
    kitchen(Pending, Scheduled),
    // Its start time has come: into the oven.
    kitchen(Scheduled, Processing),
    // A line could not be served from stock.
    kitchen(Pending, Rejected),
    // Baked.
    kitchen(Processing, Ready),
    // Given up after the last attempt.
    kitchen(Pending, Failed),
    kitchen(Processing, Failed),
    kitchen(Ready, Failed),
    kitchen(OutForDelivery, Failed),
    asked(Staff, Ready, Completed, Complete, Some(Fulfillment::Pickup)),
    asked(
        Staff,
        Ready,
        OutForDelivery,
        Dispatch,
        Some(Fulfillment::Delivery),
    ),
    asked(Staff, OutForDelivery, Delivered, Deliver, None),
    asked(Staff, Pending, Cancelled, Cancel, None),
    asked(Staff, Scheduled, Cancelled, Cancel, None),
    asked(Staff, Processing, Cancelled, Cancel, None),
    asked(Staff, Failed, Pending, Retry, None),
    // Until the kitchen has started on it (a scheduled one: until its day's cut-off, checked by
    // the API against the calendar).
    asked(Customer, Pending, Cancelled, Cancel, None),
    asked(Customer, Scheduled, Cancelled, Cancel, None),
    // A dead-lettered order replayed from the command line.
    Transition {
        from: Failed,
        to: Pending,
        by: Operator,
        action: None,
        only_for: None,
    },
];

/// True when some mover may take an order from `from` to `to`.
pub fn can_move(from: OrderStatus, to: OrderStatus) -> bool {
    TRANSITIONS.iter().any(|t| t.from == from && t.to == to)
}

/// The move `action`, asked for by `by`, makes from `status` for an order fulfilled that way.
pub fn move_for(
    status: OrderStatus,
    fulfillment: Fulfillment,
    action: Action,
    by: Mover,
) -> Option<Transition> {
    TRANSITIONS.iter().copied().find(|t| {
        t.from == status
            && t.by == by
            && t.action == Some(action)
            && t.only_for.is_none_or(|only| only == fulfillment)
    })
}

/// The actions `by` may ask for on an order in `status`, in the table's order.
pub fn actions_for(status: OrderStatus, fulfillment: Fulfillment, by: Mover) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| move_for(status, fulfillment, *a, by).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_reachable_from_pending_and_final_ones_go_nowhere() {
        let mut reached = vec![Pending];
        let mut grew = true;
        while grew {
            grew = false;
            for t in TRANSITIONS {
                if reached.contains(&t.from) && !reached.contains(&t.to) {
                    reached.push(t.to);
                    grew = true;
                }
            }
        }
        for status in OrderStatus::ALL {
            assert!(reached.contains(&status), "{status} cannot be reached");
            let leaves = TRANSITIONS.iter().any(|t| t.from == status);
            // `failed` is final for the customer's stream, yet staff and ops may retry it.
            assert_eq!(
                leaves,
                !status.is_final() || status == Failed,
                "{status}: final statuses have no way out"
            );
        }
    }

    #[test]
    fn every_move_is_allowed_and_nothing_else() {
        for from in OrderStatus::ALL {
            for to in OrderStatus::ALL {
                let listed = TRANSITIONS.iter().any(|t| t.from == from && t.to == to);
                assert_eq!(can_move(from, to), listed, "{from} -> {to}");
            }
        }
        assert!(can_move(Pending, Processing));
        assert!(can_move(Pending, Scheduled));
        assert!(can_move(Scheduled, Processing));
        assert!(
            !can_move(Scheduled, Ready),
            "a scheduled order is baked first"
        );
        assert!(!can_move(Processing, Scheduled));
        assert!(can_move(Failed, Pending), "a replay starts over");
        assert!(!can_move(Ready, Pending));
        assert!(!can_move(Pending, Delivered));
        assert!(!can_move(Failed, Ready));
    }

    #[test]
    fn the_board_offers_what_the_table_allows() {
        use Fulfillment::{Delivery, Pickup};
        assert_eq!(actions_for(Pending, Pickup, Staff), vec![Cancel]);
        assert_eq!(actions_for(Processing, Delivery, Staff), vec![Cancel]);
        assert_eq!(actions_for(Ready, Pickup, Staff), vec![Complete]);
        assert_eq!(actions_for(Ready, Delivery, Staff), vec![Dispatch]);
        assert_eq!(actions_for(OutForDelivery, Delivery, Staff), vec![Deliver]);
        assert_eq!(actions_for(Failed, Pickup, Staff), vec![Retry]);
        assert_eq!(actions_for(Processing, Pickup, Customer), vec![]);
        assert_eq!(actions_for(Pending, Pickup, Customer), vec![Cancel]);
        assert_eq!(actions_for(Scheduled, Pickup, Staff), vec![Cancel]);
        assert_eq!(actions_for(Scheduled, Delivery, Customer), vec![Cancel]);
        assert_eq!(actions_for(Scheduled, Pickup, Kitchen), vec![]);
        for done in [Completed, Delivered, Rejected, Cancelled] {
            for by in [Kitchen, Staff, Customer, Operator] {
                assert!(actions_for(done, Pickup, by).is_empty(), "{done}");
            }
        }
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
    }
}
