//! The order lifecycle as the server uses it: the table of moves (from the wire crate), a guarded
//! [`Move`] to make, the [`Moved`] event it becomes, and the [`StaffAction`]s people ask for.

use bakery_wire::StatusChange;
pub use bakery_wire::lifecycle::{Action, Mover, TRANSITIONS, Transition, can_move, move_for};
use bakery_wire::{Fulfillment, OrderStatus};
use chrono::{DateTime, Utc};

/// A guarded status change: it happens only while the order is in one of `from`.
#[derive(Debug, Clone)]
pub struct Move {
    pub order_id: i64,
    pub from: Vec<OrderStatus>,
    pub to: OrderStatus,
    pub note: Option<String>,
    pub failure_reason: Option<String>,
    pub ready_at: Option<DateTime<Utc>>,
    pub attempts: Option<i32>,
    /// Forget the earlier failure reason.
    pub clear_reason: bool,
    /// The worker process whose oven bakes the order from now on.
    pub lease_owner: Option<String>,
    /// When a `scheduled` order goes into the oven (a move to `scheduled`).
    pub start_at: Option<DateTime<Utc>>,
}

impl Move {
    /// Moves `order_id` to `to` if it is in one of `from`.
    pub fn new(order_id: i64, from: &[OrderStatus], to: OrderStatus) -> Move {
        Move {
            order_id,
            from: from.to_vec(),
            to,
            note: None,
            failure_reason: None,
            ready_at: None,
            attempts: None,
            clear_reason: false,
            lease_owner: None,
            start_at: None,
        }
    }

    /// When the order goes into the oven (a move to `scheduled`).
    pub fn starting_at(mut self, at: DateTime<Utc>) -> Move {
        self.start_at = Some(at);
        self
    }

    /// The worker process whose oven takes the order (a move to `processing`).
    pub fn leased_to(mut self, oven: &str) -> Move {
        self.lease_owner = Some(oven.to_owned());
        self
    }

    /// Forgets the order's earlier failure reason (it starts over).
    pub fn clearing_reason(mut self) -> Move {
        self.clear_reason = true;
        self
    }

    /// A note for the order's history.
    pub fn note(mut self, note: impl Into<String>) -> Move {
        self.note = Some(note.into());
        self
    }

    /// Why the order is rejected or failed; also its history note.
    pub fn because(mut self, reason: impl Into<String>) -> Move {
        let reason = reason.into();
        self.note = Some(reason.clone());
        self.failure_reason = Some(reason);
        self
    }

    /// When baking ends.
    pub fn ready_at(mut self, at: DateTime<Utc>) -> Move {
        self.ready_at = Some(at);
        self
    }

    /// How many tries the order has had.
    pub fn attempts(mut self, attempts: u32) -> Move {
        self.attempts = Some(i32::try_from(attempts).unwrap_or(i32::MAX));
        self
    }

    /// True when the lifecycle allows it from every status it is guarded by.
    pub fn is_allowed(&self) -> bool {
        self.from.iter().all(|from| can_move(*from, self.to))
    }
}

/// A status change that happened: what to tell the order's watchers.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Moved {
    pub order_id: i64,
    pub change: StatusChange,
    /// The status it moved from, as the database had it under the row's lock; absent when
    /// shared by a process of an earlier version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<OrderStatus>,
    /// Outbox rows written with the move (its notification, a retry's queue message), for this
    /// process's backlog gauge; never shared.
    #[serde(skip)]
    pub outbox_rows: u32,
    /// What else the move wrote to the order, so that a kept page can follow the change without
    /// reading the order again; absent when shared by a process of an earlier version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<MovedFields>,
}

/// The order's other columns a move wrote (see [`Move`]).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MovedFields {
    /// The new end of baking, as the API shows it, when the move set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_at: Option<String>,
    /// The new failure reason, when the move set one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    /// The move cleared the failure reason.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear_reason: bool,
}

/// A move a person asks for: staff from the board, or the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffAction {
    pub action: Action,
    pub by: Mover,
    /// Why, for a cancel.
    pub reason: Option<String>,
}

impl StaffAction {
    /// `action` asked for by a baker or an admin.
    pub fn by_staff(action: Action) -> StaffAction {
        StaffAction {
            action,
            by: Mover::Staff,
            reason: None,
        }
    }

    /// A staff cancel, with its reason.
    pub fn cancel(reason: String) -> StaffAction {
        StaffAction {
            action: Action::Cancel,
            by: Mover::Staff,
            reason: Some(reason),
        }
    }

    /// The customer takes back an order nobody has started on.
    pub fn customer_cancel() -> StaffAction {
        StaffAction {
            action: Action::Cancel,
            by: Mover::Customer,
            reason: None,
        }
    }

    /// The action's name in the API and the audit log.
    pub fn name(&self) -> &'static str {
        self.action.as_str()
    }

    /// The guarded move this action makes on `order_id`, now in `status`; `None` when the
    /// lifecycle does not allow it from there.
    pub fn to_move(
        &self,
        order_id: i64,
        status: OrderStatus,
        fulfillment: Fulfillment,
    ) -> Option<Move> {
        let t = move_for(status, fulfillment, self.action, self.by)?;
        let mv = Move::new(order_id, &[t.from], t.to);
        Some(match (self.action, self.by) {
            (Action::Complete, _) => mv.note("picked up"),
            (Action::Dispatch, _) => mv.note("out for delivery"),
            (Action::Deliver, _) => mv.note("delivered"),
            (Action::Cancel, Mover::Customer) => mv.because("cancelled by the customer"),
            (Action::Cancel, _) => mv.because(self.reason.clone().unwrap_or_default()),
            (Action::Retry, _) => mv.note("retried by staff").attempts(0).clearing_reason(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus::*;

    #[test]
    fn staff_actions_follow_the_table() {
        let pickup = Fulfillment::Pickup;
        let complete = StaffAction::by_staff(Action::Complete);
        let mv = complete.to_move(1, Ready, pickup).unwrap();
        assert_eq!((mv.from, mv.to), (vec![Ready], Completed));
        assert!(complete.to_move(1, Ready, Fulfillment::Delivery).is_none());
        assert!(complete.to_move(1, Pending, pickup).is_none());

        let cancel = StaffAction::cancel("oven broke".into());
        let mv = cancel.to_move(1, Processing, pickup).unwrap();
        assert_eq!(mv.failure_reason.as_deref(), Some("oven broke"));
        assert!(cancel.to_move(1, Ready, pickup).is_none());

        let customer = StaffAction::customer_cancel();
        assert!(customer.to_move(1, Pending, pickup).is_some());
        assert!(customer.to_move(1, Processing, pickup).is_none());

        let retry = StaffAction::by_staff(Action::Retry)
            .to_move(1, Failed, pickup)
            .unwrap();
        assert!(retry.clear_reason && retry.attempts == Some(0));
        assert!(retry.is_allowed());
    }

    #[test]
    fn every_action_from_every_status_makes_an_allowed_move_or_none() {
        for status in OrderStatus::ALL {
            for action in Action::ALL {
                for by in [Mover::Staff, Mover::Customer] {
                    for fulfillment in [Fulfillment::Pickup, Fulfillment::Delivery] {
                        let asked = StaffAction {
                            action,
                            by,
                            reason: Some("r".into()),
                        };
                        if let Some(mv) = asked.to_move(7, status, fulfillment) {
                            assert!(mv.is_allowed(), "{status} {action:?} {by:?}");
                        }
                    }
                }
            }
        }
    }
}
