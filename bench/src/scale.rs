//! `bakery-bench --scale`: the same workloads on an empty database and on a year of history, side
//! by side, each allowed 1.5× its empty figure.
//!
//! For each shape the bakery runs twice, each time on a fresh database: once as migrated, once
//! after [`history::fill`] wrote a year of a busy shop. Each run times `bakery migrate` (nothing to
//! apply), the last migration applied again (rolled back first), the start-up to the `listening
//! on` line, then drives the benchmark's workloads and those that grow with history: the staff
//! board for today, an order page (of any age), the production sheet, the audit log and
//! `/metrics`.

pub mod history;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::{Method, StatusCode};
use migration::{Migrator, MigratorTrait};
use serde::Serialize;

use crate::app::{App, Backing, Shape};
use crate::db::Db;
use crate::load::{Http, drive, quantile_ms};
use crate::workloads::{Get, PostOrder};
use crate::{Error, Options};

/// How much slower than on the empty database a figure may be.
pub const ALLOWED: f64 = 1.5;

/// The staff account the run signs in with.
const ADMIN: &str = "scale@bench.example";
const PASSWORD: &str = "scale-bench-password-1";

/// Order pages read, spread evenly over every order in the database.
const ORDER_PAGES: u64 = 10_000;

/// One figure of one run: a rate (workloads) or a duration (one-off steps).
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub name: String,
    /// Requests per second, for workloads.
    pub per_second: Option<f64>,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
}

/// One shape on one database.
#[derive(Debug, Clone, Serialize)]
pub struct RunFigures {
    pub figures: Vec<Figure>,
    pub database_bytes: u64,
    pub filled: Option<history::Filled>,
    pub last_migration: String,
}

/// A figure on both databases and how they compare.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub shape: String,
    pub name: String,
    pub empty: Figure,
    pub full: Figure,
    /// Full over empty: time per request (or the step's time); 1.0 means no slower.
    pub slower: f64,
    pub met: bool,
}

/// Both shapes, empty and full; `Ok(false)` when a figure is more than [`ALLOWED`] times slower.
pub async fn run(options: &Options, unique: &str, scratch: &Path) -> Result<bool, Error> {
    let mut comparisons = Vec::new();
    let mut sizes = Vec::new();
    for shape in options.shapes.clone() {
        let empty = one_run(
            options,
            shape,
            &format!("{unique}_{}_e", shape.name()),
            scratch,
            0,
        )
        .await?;
        let full = one_run(
            options,
            shape,
            &format!("{unique}_{}_f", shape.name()),
            scratch,
            options.scale_orders,
        )
        .await?;
        sizes.push((shape, empty.clone(), full.clone()));
        for e in &empty.figures {
            if let Some(f) = full.figures.iter().find(|f| f.name == e.name) {
                comparisons.push(compare(shape, e, f));
            }
        }
    }
    print!("{}", table(&comparisons, &sizes));
    std::fs::create_dir_all(&options.out)?;
    let json = options.out.join("scale.json");
    let body = serde_json::json!({ "comparisons": comparisons, "runs": sizes.iter().map(|(s, e, f)| {
        serde_json::json!({ "shape": s.name(), "empty": e, "full": f })
    }).collect::<Vec<_>>() });
    std::fs::write(&json, serde_json::to_string_pretty(&body)?)?;
    eprintln!("scale: wrote {}", json.display());
    let missed = comparisons.iter().filter(|c| !c.met).count();
    eprintln!(
        "scale: {} of {} figures within {ALLOWED}x of the empty database",
        comparisons.len() - missed,
        comparisons.len()
    );
    Ok(missed == 0)
}

fn compare(shape: Shape, empty: &Figure, full: &Figure) -> Comparison {
    let slower = match (empty.per_second, full.per_second) {
        (Some(e), Some(f)) if f > 0.0 => e / f,
        (Some(_), Some(_)) => f64::INFINITY,
        _ if empty.p50_ms > 0.0 => full.p50_ms / empty.p50_ms,
        _ => 1.0,
    };
    Comparison {
        shape: shape.name().to_owned(),
        name: empty.name.clone(),
        empty: empty.clone(),
        full: full.clone(),
        slower,
        met: slower <= ALLOWED && full.errors == 0,
    }
}

