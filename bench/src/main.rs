//! `cargo xtask bench`: drives the real bakery in both shapes beside its ceilings, then reports.
//!
//! For each shape it starts the release `bakery` binary on a fresh database, measures catalog
//! reads, order posts, order reads and end-to-end orders with 32 keep-alive connections for a
//! fixed time each, and measures the HTTP, PostgreSQL and SQLite ceilings the same way. The table
//! goes to stdout, progress to stderr, and `results.json` and `results.svg` to the output folder.

mod app;
mod ceiling;
mod chart;
mod db;
mod load;
mod report;
mod scale;
mod soak;
mod workloads;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use app::{App, Backing, Services, Shape};
use ceiling::{HttpCeiling, InsertOrder};
use db::Db;
use load::{Http, Run, Step, drive, quantile_ms};
use report::{Machine, Memory, Results, Row};
use workloads::{Get, GetOrder, PostOrder};

/// Idle time before "RSS after the load" is read.
const SETTLE_BEFORE_RSS: Duration = Duration::from_secs(2);

/// Connections of the SQLite ceiling (see `Bench::database_ceiling`).
const SQLITE_CEILING_POOL: u32 = 4;

/// Every error of the benchmark, shown as its sentence.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "\
usage: bakery-bench [--smoke] [--seconds N] [--connections N] [--shape embedded|distributed|both]
                    [--out DIR] [--bakery PATH] [--workloads LIST] [--scale [--orders N]]
       bakery-bench soak [--minutes N] [--shape embedded|distributed] … (soak --help)

  --smoke         one second per workload, targets not checked, output under the target folder
  --seconds N     time per workload (default 10)
  --connections N concurrent connections or transactions (default 32)
  --shape S       which shapes of the bakery to run (default both)
  --out DIR       where results.json and results.svg go (default: the bench/ folder)
  --bakery PATH   the bakery binary (default: `bakery` beside this binary)
  --workloads L   comma-separated subset of catalog,post,read,e2e (default all; read needs post)
  --redraw        only draw results.svg again from the output folder's results.json
  --scale         each shape on an empty database and on a year of history (--orders, default
                  1,000,000 orders), side by side; 5 s per workload unless --seconds; output
                  scale.json under the target folder unless --out
  --orders N      the history's orders for --scale

