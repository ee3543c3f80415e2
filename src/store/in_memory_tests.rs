//! The store on its own, on an in-memory SQLite with the real migrations: intake, the kitchen's
//! moves and the moves people ask for, each checked against what the database then holds.

use std::time::Duration;

use bakery_wire::{Fulfillment, OrderStatus};
use entity::{audit_log, outbox, product};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use super::draft::{DraftLine, OrderDraft, PlaceOutcome};
use super::intake::place_orders;
use super::kitchen::{Start, StartOutcome, mark_ready, start_orders};
use super::moves::move_order_now;
use super::reads::{current_status, order_view, placed_view};
use super::staff_actions::{ActionError, apply_action};
use crate::domain::lifecycle::Action;
use crate::domain::{Move, StaffAction};

const TOPIC: &str = "orders";

/// A fresh shop: one connection, so the in-memory database lives as long as the pool.
async fn shop() -> DatabaseConnection {
    let db = super::connect::connect("sqlite::memory:", 1).await.unwrap();
    super::connect::migrate(&db).await.unwrap();
    db
}

fn draft(key: Option<&str>, quantity: i64, fulfillment: Fulfillment) -> OrderDraft {
    OrderDraft {
        customer_name: "Vedanti Verma".into(),
        customer_email: "vedanti@example.com".into(),
        lines: vec![DraftLine {
            product_id: 1,
            product_name: "Chocolate Cake".into(),
            quantity,
            unit_price_cents: 2999,
            options: Vec::new(),
            inscription: None,
        }],
        idempotency_key: key.map(str::to_owned),
        request_hash: format!("body of {quantity}"),
        fulfillment,
        delivery_address: (fulfillment == Fulfillment::Delivery).then(|| "1 Bake St".into()),
        tracking_token_hash: None,
    }
}