/// The markdown table of every comparison, then the databases' sizes.
fn table(comparisons: &[Comparison], runs: &[(Shape, RunFigures, RunFigures)]) -> String {
    let mut out = String::from(
        "\n| shape | figure | empty | a year | slower | within 1.5x |\n|---|---|--:|--:|--:|---|\n",
    );
    let show = |f: &Figure| match f.per_second {
        Some(rate) => format!("{rate:.0}/s (p50 {:.2} ms)", f.p50_ms),
        None => format!("{:.0} ms", f.p50_ms),
    };
    for c in comparisons {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {:.2}x | {} |\n",
            c.shape,
            c.name,
            show(&c.empty),
            show(&c.full),
            c.slower,
            if c.met { "yes" } else { "**no**" }
        ));
    }
    out.push_str("\n| shape | database | empty | a year | written in |\n|---|---|--:|--:|--:|\n");
    for (shape, empty, full) in runs {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        let (what, took) = full.filled.as_ref().map_or((String::new(), 0.0), |f| {
            (
                format!(
                    "{} orders, {} lines, {} events, {} audit rows",
                    f.orders, f.lines, f.events, f.audit_rows
                ),
                f.seconds,
            )
        });
        out.push_str(&format!(
            "| {} | {what} | {:.1} MiB | {:.1} MiB | {took:.0} s |\n",
            shape.name(),
            mib(empty.database_bytes),
            mib(full.database_bytes)
        ));
    }
    out
}

/// One run of the bakery on a fresh database holding `orders` orders of history.
async fn one_run(
    options: &Options,
    shape: Shape,
    unique: &str,
    scratch: &Path,
    orders: u64,
) -> Result<RunFigures, Error> {
    let backing = Backing::create(shape, unique, scratch, &options.services)
        .await?
        .with_env("BAKERY_METRICS_BIND", "127.0.0.1:0");
    let outcome = measure(options, &backing, orders).await;
    backing.cleanup().await;
    outcome
}

async fn measure(options: &Options, backing: &Backing, orders: u64) -> Result<RunFigures, Error> {
    let bakery = &options.bakery;
    let label = if orders == 0 { "empty" } else { "a year" };
    eprintln!("scale: {} shape, {label}", backing.shape.name());
    backing.prepare(bakery).await?;
    let db = Db::open(&backing.database_url, 2).await?;
    let filled = if orders > 0 {
        Some(history::fill(&db, orders).await?)
    } else {
        None
    };
    history::today(&db).await?;
    backing.add_staff_admin(bakery, ADMIN, PASSWORD).await?;
    let mut figures = Vec::new();
    let (_, took) = history::timed(backing.migrate(bakery)).await?;
    figures.push(once("bakery migrate (nothing to apply)", took));
    let last_migration = roll_back_last(&backing.database_url).await?;
    let (_, took) = history::timed(backing.migrate(bakery)).await?;
    figures.push(once("the last migration, applied again", took));

    let mut app = backing.start(bakery).await?;
    let outcome = place_orders(options, &mut app, &db, orders, &mut figures).await;
    app.stop().await;
    outcome?;
    // Started again, so that both runs read order pages from the database, not from the pages
    // the first process kept as it placed them.
    let (mut app, took) = history::timed(backing.start(bakery)).await?;
    figures.push(once("start-up (exec to listening)", took));
    let outcome = read_history(options, &mut app, &db, orders, &mut figures).await;
    app.stop().await;
    outcome?;
    let sqlite_file = backing
        .database_url
        .strip_prefix("sqlite://")
        .and_then(|rest| rest.split('?').next());
    let database_bytes = history::size_bytes(&db, sqlite_file).await?;
    db.close().await;
    Ok(RunFigures {
        figures,
        database_bytes,
        filled,
        last_migration,
    })
}

/// Rolls the newest migration back (so that `bakery migrate` applies it again); its name.
async fn roll_back_last(url: &str) -> Result<String, Error> {
    let conn = sea_orm::Database::connect(url).await?;
    let name = Migrator::migrations()
        .last()
        .map(|m| m.name().to_owned())
        .unwrap_or_default();
    Migrator::down(&conn, Some(1)).await?;
    conn.close().await?;
    Ok(name)
}

fn once(name: &str, took: Duration) -> Figure {
    let ms = took.as_secs_f64() * 1000.0;
    Figure {
        name: name.to_owned(),
        per_second: None,
        p50_ms: ms,
        p99_ms: ms,
        errors: 0,
    }
}

fn workload<S>(name: &str, run: &mut crate::load::Run<S>) -> Figure {
    Figure {
        name: name.to_owned(),
        per_second: Some(run.rate()),
        p50_ms: quantile_ms(&mut run.latencies_us, 0.50),
        p99_ms: quantile_ms(&mut run.latencies_us, 0.99),
        errors: run.errors,
    }
}