environment: BAKERY_BENCH_PG (default postgres://postgres@127.0.0.1:5432),
             BAKERY_BENCH_REDIS (redis://127.0.0.1:6379),
             BAKERY_BENCH_AMQP (amqp://guest:guest@127.0.0.1:5672/%2f)
";

struct Options {
    smoke: bool,
    redraw: bool,
    duration: Duration,
    connections: usize,
    shapes: Vec<Shape>,
    out: PathBuf,
    bakery: PathBuf,
    services: Services,
    /// The workloads to run (catalog, post, read, e2e).
    workloads: Vec<String>,
    /// `--scale`: empty against a year of history instead of the benchmark.
    scale: bool,
    /// The history's orders for `--scale`.
    scale_orders: u64,
}

/// Every workload, in the order they run.
const WORKLOADS: [&str; 4] = ["catalog", "post", "read", "e2e"];

impl Options {
    fn runs(&self, workload: &str) -> bool {
        self.workloads.iter().any(|w| w == workload)
    }
}

impl Options {
    fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
        let exe_dir = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(PathBuf::from))
            .unwrap_or_default();
        let mut smoke = false;
        let mut redraw = false;
        let mut scale = false;
        let mut scale_orders = 1_000_000;
        let mut seconds = None;
        let mut connections = 32;
        let mut shapes = vec![Shape::Embedded, Shape::Distributed];
        let mut out = None;
        let mut bakery = exe_dir.join("bakery");
        let mut workloads: Vec<String> = WORKLOADS.iter().map(|w| (*w).to_owned()).collect();
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--smoke" => smoke = true,
                "--redraw" => redraw = true,
                "--scale" => scale = true,
                "--orders" => {
                    let v = value("--orders")?;
                    scale_orders = v.parse().map_err(|_| format!("bad --orders {v}"))?;
                }
                "--seconds" => {
                    let v = value("--seconds")?;
                    seconds = Some(v.parse::<f64>().map_err(|_| format!("bad --seconds {v}"))?);
                }
                "--connections" => {
                    let v = value("--connections")?;
                    connections = v.parse().map_err(|_| format!("bad --connections {v}"))?;
                }
                "--shape" => {
                    shapes = match value("--shape")?.as_str() {
                        "embedded" => vec![Shape::Embedded],
                        "distributed" => vec![Shape::Distributed],
                        "both" => vec![Shape::Embedded, Shape::Distributed],
                        other => return Err(format!("unknown shape {other}")),
                    }
                }
                "--out" => out = Some(PathBuf::from(value("--out")?)),
                "--bakery" => bakery = PathBuf::from(value("--bakery")?),
                "--workloads" => {
                    let list = value("--workloads")?;
                    workloads = list.split(',').map(|w| w.trim().to_owned()).collect();
                    if let Some(bad) = workloads.iter().find(|w| !WORKLOADS.contains(&w.as_str())) {
                        return Err(format!("unknown workload {bad}"));
                    }
                }
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument {other}")),
            }
        }
        let seconds = seconds.unwrap_or(match (smoke, scale) {
            (true, _) => 1.0,
            (false, true) => 5.0,
            (false, false) => 10.0,
        });
        if !seconds.is_finite() || seconds <= 0.0 || connections == 0 {
            return Err("--seconds and --connections must be positive".into());
        }
        let out = out.unwrap_or_else(|| {
            if smoke {
                exe_dir.join("bench-smoke")
            } else if scale {
                exe_dir.join("bench-scale")
            } else {
                PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            }
        });
        Ok(Options {
            smoke,
            redraw,
            duration: Duration::from_secs_f64(seconds),
            connections,
            shapes,
            out,
            bakery,
            workloads,
            scale,
            scale_orders,
            services: services(),
        })
    }
}

