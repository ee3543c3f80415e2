//! CatalogCache: owns the catalog snapshot (the products' and categories' pre-serialized JSON + ETags) and reloads it, coalesced, after changes.
//!
//! Request handlers read the current snapshot through [`SharedCatalog`] without messaging the
//! actor; the actor alone loads and swaps it. With Redis, a reload first looks in Redis (the
//! shared second level), and a change made here is announced to every replica over pub/sub.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix::prelude::*;
use arc_swap::ArcSwap;
use bakery_wire::menu::{ProductPicture, from_column};
use bakery_wire::{Category, Inscription, Product, cents_to_price};
use bytes::Bytes;
use entity::product;
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use super::supervision::Restarts;
use crate::cache::RedisCache;
use crate::domain::options::{GroupSpec, groups_of, shown_groups};
use crate::store::catalog::Menu;
use crate::store::{self, StoreError};

/// How long a change waits for more changes before the catalog is reloaded once for all.
const COALESCE_WINDOW: Duration = Duration::from_millis(20);
/// With Redis, how often the catalog is reloaded anyway (a change announced while Redis was
/// unreachable is picked up by then).
const REFRESH_EVERY: Duration = Duration::from_secs(10);

/// The catalog as served: the products' JSON body and the categories' (each with its ETag), and
/// the products by id for order checks.
#[derive(Debug)]
pub struct CatalogSnapshot {
    pub json: Bytes,
    /// Quoted strong ETag of `json`.
    pub etag: String,
    /// `GET /api/categories`: the categories in display order, with their products on the menu.
    pub categories_json: Bytes,
    /// Quoted strong ETag of `categories_json`.
    pub categories_etag: String,
    products: HashMap<i64, product::Model>,
    /// Each product's option groups, read from its column once.
    options: HashMap<i64, Vec<GroupSpec>>,
}

impl CatalogSnapshot {
    /// Serializes the products and the categories once, for every reader of this snapshot.
    pub fn build(menu: Menu) -> Result<CatalogSnapshot, serde_json::Error> {
        let Menu {
            products,
            categories,
            pictures,
        } = menu;
        let pictures: HashMap<i64, ProductPicture> = pictures
            .into_iter()
            .map(|p| (p.product_id, p.shown()))
            .collect();
        let names: HashMap<i64, &str> =
            categories.iter().map(|c| (c.id, c.name.as_str())).collect();
        let options: HashMap<i64, Vec<GroupSpec>> = products
            .iter()
            .map(|p| (p.id, groups_of(p.options.as_deref())))
            .filter(|(_, groups)| !groups.is_empty())
            .collect();
        let listed: Vec<Product> = products
            .iter()
            .map(|p| Product {
                id: p.id,
                name: p.name.clone(),
                description: p.description.clone(),
                price: cents_to_price(p.price_cents),
                image_url: p.image_url.clone(),
                stock: p.stock,
                allergens: from_column(&p.allergens),
                may_contain: from_column(&p.may_contain),
                dietary: from_column(&p.dietary),
                category: p
                    .category_id
                    .and_then(|id| names.get(&id))
                    .map(|name| (*name).to_owned()),
                planning: store::catalog::planning_of(p),
                options: options
                    .get(&p.id)
                    .map_or_else(Vec::new, |g| shown_groups(g)),
                inscription: p
                    .inscription_max_len
                    .map(|max_length| Inscription { max_length }),
                picture: pictures.get(&p.id).cloned(),
            })
            .collect();
        let listed_categories: Vec<Category> = categories
            .iter()
            .map(|c| Category {
                id: c.id,
                name: c.name.clone(),
                position: c.position,
                product_count: products
                    .iter()
                    .filter(|p| p.category_id == Some(c.id))
                    .count()
                    .try_into()
                    .unwrap_or(i64::MAX),
            })
            .collect();
        let json = Bytes::from(serde_json::to_vec(&listed)?);
        let categories_json = Bytes::from(serde_json::to_vec(&listed_categories)?);
        let products = products.into_iter().map(|p| (p.id, p)).collect();
        Ok(CatalogSnapshot {
            etag: etag_of(&json),
            json,
            categories_etag: etag_of(&categories_json),
            categories_json,
            products,
            options,
        })
    }

    /// An active product by id.
    pub fn product(&self, id: i64) -> Option<&product::Model> {
        self.products.get(&id)
    }

    /// The option groups of a product (none for an unknown one).
    pub fn options(&self, id: i64) -> &[GroupSpec] {
        self.options.get(&id).map_or(&[], Vec::as_slice)
    }
}

