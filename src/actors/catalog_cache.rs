//! CatalogCache: owns the catalog snapshot (pre-serialized JSON + ETag) and reloads it, coalesced, after changes.
//!
//! Request handlers read the current snapshot through [`SharedCatalog`] without messaging the
//! actor; the actor alone loads and swaps it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix::prelude::*;
use arc_swap::ArcSwap;
use bakery_wire::{Product, cents_to_price};
use bytes::Bytes;
use entity::product;
use sea_orm::{DatabaseConnection, DbErr};
use sha2::{Digest, Sha256};

use super::supervision::Restarts;
use crate::store;

/// How long a change waits for more changes before the catalog is reloaded once for all.
const COALESCE_WINDOW: Duration = Duration::from_millis(20);

/// The catalog as served: the JSON body, its ETag, and the products by id for order checks.
#[derive(Debug)]
pub struct CatalogSnapshot {
    pub json: Bytes,
    /// Quoted strong ETag of `json`.
    pub etag: String,
    products: HashMap<i64, product::Model>,
}

impl CatalogSnapshot {
    /// Serializes the products once, for every reader of this snapshot.
    pub fn build(products: Vec<product::Model>) -> Result<CatalogSnapshot, serde_json::Error> {
        let listed: Vec<Product> = products
            .iter()
            .map(|p| Product {
                id: p.id,
                name: p.name.clone(),
                description: p.description.clone(),
                price: cents_to_price(p.price_cents),
                image_url: p.image_url.clone(),
                stock: p.stock,
            })
            .collect();
        let json = Bytes::from(serde_json::to_vec(&listed)?);
        let digest = Sha256::digest(&json);
        let etag = format!(
            "\"{}\"",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        let products = products.into_iter().map(|p| (p.id, p)).collect();
        Ok(CatalogSnapshot {
            json,
            etag,
            products,
        })
    }

    /// An active product by id.
    pub fn product(&self, id: i64) -> Option<&product::Model> {
        self.products.get(&id)
    }
}

/// The current snapshot, swapped atomically by the actor and read lock-free by handlers.
pub type SharedCatalog = Arc<ArcSwap<CatalogSnapshot>>;

/// Loads a fresh snapshot from the database.
pub async fn load_snapshot(db: &DatabaseConnection) -> Result<CatalogSnapshot, DbErr> {
    let products = store::catalog::active_products(db).await?;
    CatalogSnapshot::build(products).map_err(|e| DbErr::Custom(e.to_string()))
}

/// Stock or products changed: reload the catalog soon.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub struct Invalidate;

/// The actor that keeps [`SharedCatalog`] fresh.
pub struct CatalogCache {
    db: DatabaseConnection,
    shared: SharedCatalog,
    restarts: Restarts,
    reload_scheduled: bool,
    reloading: bool,
    /// A change arrived during a reload (or a reload failed): reload again.
    dirty: bool,
    reloads: Arc<AtomicU64>,
}

impl CatalogCache {
    /// An actor serving `shared`, which must already hold a first snapshot.
    pub fn new(db: DatabaseConnection, shared: SharedCatalog, restarts: Restarts) -> CatalogCache {
        CatalogCache {
            db,
            shared,
            restarts,
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
        let db = self.db.clone();
        let load = async move { load_snapshot(&db).await };
        ctx.spawn(load.into_actor(self).map(|loaded, act, ctx| {
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
    }

    fn stopped(&mut self, _ctx: &mut Self::Context) {
        self.restarts.stopped();
    }
}

impl Supervised for CatalogCache {
    fn restarting(&mut self, _ctx: &mut Self::Context) {
        self.restarts.restarting();
    }
}

impl Handler<Invalidate> for CatalogCache {
    type Result = ();

    fn handle(&mut self, _msg: Invalidate, ctx: &mut Self::Context) {
        self.schedule_reload(ctx);
    }
}
