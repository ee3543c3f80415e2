//! The roster of actors: `GET /api/admin/actors` (admins only) lists every supervised actor and
//! loop running; a processor's failure shows there, on the operations listener's `/actors` (what
//! `bakery actors` reads) and in the metrics as a restart with its reason.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, TestApp, get_at, seed_order, spawn_app_with};

use crate::staff::{ADMIN_PASSWORD, BAKER_PASSWORD, add_account, call, session};

/// The roster as an admin sees it.
async fn roster(app: &TestApp) -> Vec<Value> {
    add_account(app, "owner@example.com", ADMIN_PASSWORD, "admin").await;
    let admin = session(app, "owner@example.com", ADMIN_PASSWORD).await;
    let (status, body) = call(app, &admin, Method::GET, "/api/admin/actors", None, false).await;
    assert_eq!(status, 200, "{body}");
    body.as_array().unwrap().clone()
}

fn named<'a>(roster: &'a [Value], actor: &str) -> Vec<&'a Value> {
    roster.iter().filter(|a| a["actor"] == actor).collect()
}

async fn the_roster_lists_every_actor_running_and_only_admins_see_it(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.worker.pool = 3).await;
    let res = app
        .client
        .get(app.url("/api/admin/actors"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 401);
    add_account(&app, "baker@example.com", BAKER_PASSWORD, "baker").await;
    let baker = session(&app, "baker@example.com", BAKER_PASSWORD).await;
    let (status, body) = call(&app, &baker, Method::GET, "/api/admin/actors", None, false).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("forbidden")),
        "{body}"
    );

    let roster = roster(&app).await;
    for actor in [
        "catalog_cache",
        "outbox_relay",
        "oven",
        "order_store",
        "notifier",
    ] {
        let found = named(&roster, actor);
        assert_eq!(found.len(), 1, "{actor} in {roster:?}");
        assert_eq!(found[0]["state"], "running", "{actor}: {}", found[0]);
        assert_eq!(found[0]["restarts"], 0, "{actor}: {}", found[0]);
        assert_eq!(found[0]["last_error"], Value::Null, "{actor}: {}", found[0]);
    }
    let processors = named(&roster, "order_processor");
    let instances: Vec<_> = processors.iter().map(|p| p["instance"].as_u64()).collect();
    assert_eq!(instances, [Some(0), Some(1), Some(2)], "{roster:?}");
    // The pool's inbox and the order store's batch have depths; the oven reports none.
    assert_eq!(processors[0]["queue_depth"], 0, "{roster:?}");
    assert_eq!(named(&roster, "order_store")[0]["queue_depth"], 0);
    assert_eq!(named(&roster, "oven")[0]["queue_depth"], Value::Null);
    assert!(
        !named(&roster, "retention").is_empty(),
        "loops too: {roster:?}"
    );
}
on_both_databases!(the_roster_lists_every_actor_running_and_only_admins_see_it);

async fn a_processor_failure_shows_as_a_restart_with_its_reason(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.chaos.failing_attempts = 2;
        s.worker.max_attempts = 5;
        s.worker.pool = 1;
        s.metrics_bind = Some("127.0.0.1:0".into());
    })
    .await;
    let id = app.place(&seed_order()).await;
    app.wait_for_status(id, &["ready"], Duration::from_secs(20))
        .await;

    let roster = roster(&app).await;
    let processor = named(&roster, "order_processor")[0];
    assert_eq!(processor["restarts"], 2, "{processor}");
    assert_eq!(processor["state"], "running", "{processor}");
    let reason = processor["last_error"].as_str().unwrap();
    assert!(
        reason.contains(&format!("order {id}")) && reason.contains("injected fault"),
        "{reason}"
    );
    let at = processor["last_error_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");

    // The operations listener shows the same roster (for `bakery actors`) and the metrics.
    let operations = app.metrics_address.clone().unwrap();
    let (_, listed) = get_at::<Vec<Value>>(&app.client, &operations, "/actors").await;
    assert_eq!(named(&listed.unwrap(), "order_processor")[0]["restarts"], 2);
    let metrics = app
        .client
        .get(format!("{operations}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for expected in [
        r#"bakery_actor_restarts_total{actor="order_processor"} 2"#,
        r#"bakery_actor_up{actor="order_processor"} 1"#,
        r#"bakery_actor_up{actor="oven"} 1"#,
        r#"bakery_actor_queue_depth{actor="order_store"} 0"#,
    ] {
        assert!(
            metrics.contains(expected),
            "missing {expected} in:\n{metrics}"
        );
    }
}
on_both_databases!(a_processor_failure_shows_as_a_restart_with_its_reason);
