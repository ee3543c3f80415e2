//! Makes sure the machine has what `cargo xtask test` needs before anything compiles: PostgreSQL,
//! Redis and RabbitMQ reachable, the programs the tests run (Chromium, chromedriver,
//! docker-compose, Python's venv module) and the wasm target. It starts services that are
//! installed but down, installs missing Debian packages when it runs as root with apt-get, adds
//! the wasm target with rustup, and otherwise stops at once naming everything that is missing and
//! the one command that installs it.
//!
//! [`survey`] looks, [`plan`] decides (a pure function, tested below), [`ensure`] acts.

use std::env;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Set to 1 to skip the set-up (for machines whose services live elsewhere).
pub const SKIP_VAR: &str = "XTASK_SKIP_SETUP";
/// How long a started service may take to open its port.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Where Debian installs programs, searched after PATH (a user's PATH often lacks the sbin ones).
const SYSTEM_DIRS: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Start, install and add what is missing where this process may.
    Fix,
    /// Only report; change nothing.
    Check,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ServiceKind {
    Postgres,
    Redis,
    RabbitMq,
}

impl ServiceKind {
    const ALL: [ServiceKind; 3] = [
        ServiceKind::Postgres,
        ServiceKind::Redis,
        ServiceKind::RabbitMq,
    ];

    fn name(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "PostgreSQL",
            ServiceKind::Redis => "Redis",
            ServiceKind::RabbitMq => "RabbitMQ",
        }
    }

    fn package(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "postgresql",
            ServiceKind::Redis => "redis-server",
            ServiceKind::RabbitMq => "rabbitmq-server",
        }
    }

    /// The environment variable the tests read for this service's address, if any; the others
    /// are always on 127.0.0.1.
    fn env(self) -> Option<&'static str> {
        match self {
            ServiceKind::Postgres => Some("BAKERY_TEST_PG"),
            ServiceKind::Redis | ServiceKind::RabbitMq => None,
        }
    }

    fn default_port(self) -> u16 {
        match self {
            ServiceKind::Postgres => 5432,
            ServiceKind::Redis => 6379,
            ServiceKind::RabbitMq => 5672,
        }
    }
}

/// Where the tests reach a service.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Endpoint {
    host: String,
    port: u16,
    /// The environment variable that chose it, when one did.
    from_env: Option<&'static str>,
}

impl Endpoint {
    fn is_local(&self) -> bool {
        matches!(
            self.host.as_str(),
            "127.0.0.1" | "localhost" | "::1" | "[::1]"
        )
    }