/// Where PostgreSQL, Redis and RabbitMQ are (`BAKERY_BENCH_*`, else 127.0.0.1).
fn services() -> Services {
    let env_or = |key: &str, default: &str| std::env::var(key).unwrap_or(default.to_owned());
    Services {
        pg: env_or("BAKERY_BENCH_PG", "postgres://postgres@127.0.0.1:5432")
            .trim_end_matches('/')
            .to_owned(),
        redis: env_or("BAKERY_BENCH_REDIS", "redis://127.0.0.1:6379"),
        amqp: env_or("BAKERY_BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672/%2f"),
    }
}

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("soak") {
        return soak_main();
    }
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("bakery-bench: {message}\n");
            }
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("bakery-bench: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("bakery-bench: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `bakery-bench soak …` (see [`soak::USAGE`]).
fn soak_main() -> ExitCode {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|p| p.parent().map(PathBuf::from))
        .unwrap_or_default();
    let options = match soak::Options::parse(std::env::args().skip(2), services(), exe_dir) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("bakery-bench soak: {message}\n");
            }
            eprint!("{}", soak::USAGE);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("bakery-bench soak: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(soak::run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("bakery-bench soak: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The whole benchmark; `Ok(false)` when a full run missed a target.
async fn run(options: Options) -> Result<bool, Error> {
    if options.redraw {
        let json = std::fs::read_to_string(options.out.join("results.json"))?;
        let results: Results = serde_json::from_str(&json)?;
        chart::draw(&results, &options.out.join("results.svg"))?;
        return Ok(true);
    }
    if !options.bakery.is_file() {
        return Err(format!(
            "no bakery binary at {} (build it first: cargo build --release -p bakery)",
            options.bakery.display()
        )
        .into());
    }
    let machine = Machine::read();
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let unique = format!("{}_{}", std::process::id(), started.as_millis());
    let scratch = std::env::temp_dir().join(format!("bakery-bench-{unique}"));
    std::fs::create_dir_all(&scratch)?;
    std::fs::create_dir_all(&options.out)?;
    eprintln!(
        "bench: {} cores ({}), {} connections, {:.1} s per workload{}",
        machine.cores,
        machine.cpu_model,
        options.connections,
        options.duration.as_secs_f64(),
        if options.smoke { ", smoke run" } else { "" }
    );
    if options.scale {
        let outcome = scale::run(&options, &unique, &scratch).await;
        let _ = std::fs::remove_dir_all(&scratch);
        return outcome;
    }
    let mut bench = Bench {
        options: &options,
        machine: machine.clone(),
        unique,
        scratch: scratch.clone(),
        rows: Vec::new(),
        memory: Vec::new(),
        catalog: None,
    };
    let outcome = bench.all_shapes().await;
    let _ = std::fs::remove_dir_all(&scratch);
    outcome?;

    let mut rows = bench.rows;
    let group_order = |g: &str| match g {
        "ceiling" => 0,
        "embedded" => 1,
        _ => 2,
    };
    rows.sort_by_key(|r| group_order(&r.group));
    let mut machine = machine;
    machine.load_at_end = report::load_average();
    let mut results = Results {
        machine,
        smoke: options.smoke,
        seconds_per_workload: options.duration.as_secs_f64(),
        connections: options.connections,
        unix_time: started.as_secs(),
        rows,
        memory: bench.memory,
        targets: Vec::new(),
    };
    results.compute_ratios();
    results.check_targets();
    print!("{}", results.table());
    let json = options.out.join("results.json");
    let svg = options.out.join("results.svg");
    results.write_json(&json)?;
    chart::draw(&results, &svg)?;
    eprintln!("bench: wrote {} and {}", json.display(), svg.display());
    let missed = results.targets.iter().filter(|t| !t.met).count();
    if options.smoke {
        eprintln!("bench: smoke run, targets not checked");
        return Ok(true);
    }
    if missed > 0 {
        eprintln!(
            "bench: {missed} of {} targets not met",
            results.targets.len()
        );
        return Ok(false);
    }
    eprintln!("bench: all {} targets met", results.targets.len());
    Ok(true)
}

struct Bench<'a> {
    options: &'a Options,
    machine: Machine,
    unique: String,
    scratch: PathBuf,
    rows: Vec<Row>,
    memory: Vec<Memory>,
    /// The bakery's catalog bytes, for the HTTP ceiling (taken from the first shape that runs).
    catalog: Option<bytes::Bytes>,
}

fn row_from<S>(group: &str, workload: &str, detail: &str, run: &mut Run<S>) -> Row {
    Row {
        group: group.to_owned(),
        workload: workload.to_owned(),
        detail: detail.to_owned(),
        shape: None,
        ok: run.ok,
        errors: run.errors,
        seconds: run.elapsed.as_secs_f64(),
        per_second: run.rate(),
        p50_ms: quantile_ms(&mut run.latencies_us, 0.50),
        p99_ms: quantile_ms(&mut run.latencies_us, 0.99),
        ceiling: None,
        ratio: None,
        first_error: run.first_error.clone(),
    }
}

