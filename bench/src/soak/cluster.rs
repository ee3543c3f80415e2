//! The bakery processes of a soak: started on one database, killed with SIGKILL, started again.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, ChildStdout};

use super::record::Recorder;
use crate::Error;
use crate::app::Backing;

/// Which part of the shop a process runs (`bakery all|serve|worker`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    All,
    Serve,
    Worker,
}

impl Role {
    fn command(self) -> &'static str {
        match self {
            Role::All => "all",
            Role::Serve => "serve",
            Role::Worker => "worker",
        }
    }

    /// The first line of stdout that says the process is up.
    fn ready_line(self) -> &'static str {
        match self {
            Role::All | Role::Serve => "listening on http://",
            Role::Worker => "metrics on http://",
        }
    }
}

/// Where customers and staff reach an HTTP process now (`None` while it is down).
pub type Address = Arc<Mutex<Option<SocketAddr>>>;

/// Reads an [`Address`].
pub fn current(address: &Address) -> Option<SocketAddr> {
    *address.lock().unwrap_or_else(|e| e.into_inner())
}

struct Running {
    child: Child,
    _stdout: ChildStdout,
    pid: u32,
}

/// One process of the shop, across its restarts.
pub struct Slot {
    pub name: String,
    pub role: Role,
    pub address: Address,
    pub incarnation: u32,
    running: Option<Running>,
}

/// Every process of the run and how to start them.
pub struct Cluster {
    pub slots: Vec<Slot>,
    bakery: PathBuf,
    env: Vec<(String, String)>,
    logs: PathBuf,
}

impl Cluster {
    /// Starts one process per `(name, role)`, one after the other.
    pub async fn start(
        backing: &Backing,
        bakery: &Path,
        env: Vec<(String, String)>,
        logs: PathBuf,
        processes: &[(&str, Role)],
    ) -> Result<Cluster, Error> {
        std::fs::create_dir_all(&logs)?;
        let mut cluster = Cluster {
            slots: processes
                .iter()
                .map(|(name, role)| Slot {
                    name: (*name).to_owned(),
                    role: *role,
                    address: Arc::new(Mutex::new(None)),
                    incarnation: 0,
                    running: None,
                })
                .collect(),
            bakery: bakery.to_path_buf(),
            env,
            logs,
        };
        for index in 0..cluster.slots.len() {
            cluster.launch(backing, index).await?;
        }
        Ok(cluster)
    }

    /// The addresses of the processes that serve HTTP.
    pub fn http_addresses(&self) -> Vec<Address> {
        self.slots
            .iter()
            .filter(|s| s.role != Role::Worker)
            .map(|s| Arc::clone(&s.address))
            .collect()
    }

    fn log_of(&self, index: usize) -> PathBuf {
        self.logs.join(format!("{}.log", self.slots[index].name))
    }

    /// Starts slot `index` and waits for its ready line.
    pub async fn launch(&mut self, backing: &Backing, index: usize) -> Result<(), Error> {
        let log_path = self.log_of(index);
        let mut log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)?;
        let slot = &self.slots[index];
        writeln!(log, "--- soak: start #{} ---", slot.incarnation + 1)?;
        let mut command = backing.command(&self.bakery);
        command.envs(self.env.iter().cloned());
        let mut child = command
            .arg(slot.role.command())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log))
            .spawn()?;
        let pid = child.id().ok_or("the bakery exited at once")?;
        let stdout = child.stdout.take().ok_or("no stdout from the bakery")?;
        let mut lines = BufReader::new(stdout).lines();
        let wanted = slot.role.ready_line();
        let ready = tokio::time::timeout(Duration::from_secs(90), async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.strip_prefix(wanted) {
                    return Some(rest.to_owned());
                }
            }
            None
        })
        .await;
        let Ok(Some(rest)) = ready else {
            let _ = child.start_kill();
            let logged = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = logged.lines().rev().take(15).collect();
            return Err(format!(
                "{} did not start; its log ends:\n{}",
                slot.name,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )
            .into());
        };
        let slot = &mut self.slots[index];
        if slot.role != Role::Worker {
            let addr: SocketAddr = rest.parse()?;
            *slot.address.lock().unwrap_or_else(|e| e.into_inner()) = Some(addr);
        }
        slot.running = Some(Running {
            child,
            _stdout: lines.into_inner().into_inner(),
            pid,
        });
        Ok(())
    }

    /// SIGKILL to slot `index`; waits until it is gone.
    pub async fn kill(&mut self, index: usize) {
        let slot = &mut self.slots[index];
        *slot.address.lock().unwrap_or_else(|e| e.into_inner()) = None;
        if let Some(mut running) = slot.running.take() {
            let _ = running.child.kill().await;
        }
    }

    /// Starts slot `index` again (a new incarnation), retrying for a while.
    pub async fn restart(&mut self, backing: &Backing, index: usize) -> Result<(), Error> {
        self.slots[index].incarnation += 1;
        let mut last = None;
        for _ in 0..5 {
            match self.launch(backing, index).await {
                Ok(()) => return Ok(()),
                Err(err) => {
                    last = Some(err);
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
            }
        }
        Err(last.unwrap_or_else(|| "could not restart".into()))
    }

    /// Reads every live process's resident memory into `recorder`.
    pub fn sample_rss(&self, recorder: &Recorder) {
        for slot in &self.slots {
            if let Some(running) = &slot.running
                && let Some(kib) = rss_kib(running.pid)
            {
                recorder.rss(&slot.name, slot.incarnation, kib);
            }
        }
    }

    /// The slots whose process exited without being killed by the soak.
    pub fn exited(&mut self) -> Vec<usize> {
        let mut gone = Vec::new();
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if let Some(running) = &mut slot.running
                && let Ok(Some(_)) = running.child.try_wait()
            {
                slot.running = None;
                *slot.address.lock().unwrap_or_else(|e| e.into_inner()) = None;
                gone.push(index);
            }
        }
        gone
    }

    /// SIGTERM to every process, SIGKILL to those still up 10 s later.
    pub async fn stop(mut self) {
        for slot in &mut self.slots {
            if let Some(mut running) = slot.running.take() {
                let _ = tokio::process::Command::new("kill")
                    .args(["-TERM", &running.pid.to_string()])
                    .status()
                    .await;
                if tokio::time::timeout(Duration::from_secs(10), running.child.wait())
                    .await
                    .is_err()
                {
                    let _ = running.child.kill().await;
                }
            }
        }
    }
}

/// Resident memory (VmRSS) of `pid` in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
