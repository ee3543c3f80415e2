//! Runs the real `bakery` binary as a subprocess on a fresh database, and cleans up after it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout, Command};

use crate::Error;
use crate::db::{self, Db};

/// Where the services of the distributed shape are.
#[derive(Debug, Clone)]
pub struct Services {
    /// `postgres://user@host:port`, without a database.
    pub pg: String,
    pub redis: String,
    pub amqp: String,
}

/// The two shapes of the bakery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Embedded,
    Distributed,
}

impl Shape {
    pub fn name(self) -> &'static str {
        match self {
            Shape::Embedded => "embedded",
            Shape::Distributed => "distributed",
        }
    }
}

/// A fresh database (and, distributed, broker and cache names) for one run of the app.
pub struct Backing {
    pub shape: Shape,
    pub database_url: String,
    env: Vec<(String, String)>,
    dir: PathBuf,
    pg_database: Option<String>,
    prefix: String,
    services: Services,
}

impl Backing {
    /// Creates the database: a file under `dir`, or a new PostgreSQL database named after `unique`.
    pub async fn create(
        shape: Shape,
        unique: &str,
        dir: &Path,
        services: &Services,
    ) -> Result<Backing, Error> {
        let prefix = format!("bench_{unique}_");
        let mut backing = Backing {
            shape,
            database_url: String::new(),
            env: Vec::new(),
            dir: dir.to_path_buf(),
            pg_database: None,
            prefix: prefix.clone(),
            services: services.clone(),
        };
        match shape {
            Shape::Embedded => {
                let file = dir.join(format!("bench_{unique}.db"));
                backing.database_url = format!("sqlite://{}?mode=rwc", file.display());
            }
            Shape::Distributed => {
                let name = format!("bench_{unique}");
                db::create_pg_database(&services.pg, &name).await?;
                backing.database_url = format!("{}/{name}", services.pg);
                backing.pg_database = Some(name);
                backing.env = vec![
                    ("BAKERY_REDIS_URL".into(), services.redis.clone()),
                    ("BAKERY_AMQP_URL".into(), services.amqp.clone()),
                    ("BAKERY_QUEUE_PREFIX".into(), prefix),
                ];
            }
        }
        Ok(backing)
    }

