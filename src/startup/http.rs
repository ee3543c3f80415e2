//! The API and storefront HTTP server (with TLS when configured).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use actix_cors::Cors;
use actix_files::{Files, NamedFile};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse, fn_service};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::{Compress, Condition, DefaultHeaders, ErrorHandlers};
use actix_web::{App, HttpServer, Responder, web};

use super::error::StartupError;
use super::shop_page::{self, ShopPage};
use crate::api::{self, AppState, errors};
use crate::config::{Settings, TlsFiles};

/// The API and storefront server, bound to `settings.bind`; returns it (not yet awaited) and
/// the bound port.
pub(super) fn http_server(
    settings: &Settings,
    state: web::Data<AppState>,
) -> Result<(Server, u16), StartupError> {
    let bind_error = |source| StartupError::Bind {
        address: settings.bind.clone(),
        source,
    };
    let listener = TcpListener::bind(&settings.bind).map_err(bind_error)?;
    let port = listener.local_addr().map_err(bind_error)?.port();
    let static_dir = settings.static_dir.clone();
    let site = static_dir
        .join("index.html")
        .is_file()
        .then_some(static_dir);
    if site.is_none() {
        tracing::warn!(
            dir = %settings.static_dir.display(),
            "storefront not built; serving the API only (run `cargo xtask frontend`)"
        );
    }
    let shop_page = site
        .as_deref()
        .and_then(|dir| ShopPage::load(&dir.join("index.html")))
        .map(web::Data::new);
    let tls = settings.tls.is_some();
    let server = HttpServer::new(move || {
        let cors = Cors::default()
            .allow_any_origin()
            .allow_any_method()
            .allow_any_header()
            .expose_headers(["Location", "ETag", "Idempotent-Replayed", "X-Request-Id"])
            .max_age(3600);
        App::new()
            .app_data(state.clone())
            .wrap(
                ErrorHandlers::new()
                    .handler(
                        StatusCode::METHOD_NOT_ALLOWED,
                        api::openapi::with_allow_header,
                    )
                    .default_handler(errors::json_error_body),
            )
            .wrap(Compress::default())
            .wrap(cors)
            .wrap(actix_web::middleware::from_fn(
                api::observe::observe_request,
            ))
            // Outermost, so every answer has them: errors, 404s and CORS preflights too. A
            // response that sets its own policy (the Swagger UI page) keeps it.
            .wrap(security_headers())
            // Behind HTTPS, browsers are told to never come back over plain HTTP.
            .wrap(Condition::new(
                tls,
                DefaultHeaders::new().add((
                    header::STRICT_TRANSPORT_SECURITY,
                    "max-age=31536000; includeSubDomains",
                )),
            ))
            .configure(api::routes)
            .configure(super::search_engines::routes)
            .configure(|cfg| storefront(cfg, site.as_deref(), shop_page.clone()))
    })
    // A client that trickles its request head is cut off; the body has its own limit.
    .client_request_timeout(settings.request_head_timeout);
    let server = match &settings.tls {
        Some(files) => server.listen_rustls_0_23(listener, tls_config(files)?),
        None => server.listen(listener),
    };
    let mut server = server
        .map_err(StartupError::Server)?
        .shutdown_timeout(settings.shutdown_grace.as_secs().max(1));
    if settings.http_workers > 0 {
        server = server.workers(settings.http_workers);
    }
    Ok((server.run(), port))
}

/// The Content-Security-Policy of the storefront and the API: scripts and styles from the site
/// itself, wasm compiled by the page's own script (`'wasm-unsafe-eval'`), inline `style`
/// attributes (the catalog's generated product art; not `<style>` or scripts), `data:` images
/// (the inline icon), requests (fetch and EventSource) to this origin only, and no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Headers every answer of the API process carries (each only when the handler set none).
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "strict-origin-when-cross-origin"))
}

/// The TLS set-up from PEM files: TLS 1.2 and 1.3 with rustls's safe defaults (ring).
fn tls_config(files: &TlsFiles) -> Result<rustls::ServerConfig, StartupError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let unreadable = |what: &str, path: &Path, err: &dyn std::fmt::Display| {
        StartupError::Tls(format!("cannot read the {what} {}: {err}", path.display()))
    };
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| unreadable("certificate", &files.cert, &e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable("certificate", &files.cert, &e))?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| unreadable("private key", &files.key, &e))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StartupError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| StartupError::Tls(format!("the certificate and key do not fit: {e}")))
}

/// Serves the built storefront at `/` (with the menu drawn into the shop's page when the build
/// allows): hashed assets cached for a year, `/staff…` answered with
/// the staff's page (its own bundle, when built), other paths fall back to `index.html` (the
/// shop's) so the site's own router can show them.
fn storefront(
    cfg: &mut web::ServiceConfig,
    site: Option<&Path>,
    shop_page: Option<web::Data<ShopPage>>,
) {
    let Some(dir) = site else {
        cfg.default_service(web::to(errors::not_found));
        return;
    };
    // The shop's front page with the menu drawn in, when the build has the page's markers.
    if let Some(page) = shop_page {
        cfg.app_data(page).service(
            web::resource("/")
                .route(web::get().to(shop_page::front_page))
                .route(web::head().to(shop_page::front_page)),
        );
    }
    let staff_page = Some(dir.join("staff.html"))
        .filter(|page| page.is_file())
        .unwrap_or_else(|| dir.join("index.html"));
    cfg.service(
        web::scope("/assets")
            .wrap(
                DefaultHeaders::new()
                    .add((header::CACHE_CONTROL, "public, max-age=31536000, immutable")),
            )
            .service(Files::new("", dir.join("assets")))
            .default_service(web::to(errors::not_found)),
    )
    .service(
        web::resource(["/staff", "/staff/{page:.*}"])
            .route(web::get().service(site_page(staff_page))),
    )
    .service(
        Files::new("/", dir)
            .index_file("index.html")
            .default_handler(site_page(dir.join("index.html"))),
    );
}

/// Answers with one of the site's pages (revalidated on every visit: it names the current
/// assets).
fn site_page(
    page: PathBuf,
) -> impl actix_web::dev::ServiceFactory<
    ServiceRequest,
    Config = (),
    Response = ServiceResponse,
    Error = actix_web::Error,
    InitError = (),
> + Clone {
    fn_service(move |req: ServiceRequest| {
        let page = page.clone();
        async move {
            let (req, _) = req.into_parts();
            let file = NamedFile::open_async(&page).await?;
            let res = file
                .use_etag(true)
                .customize()
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .respond_to(&req)
                .map_into_boxed_body();
            Ok(ServiceResponse::new(req, res))
        }
    })
}
