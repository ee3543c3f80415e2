//! The results: ratios to the ceilings, the targets, the table on stdout and results.json.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Error;

pub const HTTP_CEILING: &str = "HTTP ceiling";
pub const PG_CEILING: &str = "PostgreSQL ceiling";
pub const SQLITE_CEILING: &str = "SQLite ceiling";

pub const CATALOG: &str = "GET /api/products";
pub const POST: &str = "POST /api/orders";
pub const READ: &str = "GET /api/orders/{id}";
pub const END_TO_END: &str = "end to end (placed to ready)";

/// One measured line: a ceiling or a workload of one shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// `ceiling`, `embedded` or `distributed`.
    pub group: String,
    pub workload: String,
    /// What one request (or transaction) is, for the ceilings.
    pub detail: String,
    /// For a ceiling: the shape it was measured just before (the ratios of that shape use it).
    #[serde(default)]
    pub shape: Option<String>,
    pub ok: u64,
    pub errors: u64,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub ceiling: Option<String>,
    pub ratio: Option<f64>,
    pub first_error: Option<String>,
}

/// The bakery's resident memory in one shape.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Memory {
    pub shape: String,
    pub rss_idle_mib: Option<f64>,
    pub rss_after_load_mib: Option<f64>,
    /// What `/health` said once the bakery had started (which backing services it uses).
    pub health: String,
}

/// One of the targets and whether this run met it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub shape: String,
    pub target: String,
    pub value: f64,
    pub limit: f64,
    pub unit: String,
    pub at_least: bool,
    pub met: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Machine {
    pub cores: usize,
    pub cpu_model: String,
    /// /proc/loadavg when the run began and ended: other work on the machine skews the ratios.
    pub load_at_start: String,
    pub load_at_end: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    pub machine: Machine,
    pub smoke: bool,
    pub seconds_per_workload: f64,
    pub connections: usize,
    pub unix_time: u64,
    pub rows: Vec<Row>,
    pub memory: Vec<Memory>,
    pub targets: Vec<Target>,
}

impl Machine {
    /// Core count and CPU model from /proc/cpuinfo.
    pub fn read() -> Machine {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cores = info
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count()
            .max(1);
        let cpu_model = info
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map_or_else(|| "unknown".to_owned(), |(_, m)| m.trim().to_owned());
        Machine {
            cores,
            cpu_model,
            load_at_start: load_average(),
            load_at_end: String::new(),
        }
    }
}

/// The 1, 5 and 15 minute load averages.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

