//! Builds the wasm storefront (`frontend/`) into `frontend/dist`, ready for the server to serve.
//!
//! Two bundles: the shop's (`dist/index.html`, without the staff pages) and the staff's
//! (`dist/staff.html`, built with the feature `staff`). Steps for each: `cargo build` for wasm32
//! (own target dir, so it never waits on the server's build lock; size-first release profile),
//! wasm-bindgen through its library (no downloaded CLI), `wasm-opt` when there is a safe one
//! (`wasm_opt`), content-hashed files in `dist/assets/`, and its page pointing at them. A build
//! whose `dist` is newer than every source is skipped, so callers may invoke it freely.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use sha2::{Digest, Sha256};

use crate::prerequisites::WASM_TARGET as TARGET;

/// The library name of the frontend crate, as rustc names its `.wasm`.
const CRATE_FILE: &str = "bakery_frontend";
/// Written last into `dist`: its presence and age say the build is complete and current.
const STAMP: &str = ".build-stamp";

/// Where the frontend sources and their output live.
struct Layout {
    frontend: PathBuf,
    wire: PathBuf,
    this_file: PathBuf,
    target_dir: PathBuf,
    dist: PathBuf,
}

impl Layout {
    fn new() -> Layout {
        let root = workspace_root();
        let frontend = root.join("frontend");
        Layout {
            wire: root.join("wire"),
            this_file: root.join("xtask").join("src").join("frontend.rs"),
            target_dir: frontend.join("target"),
            dist: frontend.join("dist"),
            frontend,
        }
    }

    /// Every file whose change should rebuild the site.
    fn sources(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for name in ["Cargo.toml", "index.html", "style.css"] {
            files.push(self.frontend.join(name));
        }
        // The workspace's lockfile pins the storefront's dependencies too.
        if let Some(root) = self.frontend.parent() {
            files.push(root.join("Cargo.lock"));
        }
        collect_files(&self.frontend.join("src"), &mut files);
        files.push(self.wire.join("Cargo.toml"));
        collect_files(&self.wire.join("src"), &mut files);
        files.push(self.this_file.clone());
        files
    }
}

