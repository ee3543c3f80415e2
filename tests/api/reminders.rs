//! Reminders before an order's slot: `notify.reminder_before` ahead of its slot an order still on
//! gets one reminder, by e-mail (its slot in the bakery's local time) and to every webhook
//! (`event: "order.reminder"`); a cancelled order, an order placed inside the window (as soon as
//! possible) and a slot already past get none; a second sweep, or a second worker sweeping at the
//! same time, reminds nobody again. Checked against the webhook and SMTP receivers of
//! `notifications`.

use std::time::Duration;

use chrono::{DateTime, Duration as Span, DurationRound, TimeZone, Utc};
use chrono_tz::Asia::Kolkata;
use chrono_tz::Tz;
use reqwest::Method;
use serde_json::{Value, json};

use bakery::config::CalendarSettings;
use bakery::domain::calendar::Calendar;
use bakery::store::reminders::remind_due;
use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, accepted, seed_order, spawn_app_with};

use super::notifications::{
    SECRET, SmtpReceiver, WebhookReceiver, all_settled, eventually, private_receivers, signed,
};

/// The bakery's time zone in these tests: +05:30 all year, so a time shown in UTC by mistake
/// is never right.
const ZONE: Tz = Kolkata;

/// A slot starting at the next whole minute at least `ahead` from now, a 5-minute slot that
/// ends on the same local day (else local midnight).
fn slot_ahead(ahead: Span) -> DateTime<Utc> {
    let slot = (Utc::now() + ahead + Span::minutes(1))
        .duration_trunc(Span::minutes(1))
        .unwrap();
    let local = slot.with_timezone(&ZONE);
    if local.format("%H:%M").to_string().as_str() <= "23:50" {
        return slot;
    }
    let midnight = local.date_naive().succ_opt().unwrap().and_hms_opt(0, 0, 0);
    ZONE.from_local_datetime(&midnight.unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// Special hours that make `slot` the first slot of its (local) day.
fn hours_from(slot: DateTime<Utc>) -> String {
    slot.with_timezone(&ZONE)
        .format("%Y-%m-%d %H:%M-24:00")
        .to_string()
}

/// The calendar's settings in these tests: Kolkata, 5-minute slots, `slot` the day's first.
fn calendar(s: &mut bakery::config::Settings, slot: DateTime<Utc>) {
    s.calendar.time_zone = "Asia/Kolkata".into();
    s.calendar.slot_minutes = 5;
    s.calendar.special_hours = hours_from(slot);
}

fn order_for(slot: DateTime<Utc>) -> Value {
    let mut body = seed_order();
    body["pickup_at"] = json!(slot.to_rfc3339());
    body
}

/// The app with e-mail and a webhook endpoint on the receivers, and `tweak` applied.
async fn reminding_app(
    backend: Backend,
    tweak: impl FnOnce(&mut bakery::config::Settings),
) -> (TestApp, WebhookReceiver, SmtpReceiver) {
    let hooks = WebhookReceiver::start().await;
    let smtp = SmtpReceiver::start().await;
    let smtp_url = smtp.url.clone();
    let app = spawn_app_with(backend, |s| {
        private_receivers(s);
        s.smtp_url = Some(smtp_url);
        s.smtp_from = "The Bakery <orders@bakery.test>".into();
        // Written `CA$59.98`: plain ASCII, so the mail's body reads as sent.
        s.shop.currency = bakery_wire::money::Currency::CAD;
        s.shop.name = "Zoe's Bakery".into();
        tweak(s);
    })
    .await;
    let token = app.admin_bearer("reminders").await;
    let endpoint = json!({"url": hooks.url, "secret": SECRET});
    let (status, body) = app
        .staff_call(&token, Method::POST, "/api/admin/webhooks", Some(endpoint))
        .await;
    assert_eq!(status, 201, "{body}");
    (app, hooks, smtp)
}

/// The reminders among the webhook calls, as JSON.
fn reminder_calls(hooks: &WebhookReceiver) -> Vec<Value> {
    hooks
        .calls()
        .iter()
        .map(|c| serde_json::from_str::<Value>(&c.body).unwrap())
        .filter(|body| body["event"] == "order.reminder")
        .collect()
}

/// The reminder mails, their folded header lines unfolded.
fn reminder_mails(smtp: &SmtpReceiver) -> Vec<String> {
    smtp.mails()
        .iter()
        .map(|m| m.replace("\r\n ", " ").replace("\r\n\t", " "))
        .filter(|m| m.contains("Subject: Reminder:"))
        .collect()
}

/// The customer cancels the order with its tracking token, once it is scheduled (a cancel
/// while a processor moves it from `pending` is refused as a stale move).
async fn customer_cancel(app: &TestApp, id: i64, token: &str) {
    app.wait_for_status(id, &["scheduled"], Duration::from_secs(10))
        .await;
    let res = app
        .client
        .post(app.url(&format!("/api/orders/{id}/cancel")))
        .header("X-Order-Token", token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{body}");
}

async fn an_order_for_a_slot_soon_is_reminded_once_by_mail_and_webhook(backend: Backend) {
    let slot = slot_ahead(Span::seconds(40));
    // The reminder's window opens 12 s from now: time to start the app and place the orders.
    let opens = Utc::now() + Span::seconds(12);
    let before = (slot - opens).to_std().unwrap();
    let (app, hooks, smtp) = reminding_app(backend, |s| {
        calendar(s, slot);
        s.notify.reminder_before = before;
        s.worker.schedule_sweep = Duration::from_millis(100);
    })
    .await;
    let placed = accepted(app.post_order(&order_for(slot)).await).await;
    let id = placed.order_id;
    let gone = accepted(app.post_order(&order_for(slot)).await).await;
    customer_cancel(&app, gone.order_id, &gone.tracking_token).await;
    assert!(
        Utc::now() < opens,
        "the test was too slow to place its orders before the reminders' window opened"
    );
    app.wait_for_status(id, &["scheduled"], Duration::from_secs(10))
        .await;

    eventually(
        Duration::from_secs(30),
        "the reminder's webhook call and mail",
        || !reminder_calls(&hooks).is_empty() && !reminder_mails(&smtp).is_empty(),
    )
    .await;
    // Placed now, inside the window (for the earliest slot, the same one unless the slot was
    // moved to the next local day): no reminder.
    let asap = app.place(&seed_order()).await;
    let today = Utc::now().with_timezone(&ZONE).date_naive();
    if slot.with_timezone(&ZONE).date_naive() == today {
        assert_eq!(
            app.order(asap).await.pickup_at,
            Some(slot.with_timezone(&ZONE).to_rfc3339()),
            "the as-soon-as-possible order takes the same slot"
        );
    }
    // Ten more sweeps at least, then every notification delivered.
    tokio::time::sleep(Duration::from_secs(1)).await;
    all_settled(&app).await;

    let calls = reminder_calls(&hooks);
    assert_eq!(
        calls.len(),
        1,
        "one reminder, of the order still on: {calls:#?}"
    );
    let body = &calls[0];
    let local = slot.with_timezone(&ZONE);
    let until = local + Span::minutes(5);
    let reminded_at = body["at"].as_str().unwrap();
    assert!(
        reminded_at
            >= (opens - Span::seconds(1))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
                .as_str(),
        "not before the window opened: {reminded_at}"
    );
    let expected = json!({
        "event": "order.reminder",
        "order_id": id,
        "status": "scheduled",
        "pickup_at": local.to_rfc3339(),
        "pickup_until": until.to_rfc3339(),
        "time_zone": "Asia/Kolkata",
        "fulfillment": "pickup",
        "customer_name": "Vedanti Verma",
        "customer_email": "vedanti@example.com",
        "total": 59.98,
        "at": reminded_at,
    });
    assert_eq!(body, &expected);
    let call = hooks
        .calls()
        .into_iter()
        .find(|c| c.body.contains("order.reminder"))
        .unwrap();
    assert!(signed(&call), "signed like every call: {call:?}");

    let mails = reminder_mails(&smtp);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let slot_words = format!(
        "{}, {} to {}",
        local.format("%A %-d %B"),
        local.format("%H:%M"),
        until.format("%H:%M")
    );
    let subject = format!("Reminder: pick up your order #{id} on {slot_words}");
    let mail = &mails[0];
    assert!(mail.contains(&format!("Subject: {subject}")), "{mail}");
    assert!(mail.contains("To: vedanti@example.com"), "{mail}");
    assert!(mail.contains(&format!("{subject}.")), "{mail}");
    assert!(
        mail.contains("Times are in the bakery's time zone, Asia/Kolkata."),
        "{mail}"
    );
    assert!(mail.contains("Total: CA$59.98"), "{mail}");
    assert!(mail.contains("Zoe's Bakery"), "{mail}");

    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE reminded_at IS NOT NULL")
            .await,
        1,
        "the mark is stored"
    );
    // The staff's list shows the reminder's deliveries with their order and no status.
    let token = app.admin_bearer("reader").await;
    let (status, listed) = app
        .staff_call(&token, Method::GET, "/api/admin/notifications", None)
        .await;
    assert_eq!(status, 200);
    let reminders: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["order_id"] == id && d["order_status"].is_null())
        .collect();
    assert_eq!(reminders.len(), 2, "a webhook and an e-mail: {listed:#?}");
    assert!(reminders.iter().all(|d| d["status"] == "delivered"));
}
on_both_databases!(an_order_for_a_slot_soon_is_reminded_once_by_mail_and_webhook);

async fn each_order_is_reminded_once_whichever_worker_sweeps(backend: Backend) {
    let slot = slot_ahead(Span::seconds(150));
    // The app's own sweep is off: the test sweeps, as two workers would, at times it chooses.
    let (app, hooks, smtp) = reminding_app(backend, |s| {
        calendar(s, slot);
        s.notify.reminder_before = Duration::ZERO;
    })
    .await;
    let kept = accepted(app.post_order(&order_for(slot)).await).await;
    let gone = accepted(app.post_order(&order_for(slot)).await).await;
    customer_cancel(&app, gone.order_id, &gone.tracking_token).await;
    let zone = CalendarSettings {
        time_zone: "Asia/Kolkata".into(),
        slot_minutes: 5,
        ..CalendarSettings::default()
    };
    let defaults = Calendar::parse(&zone).unwrap();
    let (one, two) = (app.db.connect().await, app.db.connect().await);
    let minute = Duration::from_secs(60);

    let nothing: Vec<i64> = Vec::new();
    assert_eq!(
        remind_due(
            &one,
            &defaults,
            Duration::from_secs(600),
            slot - Span::seconds(30)
        )
        .await
        .unwrap(),
        nothing,
        "placed inside a 10-minute window: nothing to remind of"
    );
    assert_eq!(
        remind_due(&one, &defaults, minute, slot + Span::seconds(1))
            .await
            .unwrap(),
        nothing,
        "the slot has begun"
    );
    assert_eq!(
        remind_due(&one, &defaults, minute, slot - Span::seconds(61))
            .await
            .unwrap(),
        nothing,
        "the window has not opened"
    );
    let at = slot - Span::seconds(30);
    let (a, b) = tokio::join!(
        remind_due(&one, &defaults, minute, at),
        remind_due(&two, &defaults, minute, at)
    );
    let mut reminded = a.unwrap();
    reminded.extend(b.unwrap());
    assert_eq!(
        reminded,
        [kept.order_id],
        "one of the two sweeps reminds it"
    );
    for db in [&one, &two] {
        assert_eq!(
            remind_due(db, &defaults, minute, at + Span::seconds(1))
                .await
                .unwrap(),
            nothing,
            "never twice"
        );
    }

    eventually(Duration::from_secs(15), "the reminder delivered", || {
        !reminder_calls(&hooks).is_empty() && !reminder_mails(&smtp).is_empty()
    })
    .await;
    all_settled(&app).await;
    assert_eq!(reminder_calls(&hooks).len(), 1);
    assert_eq!(reminder_mails(&smtp).len(), 1);
    assert_eq!(reminder_calls(&hooks)[0]["order_id"], kept.order_id);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE reminded_at IS NOT NULL")
            .await,
        1
    );
}
on_both_databases!(each_order_is_reminded_once_whichever_worker_sweeps);