async fn place(db: &DatabaseConnection, drafts: &[OrderDraft]) -> Vec<PlaceOutcome> {
    place_orders(db, drafts, TOPIC)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

fn order_id(outcome: &PlaceOutcome) -> i64 {
    match outcome {
        PlaceOutcome::Placed(placed) => placed.order_id,
        PlaceOutcome::KeyReused => panic!("expected a placed order"),
    }
}

async fn stock_of(db: &DatabaseConnection, id: i64) -> i64 {
    product::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .stock
}

async fn start(db: &DatabaseConnection, ids: &[i64]) -> Vec<StartOutcome> {
    let starts: Vec<Start> = ids
        .iter()
        .map(|&order_id| Start {
            order_id,
            attempt: 1,
        })
        .collect();
    start_orders(db, &starts, Duration::ZERO, "test-oven")
        .await
        .unwrap()
}

#[tokio::test]
async fn a_batch_is_placed_with_its_queue_messages_and_keys_are_honoured() {
    let db = shop().await;
    let first = draft(Some("key-1"), 2, Fulfillment::Pickup);
    let outcomes = place(&db, &[first.clone(), draft(None, 1, Fulfillment::Pickup)]).await;
    let id = order_id(&outcomes[0]);
    assert_ne!(id, order_id(&outcomes[1]));
    assert_eq!(outbox::Entity::find().count(&db).await.unwrap(), 2);

    // The page the database gives is the page built from the request.
    let PlaceOutcome::Placed(placed) = &outcomes[0] else {
        unreachable!()
    };
    let stored = order_view(&db, id).await.unwrap().unwrap();
    assert_eq!(stored, placed_view(&first, placed));
    assert_eq!(stored.status, OrderStatus::Pending);

    // A retry answers the first order; the same key with another body is refused.
    let again = place(
        &db,
        &[first.clone(), draft(Some("key-1"), 5, Fulfillment::Pickup)],
    )
    .await;
    match &again[0] {
        PlaceOutcome::Placed(p) => assert!(p.replayed && p.order_id == id),
        other => panic!("{other:?}"),
    }
    assert_eq!(again[1], PlaceOutcome::KeyReused);
    assert_eq!(outbox::Entity::find().count(&db).await.unwrap(), 2);
}

#[tokio::test]
async fn the_kitchen_takes_stock_rejects_what_does_not_fit_and_bakes() {
    let db = shop().await;
    let before = stock_of(&db, 1).await;
    let outcomes = place(
        &db,
        &[
            draft(None, 3, Fulfillment::Pickup),
            draft(None, before, Fulfillment::Pickup),
        ],
    )
    .await;
    let (fits, too_big) = (order_id(&outcomes[0]), order_id(&outcomes[1]));
    let started = start(&db, &[fits, too_big]).await;
    assert!(
        matches!(started[0], StartOutcome::Baking { .. }),
        "{started:?}"
    );
    assert!(
        matches!(started[1], StartOutcome::Rejected { .. }),
        "{started:?}"
    );
    assert_eq!(stock_of(&db, 1).await, before - 3);

    // A duplicate delivery of a started order does nothing.
    assert!(matches!(
        start(&db, &[fits]).await[0],
        StartOutcome::Skipped(OrderStatus::Processing)
    ));
    let ready = mark_ready(&db, &[fits, too_big]).await.unwrap();
    assert_eq!(ready.len(), 1);
    assert_eq!(ready[0].change.status, OrderStatus::Ready);
    let page = order_view(&db, fits).await.unwrap().unwrap();
    let history: Vec<OrderStatus> = page.history.iter().map(|c| c.status).collect();
    use OrderStatus::*;
    assert_eq!(history, vec![Pending, Processing, Ready]);
}

#[tokio::test]
async fn moves_the_lifecycle_forbids_are_refused_and_guards_hold() {
    let db = shop().await;
    let id = order_id(&place(&db, &[draft(None, 1, Fulfillment::Pickup)]).await[0]);
    let backwards = Move::new(id, &[OrderStatus::Pending], OrderStatus::Delivered);
    assert!(move_order_now(&db, backwards).await.is_err());
    // Allowed, but the order is not where the guard says: nothing happens.
    let stale = Move::new(id, &[OrderStatus::Processing], OrderStatus::Ready);
    assert_eq!(move_order_now(&db, stale).await.unwrap(), None);
    assert_eq!(
        current_status(&db, id).await.unwrap(),
        Some(OrderStatus::Pending)
    );
}

#[tokio::test]
async fn staff_actions_follow_the_table_and_are_audited_with_the_move() {
    let db = shop().await;
    let before = stock_of(&db, 1).await;
    let outcomes = place(
        &db,
        &[
            draft(None, 4, Fulfillment::Pickup),
            draft(None, 1, Fulfillment::Delivery),
        ],
    )
    .await;
    let (pickup, delivery) = (order_id(&outcomes[0]), order_id(&outcomes[1]));
    start(&db, &[pickup, delivery]).await;

    // The customer may not cancel what is in the oven; staff may, and the stock goes back.
    let refused = apply_action(&db, pickup, &StaffAction::customer_cancel(), TOPIC, None).await;
    assert!(matches!(
        refused,
        Err(ActionError::Refused(OrderStatus::Processing))
    ));
    let cancel = StaffAction::cancel("oven broke".into());
    let moved = apply_action(&db, pickup, &cancel, TOPIC, Some("admin@bakery"))
        .await
        .unwrap();
    assert_eq!(moved.change.status, OrderStatus::Cancelled);
    assert_eq!(stock_of(&db, 1).await, before - 1);
    let audit = audit_log::Entity::find().all(&db).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(
        (audit[0].action.as_str(), audit[0].target.as_str()),
        ("order.cancel", format!("order:{pickup}").as_str())
    );

    // A delivery order is dispatched, not completed.
    mark_ready(&db, &[delivery]).await.unwrap();
    let complete = StaffAction::by_staff(Action::Complete);
    let wrong = apply_action(&db, delivery, &complete, TOPIC, Some("baker")).await;
    assert!(matches!(
        wrong,
        Err(ActionError::Refused(OrderStatus::Ready))
    ));
    let dispatch = StaffAction::by_staff(Action::Dispatch);
    let moved = apply_action(&db, delivery, &dispatch, TOPIC, Some("baker"))
        .await
        .unwrap();
    assert_eq!(moved.change.status, OrderStatus::OutForDelivery);
    // Only moves that happened are audited.
    assert_eq!(audit_log::Entity::find().count(&db).await.unwrap(), 2);
    let unknown = apply_action(&db, 9_999, &dispatch, TOPIC, None).await;
    assert!(matches!(unknown, Err(ActionError::NotFound)));
}

#[tokio::test]
async fn a_retried_order_goes_back_on_the_queue() {
    let db = shop().await;
    let id = order_id(&place(&db, &[draft(None, 1, Fulfillment::Pickup)]).await[0]);
    super::moves::mark_failed(&db, id, 5, "oven on fire")
        .await
        .unwrap()
        .unwrap();
    let messages = outbox::Entity::find().count(&db).await.unwrap();
    let retry = StaffAction::by_staff(Action::Retry);
    let moved = apply_action(&db, id, &retry, TOPIC, Some("admin"))
        .await
        .unwrap();
    assert_eq!(moved.change.status, OrderStatus::Pending);
    assert_eq!(
        outbox::Entity::find().count(&db).await.unwrap(),
        messages + 1
    );
    let page = order_view(&db, id).await.unwrap().unwrap();
    assert_eq!(page.failure_reason, None);
}