/// The repository root: the nearest folder above xtask (or else the working directory) that
/// holds `frontend/Cargo.toml`.
fn workspace_root() -> PathBuf {
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    let cwd = std::env::current_dir().unwrap_or_else(|_| xtask.to_path_buf());
    [xtask, cwd.as_path()]
        .into_iter()
        .flat_map(Path::ancestors)
        .find(|dir| dir.join("frontend").join("Cargo.toml").is_file())
        .map_or_else(
            || xtask.parent().unwrap_or(xtask).to_path_buf(),
            Path::to_path_buf,
        )
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The stamp says which profile built `dist`; a release request is not met by a debug build.
fn stamp_is_current(layout: &Layout, release: bool) -> bool {
    let stamp = layout.dist.join(STAMP);
    let (Some(built), Ok(profile)) = (modified(&stamp), fs::read_to_string(&stamp)) else {
        return false;
    };
    if release && profile.trim() != "release" {
        return false;
    }
    layout
        .sources()
        .iter()
        .filter_map(|p| modified(p))
        .all(|changed| changed <= built)
}

/// One bundle of the storefront: the crate built with some features, its assets named after it,
/// and the page that loads it.
struct Bundle {
    /// Stem of its assets (`bakery-<hash>.wasm`).
    name: &'static str,
    features: &'static str,
    /// Its page in `dist`.
    page: &'static str,
}

/// The shop's bundle (what a customer downloads, without the staff pages, hydrating the menu's
/// page the server rendered) and the staff's (every page; the server answers `/staff…` with its
/// page).
const BUNDLES: [Bundle; 2] = [
    Bundle {
        name: "bakery",
        features: "hydrate",
        page: "index.html",
    },
    Bundle {
        name: "staff",
        features: "staff",
        page: "staff.html",
    },
];

/// The storefront's release profile: the smallest wasm (the crate shares the server's workspace,
/// whose release profile is tuned for speed).
const WASM_RELEASE: [&str; 5] = [
    "profile.release.opt-level=\"z\"",
    "profile.release.lto=true",
    "profile.release.codegen-units=1",
    "profile.release.panic=\"abort\"",
    "profile.release.strip=\"symbols\"",
];

/// A bundle after wasm-bindgen: its JS glue and wasm.
struct Bound {
    bundle: &'static Bundle,
    js: Vec<u8>,
    wasm: Vec<u8>,
    snippets: PathBuf,
}

/// Builds the storefront into `frontend/dist` unless it is already current.
pub fn build(release: bool) -> Result<(), String> {
    let layout = Layout::new();
    if stamp_is_current(&layout, release) {
        println!("frontend: {} is up to date", layout.dist.display());
        return Ok(());
    }
    let profile = if release { "release" } else { "debug" };
    crate::prerequisites::ensure_wasm_target()?;
    let mut bound = Vec::new();
    for bundle in &BUNDLES {
        bound.push(build_bundle(&layout, bundle, release)?);
    }
    write_dist(&layout, &bound, profile)
}

/// Compiles one bundle and runs wasm-bindgen (and `wasm-opt` in release) on it.
fn build_bundle(layout: &Layout, bundle: &'static Bundle, release: bool) -> Result<Bound, String> {
    let profile = if release { "release" } else { "debug" };
    cargo_build(layout, release, bundle.features)?;
    let wasm_in = layout
        .target_dir
        .join(TARGET)
        .join(profile)
        .join(format!("{CRATE_FILE}.wasm"));
    let staging = layout
        .target_dir
        .join("bindgen")
        .join(profile)
        .join(bundle.name);
    if staging.exists() {
        fs::remove_dir_all(&staging)
            .map_err(|e| format!("cannot clear {}: {e}", staging.display()))?;
    }
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm_in)
        .out_name(CRATE_FILE)
        .web(true)
        .map_err(|e| format!("wasm-bindgen: {e:#}"))?
        .typescript(false)
        .debug(!release)
        // index.html passes the hashed wasm path to init(); the JS need not know a default.
        .omit_default_module_path(true)
        .generate(&staging)
        .map_err(|e| format!("wasm-bindgen on {}: {e:#}", wasm_in.display()))?;

    let wasm_out = staging.join(format!("{CRATE_FILE}_bg.wasm"));
    if release {
        crate::wasm_opt::optimize(&wasm_out);
    }
    Ok(Bound {
        bundle,
        js: read(&staging.join(format!("{CRATE_FILE}.js")))?,
        wasm: read(&wasm_out)?,
        snippets: staging.join("snippets"),
    })
}

fn cargo_build(layout: &Layout, release: bool, features: &str) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(layout.frontend.join("Cargo.toml"))
        .args(["--target", TARGET])
        .arg("--target-dir")
        .arg(&layout.target_dir);
    if release {
        command.arg("--release");
        // The wasm is tuned for size; the workspace's release profile is the server's.
        for setting in WASM_RELEASE {
            command.args(["--config", setting]);
        }
    }
    if !features.is_empty() {
        command.args(["--features", features]);
    }
    // The outer `cargo xtask` run may export settings meant for the host build.
    command
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET");
    run(&mut command)
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .status()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed with {status}"))
    }
}

/// `name-<hash>.ext`: the content decides the name, so `/assets/` can be cached forever.
fn hashed_name(stem: &str, ext: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{stem}-{hex}.{ext}")
}

/// Fills the page template's `{{css}}`, `{{js}}`, `{{wasm}}` and `{{boot}}` with absolute asset
/// paths.
fn render_index(template: &str, css: &str, js: &str, wasm: &str, boot: &str) -> String {
    template
        .replace("{{css}}", &format!("/assets/{css}"))
        .replace("{{js}}", &format!("/assets/{js}"))
        .replace("{{wasm}}", &format!("/assets/{wasm}"))
        .replace("{{boot}}", &format!("/assets/{boot}"))
}

