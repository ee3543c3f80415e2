//! The HTTP API (actix-web): routes by resource, shared state, and JSON errors for everything.

pub mod body;
pub mod errors;
pub mod events;
pub mod health;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod orders;
pub mod products;

use std::sync::Arc;

use actix::Addr;
use actix_web::web;
use sea_orm::DatabaseConnection;

use crate::actors::catalog_cache::SharedCatalog;
use crate::actors::order_store::OrderStore;
use crate::cache::RedisCache;
use crate::events::StatusBus;
use crate::queue::amqp::AmqpPublisher;

/// What every handler may use.
pub struct AppState {
    pub db: DatabaseConnection,
    pub catalog: SharedCatalog,
    pub store: Addr<OrderStore>,
    pub bus: StatusBus,
    /// The shared cache, in the distributed shape.
    pub redis: Option<Arc<RedisCache>>,
    /// The broker link, in the distributed shape.
    pub broker: Option<Arc<AmqpPublisher>>,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
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
                web::resource("/orders/{id}/events")
                    .route(web::get().to(events::order_events))
                    .default_service(web::to(errors::method_not_allowed)),
            )
            .configure(openapi::routes)
            .default_service(web::to(errors::not_found)),
    );
}