    fn shown(&self) -> String {
        match self.from_env {
            Some(var) => format!("{}:{} ({var})", self.host, self.port),
            None => format!("{}:{}", self.host, self.port),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ServiceState {
    Up,
    /// Not listening; `start` is the command that starts it here, when its server is installed.
    Down {
        start: Option<Vec<String>>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct ServiceFinding {
    kind: ServiceKind,
    endpoint: Endpoint,
    state: ServiceState,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProgramKind {
    Chromium,
    Chromedriver,
    DockerCompose,
    PythonVenv,
}

impl ProgramKind {
    const ALL: [ProgramKind; 4] = [
        ProgramKind::Chromium,
        ProgramKind::Chromedriver,
        ProgramKind::DockerCompose,
        ProgramKind::PythonVenv,
    ];

    fn name(self) -> &'static str {
        match self {
            ProgramKind::Chromium => "chromium",
            ProgramKind::Chromedriver => "chromedriver",
            ProgramKind::DockerCompose => "docker-compose",
            ProgramKind::PythonVenv => "Python's venv module",
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            ProgramKind::Chromium | ProgramKind::Chromedriver => "the browser test",
            ProgramKind::DockerCompose => "checking docker-compose.yml",
            ProgramKind::PythonVenv => "the API fuzzer",
        }
    }

    fn package(self) -> &'static str {
        match self {
            ProgramKind::Chromium => "chromium",
            ProgramKind::Chromedriver => "chromium-driver",
            ProgramKind::DockerCompose => "docker-compose",
            ProgramKind::PythonVenv => "python3-venv",
        }
    }

    /// The variable the browser test reads to find the program instead of PATH.
    fn env(self) -> Option<&'static str> {
        match self {
            ProgramKind::Chromium => Some("CHROME_BIN"),
            ProgramKind::Chromedriver => Some("CHROMEDRIVER"),
            ProgramKind::DockerCompose | ProgramKind::PythonVenv => None,
        }
    }

    /// Absolute paths, and names looked up on PATH, as the tests look for them.
    fn candidates(self) -> &'static [&'static str] {
        match self {
            ProgramKind::Chromium => &["/usr/bin/chromium", "chromium", "chromium-browser"],
            ProgramKind::Chromedriver => &["chromedriver", "/usr/bin/chromedriver"],
            ProgramKind::DockerCompose => &["docker-compose"],
            ProgramKind::PythonVenv => &[],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum ProgramState {
    Found,
    Missing,
    /// The test's environment variable names a file that does not exist.
    BadOverride {
        var: &'static str,
        path: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum WasmState {
    Installed,
    Missing,
    /// Missing, and there is no rustup to add it.
    MissingWithoutRustup,
}

/// What this machine has, as [`survey`] found it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Survey {
    services: Vec<ServiceFinding>,
    programs: Vec<(ProgramKind, ProgramState)>,
    wasm: WasmState,
}

/// What this process may do about what is missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Powers {
    mode: Mode,
    root: bool,
    apt: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Fixes {
    /// Debian packages for `apt-get install`.
    install: Vec<&'static str>,
    /// Services to start, with their command.
    start: Vec<(ServiceKind, Endpoint, Vec<String>)>,
    add_wasm_target: bool,
}

impl Fixes {
    /// Whether any of these was already made once.
    fn repeats(&self, done: &Fixes) -> bool {
        self.install.iter().any(|p| done.install.contains(p))
            || self
                .start
                .iter()
                .any(|(kind, ..)| done.start.iter().any(|(k, ..)| k == kind))
            || (self.add_wasm_target && done.add_wasm_target)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Plan {
    Ready,
    Fix(Fixes),
    /// Stop with this message: something is missing that this process cannot or may not fix.
    Stop(String),
}

/// Decides what to do about a survey: nothing, fixes this process may make, or a stop with
/// everything missing and the one command that installs it. Never a partial fix while something
/// else would still stop the run, so a doomed run stops in its first seconds.
fn plan(survey: &Survey, powers: Powers) -> Plan {
    let fixing = powers.mode == Mode::Fix;
    let mut fixes = Fixes::default();
    // Missing things, one line each, and things only a person can fix.
    let mut missing: Vec<String> = Vec::new();
    let mut unfixable: Vec<String> = Vec::new();
    let add_package = |fixes: &mut Fixes, package: &'static str| {
        if !fixes.install.contains(&package) {
            fixes.install.push(package);
        }
    };

    for service in &survey.services {
        let (name, at) = (service.kind.name(), service.endpoint.shown());
        match &service.state {
            ServiceState::Up => {}
            ServiceState::Down {
                start: Some(command),
            } => {
                if fixing {
                    fixes
                        .start
                        .push((service.kind, service.endpoint.clone(), command.clone()));
                } else {
                    unfixable.push(format!(
                        "{name} is installed but not listening on {at}; start it with: {}",
                        command.join(" ")
                    ));
                }
            }
            ServiceState::Down { start: None } if service.endpoint.is_local() => {
                missing.push(format!(
                    "{name} on {at} (package {})",
                    service.kind.package()
                ));
                add_package(&mut fixes, service.kind.package());
            }
            ServiceState::Down { start: None } => unfixable.push(format!(
                "{name} on {at} is unreachable; start it there, or unset {} to use 127.0.0.1",
                service.endpoint.from_env.unwrap_or("the variable")
            )),
        }
    }

    for (program, state) in &survey.programs {
        match state {
            ProgramState::Found => {}
            ProgramState::Missing => {
                missing.push(format!(
                    "{} for {} (package {})",
                    program.name(),
                    program.purpose(),
                    program.package()
                ));
                add_package(&mut fixes, program.package());
            }
            ProgramState::BadOverride { var, path } => unfixable.push(format!(
                "{} for {}: {var} names {path}, which does not exist; fix or unset {var}",
                program.name(),
                program.purpose()
            )),
        }
    }

    match survey.wasm {
        WasmState::Installed => {}
        WasmState::Missing if fixing => fixes.add_wasm_target = true,
        WasmState::Missing => unfixable.push(format!(
            "the {WASM_TARGET} target for the storefront; add it with: rustup target add {WASM_TARGET}"
        )),
        WasmState::MissingWithoutRustup => unfixable.push(format!(
            "the {WASM_TARGET} target for the storefront, and rustup to add it: install Rust \
             with rustup (https://rustup.rs), then run: rustup target add {WASM_TARGET}"
        )),
    }

    let may_install = fixing && powers.root && powers.apt;
    if unfixable.is_empty() && (fixes.install.is_empty() || may_install) {
        return if fixes == Fixes::default() {
            Plan::Ready
        } else {
            Plan::Fix(fixes)
        };
    }

    let mut message = String::from("cargo xtask test needs what is missing here:\n");
    for line in missing.iter().chain(&unfixable) {
        message.push_str(&format!("  - {line}\n"));
    }
    if !fixes.install.is_empty() {
        let packages = fixes.install.join(" ");
        match (powers.root, powers.apt) {
            (true, true) => message.push_str(&format!(
                "install the packages with (or run `cargo xtask setup`):\n  apt-get install -y {packages}\n"
            )),
            (false, true) => message.push_str(&format!(
                "install the packages with (or run `cargo xtask setup` as root):\n  sudo apt-get install -y {packages}\n"
            )),
            (_, false) => message.push_str(&format!(
                "install the packages with your system's package manager (Debian names: {packages})\n"
            )),
        }
    }
    Plan::Stop(message.trim_end().to_owned())
}

/// Looks at the machine: services by TCP connect, programs on PATH, the wasm target in the
/// toolchain's sysroot. Takes well under a second when everything is here.
fn survey() -> Survey {
    let services = ServiceKind::ALL
        .into_iter()
        .map(|kind| {
            let endpoint = endpoint(kind);
            let state = if reachable(&endpoint) {
                ServiceState::Up
            } else if endpoint.is_local() {
                ServiceState::Down {
                    start: start_command(kind),
                }
            } else {
                ServiceState::Down { start: None }
            };
            ServiceFinding {
                kind,
                endpoint,
                state,
            }
        })
        .collect();
    let programs = ProgramKind::ALL
        .into_iter()
        .map(|program| (program, program_state(program)))
        .collect();
    Survey {
        services,
        programs,
        wasm: wasm_state(),
    }
}

fn endpoint(kind: ServiceKind) -> Endpoint {
    let configured = kind
        .env()
        .and_then(|var| Some((var, env::var(var).ok()?)))
        .and_then(|(var, url)| {
            let (host, port) = host_port(&url, kind.default_port())?;
            Some(Endpoint {
                host,
                port,
                from_env: Some(var),
            })
        });
    configured.unwrap_or_else(|| Endpoint {
        host: "127.0.0.1".to_owned(),
        port: kind.default_port(),
        from_env: None,
    })
}

/// Host and port of a URL such as `postgres://user:pw@host:5433/db?x=y`.
fn host_port(url: &str, default_port: u16) -> Option<(String, u16)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    if host_port.is_empty() {
        return None;
    }
    // `[::1]:5432`, `[::1]`, `host:5432`, `host`.
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        (host.to_owned(), after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (host_port.to_owned(), None),
        }
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default_port,
    };
    Some((host, port))
}

fn reachable(endpoint: &Endpoint) -> bool {
    let Ok(addresses) = (endpoint.host.as_str(), endpoint.port).to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|address| TcpStream::connect_timeout(&address, CONNECT_TIMEOUT).is_ok())
}

/// The command that starts an installed but stopped service here, without systemd
/// (containers, CI): None when its server is not installed.
fn start_command(kind: ServiceKind) -> Option<Vec<String>> {
    let owned = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect();
    match kind {
        ServiceKind::Postgres => {
            find_program("pg_ctlcluster")?;
            let version = postgres_cluster_version()?;
            Some(owned(&[
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                &version,
                "main",
                "start",
            ]))
        }
        ServiceKind::Redis => {
            find_program("redis-server")?;
            Some(owned(&[
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
            ]))
        }
        ServiceKind::RabbitMq => {
            find_program("rabbitmq-server")?;
            Some(owned(&["rabbitmq-server", "-detached"]))
        }
    }
}

/// The newest PostgreSQL version with a `main` cluster under /etc/postgresql.
fn postgres_cluster_version() -> Option<String> {
    std::fs::read_dir("/etc/postgresql")
        .ok()?
        .flatten()
        .filter(|entry| entry.path().join("main").is_dir())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .max_by_key(|version| {
            version
                .split('.')
                .map(|part| part.parse::<u32>().unwrap_or(0))
                .collect::<Vec<_>>()
        })
}

fn program_state(program: ProgramKind) -> ProgramState {
    if program == ProgramKind::PythonVenv {
        let venv = Command::new("python3")
            .args(["-c", "import ensurepip"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        return if venv {
            ProgramState::Found
        } else {
            ProgramState::Missing
        };
    }
    if let Some(var) = program.env()
        && let Some(path) = env::var_os(var)
    {
        return if Path::new(&path).is_file() {
            ProgramState::Found
        } else {
            ProgramState::BadOverride {
                var,
                path: path.to_string_lossy().into_owned(),
            }
        };
    }
    if program
        .candidates()
        .iter()
        .any(|name| on_path(name).is_some())
    {
        ProgramState::Found
    } else {
        ProgramState::Missing
    }
}

/// An absolute path that exists, or a name on PATH: where the tests will find it.
fn on_path(name: &str) -> Option<PathBuf> {
    if Path::new(name).is_absolute() {
        return Path::new(name).is_file().then(|| PathBuf::from(name));
    }
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A system program (a server, apt-get) on PATH or in the system directories.
fn find_program(name: &str) -> Option<PathBuf> {
    on_path(name).or_else(|| {
        SYSTEM_DIRS
            .iter()
            .map(|dir| Path::new(dir).join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Installed when the toolchain's sysroot has the target's library (what rustup adds).
fn wasm_state() -> WasmState {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let sysroot = Command::new(rustc)
        .args(["--print", "sysroot"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let installed = sysroot.is_some_and(|root| {
        root.join("lib")
            .join("rustlib")
            .join(WASM_TARGET)
            .join("lib")
            .is_dir()
    });
    if installed {
        WasmState::Installed
    } else if rustup_available() {
        WasmState::Missing
    } else {
        WasmState::MissingWithoutRustup
    }
}

fn rustup_available() -> bool {
    Command::new("rustup")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Effective user id 0, from /proc (no libc needed), else `id -u`.
fn running_as_root() -> bool {
    let from_proc = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("Uid:"))?;
            line.split_whitespace().nth(2).map(|euid| euid == "0")
        });
    from_proc.unwrap_or_else(|| {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
    })
}

fn powers(mode: Mode) -> Powers {
    Powers {
        mode,
        root: running_as_root(),
        apt: find_program("apt-get").is_some(),
    }
}

/// Everything `cargo xtask test` needs: checked, and in [`Mode::Fix`] set up where this process
/// may. Errors name what is missing and how to install it.
pub fn ensure(mode: Mode) -> Result<(), String> {
    if env::var(SKIP_VAR).is_ok_and(|v| v == "1") {
        println!("setup: skipped ({SKIP_VAR}=1)");
        return Ok(());
    }
    let started = Instant::now();
    let powers = powers(mode);
    // Installing may leave a new server down, which the next round starts; a fix that did not
    // take is not tried twice.
    let mut done = Fixes::default();
    loop {
        let survey = survey();
        match plan(&survey, powers) {
            Plan::Ready => {
                report_ready(&survey, started);
                return Ok(());
            }
            Plan::Stop(message) => return Err(message),
            Plan::Fix(fixes) if fixes.repeats(&done) => {
                let check = Powers {
                    mode: Mode::Check,
                    ..powers
                };
                return Err(match plan(&survey, check) {
                    Plan::Stop(message) => format!("still missing after set-up: {message}"),
                    Plan::Ready | Plan::Fix(_) => "set-up did not settle".to_owned(),
                });
            }
            Plan::Fix(fixes) => {
                apply(&fixes)?;
                done.install.extend(fixes.install);
                done.start.extend(fixes.start);
                done.add_wasm_target |= fixes.add_wasm_target;
            }
        }
    }
}

/// Only the wasm target (all `cargo xtask run` and the storefront build need): added with rustup
/// when missing.
pub fn ensure_wasm_target() -> Result<(), String> {
    match wasm_state() {
        WasmState::Installed => Ok(()),
        WasmState::Missing => add_wasm_target(),
        WasmState::MissingWithoutRustup => Err(format!(
            "the {WASM_TARGET} target is missing and there is no rustup to add it: install Rust \
             with rustup (https://rustup.rs), then run: rustup target add {WASM_TARGET}"
        )),
    }
}

fn report_ready(survey: &Survey, started: Instant) {
    let services: Vec<String> = survey
        .services
        .iter()
        .map(|s| format!("{} {}", s.kind.name(), s.endpoint.shown()))
        .collect();
    let programs: Vec<&str> = survey.programs.iter().map(|(p, _)| p.name()).collect();
    println!("setup: up: {}", services.join(", "));
    println!(
        "setup: present: {}, the {WASM_TARGET} target",
        programs.join(", ")
    );
    println!("setup: ready in {:.1} s", started.elapsed().as_secs_f64());
}

fn apply(fixes: &Fixes) -> Result<(), String> {
    if !fixes.install.is_empty() {
        println!("setup: installing {}", fixes.install.join(" "));
        let apt = |args: &[&str]| {
            let mut command = Command::new("apt-get");
            command
                .env("DEBIAN_FRONTEND", "noninteractive")
                // Waits for another apt run to finish instead of failing at once.
                .args(["-o", "DPkg::Lock::Timeout=300"])
                .args(args)
                .stdout(Stdio::null());
            command
        };
        run(&mut apt(&["update", "-qq"]))?;
        run(apt(&["install", "-y", "-qq"]).args(&fixes.install))?;
    }
    for (kind, endpoint, command) in &fixes.start {
        println!("setup: starting {} for {}", kind.name(), endpoint.shown());
        let (program, args) = command.split_first().ok_or("empty start command")?;
        run(Command::new(program).args(args).stdin(Stdio::null()))?;
    }
    for (kind, endpoint, command) in &fixes.start {
        let deadline = Instant::now() + START_TIMEOUT;
        while !reachable(endpoint) {
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} did not open {} within {} s of `{}`",
                    kind.name(),
                    endpoint.shown(),
                    START_TIMEOUT.as_secs(),
                    command.join(" ")
                ));
            }
            thread::sleep(Duration::from_millis(500));
        }
    }
    if fixes.add_wasm_target {
        add_wasm_target()?;
    }
    Ok(())
}

fn add_wasm_target() -> Result<(), String> {
    println!("setup: adding the {WASM_TARGET} target with rustup");
    run(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

#[cfg(test)]
mod tests;