impl Results {
    fn row(&self, group: &str, workload: &str) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.group == group && r.workload == workload)
    }

    /// The rate of ceiling `name`: the one measured just before `shape`, else any.
    fn ceiling_rate(&self, name: &str, shape: &str) -> Option<f64> {
        let ceilings = || {
            self.rows
                .iter()
                .filter(move |r| r.group == "ceiling" && r.workload == name)
        };
        ceilings()
            .find(|r| r.shape.as_deref() == Some(shape))
            .or_else(|| ceilings().next())
            .map(|r| r.per_second)
            .filter(|r| *r > 0.0)
    }

    /// Sets each workload's ceiling and ratio.
    pub fn compute_ratios(&mut self) {
        let mut ratios = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let db = if row.group == "distributed" {
                PG_CEILING
            } else {
                SQLITE_CEILING
            };
            ratios.push(
                match row.workload.as_str() {
                    CATALOG | READ => Some(HTTP_CEILING),
                    POST | END_TO_END => Some(db),
                    _ => None,
                }
                .filter(|_| row.group != "ceiling")
                .map(|name| (name, self.ceiling_rate(name, &row.group))),
            );
        }
        for (row, ratio) in self.rows.iter_mut().zip(ratios) {
            let Some((name, ceiling)) = ratio else {
                continue;
            };
            row.ceiling = Some(name.to_owned());
            row.ratio = ceiling.map(|c| row.per_second / c);
        }
    }

    /// Checks the targets for every shape that ran.
    pub fn check_targets(&mut self) {
        let mut targets = Vec::new();
        for memory in &self.memory {
            let shape = memory.shape.as_str();
            let db = if shape == "distributed" {
                "PostgreSQL"
            } else {
                "SQLite"
            };
            let ratio_targets = [
                (
                    CATALOG,
                    0.60,
                    "catalog reads vs the HTTP ceiling".to_owned(),
                ),
                (POST, 1.00, format!("order POSTs vs the {db} ceiling")),
                (READ, 0.20, "order reads vs the HTTP ceiling".to_owned()),
                (END_TO_END, 0.25, format!("end to end vs the {db} ceiling")),
            ];
            for (workload, limit, name) in ratio_targets {
                if let Some(ratio) = self.row(shape, workload).and_then(|r| r.ratio) {
                    targets.push(Target {
                        shape: shape.to_owned(),
                        target: name,
                        value: ratio * 100.0,
                        limit: limit * 100.0,
                        unit: "%".into(),
                        at_least: true,
                        met: ratio >= limit,
                    });
                }
            }
            if let Some(post) = self.row(shape, POST)
                && post.p50_ms > 0.0
            {
                let spread = post.p99_ms / post.p50_ms;
                targets.push(Target {
                    shape: shape.to_owned(),
                    target: "POST p99 / p50".into(),
                    value: spread,
                    limit: 10.0,
                    unit: "x".into(),
                    at_least: false,
                    met: spread <= 10.0,
                });
            }
            for (value, limit, name) in [
                (memory.rss_idle_mib, 30.0, "RSS idle"),
                (memory.rss_after_load_mib, 64.0, "RSS after the load"),
            ] {
                if let Some(value) = value {
                    targets.push(Target {
                        shape: shape.to_owned(),
                        target: name.into(),
                        value,
                        limit,
                        unit: " MiB".into(),
                        at_least: false,
                        met: value <= limit,
                    });
                }
            }
        }
        self.targets = targets;
    }

    /// The table (Markdown, so it can go into docs/performance.md as it is), memory and targets.
    pub fn table(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "Machine: {} cores, {} (load average {} at the start, {} at the end); \
             {} connections, {:.0} s per workload{}.\n\n",
            self.machine.cores,
            self.machine.cpu_model,
            self.machine.load_at_start,
            self.machine.load_at_end,
            self.connections,
            self.seconds_per_workload,
            if self.smoke { " (smoke run)" } else { "" }
        ));
        out.push_str("| shape | workload | requests/s | p50 ms | p99 ms | errors | vs ceiling |\n");
        out.push_str("|---|---|--:|--:|--:|--:|---|\n");
        for row in &self.rows {
            let versus = match (&row.ratio, &row.ceiling) {
                (Some(ratio), Some(name)) => format!("{:.0}% of {name}", ratio * 100.0),
                _ if row.group == "ceiling" => row.detail.clone(),
                _ => String::new(),
            };
            let group = match &row.shape {
                Some(shape) => format!("{} ({shape})", row.group),
                None => row.group.clone(),
            };
            out.push_str(&format!(
                "| {} | {} | {:.0} | {:.2} | {:.2} | {} | {} |\n",
                group, row.workload, row.per_second, row.p50_ms, row.p99_ms, row.errors, versus
            ));
        }
        out.push('\n');
        out.push_str("| shape | RSS idle | RSS after the load |\n|---|--:|--:|\n");
        let mib = |v: Option<f64>| v.map_or_else(|| "?".to_owned(), |v| format!("{v:.1} MiB"));
        for memory in &self.memory {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                memory.shape,
                mib(memory.rss_idle_mib),
                mib(memory.rss_after_load_mib)
            ));
        }
        out.push('\n');
        for memory in &self.memory {
            out.push_str(&format!(
                "{} `/health`: `{}`\n",
                memory.shape, memory.health
            ));
        }
        out.push('\n');
        if !self.targets.is_empty() {
            out.push_str("| shape | target | this run | wanted | |\n|---|---|--:|--:|---|\n");
            for t in &self.targets {
                let precision = if t.unit == "%" { 0 } else { 1 };
                out.push_str(&format!(
                    "| {} | {} | {:.p$}{} | {} {}{} | {} |\n",
                    t.shape,
                    t.target,
                    t.value,
                    t.unit,
                    if t.at_least { "≥" } else { "≤" },
                    t.limit,
                    t.unit,
                    if t.met { "met" } else { "**not met**" },
                    p = precision,
                ));
            }
        }
        for row in &self.rows {
            if let Some(err) = &row.first_error {
                out.push_str(&format!(
                    "\nfirst error of {} {}: {err}\n",
                    row.group, row.workload
                ));
            }
        }
        out
    }

    pub fn write_json(&self, path: &Path) -> Result<(), Error> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::write(path, text)?;
        Ok(())
    }
}