impl Bench<'_> {
    fn workers<S: Step>(&self, make: impl Fn(usize) -> S) -> Vec<S> {
        (0..self.options.connections).map(make).collect()
    }

    async fn all_shapes(&mut self) -> Result<(), Error> {
        for shape in self.options.shapes.clone() {
            self.database_ceiling(shape).await?;
            let unique = format!("{}_{}", self.unique, shape.name());
            let backing =
                Backing::create(shape, &unique, &self.scratch, &self.options.services).await?;
            let outcome = self.shape(&backing).await;
            backing.cleanup().await;
            outcome?;
        }
        Ok(())
    }

    /// One order with two items per transaction, on a fresh copy of the bakery's schema.
    async fn database_ceiling(&mut self, shape: Shape) -> Result<(), Error> {
        let name = format!("bench_{}_ceiling", self.unique);
        let (url, workload) = match shape {
            Shape::Embedded => {
                let file = self.scratch.join(format!("{name}.db"));
                (
                    format!("sqlite://{}?mode=rwc", file.display()),
                    report::SQLITE_CEILING,
                )
            }
            Shape::Distributed => {
                db::create_pg_database(&self.options.services.pg, &name).await?;
                (
                    format!("{}/{name}", self.options.services.pg),
                    report::PG_CEILING,
                )
            }
        };
        let outcome = async {
            Db::migrate(&url).await?;
            // PostgreSQL: one connection per worker. SQLite has one writer: the 32 workers share
            // SQLITE_CEILING_POOL connections, the fastest of 1, 2, 4, 8, 10 and 32 on this machine.
            let size = match shape {
                Shape::Embedded => SQLITE_CEILING_POOL,
                Shape::Distributed => self.options.connections as u32,
            };
            let pool = Db::open(&url, size).await?;
            let prefix = format!("{}-ceiling", self.unique);
            let workers = self.workers(|i| InsertOrder::new(pool.clone(), format!("{prefix}-{i}")));
            let mut run = drive(workload, self.options.duration, workers).await;
            pool.close().await;
            let detail = "1 order + 2 items per transaction";
            let mut row = row_from("ceiling", workload, detail, &mut run);
            row.shape = Some(shape.name().to_owned());
            self.rows.push(row);
            Ok::<(), Error>(())
        }
        .await;
        if shape == Shape::Distributed {
            db::drop_pg_database(&self.options.services.pg, &name).await?;
        }
        outcome
    }

    /// The bare actix-web handler with the same catalog bytes, just before `shape`'s workloads
    /// (the machine's speed drifts over minutes: a ceiling measured for the first shape once
    /// put the second shape's catalog reads at 150% of it).
    async fn http_ceiling(&mut self, body: bytes::Bytes, shape: &str) -> Result<(), Error> {
        let server = HttpCeiling::start(body, self.machine.cores)?;
        let addr = server.addr;
        let workers = self.workers(|_| Get::new(addr, "/api/products"));
        let mut run = drive(report::HTTP_CEILING, self.options.duration, workers).await;
        server.stop().await;
        let detail = "bare actix-web, same catalog bytes from memory";
        let mut row = row_from("ceiling", report::HTTP_CEILING, detail, &mut run);
        row.shape = Some(shape.to_owned());
        self.rows.push(row);
        Ok(())
    }

    async fn shape(&mut self, backing: &Backing) -> Result<(), Error> {
        let bakery = self.options.bakery.clone();
        eprintln!("bench: {} shape", backing.shape.name());
        backing.prepare(&bakery).await?;
        let mut app = backing.start(&bakery).await?;
        let outcome = self.workloads(backing, &mut app).await;
        app.stop().await;
        outcome
    }

    async fn workloads(&mut self, backing: &Backing, app: &mut App) -> Result<(), Error> {
        let group = backing.shape.name();
        let addr = app.addr;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss_idle = app.rss_kib();
        let health = Http::new(addr).get_ok("/health").await?;
        let health = String::from_utf8_lossy(&health).into_owned();
        eprintln!("  {group} /health: {health}");
        let body = match &self.catalog {
            Some(body) => body.clone(),
            None => Http::new(addr).get_ok("/api/products").await?,
        };
        self.catalog = Some(body.clone());
        self.http_ceiling(body, group).await?;
        let db = Db::open(&backing.database_url, 1).await?;
        let duration = self.options.duration;
        let label = |w: &str| format!("{group} {w}");

        if self.options.runs("catalog") {
            let workers = self.workers(|_| Get::new(addr, "/api/products"));
            let mut run = drive(&label(report::CATALOG), duration, workers).await;
            self.rows
                .push(row_from(group, report::CATALOG, "", &mut run));
            app.check_alive()?;
        }

        if self.options.runs("post") {
            let unique = &self.unique;
            let workers =
                self.workers(|i| PostOrder::new(addr, format!("{unique}-{group}-post-{i}")));
            let mut run = drive(&label(report::POST), duration, workers).await;
            self.rows.push(row_from(group, report::POST, "", &mut run));
            let ids: Vec<i64> = run
                .workers
                .iter()
                .flat_map(|w| w.ids.iter().copied())
                .collect();
            app.check_alive()?;
            self.settle(&db, 0).await?;

            if self.options.runs("read") {
                let ids = Arc::new(ids);
                let count = self.options.connections;
                let workers = self.workers(|i| GetOrder::new(addr, Arc::clone(&ids), i, count));
                let mut run = drive(&label(report::READ), duration, workers).await;
                self.rows.push(row_from(group, report::READ, "", &mut run));
                app.check_alive()?;
            }
        }

        if self.options.runs("e2e") {
            self.end_to_end(group, addr, &db).await?;
            app.check_alive()?;
        }
        // After the load, not at its last instant: the server gets a moment with nothing to do.
        tokio::time::sleep(SETTLE_BEFORE_RSS).await;
        let rss_after = app.rss_kib();
        db.close().await;
        let mib = |kib: Option<u64>| kib.map(|k| k as f64 / 1024.0);
        self.memory.push(Memory {
            shape: group.to_owned(),
            rss_idle_mib: mib(rss_idle),
            rss_after_load_mib: mib(rss_after),
            health,
        });
        Ok(())
    }

    /// Waits until no order above `after` is `pending` or `processing`.
    async fn settle(&self, db: &Db, after: i64) -> Result<(), Error> {
        let limit = if self.options.smoke { 120 } else { 600 };
        let deadline = Instant::now() + Duration::from_secs(limit);
        let mut shown = false;
        loop {
            let open = db.open_orders(after).await?;
            if open == 0 {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!("{open} orders still open after {limit} s").into());
            }
            eprint!("\r  waiting for {open:>7} open orders to finish        ");
            shown = true;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if shown {
            eprintln!("\r  every order finished                                ");
        }
        Ok(())
    }

    /// Orders posted for the fixed time, then until every one is `ready`: ready orders per second
    /// from the first post to the last `ready`, and each order's placed-to-ready time.
    async fn end_to_end(
        &mut self,
        group: &str,
        addr: std::net::SocketAddr,
        db: &Db,
    ) -> Result<(), Error> {
        let baseline = db.max_order_id().await?;
        let unique = &self.unique;
        let workers = self.workers(|i| PostOrder::new(addr, format!("{unique}-{group}-e2e-{i}")));
        let label = format!("{group} {} (placing)", report::END_TO_END);
        let start = Instant::now();
        let run = drive(&label, self.options.duration, workers).await;
        self.settle(db, baseline).await?;
        let elapsed = start.elapsed();
        let ready = u64::try_from(db.ready_orders(baseline).await?).unwrap_or(0);
        let mut latencies = db.ready_latencies_us(baseline).await?;
        let not_ready = run.ok.saturating_sub(ready);
        let row = Row {
            group: group.to_owned(),
            workload: report::END_TO_END.to_owned(),
            detail: String::new(),
            shape: None,
            ok: ready,
            errors: run.errors + not_ready,
            seconds: elapsed.as_secs_f64(),
            per_second: ready as f64 / elapsed.as_secs_f64().max(1e-9),
            p50_ms: quantile_ms(&mut latencies, 0.50),
            p99_ms: quantile_ms(&mut latencies, 0.99),
            ceiling: None,
            ratio: None,
            first_error: run.first_error.clone(),
        };
        eprintln!(
            "  {group} end to end: {ready} ready in {:.1} s = {:.0} orders/s",
            elapsed.as_secs_f64(),
            row.per_second
        );
        self.rows.push(row);
        Ok(())
    }
}
