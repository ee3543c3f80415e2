//! `bakery-bench soak`: runs the shop under a mixed load through faults for minutes, then checks
//! that nothing was lost, repeated or leaked.
//!
//! The embedded shape is one `bakery all` process on a SQLite file; the distributed shape two
//! `serve` and two `worker` processes on a fresh PostgreSQL database with their own RabbitMQ and
//! Redis names, each link through a [`proxy::LinkProxy`]. Customers and staff load the shop at a
//! bounded rate; during the first half the chaos loop kills processes (and cuts links), the
//! second half is steady load for the memory check; then the orders settle and the checks run.

mod chaos;
mod chart;
mod checks;
mod cluster;
mod hooks;
mod proxy;
mod record;
mod report;
mod traffic;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::AsyncWriteExt;

use crate::Error;
use crate::app::{Backing, Services, Shape};
use crate::db::Db;
use cluster::{Cluster, Role, current};
use proxy::LinkProxy;
use record::Recorder;
use traffic::Traffic;

pub const USAGE: &str = "\
usage: bakery-bench soak [--minutes N] [--shape embedded|distributed] [--out DIR]
                         [--rate N] [--seed N] [--rss-slope MIB_PER_MIN] [--bakery PATH]

  --minutes N       length of the load (default 10): faults in the first half, steady after
  --shape S         embedded (one process, SQLite) or distributed (two serve, two worker,
                    PostgreSQL, Redis, RabbitMQ through cuttable proxies; default)
  --out DIR         where soak-<shape>.json, soak-<shape>.svg and the logs go
                    (default: the target folder's soak/)
  --rate N          customer visits started per second (default 8)
  --seed N          the chaos loop's and the customers' randomness (default: the clock)
  --rss-slope X     the memory check's bound, MiB per minute (default 1)
";

const ADMIN: &str = "soak-admin@example.com";
const ADMIN_PASSWORD: &str = "soak-admin-password-2026";

pub struct Options {
    minutes: f64,
    shape: Shape,
    out: PathBuf,
    rate: f64,
    seed: u64,
    rss_slope: f64,
    bakery: PathBuf,
    services: Services,
}

impl Options {
    pub fn parse(
        args: impl Iterator<Item = String>,
        services: Services,
        exe_dir: PathBuf,
    ) -> Result<Options, String> {
        let clock = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let mut options = Options {
            minutes: 10.0,
            shape: Shape::Distributed,
            out: exe_dir
                .parent()
                .map_or_else(|| exe_dir.clone(), PathBuf::from)
                .join("soak"),
            rate: 8.0,
            seed: clock.as_secs() ^ u64::from(clock.subsec_nanos()),
            rss_slope: 1.0,
            bakery: exe_dir.join("bakery"),
            services,
        };
        let mut args = args.peekable();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            let number = |name: &str, v: String| {
                v.parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite() && *n > 0.0)
                    .ok_or(format!("bad {name} {v}"))
            };
            match arg.as_str() {
                "--minutes" => options.minutes = number("--minutes", value("--minutes")?)?,
                "--rate" => options.rate = number("--rate", value("--rate")?)?,
                "--rss-slope" => {
                    options.rss_slope = number("--rss-slope", value("--rss-slope")?)?;
                }
                "--seed" => {
                    let v = value("--seed")?;
                    options.seed = v.parse().map_err(|_| format!("bad --seed {v}"))?;
                }
                "--shape" => {
                    options.shape = match value("--shape")?.as_str() {
                        "embedded" => Shape::Embedded,
                        "distributed" => Shape::Distributed,
                        other => return Err(format!("unknown shape {other}")),
                    }
                }
                "--out" => options.out = PathBuf::from(value("--out")?),
                "--bakery" => options.bakery = PathBuf::from(value("--bakery")?),
                "-h" | "--help" => return Err(String::new()),
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(options)
    }
}

/// The whole soak; `Ok(false)` when a check failed.
pub async fn run(options: Options) -> Result<bool, Error> {
    if !options.bakery.is_file() {
        return Err(format!("no bakery binary at {}", options.bakery.display()).into());
    }
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let unique = format!("soak_{}_{}", std::process::id(), started.as_millis());
    let scratch = std::env::temp_dir().join(format!("bakery-{unique}"));
    std::fs::create_dir_all(&scratch)?;
    std::fs::create_dir_all(&options.out)?;
    let shape = options.shape.name();
    eprintln!(
        "soak: {shape}, {:.1} min, {} visits/s, seed {}",
        options.minutes, options.rate, options.seed
    );
    let backing = Backing::create(options.shape, &unique, &scratch, &options.services).await?;
    let outcome = soak(&options, &backing).await;
    backing.cleanup().await;
    let _ = std::fs::remove_dir_all(&scratch);
    outcome
}

async fn soak(options: &Options, backing: &Backing) -> Result<bool, Error> {
    backing.prepare(&options.bakery).await?;
    add_admin(options, backing).await?;
    let hooks = hooks::HookReceiver::start()?;
    let (links, mut env) = links(options, backing).await?;
    env.extend(
        [
            ("BAKERY_PREP_TIME", "1s"),
            ("BAKERY_LOG", "warn"),
            ("BAKERY_METRICS_BIND", "127.0.0.1:0"),
            ("BAKERY_NOTIFY_ALLOW_PRIVATE_HOSTS", "true"),
            ("BAKERY_NOTIFY_RETRY_BASE", "1s"),
            ("BAKERY_MAX_ATTEMPTS", "50"),
            ("BAKERY_WORKER_RESTART_MAX", "2s"),
            ("BAKERY_WORKER_LEASE_TIME", "4s"),
            ("BAKERY_WORKER_LEASE_SWEEP", "1s"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let processes: &[(&str, Role)] = match options.shape {
        Shape::Embedded => &[("all", Role::All)],
        Shape::Distributed => &[
            ("serve-1", Role::Serve),
            ("serve-2", Role::Serve),
            ("worker-1", Role::Worker),
            ("worker-2", Role::Worker),
        ],
    };
    let logs = options.out.join(format!("logs-{}", options.shape.name()));
    let _ = std::fs::remove_dir_all(&logs);
    let mut cluster =
        Cluster::start(backing, &options.bakery, env, logs.clone(), processes).await?;
    let outcome = load_and_check(options, backing, &mut cluster, &links, &hooks).await;
    cluster.stop().await;
    hooks.stop().await;
    drop(links);
    eprintln!("soak: the processes' logs are in {}", logs.display());
    outcome
}

/// The distributed shape's proxies, and the settings that send the processes through them.
async fn links(
    options: &Options,
    backing: &Backing,
) -> Result<(Vec<LinkProxy>, Vec<(String, String)>), Error> {
    if options.shape == Shape::Embedded {
        return Ok((Vec::new(), Vec::new()));
    }
    let services = &options.services;
    let pg = LinkProxy::start("PostgreSQL", upstream(&services.pg, 5432)?).await?;
    let redis = LinkProxy::start("Redis", upstream(&services.redis, 6379)?).await?;
    let amqp = LinkProxy::start("RabbitMQ", upstream(&services.amqp, 5672)?).await?;
    let env = vec![
        (
            "BAKERY_DATABASE_URL".to_owned(),
            through(&backing.database_url, pg.port),
        ),
        (
            "BAKERY_REDIS_URL".to_owned(),
            through(&services.redis, redis.port),
        ),
        (
            "BAKERY_AMQP_URL".to_owned(),
            through(&services.amqp, amqp.port),
        ),
    ];
    Ok((vec![pg, redis, amqp], env))
}

/// The `host:port` of a service URL (`scheme://[user@]host[:port][/…]`).
fn upstream(url: &str, default_port: u16) -> Result<SocketAddr, Error> {
    let rest = url
        .split("://")
        .nth(1)
        .ok_or("a service URL without a scheme")?;
    let authority = rest.split('/').next().unwrap_or(rest);
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let with_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:{default_port}")
    };
    let with_port = with_port.replace("localhost", "127.0.0.1");
    Ok(with_port.parse()?)
}

/// `url` with its host and port replaced by 127.0.0.1:`port`.
fn through(url: &str, port: u16) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let user = authority.rsplit_once('@').map(|(u, _)| format!("{u}@"));
    format!(
        "{scheme}://{}127.0.0.1:{port}{path}",
        user.unwrap_or_default()
    )
}

/// `bakery user add --role admin` with the password on standard input.
async fn add_admin(options: &Options, backing: &Backing) -> Result<(), Error> {
    let mut child = backing
        .command(&options.bakery)
        .args(["user", "add", "--role", "admin", ADMIN])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
            .await?;
    }
    let output = child.wait_with_output().await?;
    if !output.status.success() {
        return Err(format!(
            "bakery user add failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}

/// Starts the load, the chaos loop and the memory readings; after `--minutes` lets the orders
/// settle, then checks and reports.
async fn load_and_check(
    options: &Options,
    backing: &Backing,
    cluster: &mut Cluster,
    links: &[LinkProxy],
    hooks: &hooks::HookReceiver,
) -> Result<bool, Error> {
    let http = cluster.http_addresses();
    let first = http
        .first()
        .and_then(current)
        .ok_or("no process serves HTTP")?;
    let hook_url = format!("http://{}/hook", hooks.addr);
    let bearer = traffic::admin_set_up(first, ADMIN, ADMIN_PASSWORD, &hook_url).await?;
    let db = Db::open(&backing.database_url, 2).await?;
    let stock_before = checks::stock(&db).await?;
    let length = Duration::from_secs_f64(options.minutes * 60.0);
    let recorder = Arc::new(Recorder::new(length / 2));
    let traffic = Arc::new(Traffic {
        recorder: Arc::clone(&recorder),
        ledger: traffic::Ledger::default(),
        http,
        bearer,
        run: format!("soak-{}", options.seed),
        stop: AtomicBool::new(false),
    });
    let customers = tokio::spawn(traffic::customers(
        Arc::clone(&traffic),
        options.rate,
        64,
        options.seed,
    ));
    let staff = tokio::spawn(traffic::staff(Arc::clone(&traffic), options.seed ^ 0x5747));
    let plan = chaos::Plan {
        until: length.as_secs_f64() / 2.0 - 5.0,
        every: (5.0, 12.0),
        cut_for: (2.0, 5.0),
        seed: options.seed ^ 0xC4A05,
    };
    let done = Arc::new(AtomicBool::new(false));
    let settle = async {
        tokio::time::sleep(length).await;
        let load_end = recorder.now();
        eprintln!("soak: {load_end:>6.1} s  load stopped; the orders settle");
        traffic.stop.store(true, Ordering::SeqCst);
        recorder.start_drain();
        let _ = staff.await;
        let drained = drain(&traffic, &db).await;
        let _ = customers.await;
        let notified = notifications_settle(&db, hooks, recorder.start).await;
        done.store(true, Ordering::SeqCst);
        (load_end, drained, notified)
    };
    let (unexpected, (load_end, drained, notified)) = tokio::join!(
        chaos::run(cluster, backing, links, &recorder, &plan, Arc::clone(&done)),
        settle
    );
    let accepted = traffic.ledger.accepted();
    let key_conflicts = traffic
        .ledger
        .key_conflicts
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let follows = traffic.ledger.follows();
    let calls = hooks.calls(recorder.start);
    let faults = recorder.faults();
    let rss = recorder.rss_samples();
    let seen = checks::Seen {
        accepted: &accepted,
        key_conflicts: &key_conflicts,
        follows: &follows,
        calls: &calls,
        faults: &faults,
        stock_before: &stock_before,
        rss: &rss,
        rss_window: (length.as_secs_f64() / 2.0, load_end),
        rss_bound: options.rss_slope,
        unexpected_exits: unexpected,
    };
    let mut verdict = checks::run(&db, &seen).await?;
    verdict.insert(0, drained);
    verdict.insert(1, notified);
    db.close().await;
    let summary = report::Summary::new(options, &recorder, &traffic.ledger, verdict, load_end);
    summary.print();
    let json = options
        .out
        .join(format!("soak-{}.json", options.shape.name()));
    let svg = options
        .out
        .join(format!("soak-{}.svg", options.shape.name()));
    summary.write_json(&json)?;
    chart::draw(&recorder, &summary, &svg)?;
    eprintln!("soak: wrote {} and {}", json.display(), svg.display());
    Ok(summary.passed())
}

/// Waits for the kitchen to finish every order and has the staff hand over the ready ones,
/// for at most two minutes.
async fn drain(traffic: &Traffic, db: &Db) -> checks::Check {
    let began = Instant::now();
    let mut handed = 0;
    while began.elapsed() < Duration::from_secs(120) {
        let open = checks::open_orders(db).await.unwrap_or(-1);
        let ready = checks::ready_orders(db).await.unwrap_or_default();
        if open == 0 && ready.is_empty() {
            return checks::Check {
                name: "the orders settle after the load".to_owned(),
                ok: true,
                detail: format!(
                    "in {:.1} s ({handed} handed over at the end)",
                    began.elapsed().as_secs_f64()
                ),
            };
        }
        for id in ready {
            if let Some(addr) = traffic.http.iter().find_map(current) {
                let mut http = crate::load::Http::new(addr);
                traffic::staff_move(traffic, &mut http, id, "complete", "{}").await;
                handed += 1;
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let open = checks::open_orders(db).await.unwrap_or(-1);
    checks::Check {
        name: "the orders settle after the load".to_owned(),
        ok: false,
        detail: format!("{open} orders still open after 120 s"),
    }
}

/// Waits until the receiver has heard of every order event and no delivery is pending. A
/// delivery claimed by a process that was then killed is tried again when its claim lapses (the
/// notifier's two-minute lease), so this waits up to three minutes.
async fn notifications_settle(
    db: &Db,
    hooks: &hooks::HookReceiver,
    start: Instant,
) -> checks::Check {
    let began = Instant::now();
    let mut missing = 0;
    let mut pending = 0;
    while began.elapsed() < Duration::from_secs(180) {
        let told: std::collections::HashSet<i64> =
            hooks.calls(start).iter().map(|c| c.event_id).collect();
        let events = checks::event_ids(db).await.unwrap_or_default();
        missing = events.iter().filter(|e| !told.contains(e)).count();
        pending = checks::deliveries(db)
            .await
            .ok()
            .and_then(|d| d.get("pending").copied())
            .unwrap_or(0);
        if missing == 0 && pending == 0 && !events.is_empty() {
            return checks::Check {
                name: "the notifications settle after the load".to_owned(),
                ok: true,
                detail: format!("in {:.1} s", began.elapsed().as_secs_f64()),
            };
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    checks::Check {
        name: "the notifications settle after the load".to_owned(),
        ok: false,
        detail: format!("{missing} events not told, {pending} deliveries pending after 180 s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_urls_go_through_their_proxy() {
        let pg = "postgres://postgres@127.0.0.1:5432/bench_soak_1";
        assert_eq!(upstream(pg, 5432).unwrap().to_string(), "127.0.0.1:5432");
        assert_eq!(
            through(pg, 40001),
            "postgres://postgres@127.0.0.1:40001/bench_soak_1"
        );
        let amqp = "amqp://guest:guest@localhost/%2f";
        assert_eq!(upstream(amqp, 5672).unwrap().to_string(), "127.0.0.1:5672");
        assert_eq!(
            through(amqp, 40002),
            "amqp://guest:guest@127.0.0.1:40002/%2f"
        );
        let redis = "redis://127.0.0.1:6379";
        assert_eq!(through(redis, 40003), "redis://127.0.0.1:40003");
    }
}
