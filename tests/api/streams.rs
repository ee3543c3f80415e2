//! Order event streams that cost nothing while idle: one shared re-check per process catches up
//! missed changes, and every stream ends after its maximum lifetime.

use std::time::Duration;

use bakery_test_support::{Backend, TestApp, on_both_databases, seed_order, spawn_app_with};
use bakery_wire::{OrderStatus, StatusChange};
use futures_util::StreamExt;

/// The statuses a stream sends within `within` (until it ends or the time is up), and whether
/// it ended.
async fn statuses(res: reqwest::Response, within: Duration) -> (Vec<OrderStatus>, bool) {
    let mut stream = res.bytes_stream();
    let (mut text, mut seen) = (String::new(), Vec::new());
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => return (seen, false),
            Ok(None) => return (seen, true),
            Ok(Some(chunk)) => text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap()),
        }
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|l| l.strip_prefix("data: ")) {
                seen.push(serde_json::from_str::<StatusChange>(data).unwrap().status);
            }
        }
    }
}

async fn open_stream(app: &TestApp, id: i64) -> reqwest::Response {
    let res = app
        .client
        .get(app.url(&format!("/api/orders/{id}/events")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    res
}

async fn idle_streams_share_one_recheck_that_catches_up_missed_changes(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        // Baking takes long enough for the order to stay `processing` throughout.
        s.worker.prep_time = Duration::from_secs(120);
        s.stream_recheck_every = Duration::from_millis(200);
    })
    .await;
    let id = app.place(&seed_order()).await;
    app.wait_for_status(id, &["processing"], Duration::from_secs(10))
        .await;

    let mut streams = Vec::new();
    for _ in 0..100 {
        streams.push(open_stream(&app, id).await);
    }
    assert_eq!(app.watched.orders(), 1);
    // A second of 100 idle streams: about five re-checks in all, not one read per stream.
    let before = app.watched.reads();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let reads = app.watched.reads() - before;
    assert!(
        (1..=7).contains(&reads),
        "{reads} re-check reads in a second"
    );

    // A change the bus never carried (made straight in the database, as by a process whose
    // broker link was down) still reaches the streams, through the next re-check.
    let db = app.db.connect().await;
    bakery::store::moves::mark_failed(&db, id, 1, "the oven broke")
        .await
        .unwrap()
        .unwrap();
    let last = streams.pop().unwrap();
    let (seen, ended) = statuses(last, Duration::from_secs(5)).await;
    assert_eq!(seen, vec![OrderStatus::Processing, OrderStatus::Failed]);
    assert!(ended, "the stream ends after a final status");

    drop(streams);
    bakery_test_support::wait_until(Duration::from_secs(5), "no watched orders", || async {
        app.watched.orders() == 0
    })
    .await;
}
on_both_databases!(idle_streams_share_one_recheck_that_catches_up_missed_changes);

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_stream_ends_after_its_maximum_lifetime() {
    let app = spawn_app_with(Backend::Sqlite, |s| {
        s.worker.prep_time = Duration::from_secs(120);
        s.stream_max_lifetime = Duration::from_millis(500);
    })
    .await;
    let id = app.place(&seed_order()).await;
    let (seen, ended) = statuses(open_stream(&app, id).await, Duration::from_secs(5)).await;
    assert!(ended, "the stream outlived its lifetime");
    assert!(!seen.is_empty() && seen.len() <= 2, "{seen:?}");
    // Reconnecting goes on from the current status.
    let (again, _) = statuses(open_stream(&app, id).await, Duration::from_millis(200)).await;
    assert_eq!(again.first(), seen.last());
}
