//! Clients that trickle bytes are cut off: a request head that does not arrive within
//! `request_head_timeout` closes the connection; a body slower than `request_body_timeout` gets
//! 408 `request_timeout` and the connection closed. Transport behaviour: SQLite is enough.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use bakery_test_support::{Backend, TestApp, spawn_app_with};

const LIMIT: Duration = Duration::from_secs(1);
/// Time on top of a limit before the test calls the server too patient.
const MARGIN: Duration = Duration::from_secs(3);

async fn app_with_short_timeouts() -> TestApp {
    spawn_app_with(Backend::Sqlite, |s| {
        s.request_head_timeout = LIMIT;
        s.request_body_timeout = LIMIT;
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address).await.unwrap()
}

/// Everything the server sends until it closes the connection (or panics after `within`).
async fn read_until_closed(reader: &mut (impl AsyncReadExt + Unpin), within: Duration) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(within, reader.read_to_end(&mut answer))
        .await
        .expect("the server kept the connection open")
        .ok();
    String::from_utf8_lossy(&answer).into_owned()
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn half_a_request_head_is_cut_off() {
    let app = app_with_short_timeouts().await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    stream
        .write_all(b"POST /api/orders HTTP/1.1\r\nHost: bakery.test\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut stream, LIMIT + MARGIN).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(started.elapsed() >= LIMIT / 2, "closed before the limit");
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_trickled_body_gets_408_json() {
    let app = app_with_short_timeouts().await;
    let (mut reader, mut writer) = connect(&app).await.into_split();
    let started = Instant::now();
    // One byte every 100 ms: each arrives in time, the whole body (60 bytes) would take 6 s.
    let trickle = tokio::spawn(async move {
        writer
            .write_all(
                b"POST /api/orders HTTP/1.1\r\nHost: bakery.test\r\n\
                  Content-Type: application/json\r\nContent-Length: 60\r\n\r\n",
            )
            .await?;
        for _ in 0..60 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            writer.write_all(b" ").await?;
        }
        std::io::Result::Ok(())
    });
    let answer = read_until_closed(&mut reader, LIMIT + MARGIN).await;
    trickle.abort();
    assert!(started.elapsed() < LIMIT + MARGIN);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{answer}"
    );
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn a_prompt_body_is_read_as_usual() {
    let app = app_with_short_timeouts().await;
    let res = app.post_order(&bakery_test_support::seed_order()).await;
    assert_eq!(res.status().as_u16(), 201);
}
