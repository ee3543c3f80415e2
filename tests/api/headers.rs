//! Every answer of the API process carries the security headers: a Content-Security-Policy the
//! storefront works under (the browser tests load the site under it), `nosniff`, no framing and
//! a referrer policy; the Swagger UI page has a policy of its own allowing its pinned CDN files.

use bakery_test_support::{Backend, spawn_app_with, unique_name};

/// A stand-in for the built storefront, so `/` is the site's page.
fn storefront() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique_name("bakery_site"));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Bakery</title>",
    )
    .unwrap();
    std::fs::write(dir.join("assets").join("boot-1.js"), "// boot").unwrap();
    dir
}

fn assert_security_headers(res: &reqwest::Response, what: &str) {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what}: no {name}"))
            .to_owned()
    };
    let csp = header("content-security-policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            csp.split(';').any(|d| d.trim() == directive),
            "{what}: {directive} missing from {csp}"
        );
    }
    assert!(!csp.contains("unsafe-eval'") || csp.contains("wasm-unsafe-eval"));
    assert_eq!(header("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header("x-frame-options"), "DENY", "{what}");
    assert_eq!(
        header("referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn every_answer_has_the_security_headers() {
    let site = storefront();
    let dir = site.clone();
    let app = spawn_app_with(Backend::Sqlite, move |s| s.static_dir = dir).await;
    let cases = [
        ("/", 200),
        ("/assets/boot-1.js", 200),
        ("/api/products", 200),
        ("/api/orders/999999", 404),
        ("/api/no-such-thing", 404),
        ("/health", 200),
    ];
    for (path, status) in cases {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "{path}");
        assert_security_headers(&res, path);
    }
    // HEAD, as `curl -I` asks.
    let res = app.client.head(app.url("/")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_security_headers(&res, "HEAD /");
    // A CORS preflight, answered by the CORS layer itself.
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/orders"))
        .header("Origin", "http://example.com")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_security_headers(&res, "preflight");
    let _ = std::fs::remove_dir_all(site);
}

#[actix_web::rt::test(system = "bakery_test_support::TestSystem")]
async fn the_api_docs_page_allows_exactly_its_pinned_files() {
    let app = spawn_app_with(Backend::Sqlite, |_| {}).await;
    let res = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = res.text().await.unwrap();
    let script_src = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap();
    let sources: Vec<&str> = script_src.split_whitespace().skip(1).collect();
    assert_eq!(sources.len(), 2, "{script_src}");
    // The bundle by its full URL, and the inline start-up script by the hash of its text.
    assert!(
        page.contains(&format!("<script src=\"{}\"", sources[0])),
        "{page}"
    );
    let inline = page
        .split("<script>")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap();
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(inline));
    assert_eq!(sources[1], format!("'sha256-{hash}'"));
    assert!(csp.contains("style-src https://cdn.jsdelivr.net/npm/swagger-ui-dist@"));
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"));
    assert_eq!(
        res_header(&app, "/api/docs", "x-frame-options").await,
        "DENY"
    );
}

async fn res_header(app: &bakery_test_support::TestApp, path: &str, name: &str) -> String {
    let res = app.client.get(app.url(path)).send().await.unwrap();
    res.headers()[name].to_str().unwrap().to_owned()
}
