//! The HTTP API (actix-web): routes by resource, shared state, and JSON errors for everything.

pub mod admin;
pub mod admin_notifications;
pub mod body;
pub mod errors;
pub mod events;
pub mod health;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod openapi_staff;
pub mod orders;
pub mod products;
pub mod staff;

use std::sync::Arc;

use actix::Addr;
use actix_web::web;
use sea_orm::DatabaseConnection;

use crate::actors::catalog_cache::{CatalogCache, SharedCatalog};
use crate::actors::order_store::OrderStore;
use crate::cache::RedisCache;
use crate::events::StatusBus;
use crate::queue::amqp::AmqpPublisher;
use crate::staff::rate_limit::SignInLimiter;

/// What every handler may use.
pub struct AppState {
    pub db: DatabaseConnection,
    pub catalog: SharedCatalog,
    pub store: Addr<OrderStore>,
    pub bus: StatusBus,
    /// Rendered orders of this process, dropped as the bus reports changes.
    pub order_views: Arc<crate::order_views::OrderViews>,
    /// The shared cache, in the distributed shape.
    pub redis: Option<Arc<RedisCache>>,
    /// The broker link, in the distributed shape.
    pub broker: Option<Arc<AmqpPublisher>>,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// The catalog actor, told when staff change products or stock.
    pub catalog_cache: Addr<CatalogCache>,
    /// Where a retried order's message goes.
    pub orders_topic: String,
    /// Failed staff sign-ins of this process.
    pub sign_ins: SignInLimiter,
    /// Session cookies are `Secure` (the server speaks HTTPS).
    pub secure_cookies: bool,
}

impl AppState {
    /// Where staff sessions live in this shape.
    pub fn sessions(&self) -> crate::staff::accounts::Sessions<'_> {
        match &self.redis {
            Some(redis) => crate::staff::accounts::Sessions::Redis(redis),
            None => crate::staff::accounts::Sessions::Database,
        }
    }
}

/// Registers the API routes (`/api/...` and `/health`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/health")
            .route(web::get().to(health::health))
            .default_service(web::to(errors::method_not_allowed)),
    )
    .configure(metrics::routes)
    .service(
        web::scope("/api")
            .service(
                web::resource("/products")
                    .route(web::get().to(products::list_products))
                    .default_service(web::to(errors::method_not_allowed)),
            )
            .service(
                web::resource("/orders")
                    .route(web::post().to(orders::create_order))
                    .default_service(web::to(errors::method_not_allowed)),
            )
            .service(
                web::resource("/orders/{id}")
                    .route(web::get().to(orders::get_order))
                    .default_service(web::to(errors::method_not_allowed)),
            )
            .service(
                web::resource("/orders/{id}/cancel")
                    .route(web::post().to(orders::cancel_order))
                    .default_service(web::to(errors::method_not_allowed)),
            )
            .configure(staff_routes)
            .service(
                web::resource("/orders/{id}/events")
                    .route(web::get().to(events::order_events))
                    .default_service(web::to(errors::method_not_allowed)),
            )
            .configure(openapi::routes)
            .default_service(web::to(errors::not_found)),
    );
}

/// The staff back-office: `/api/staff/...` (sign-in) and `/api/admin/...`.
fn staff_routes(cfg: &mut web::ServiceConfig) {
    let resource = |path: &str| {
        web::resource(path.to_owned()).default_service(web::to(errors::method_not_allowed))
    };
    cfg.service(resource("/staff/sign-in").route(web::post().to(staff::sign_in)))
        .service(resource("/staff/sign-out").route(web::post().to(staff::sign_out)))
        .service(resource("/staff/me").route(web::get().to(staff::me)))
        .service(
            resource("/admin/products")
                .route(web::get().to(admin::list_products))
                .route(web::post().to(admin::add_product)),
        )
        .service(resource("/admin/products/{id}").route(web::patch().to(admin::change_product)))
        .service(resource("/admin/products/{id}/stock").route(web::post().to(admin::change_stock)))
        .service(resource("/admin/orders").route(web::get().to(admin::board)))
        .service(resource("/admin/orders/events").route(web::get().to(admin::board_events)))
        .service(resource("/admin/orders/{id}/{action}").route(web::post().to(admin::order_action)))
        .service(
            resource("/admin/users")
                .route(web::get().to(admin::list_users))
                .route(web::post().to(admin::add_user)),
        )
        .service(
            resource("/admin/tokens")
                .route(web::get().to(admin::list_tokens))
                .route(web::post().to(admin::add_token)),
        )
        .service(resource("/admin/tokens/{id}").route(web::delete().to(admin::revoke_token)))
        .service(resource("/admin/audit").route(web::get().to(admin::audit_log)))
        .service(
            resource("/admin/webhooks")
                .route(web::get().to(admin_notifications::list_webhooks))
                .route(web::post().to(admin_notifications::add_webhook)),
        )
        .service(
            resource("/admin/webhooks/{id}")
                .route(web::delete().to(admin_notifications::remove_webhook)),
        )
        .service(
            resource("/admin/notifications").route(web::get().to(admin_notifications::deliveries)),
        );
}