/// The benchmark's catalog reads and order posts, then waits for the orders to be ready.
async fn place_orders(
    options: &Options,
    app: &mut App,
    db: &Db,
    history: u64,
    figures: &mut Vec<Figure>,
) -> Result<(), Error> {
    let addr = app.addr;
    let n = options.connections;
    let duration = options.duration;
    let catalog: Vec<Get> = (0..n).map(|_| Get::new(addr, "/api/products")).collect();
    let mut run = drive("GET /api/products", duration, catalog).await;
    figures.push(workload("GET /api/products", &mut run));

    let posts: Vec<PostOrder> = (0..n)
        .map(|i| PostOrder::new(addr, format!("scale-{history}-{}-{i}", app.pid)))
        .collect();
    let mut run = drive("POST /api/orders", duration, posts).await;
    figures.push(workload("POST /api/orders", &mut run));
    app.check_alive()?;
    settle(db).await
}

/// Order pages, the staff's pages and `/metrics`.
async fn read_history(
    options: &Options,
    app: &mut App,
    db: &Db,
    history: u64,
    figures: &mut Vec<Figure>,
) -> Result<(), Error> {
    let addr = app.addr;
    let n = options.connections;
    let duration = options.duration;
    let workers = |make: &dyn Fn(usize) -> Get| (0..n).map(make).collect::<Vec<_>>();

    // Order pages read from the database: the same number of distinct orders in both runs, each
    // read once by a process that has not seen them (today's orders on the empty database; on the
    // full one, orders spread evenly over the year and today).
    let newest = db.max_order_id().await?;
    let history = i64::try_from(history).unwrap_or(i64::MAX);
    let pages = (newest - history).clamp(1, ORDER_PAGES as i64);
    let step = (newest / pages).max(1);
    let ids: Vec<i64> = (1..=newest).rev().step_by(step as usize).collect();
    figures.push(read_each_once(addr, ids, n).await?);
    let cookie = sign_in(addr).await?;
    let today = chrono_free_today();
    for (name, path) in [
        ("staff board, today", "/api/admin/orders".to_owned()),
        (
            "production sheet, today",
            format!("/api/admin/production?date={today}"),
        ),
        ("audit log", "/api/admin/audit".to_owned()),
    ] {
        let list = workers(&|_| Get::signed_in(addr, &path, &cookie));
        let mut run = drive(name, duration, list).await;
        figures.push(workload(name, &mut run));
    }
    let metrics = app
        .metrics
        .ok_or("the bakery did not say where /metrics is")?;
    let list = workers(&|_| Get::new(metrics, "/metrics"));
    let mut run = drive("/metrics", duration, list).await;
    figures.push(workload("/metrics", &mut run));
    app.check_alive()
}

/// `GET /api/orders/{id}` of each of `ids` once, over `connections` connections.
async fn read_each_once(
    addr: SocketAddr,
    ids: Vec<i64>,
    connections: usize,
) -> Result<Figure, Error> {
    let name = "order page, read from the database";
    let ids = Arc::new(ids);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for first in 0..connections.max(1) {
        let ids = Arc::clone(&ids);
        tasks.push(tokio::spawn(async move {
            let mut http = Http::new(addr);
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            for id in ids.iter().skip(first).step_by(connections.max(1)) {
                let at = Instant::now();
                match http.get_ok(&format!("/api/orders/{id}")).await {
                    Ok(_) => latencies.push(at.elapsed().as_micros().min(u32::MAX as u128) as u32),
                    Err(_) => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mine, failed) = task.await?;
        latencies.extend(mine);
        errors += failed;
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    eprintln!("  {name}: {} pages in {elapsed:.2} s", latencies.len());
    Ok(Figure {
        name: name.to_owned(),
        per_second: Some(latencies.len() as f64 / elapsed),
        p50_ms: quantile_ms(&mut latencies, 0.50),
        p99_ms: quantile_ms(&mut latencies, 0.99),
        errors,
    })
}

/// Waits until no order is `pending` or `processing`.
async fn settle(db: &Db) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(600);
    while db.open_orders(0).await? > 0 {
        if Instant::now() > deadline {
            return Err("orders still open after 600 s".into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Today's date in UTC as `YYYY-MM-DD` (the bench has no date library).
fn chrono_free_today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
        / 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Signs the admin in; the `Cookie` header value of the session.
async fn sign_in(addr: SocketAddr) -> Result<String, Error> {
    let body = serde_json::json!({ "email": ADMIN, "password": PASSWORD }).to_string();
    let (status, headers, answer) = Http::new(addr)
        .send_full(
            Method::POST,
            "/api/staff/sign-in",
            &[("content-type", "application/json")],
            Bytes::from(body),
        )
        .await?;
    if status != StatusCode::OK {
        return Err(format!("sign-in: {status}: {}", String::from_utf8_lossy(&answer)).into());
    }
    headers
        .get_all(hyper::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            v.split(';')
                .next()
                .filter(|c| c.starts_with("bakery_session="))
        })
        .map(str::to_owned)
        .ok_or_else(|| "sign-in set no bakery_session cookie".into())
}
