//! `GET /health`: the seed's shape; `embedded` for the in-process queue and cache. The
//! operations listener's `/health` (ready) and `/livez` (alive) apart.

use bakery_test_support::on_both_databases;
use bakery_test_support::{Backend, spawn_app};

async fn reports_ok_in_the_seed_shape(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        serde_json::json!({"status": "ok", "services": {"database": "healthy", "rabbitmq": "embedded", "redis": "embedded"}})
    );
}
on_both_databases!(reports_ok_in_the_seed_shape);

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn reports_503_degraded_while_the_database_link_is_cut() {
    let db = bakery_test_support::TestDatabase::create(Backend::Postgres).await;
    let proxy = bakery_test_support::TcpProxy::start("127.0.0.1:5432").await;
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let proxied = format!("postgres://postgres@127.0.0.1:{}/{name}", proxy.port);
    let app = bakery_test_support::spawn_app_on(db, |s| {
        s.database_url = proxied;
        s.metrics_bind = Some("127.0.0.1:0".into());
    })
    .await;
    assert_eq!(app.get_json("/health").await.0, 200);
    let operations = app.metrics_address.clone().unwrap();
    let probe = |path: &'static str| {
        let (client, url) = (app.client.clone(), format!("{operations}{path}"));
        async move {
            let res = client.get(url).send().await.unwrap();
            (
                res.status().as_u16(),
                res.json::<serde_json::Value>().await.unwrap(),
            )
        }
    };
    assert_eq!(probe("/health").await.0, 200);
    assert_eq!(
        probe("/livez").await,
        (200, serde_json::json!({"status": "alive"}))
    );

    proxy.cut();
    let (status, body) = app.get_json("/health").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "degraded");
    assert_eq!(body["services"]["database"], "unhealthy");
    // Not ready (the operations listener's /health says the same), but alive: a liveness probe
    // does not get the process restarted for the database's outage.
    assert_eq!(
        probe("/health").await,
        (503, serde_json::json!({"status": "degraded"}))
    );
    assert_eq!(probe("/livez").await.0, 200);
    // An order now is refused with a JSON 503, not lost silently.
    let res = app.post_order(&bakery_test_support::seed_order()).await;
    assert_eq!(res.status().as_u16(), 503);
    let error: serde_json::Value = res.json().await.unwrap();
    assert_eq!(error["code"], "service_unavailable");

    proxy.restore();
    bakery_test_support::wait_until(std::time::Duration::from_secs(15), "recovery", || async {
        app.get_json("/health").await.0 == 200
    })
    .await;
    let id = app.place(&bakery_test_support::seed_order()).await;
    app.wait_for_status(id, &["ready"], std::time::Duration::from_secs(15))
        .await;
}