/// A quoted strong ETag of `body`: the start of its SHA-256, in hex.
fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!(
        "\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

/// The current snapshot, swapped atomically by the actor and read lock-free by handlers.
pub type SharedCatalog = Arc<ArcSwap<CatalogSnapshot>>;

/// Loads a fresh snapshot from the database (products and categories in one read).
pub async fn load_snapshot(db: &DatabaseConnection) -> Result<CatalogSnapshot, StoreError> {
    Ok(CatalogSnapshot::build(store::catalog::menu(db).await?)?)
}

/// Loads a snapshot through the Redis second level: announce a change made here (if `announce`),
/// then take the current version's copy from Redis, or load the database and store it there.
/// Any Redis trouble falls back to the database alone.
pub async fn load_through_cache(
    db: &DatabaseConnection,
    redis: &RedisCache,
    announce: bool,
) -> Result<CatalogSnapshot, StoreError> {
    let build = |stored: Menu| CatalogSnapshot::build(stored).map_err(StoreError::from);
    if announce && let Err(err) = redis.announce_change().await {
        tracing::warn!(error = %err, "catalog change not announced; replicas refresh within 10 s");
    }
    let version = match redis.catalog_version().await {
        Ok(version) => version,
        Err(err) => {
            tracing::warn!(error = %err, "redis unavailable; loading the catalog from the database");
            return load_snapshot(db).await;
        }
    };
    // A copy in another shape (stored by an older release) counts as a miss and is replaced.
    if let Ok(Some(json)) = redis.catalog(version).await
        && let Ok(stored) = serde_json::from_slice::<Menu>(&json)
    {
        crate::metrics::cache_hit();
        return build(stored);
    }
    crate::metrics::cache_miss();
    let stored = store::catalog::menu(db).await?;
    if let Ok(json) = serde_json::to_vec(&stored)
        && let Err(err) = redis.store_catalog(version, &json).await
    {
        tracing::debug!(error = %err, "catalog not stored in redis");
    }
    build(stored)
}

/// Stock or products changed: reload the catalog soon. `announce`: the change was made in this
/// process, so tell the other replicas too.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Invalidate {
    pub announce: bool,
}

/// The actor that keeps [`SharedCatalog`] fresh.
pub struct CatalogCache {
    db: DatabaseConnection,
    shared: SharedCatalog,
    redis: Option<Arc<RedisCache>>,
    restarts: Restarts,
    /// A change made here is waiting to be announced.
    announce: bool,
    reload_scheduled: bool,
    reloading: bool,
    /// A change arrived during a reload (or a reload failed): reload again.
    dirty: bool,
    reloads: Arc<AtomicU64>,
}

impl CatalogCache {
    /// An actor serving `shared`, which must already hold a first snapshot.
    pub fn new(
        db: DatabaseConnection,
        shared: SharedCatalog,
        redis: Option<Arc<RedisCache>>,
        restarts: Restarts,
    ) -> CatalogCache {
        CatalogCache {
            db,
            shared,
            redis,
            restarts,
            announce: false,
            reload_scheduled: false,
            reloading: false,
            dirty: false,
            reloads: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Counts the reloads done, to show that bursts of changes are coalesced.
    pub fn reload_counter(&self) -> Arc<AtomicU64> {
        self.reloads.clone()
    }

    fn schedule_reload(&mut self, ctx: &mut Context<Self>) {
        if self.reloading {
            self.dirty = true;
        } else if !self.reload_scheduled {
            self.reload_scheduled = true;
            ctx.run_later(COALESCE_WINDOW, |act, ctx| act.reload(ctx));
        }
    }

    fn reload(&mut self, ctx: &mut Context<Self>) {
        self.reload_scheduled = false;
        self.reloading = true;
        self.dirty = false;
        let (db, redis) = (self.db.clone(), self.redis.clone());
        let announce = std::mem::take(&mut self.announce);
        let load = async move {
            match redis {
                Some(redis) => load_through_cache(&db, &redis, announce).await,
                None => load_snapshot(&db).await,
            }
        };
        ctx.spawn(load.into_actor(self).map(move |loaded, act, ctx| {
            act.reloading = false;
            match loaded {
                Ok(snapshot) => {
                    act.shared.store(Arc::new(snapshot));
                    act.reloads.fetch_add(1, Ordering::Relaxed);
                    act.restarts.succeeded();
                    if act.dirty {
                        act.schedule_reload(ctx);
                    }
                }
                Err(err) => {
                    tracing::error!(actor = act.restarts.actor(), error = %err, "catalog reload failed");
                    act.dirty = true;
                    act.announce |= announce;
                    act.restarts.failed(&err);
                    ctx.stop();
                }
            }
        }));
    }
}

impl Actor for CatalogCache {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        self.reload_scheduled = false;
        self.reloading = false;
        if self.dirty {
            self.reload_scheduled = true;
            ctx.run_later(delay, |act, ctx| act.reload(ctx));
        }
        if self.redis.is_some() {
            ctx.run_interval(REFRESH_EVERY, |act, ctx| act.schedule_reload(ctx));
        }
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(CatalogCache);

impl Handler<Invalidate> for CatalogCache {
    type Result = ();

    fn handle(&mut self, msg: Invalidate, ctx: &mut Self::Context) {
        self.announce |= msg.announce && self.redis.is_some();
        self.schedule_reload(ctx);
    }
}

/// The actor that turns catalog changes announced over Redis into [`Invalidate`]s.
pub struct InvalidationListener {
    redis: Arc<RedisCache>,
    catalog: Addr<CatalogCache>,
    restarts: Restarts,
}

impl InvalidationListener {
    /// Listens on `redis` for `catalog`.
    pub fn new(redis: Arc<RedisCache>, catalog: Addr<CatalogCache>, restarts: Restarts) -> Self {
        InvalidationListener {
            redis,
            catalog,
            restarts,
        }
    }
}

impl Actor for InvalidationListener {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let delay = self.restarts.started();
        let (redis, catalog) = (self.redis.clone(), self.catalog.clone());
        let listen = async move {
            tokio::time::sleep(delay).await;
            // Changes announced while this listener was away: reload once now.
            catalog.do_send(Invalidate { announce: false });
            redis
                .listen(|| catalog.do_send(Invalidate { announce: false }))
                .await
        };
        ctx.spawn(listen.into_actor(self).map(|err, act, ctx| {
            tracing::warn!(actor = act.restarts.actor(), error = %err, "catalog change listener lost redis");
            act.restarts.failed(&err);
            ctx.stop();
        }));
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

super::supervision::supervised_by_restarts!(InvalidationListener);
