//! The HTTP API (actix-web): routes by resource, shared state, and JSON errors for everything.

pub mod admin_accounts;
pub mod admin_actors;
pub mod admin_catalog;
pub mod admin_categories;
pub mod admin_notifications;
pub mod admin_options;
pub mod admin_orders;
pub mod admin_planning;
pub mod admin_production;
pub mod admin_user_changes;
pub mod body;
pub mod client;
pub mod errors;
pub mod events;
pub mod extract;
pub mod health;
pub mod observe;
pub mod openapi;
pub mod order_access;
pub mod order_lookup;
pub mod order_moves;
pub mod orders;
pub mod pictures;
pub mod planning;
pub mod products;
pub mod shared_answers;
pub mod slots;
pub mod sse;
pub mod staff;
pub mod staff_account;

use std::sync::Arc;

use actix::Addr;
use actix_web::web;
use sea_orm::DatabaseConnection;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::actors::catalog_cache::{CatalogCache, SharedCatalog};
use crate::actors::order_store::OrderStore;
use crate::cache::RedisCache;
use crate::events::StatusBus;
use crate::queue::amqp::AmqpPublisher;
use crate::staff::rate_limit::SignInLimiter;
use crate::staff::sessions::{SessionPlace, SessionPolicy, Sessions};

/// What every handler may use.
pub struct AppState {
    pub db: DatabaseConnection,
    /// What each supervised actor and loop of this process is doing (`GET /api/admin/actors`).
    pub roster: std::sync::Arc<crate::actors::roster::Roster>,
    pub catalog: SharedCatalog,
    pub store: Addr<OrderStore>,
    pub bus: StatusBus,
    /// Rendered orders of this process, dropped as the bus reports changes.
    pub order_views: Arc<crate::order_views::OrderViews>,
    /// The shared cache, in the distributed shape.
    pub redis: Option<Arc<RedisCache>>,
    /// The broker link, in the distributed shape.
    pub broker: Option<Arc<AmqpPublisher>>,
    /// Largest accepted request body, and how long it may take to arrive.
    pub body: body::BodyLimits,
    /// The catalog actor, told when staff change products or stock.
    pub catalog_cache: Addr<CatalogCache>,
    /// Where a retried order's message goes.
    pub orders_topic: String,
    /// Failed staff sign-ins and the bound on password checks.
    pub sign_ins: Arc<SignInLimiter>,
    /// Who the client is and how much it may do.
    pub limits: Arc<crate::limits::ClientLimits>,
    /// Session cookies are `Secure` (the server speaks HTTPS).
    pub secure_cookies: bool,
    /// The orders streamed here, re-checked together.
    pub watched: Arc<crate::events::watched::WatchedOrders>,
    /// How long one event stream may stay open (the client reconnects).
    pub stream_lifetime: std::time::Duration,
    /// Who sees an order in full (its owner and staff, or anyone).
    pub order_lookup: crate::config::OrderLookup,
    /// Tracking tokens (by hash) this process has seen to be their order's.
    pub known_tokens: crate::order_views::tokens::KnownTokens,
    /// Webhook endpoints may be on loopback, link-local and private hosts.
    pub allow_private_webhooks: bool,
    /// How long staff sessions last.
    pub session_policy: SessionPolicy,
    /// The calendar and switches in force, read through from the database.
    pub planning: Arc<planning::PlanningCache>,
    /// The shop's name, currency and locale.
    pub shop: bakery_wire::money::ShopInfo,
    /// How large an uploaded product picture may be.
    pub pictures: crate::domain::pictures::PictureLimits,
}

impl AppState {
    /// Where staff sessions live in this shape, and how long they last.
    pub fn sessions(&self) -> Sessions<'_> {
        let place = match &self.redis {
            Some(redis) => SessionPlace::Redis(redis),
            None => SessionPlace::Database,
        };
        Sessions {
            place,
            policy: self.session_policy,
        }
    }
}

/// Registers the API routes (`/api/...`, `/pictures/...` and `/health`), each with its OpenAPI operation.
pub fn routes(cfg: &mut web::ServiceConfig) {
    register(&mut ServiceConfig::new(cfg), true);
    // Registering builds each operation's description (every HTTP worker does, then drops it):
    // what that freed goes back to the system instead of staying in the worker's malloc heap.
    crate::memory::give_back_freed();
}

/// Registers every route through `utoipa_actix_web`, which only takes handlers carrying a
/// `#[utoipa::path]` operation and adds each to the document ([`openapi::document`] calls this
/// with `serving` off). When `serving`, a path's other methods answer 405 and the rest of `/api`
/// a JSON 404.
fn register(cfg: &mut ServiceConfig, serving: bool) {
    cfg.service(health::health).service(pictures::serve_picture);
    let mut api = scope("/api")
        .service(products::list_products)
        .service(products::list_categories)
        .service(products::shop)
        .service(orders::create_order)
        .service(orders::get_order)
        .service(orders::cancel_order)
        .service(slots::day_slots)
        .service(slots::next_slot)
        .service(order_lookup::look_up_order)
        .service(events::order_events)
        .service(openapi::openapi_json)
        .service(openapi::docs)
        .configure(staff_routes);
    if serving {
        api = api
            .map(|api| api.configure(|cfg| openapi::method_fallbacks(cfg, "/api")))
            .default_service(web::to(errors::not_found));
    }
    cfg.service(api);
    if serving {
        cfg.map(|cfg| {
            openapi::method_fallbacks(cfg, "");
            cfg
        });
    }
}

/// The staff back-office: `/api/staff/...` (sign-in) and `/api/admin/...`.
fn staff_routes(cfg: &mut ServiceConfig) {
    cfg.service(staff::sign_in)
        .service(staff::sign_out)
        .service(staff::me)
        .service(staff_account::change_password)
        .service(staff_account::sign_out_everywhere)
        .service(admin_catalog::list_all_products)
        .service(admin_catalog::add_product)
        .service(admin_catalog::change_product)
        .service(admin_catalog::change_stock)
        .service(admin_options::replace_options)
        .service(pictures::upload_picture)
        .service(pictures::remove_picture)
        .service(admin_categories::list_all_categories)
        .service(admin_categories::add_category)
        .service(admin_categories::change_category)
        .service(admin_categories::remove_category)
        .service(admin_orders::board)
        .service(admin_orders::board_events)
        .service(admin_orders::complete_order)
        .service(admin_orders::dispatch_order)
        .service(admin_orders::deliver_order)
        .service(admin_orders::cancel_order_as_staff)
        .service(admin_orders::retry_order)
        .service(admin_planning::get_calendar)
        .service(admin_planning::put_calendar)
        .service(admin_planning::get_switches)
        .service(admin_planning::set_switches)
        .service(admin_planning::change_switches)
        .service(admin_production::production_sheet)
        .service(admin_production::production_csv)
        .service(admin_accounts::list_users)
        .service(admin_accounts::add_user)
        .service(admin_user_changes::disable_user)
        .service(admin_user_changes::enable_user)
        .service(admin_user_changes::change_role)
        .service(admin_user_changes::reset_password)
        .service(admin_user_changes::sign_out_user)
        .service(admin_accounts::list_tokens)
        .service(admin_accounts::add_token)
        .service(admin_accounts::revoke_token)
        .service(admin_accounts::audit_log)
        .service(admin_actors::actors)
        .service(admin_notifications::list_webhooks)
        .service(admin_notifications::add_webhook)
        .service(admin_notifications::remove_webhook)
        .service(admin_notifications::deliveries)
        .service(admin_notifications::retry_delivery);
}