/// The module that starts the site: loads the JS glue and hands it the wasm's path. A file of its
/// own rather than an inline `<script>`, so the server's Content-Security-Policy needs no
/// `'unsafe-inline'` or per-build hash.
///
/// Until the wasm has hydrated the server's page (`<html data-wasm="ready">`), its buttons and
/// fields have no handlers: the module keeps what the customer does meanwhile (the buttons
/// clicked, the last value of each field) and does it again once they have, so an "Add to cart"
/// tapped early is not lost. When the wasm stops while hydrating (`data-wasm="hydrating"`), the
/// page is loaded once more for the wasm to draw itself.
fn boot_script(js: &str, wasm: &str) -> String {
    BOOT_SCRIPT
        .replace("{js}", &format!("/assets/{js}"))
        .replace("{wasm}", &format!("/assets/{wasm}"))
}

const BOOT_SCRIPT: &str = r#"const root = document.documentElement;
const clicks = [];
const fields = new Map();
const onClick = (e) => {
  const button = e.target instanceof Element ? e.target.closest("button[id]") : null;
  if (button && root.dataset.wasm !== "ready") clicks.push(button.id);
};
const onField = (e) => {
  const field = e.target;
  if (field.id && root.dataset.wasm !== "ready") {
    const value = field.type === "checkbox" ? field.checked : field.value;
    fields.set(`${field.id} ${e.type}`, [field.id, e.type, value]);
  }
};
addEventListener("click", onClick, true);
addEventListener("change", onField, true);
addEventListener("input", onField, true);
const { default: init } = await import("{js}");
try {
  await init({ module_or_path: "{wasm}" });
} catch (error) {
  // The wasm stopped while hydrating (a page changed before it started, by an extension say):
  // load the page once more, marked for the wasm to draw it itself (frontend/src/ui/mod.rs
  // `start`); not again within a minute, so a wasm that cannot start does not reload for ever.
  const last = Number(sessionStorage.getItem("bakery.drawn-anew-at") || 0);
  if (root.dataset.wasm === "hydrating" && Date.now() - last > 60000) {
    sessionStorage.setItem("bakery.drawn-anew-at", String(Date.now()));
    sessionStorage.setItem("bakery.draw-anew", "1");
    location.reload();
  }
  throw error;
}
removeEventListener("click", onClick, true);
removeEventListener("change", onField, true);
removeEventListener("input", onField, true);
for (const [id, type, value] of fields.values()) {
  const field = document.getElementById(id);
  if (!field) continue;
  if (field.type === "checkbox") field.checked = value; else field.value = value;
  field.dispatchEvent(new Event(type, { bubbles: true }));
}
for (const id of clicks) document.getElementById(id)?.click();
"#;

/// The size of `bytes` gzipped, as the server sends them.
pub fn gzip_len(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    if encoder.write_all(bytes).is_err() {
        return bytes.len();
    }
    encoder.finish().map_or(bytes.len(), |v| v.len())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Copies a directory tree (wasm-bindgen's `snippets/`, when a dependency has inline JS).
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    let entries = fs::read_dir(from).map_err(|e| format!("cannot list {}: {e}", from.display()))?;
    for entry in entries.flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            write(&target, &read(&entry.path())?)?;
        }
    }
    Ok(())
}