    /// The same backing with one more setting for the bakery process.
    pub fn with_env(mut self, key: &str, value: &str) -> Backing {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The environment of the bakery process.
    fn environment(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = [
            ("BAKERY_BIND", "127.0.0.1:0"),
            ("BAKERY_LOG", "warn"),
            ("BAKERY_LOG_FORMAT", "json"),
            ("BAKERY_PREP_TIME", "0s"),
            ("BAKERY_STATIC_DIR", "/nonexistent"),
            ("BAKERY_SHUTDOWN_GRACE", "2s"),
            // The load comes from one client, far past any per-client limit.
            ("BAKERY_LIMIT_ORDER_POSTS", "0"),
            ("BAKERY_LIMIT_ORDER_LOOKUPS", "0"),
            ("BAKERY_LIMIT_STREAMS_PER_CLIENT", "0"),
            ("BAKERY_LIMIT_STREAMS_TOTAL", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.push(("BAKERY_DATABASE_URL".into(), self.database_url.clone()));
        env.extend(self.env.iter().cloned());
        env
    }

    /// `bakery` with this run's environment (the caller may add to it and override it).
    pub fn command(&self, bakery: &Path) -> Command {
        let mut command = Command::new(bakery);
        for (key, _) in std::env::vars() {
            if key.starts_with("BAKERY_") {
                command.env_remove(key);
            }
        }
        command.envs(self.environment());
        command.kill_on_drop(true);
        command
    }

    /// `bakery migrate`, then stock high enough that no order is rejected.
    pub async fn prepare(&self, bakery: &Path) -> Result<(), Error> {
        self.migrate(bakery).await?;
        let db = Db::open(&self.database_url, 1).await?;
        let updated = db.execute("UPDATE products SET stock = 100000000").await;
        db.close().await;
        updated
    }

    /// `bakery migrate`.
    pub async fn migrate(&self, bakery: &Path) -> Result<(), Error> {
        let output = self
            .command(bakery)
            .arg("migrate")
            .stdin(Stdio::null())
            .output()
            .await?;
        if !output.status.success() {
            return Err(format!(
                "bakery migrate failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(())
    }

    /// `bakery user add --role admin EMAIL`, the password on standard input.
    pub async fn add_staff_admin(
        &self,
        bakery: &Path,
        email: &str,
        password: &str,
    ) -> Result<(), Error> {
        use tokio::io::AsyncWriteExt;
        let mut child = self
            .command(bakery)
            .args(["user", "add", "--role", "admin", email])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin.write_all(format!("{password}\n").as_bytes()).await?;
        }
        let output = child.wait_with_output().await?;
        if !output.status.success() {
            return Err(format!(
                "bakery user add failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(())
    }

    /// Starts the bakery and waits for its `listening on` line (and its `metrics on` line when
    /// `BAKERY_METRICS_BIND` is set).
    pub async fn start(&self, bakery: &Path) -> Result<App, Error> {
        let log = self.dir.join(format!("{}bakery.log", self.prefix));
        let stderr = std::fs::File::create(&log)?;
        let mut child = self
            .command(bakery)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()?;
        let pid = child.id().ok_or("the bakery exited at once")?;
        let stdout = child.stdout.take().ok_or("no stdout from the bakery")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await;
        let line = match first {
            Ok(Ok(Some(line))) => line,
            _ => {
                let _ = child.start_kill();
                let logged = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: String = logged.lines().rev().take(20).collect::<Vec<_>>().join("\n");
                return Err(format!("the bakery did not start; its log ends:\n{tail}").into());
            }
        };
        let addr: SocketAddr = line
            .strip_prefix("listening on http://")
            .ok_or_else(|| format!("unexpected first line from the bakery: {line:?}"))?
            .parse()?;
        let mut metrics = None;
        if self.env.iter().any(|(key, _)| key == "BAKERY_METRICS_BIND") {
            let second = tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await;
            if let Ok(Ok(Some(line))) = second {
                metrics = line
                    .strip_prefix("metrics on http://")
                    .and_then(|rest| rest.trim_end_matches('/').parse().ok());
            }
        }
        Ok(App {
            child,
            _stdout: lines.into_inner().into_inner(),
            pid,
            addr,
            metrics,
            log,
        })
    }

    /// Drops the database, the broker's queues and exchanges and the cache keys of this run.
    pub async fn cleanup(self) {
        match self.shape {
            Shape::Embedded => {
                let url = self.database_url.trim_start_matches("sqlite://");
                let file = url.split('?').next().unwrap_or(url);
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{file}{suffix}"));
                }
            }
            Shape::Distributed => {
                if let Some(name) = &self.pg_database
                    && let Err(err) = db::drop_pg_database(&self.services.pg, name).await
                {
                    eprintln!("bench: could not drop database {name}: {err}");
                }
                cleanup_broker(&self.services, &self.prefix).await;
            }
        }
        // The server's log (warnings and errors) outlives the run, for a look at what failed.
        let log = self.dir.join(format!("{}bakery.log", self.prefix));
        let kept = std::env::temp_dir().join(format!("bakery-bench-{}.log", self.shape.name()));
        if std::fs::rename(&log, &kept).is_ok() || std::fs::copy(&log, &kept).is_ok() {
            let lines = std::fs::read_to_string(&kept).map_or(0, |t| t.lines().count());
            eprintln!(
                "bench: the bakery's log ({lines} lines) is in {}",
                kept.display()
            );
        }
        let _ = std::fs::remove_file(log);
    }
}

/// Deletes the queues, exchanges and Redis keys named under `prefix`.
async fn cleanup_broker(services: &Services, prefix: &str) {
    use lapin::options::{ExchangeDeleteOptions, QueueDeleteOptions};
    if let Ok(conn) =
        lapin::Connection::connect(&services.amqp, lapin::ConnectionProperties::default()).await
        && let Ok(channel) = conn.create_channel().await
    {
        for queue in ["orders", "orders.dlq"] {
            let name = format!("{prefix}{queue}");
            let _ = channel
                .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        for exchange in ["orders.dlx", "order_status"] {
            let name = format!("{prefix}{exchange}");
            let _ = channel
                .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
                .await;
        }
        let _ = conn.close(200, "bench done".into()).await;
    }
    if let Ok(client) = redis::Client::open(services.redis.as_str())
        && let Ok(mut conn) = client.get_multiplexed_async_connection().await
    {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut conn)
            .await
            .unwrap_or_default();
        if !keys.is_empty() {
            let _: Result<(), _> = redis::cmd("DEL").arg(keys).query_async(&mut conn).await;
        }
    }
}

/// A running bakery process.
pub struct App {
    child: Child,
    _stdout: ChildStdout,
    pub pid: u32,
    pub addr: SocketAddr,
    /// The operations listener (`/metrics`), when the run asked for one.
    pub metrics: Option<SocketAddr>,
    log: PathBuf,
}

impl App {
    /// Resident memory (VmRSS) in KiB.
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Fails with the end of the bakery's log if the process has exited.
    pub fn check_alive(&mut self) -> Result<(), Error> {
        if let Ok(Some(status)) = self.child.try_wait() {
            let logged = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: String = logged.lines().rev().take(20).collect::<Vec<_>>().join("\n");
            return Err(format!("the bakery exited ({status}); its log ends:\n{tail}").into());
        }
        Ok(())
    }

    /// SIGTERM, then SIGKILL if it has not stopped within 10 seconds.
    pub async fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await;
        if tokio::time::timeout(Duration::from_secs(10), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}
