//! Binaryen's `wasm-opt` for the storefront's release build: a safe one on PATH, else npm's
//! `binaryen` package (a pinned version, installed once under `~/.cache/bakery/`), else none.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::frontend::gzip_len;

/// The npm `binaryen` release installed when PATH has no safe `wasm-opt` (Debian's is too old).
const BINARYEN_NPM: &str = "132.0.0";

/// Binaryen before 110 rebinds wasm-bindgen's growable externref table export onto the full
/// funcref table, and the page dies at start with "failed to grow table" (Debian 12 ships 108).
const MIN_WASM_OPT: u32 = 110;

/// Shrinks the module with binaryen's `wasm-opt` when a safe version is installed. The module
/// is kept as it was without one, if it fails or damages the table exports, or if the result is
/// not smaller gzipped (what the browser downloads).
pub fn optimize(wasm: &Path) {
    let Some(wasm_opt) = find() else {
        return;
    };
    let optimized = wasm.with_extension("opt.wasm");
    let status = Command::new(wasm_opt)
        // On rustc's size-optimized output, `-Os`/`-Oz` (and `-O2`) save raw bytes but add about
        // 15% gzipped; `-O1` saves a little of both.
        .arg("-O1")
        // The features rustc enables by default for wasm32-unknown-unknown.
        .args([
            "--enable-bulk-memory",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-sign-ext",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(&optimized)
        .status();
    match status {
        Ok(s) if s.success() => {
            let before = fs::read(wasm).ok().and_then(|b| exported_tables(&b));
            let after = fs::read(&optimized).ok().and_then(|b| exported_tables(&b));
            let sizes = |path: &Path| fs::read(path).map(|b| (b.len(), gzip_len(&b))).ok();
            let (was, is) = (sizes(wasm), sizes(&optimized));
            if before.is_none() || before != after {
                println!(
                    "frontend: wasm-opt changed the exported tables; keeping the unoptimized wasm"
                );
            } else if let (Some(was), Some(is)) = (was, is)
                && is.1 >= was.1
            {
                println!(
                    "frontend: wasm-opt saved nothing gzipped ({} → {} bytes); keeping the unoptimized wasm",
                    was.1, is.1
                );
            } else if let Err(e) = fs::rename(&optimized, wasm) {
                println!("frontend: keeping the unoptimized wasm ({e})");
            }
        }
        Ok(s) => println!("frontend: wasm-opt failed ({s}); keeping the unoptimized wasm"),
        Err(e) => println!("frontend: wasm-opt could not run ({e}); keeping the unoptimized wasm"),
    }
    let _ = fs::remove_file(&optimized);
}

/// `wasm-opt version 116 (version_116)` → 116.
fn wasm_opt_version(text: &str) -> Option<u32> {
    let rest = text.split("version").nth(1)?.trim_start();
    rest.split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Name, element type and limit of every exported table: the JS glue grows them by name, so an
/// optimizer must leave them as they were.
fn exported_tables(wasm: &[u8]) -> Option<Vec<(String, String, Option<u64>)>> {
    let module = walrus::Module::from_buffer(wasm).ok()?;
    let mut tables: Vec<_> = module
        .exports
        .iter()
        .filter_map(|export| match export.item {
            walrus::ExportItem::Table(id) => {
                let table = module.tables.get(id);
                Some((
                    export.name.clone(),
                    format!("{:?}", table.element_ty),
                    table.maximum,
                ))
            }
            _ => None,
        })
        .collect();
    tables.sort();
    Some(tables)
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A `wasm-opt` of a safe version, if there is one (PATH first, then the npm cache).
fn find() -> Option<PathBuf> {
    let on_path = find_on_path("wasm-opt");
    if let Some(path) = &on_path {
        match version_of(path) {
            Some(v) if v >= MIN_WASM_OPT => return on_path,
            other => println!(
                "frontend: {} is version {}, older than {MIN_WASM_OPT} (it breaks wasm-bindgen's tables); using npm's binaryen instead",
                path.display(),
                other.map_or_else(|| "unknown".to_owned(), |v| v.to_string())
            ),
        }
    }
    let from_npm = npm_wasm_opt()?;
    if from_npm.is_file() && version_of(&from_npm).is_some_and(|v| v >= MIN_WASM_OPT) {
        return Some(from_npm);
    }
    println!(
        "frontend: no wasm-opt (run `cargo xtask setup`, which installs npm's binaryen); skipping (optional)"
    );
    None
}

fn version_of(wasm_opt: &Path) -> Option<u32> {
    Command::new(wasm_opt)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| wasm_opt_version(&String::from_utf8_lossy(&o.stdout)))
}

/// Where npm's binaryen is installed: `~/.cache/bakery/binaryen-<version>`.
fn npm_prefix() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(
        cache
            .join("bakery")
            .join(format!("binaryen-{BINARYEN_NPM}")),
    )
}

fn npm_wasm_opt() -> Option<PathBuf> {
    Some(
        npm_prefix()?
            .join("node_modules")
            .join(".bin")
            .join("wasm-opt"),
    )
}

/// For `cargo xtask setup`: installs npm's binaryen when no safe `wasm-opt` is there (and npm
/// is); without npm the storefront is built unoptimized, which works but is bigger.
pub fn ensure() {
    if find_on_path("wasm-opt")
        .and_then(|p| version_of(&p))
        .is_some_and(|v| v >= MIN_WASM_OPT)
    {
        return;
    }
    let (Some(prefix), Some(bin)) = (npm_prefix(), npm_wasm_opt()) else {
        return;
    };
    if bin.is_file() {
        println!("setup: wasm-opt: {}", bin.display());
        return;
    }
    if find_on_path("npm").is_none() {
        println!(
            "setup: no npm, so no wasm-opt: the storefront is built unoptimized (install Node.js and npm to shrink it)"
        );
        return;
    }
    let _ = fs::create_dir_all(&prefix);
    let installed = Command::new("npm")
        .args([
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(format!("binaryen@{BINARYEN_NPM}"))
        .status();
    match installed {
        Ok(s) if s.success() && bin.is_file() => println!("setup: wasm-opt: {}", bin.display()),
        Ok(s) => println!(
            "setup: npm could not install binaryen ({s}); the storefront is built unoptimized"
        ),
        Err(e) => println!("setup: npm did not run ({e}); the storefront is built unoptimized"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasm_opt_versions_are_read() {
        assert_eq!(wasm_opt_version("wasm-opt version 108\n"), Some(108));
        assert_eq!(
            wasm_opt_version("wasm-opt version 116 (version_116)"),
            Some(116)
        );
        assert_eq!(wasm_opt_version("nonsense"), None);
    }
}
