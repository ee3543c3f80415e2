//! Developer commands: `cargo xtask run | test | setup | frontend | bench | soak | k8s-validate`.
//!
//! Each command does its own set-up so that the README's two commands work on a fresh machine:
//! `test` first checks and sets up its services and system programs (`prerequisites`), `run` and
//! `frontend` add the wasm target and build the storefront.

mod frontend;
mod kubernetes;
mod prerequisites;
mod wasm_opt;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage: cargo xtask <command> [args]

commands:
  run [bakery args]   build the storefront if it is out of date, then serve site + API
                      on http://127.0.0.1:8080 with the embedded SQLite default
  test                check and set up what the tests need (see setup), build the storefront,
                      then run every test: unit, API (SQLite and PostgreSQL), storefront logic
                      and the headless-Chromium browser test, the bench smoke and a two-minute
                      embedded soak
  setup [--check]     only that set-up: PostgreSQL, Redis and RabbitMQ reachable (started when
                      installed but down), chromium, chromedriver, docker-compose, python3-venv
                      (apt-get installs them when run as root, else it names the command) and
                      the wasm target; --check only reports. XTASK_SKIP_SETUP=1 skips it in test
  frontend [--debug]  build the storefront into frontend/dist
  bench [--smoke]     benchmark both shapes against HTTP and database ceilings
  bench --scale       each shape on an empty database and on a year of history (1M orders)
  bench --first-visit [RUNS]
                      the menu's first visit on a throttled phone (Slow 4G, 4x CPU) in
                      headless Chromium: paints, main-thread time, layout shift and bytes,
                      the median of RUNS cold loads (default 5) against the release build
  soak [--minutes N] [--shape embedded|distributed] [--out DIR]
                      a mixed load through process kills and cut links, then checks that
                      nothing was lost, repeated or leaked (default 10 minutes, distributed;
                      results under target/soak/)
  k8s-validate        render deploy/kubernetes's overlays and validate them offline against
                      the Kubernetes API schemas (kubernetes-validate, in a venv)
";

fn main() -> ExitCode {
    let mut args = env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let result = match command.as_str() {
        "run" => run(&rest),
        "test" => test(&rest),
        "setup" => setup(&rest),
        "frontend" => frontend::build(!rest.iter().any(|a| a == "--debug")),
        "bench" => bench(&rest),
        "soak" => soak(&rest),
        "k8s-validate" => kubernetes::validate(),
        "" | "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the folder above `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Runs a command in the workspace root, failing with its name when it fails.
pub fn run_command(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    eprintln!("xtask: running {shown}");
    let status = command
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn cargo() -> Command {
    Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(args: &[String]) -> Result<(), String> {
    frontend::build(true)?;
    let mut command = cargo();
    command.args([
        "run",
        "--release",
        "--package",
        "bakery",
        "--bin",
        "bakery",
        "--",
    ]);
    command.args(args);
    if env::var_os("BAKERY_STATIC_DIR").is_none() {
        command.env("BAKERY_STATIC_DIR", root().join("frontend").join("dist"));
    }
    run_command(&mut command)
}

fn setup(args: &[String]) -> Result<(), String> {
    let mode = match args {
        [] => prerequisites::Mode::Fix,
        [flag] if flag == "--check" => prerequisites::Mode::Check,
        _ => return Err(format!("setup takes only --check\n\n{USAGE}")),
    };
    prerequisites::ensure(mode)?;
    if matches!(mode, prerequisites::Mode::Fix) {
        wasm_opt::ensure();
    }
    Ok(())
}

/// The layers of src/, top to bottom (docs/architecture.md): a module imports only modules of its
/// own layer or below.
const LAYERS: &str = "startup,dead_letters|api|actors|events,notify,staff|order_views,limits|\
                      store,queue,cache|domain,metrics,memory,telemetry|config";

fn test(args: &[String]) -> Result<(), String> {
    // Before anything compiles: a missing program should cost seconds, not a build.
    prerequisites::ensure(prerequisites::Mode::Fix)?;
    // The layering of src/ (docs/architecture.md): no import circles, no upward imports, no
    // file over 600 lines.
    run_command(Command::new("python3").args([
        "tools/imports.py",
        "src",
        "--max-lines",
        "600",
        "--layers",
        LAYERS,
    ]))?;
    // The Kubernetes manifests, rendered and validated offline (a few seconds).
    kubernetes::validate()?;
    frontend::build(true)?;
    // Unit and API tests of every workspace crate (API tests use SQLite and PostgreSQL), the
    // storefront's host tests and the browser walks among them.
    run_command(cargo().args(["test", "--workspace"]).args(args))?;
    // The benchmark still runs end to end (a second per workload, no targets checked).
    bench(&["--smoke".to_owned()])?;
    // Two minutes of load through process kills on the embedded shape, with the binaries the
    // benchmark just built: every order final once, stock conserved, memory flat (within a
    // looser bound: two minutes leave the database's page cache still warming up).
    run_command(Command::new(release_binary("bakery-bench")).args([
        "soak",
        "--minutes",
        "2",
        "--shape",
        "embedded",
        "--rss-slope",
        "3",
    ]))?;
    // Property-based fuzzing of the API against its OpenAPI document (schemathesis).
    run_command(Command::new("bash").arg("tests/fuzz_openapi.sh"))?;
    Ok(())
}

/// `bench [--smoke] [args]`: builds the bakery and the benchmark (bench/) in release in one cargo
/// invocation, so they share the dependencies' artifacts, then runs the benchmark, which starts
/// the bakery itself.
fn bench(args: &[String]) -> Result<(), String> {
    if args.first().is_some_and(|a| a == "--first-visit") {
        return first_visit(&args[1..]);
    }
    build_release()?;
    run_command(Command::new(release_binary("bakery-bench")).args(args))
}

/// `soak [args]`: the same release build as `bench`, then `bakery-bench soak` (bench/src/soak).
fn soak(args: &[String]) -> Result<(), String> {
    build_release()?;
    run_command(
        Command::new(release_binary("bakery-bench"))
            .arg("soak")
            .args(args),
    )
}

/// `bench --first-visit [RUNS]`: the release storefront and bakery, measured by the browser
/// tests' `first_visit` tool (tests/browser/src/first_visit.rs).
fn first_visit(args: &[String]) -> Result<(), String> {
    frontend::build(true)?;
    run_command(cargo().args([
        "build",
        "--release",
        "-p",
        "bakery",
        "-p",
        "bakery-browser-tests",
        "--bin",
        "bakery",
        "--bin",
        "first_visit",
    ]))?;
    run_command(
        Command::new(release_binary("first_visit"))
            .args(args)
            .env("BAKERY_BIN", release_binary("bakery")),
    )
}

/// The bakery and the benchmark in release, in one cargo invocation.
fn build_release() -> Result<(), String> {
    run_command(cargo().args(["build", "--release", "-p", "bakery", "-p", "bakery-bench"]))
}

/// A binary of the release build.
fn release_binary(name: &str) -> PathBuf {
    let target = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target"));
    root().join(target).join("release").join(name)
}
