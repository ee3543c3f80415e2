//! HTTPS: with a certificate and key the server speaks TLS only, sends HSTS, and marks the staff
//! session cookie `Secure`.

use std::sync::Arc;

use bakery::config::TlsFiles;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::{self, pki_types::CertificateDer, pki_types::ServerName};

use bakery_test_support::{Backend, spawn_app_with, unique_name};

/// Sends one HTTP/1.1 request over TLS (trusting only `cert`) and returns the raw response.
async fn https(port: u16, cert: &CertificateDer<'static>, request: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .unwrap();
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn https_with_hsts_and_secure_cookies() {
    let generated = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let dir = std::env::temp_dir().join(unique_name("bakery_tls"));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, generated.cert.pem()).unwrap();
    std::fs::write(&key_path, generated.signing_key.serialize_pem()).unwrap();
    let files = TlsFiles {
        cert: cert_path,
        key: key_path,
    };
    let app = spawn_app_with(Backend::Sqlite, |s| s.tls = Some(files)).await;
    let port: u16 = app.address.rsplit(':').next().unwrap().parse().unwrap();
    let cert = generated.cert.der().clone();

    let health = https(
        port,
        &cert,
        "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(
        health
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{health}"
    );

    let db = app.db.connect().await;
    let role = bakery_wire::staff::StaffRole::Admin;
    bakery::staff::accounts::create_user(&db, "owner@example.com", "owner-secret-password", role)
        .await
        .unwrap();
    let body = r#"{"email":"owner@example.com","password":"owner-secret-password"}"#;
    let request = format!(
        "POST /api/staff/sign-in HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let signed_in = https(port, &cert, &request).await;
    assert!(signed_in.starts_with("HTTP/1.1 200"), "{signed_in}");
    let cookie = signed_in
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );

    // Plain HTTP on the HTTPS port gets no answer.
    let plain = app.client.get(app.url("/health")).send().await;
    assert!(plain.is_err() || !plain.unwrap().status().is_success());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_certificate_without_a_key_is_a_clear_start_up_error() {
    let env = |name: &str| (name == "BAKERY_TLS_CERT").then(|| "/tmp/cert.pem".to_owned());
    let err = bakery::config::Settings::load_from(None, env).unwrap_err();
    assert!(
        err.0.contains("BAKERY_TLS_CERT and BAKERY_TLS_KEY"),
        "{err}"
    );
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn behind_a_tls_proxy_the_session_cookie_is_still_secure() {
    let app = spawn_app_with(Backend::Sqlite, |s| s.secure_cookies = Some(true)).await;
    let db = app.db.connect().await;
    let role = bakery_wire::staff::StaffRole::Baker;
    bakery::staff::accounts::create_user(&db, "baker@example.com", "baker-secret-password", role)
        .await
        .unwrap();
    let res = app
        .client
        .post(app.url("/api/staff/sign-in"))
        .json(
            &serde_json::json!({"email": "baker@example.com", "password": "baker-secret-password"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    let env = |name: &str| (name == "BAKERY_SECURE_COOKIES").then(|| "maybe".to_owned());
    let err = bakery::config::Settings::load_from(None, env).unwrap_err();
    assert!(err.0.contains("BAKERY_SECURE_COOKIES"), "{err}");
}