fn write_dist(layout: &Layout, bound: &[Bound], profile: &str) -> Result<(), String> {
    let css = read(&layout.frontend.join("style.css"))?;
    let template = fs::read_to_string(layout.frontend.join("index.html"))
        .map_err(|e| format!("cannot read frontend/index.html: {e}"))?;
    let css_name = hashed_name("style", "css", &css);

    // Built beside dist and swapped in, so dist is never half-written.
    let fresh = layout.frontend.join("dist.partial");
    if fresh.exists() {
        fs::remove_dir_all(&fresh).map_err(|e| format!("cannot clear {}: {e}", fresh.display()))?;
    }
    let assets = fresh.join("assets");
    fs::create_dir_all(&assets).map_err(|e| format!("cannot create {}: {e}", assets.display()))?;
    write(&assets.join(&css_name), &css)?;
    for one in bound {
        let js_name = hashed_name(one.bundle.name, "js", &one.js);
        let wasm_name = hashed_name(one.bundle.name, "wasm", &one.wasm);
        let boot = boot_script(&js_name, &wasm_name);
        let boot_name = hashed_name("boot", "js", boot.as_bytes());
        write(&assets.join(&js_name), &one.js)?;
        write(&assets.join(&wasm_name), &one.wasm)?;
        write(&assets.join(&boot_name), boot.as_bytes())?;
        if one.snippets.is_dir() {
            copy_tree(&one.snippets, &assets.join("snippets"))?;
        }
        write(
            &fresh.join(one.bundle.page),
            render_index(&template, &css_name, &js_name, &wasm_name, &boot_name).as_bytes(),
        )?;
        let kib = |n: usize| n as f64 / 1024.0;
        println!(
            "frontend: {profile} {} bundle: wasm {:.0} KiB, js {:.0} KiB, wasm+js gzipped {:.0} KiB",
            one.bundle.name,
            kib(one.wasm.len()),
            kib(one.js.len()),
            kib(gzip_len(&one.wasm) + gzip_len(&one.js))
        );
    }
    write(&fresh.join(STAMP), profile.as_bytes())?;

    if layout.dist.exists() {
        fs::remove_dir_all(&layout.dist)
            .map_err(|e| format!("cannot clear {}: {e}", layout.dist.display()))?;
    }
    fs::rename(&fresh, &layout.dist)
        .map_err(|e| format!("cannot move the build into {}: {e}", layout.dist.display()))?;
    println!("frontend: {profile} build in {}", layout.dist.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_names_follow_their_content() {
        let a = hashed_name("bakery", "js", b"one");
        assert_eq!(a, hashed_name("bakery", "js", b"one"));
        assert_ne!(a, hashed_name("bakery", "js", b"two"));
        assert!(
            a.starts_with("bakery-") && a.ends_with(".js") && a.len() == "bakery-.js".len() + 16
        );
    }

    #[test]
    fn the_page_points_at_absolute_asset_paths() {
        let html = render_index(
            r#"<link href="{{css}}"><link rel="modulepreload" href="{{js}}"><link rel="preload" href="{{wasm}}"><script type="module" src="{{boot}}"></script>"#,
            "style-1.css",
            "bakery-2.js",
            "bakery-3.wasm",
            "boot-4.js",
        );
        assert_eq!(
            html,
            r#"<link href="/assets/style-1.css"><link rel="modulepreload" href="/assets/bakery-2.js"><link rel="preload" href="/assets/bakery-3.wasm"><script type="module" src="/assets/boot-4.js"></script>"#
        );
    }

    #[test]
    fn the_boot_module_starts_the_hashed_wasm() {
        let boot = boot_script("bakery-2.js", "bakery-3.wasm");
        assert!(
            boot.contains(r#"await import("/assets/bakery-2.js");"#),
            "{boot}"
        );
        assert!(
            boot.contains(r#"await init({ module_or_path: "/assets/bakery-3.wasm" });"#),
            "{boot}"
        );
        assert!(!boot.contains("{js}") && !boot.contains("{wasm}"), "{boot}");
    }

    /// The page has no inline script: the server's Content-Security-Policy would refuse it.
    #[test]
    fn the_real_template_has_every_placeholder_and_no_inline_script() {
        let template =
            fs::read_to_string(Layout::new().frontend.join("index.html")).unwrap_or_default();
        for placeholder in ["{{css}}", "{{js}}", "{{wasm}}", "{{boot}}"] {
            assert!(template.contains(placeholder), "{placeholder}");
        }
        for tag in template.split("<script").skip(1) {
            let open = tag.split('>').next().unwrap_or_default();
            assert!(open.contains("src="), "an inline <script{open}>");
        }
    }
}
