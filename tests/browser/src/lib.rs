//! Harness for the storefront's browser test: the real `bakery` binary on a free port with a
//! fresh SQLite file, and headless Chromium driven through chromedriver.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub mod first_visit;

use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The repository root (this crate lives in `tests/browser`).
pub fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors().nth(2).unwrap_or(here).to_path_buf()
}

/// Cargo's target folder: `CARGO_TARGET_DIR` when set (CI shares a warm one), else `target/`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Where screenshots go: `target/screenshots/` at the repository root.
pub fn screenshot_dir() -> PathBuf {
    repo_root().join("target").join("screenshots")
}

/// A scratch folder removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> std::io::Result<TempDir> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!("{prefix}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The bakery server, stopped when dropped.
pub struct Server {
    pub url: String,
    pub log: PathBuf,
    /// The binary, for its CLI (`bakery user add …`).
    pub bin: PathBuf,
    /// The server's database, for CLI commands that must see the same data.
    pub database_url: String,
    _child: Child,
    _dir: TempDir,
}

impl Server {
    /// Starts `BAKERY_BIN` (default `target/debug/bakery`) serving `frontend/dist` with `args`
    /// (none: the whole shop; `["serve"]`: the HTTP half alone, whose orders stay `pending`
    /// since nothing processes them), and waits for its one stdout line
    /// `listening on http://127.0.0.1:PORT`.
    pub async fn start_with(args: &[&str]) -> Result<Server, String> {
        Server::start_with_env(args, &[]).await
    }

    /// [`Server::start_with`], with more environment variables (settings such as
    /// `BAKERY_SHOP_CURRENCY`).
    pub async fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Result<Server, String> {
        let root = repo_root();
        let bin = std::env::var_os("BAKERY_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| target_dir(&root).join("debug").join("bakery"));
        if !bin.is_file() {
            return Err(format!(
                "{} is missing: run `cargo build -p bakery` (or set BAKERY_BIN)",
                bin.display()
            ));
        }
        let dist = root.join("frontend").join("dist");
        if !dist.join("index.html").is_file() {
            return Err(format!(
                "{} is missing: run `cargo xtask frontend` first",
                dist.display()
            ));
        }
        let dir = TempDir::new("bakery-browser").map_err(|e| format!("temp dir: {e}"))?;
        let log = dir.0.join("server.log");
        let log_file = std::fs::File::create(&log).map_err(|e| format!("log file: {e}"))?;
        let database_url = format!("sqlite://{}/shop.db?mode=rwc", dir.0.display());
        let mut child = Command::new(&bin)
            .args(args)
            .env("BAKERY_BIND", "127.0.0.1:0")
            .env("BAKERY_DATABASE_URL", &database_url)
            .env("BAKERY_PREP_TIME", "1s")
            .env("BAKERY_STATIC_DIR", &dist)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log_file))
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .map_err(|_| format!("the server printed nothing in 60 s; see {}", log.display()))?
            .map_err(|e| format!("reading the server's stdout: {e}"))?
            .ok_or_else(|| {
                format!(
                    "the server exited before listening; log:\n{}",
                    read_log(&log)
                )
            })?;
        let url = first
            .trim()
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line {first:?}"))?
            .trim_end_matches('/')
            .to_owned();
        // Keep draining stdout so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Server {
            url,
            log,
            bin,
            database_url,
            _child: child,
            _dir: dir,
        })
    }

    /// Runs the binary's CLI against the server's database with `stdin` as its input, e.g.
    /// `bakery user add --role admin EMAIL` with the password; returns its stdout.
    pub async fn cli(&self, args: &[&str], stdin: &str) -> Result<String, String> {
        use tokio::io::AsyncWriteExt;
        let mut child = Command::new(&self.bin)
            .args(args)
            .env("BAKERY_DATABASE_URL", &self.database_url)
            .env("BAKERY_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.bin.display()))?;
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .await
                .map_err(|e| format!("writing to `bakery {}`: {e}", args.join(" ")))?;
        }
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .map_err(|_| format!("`bakery {}` took over 60 s", args.join(" ")))?
            .map_err(|e| format!("`bakery {}`: {e}", args.join(" ")))?;
        if !out.status.success() {
            return Err(format!(
                "`bakery {}` failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    pub fn log_text(&self) -> String {
        read_log(&self.log)
    }
}

fn read_log(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// chromedriver and a headless Chromium session; call [`Browser::close`] to end it cleanly.
pub struct Browser {
    pub client: Client,
    _driver: Child,
    _profile: TempDir,
}

fn find_program(env: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    candidates.iter().find_map(|name| {
        let direct = Path::new(name);
        if direct.is_absolute() {
            return direct.is_file().then(|| direct.to_path_buf());
        }
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

fn free_port() -> Result<u16, String> {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

impl Browser {
    /// Starts chromedriver (`CHROMEDRIVER` or PATH) and a fresh headless Chromium (`CHROME_BIN`
    /// or `/usr/bin/chromium`) at a desktop window size.
    pub async fn start() -> Result<Browser, String> {
        let chromium = find_program(
            "CHROME_BIN",
            &["/usr/bin/chromium", "chromium", "chromium-browser"],
        )
        .ok_or("Chromium is missing: apt-get install -y chromium chromium-driver")?;
        let driver = find_program("CHROMEDRIVER", &["chromedriver", "/usr/bin/chromedriver"])
            .ok_or("chromedriver is missing: apt-get install -y chromium-driver")?;
        let port = free_port()?;
        let driver = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start chromedriver: {e}"))?;
        let profile = TempDir::new("bakery-chromium").map_err(|e| format!("temp dir: {e}"))?;

        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.0.display()),
                ],
            }),
        );
        caps.insert(
            "goog:loggingPrefs".to_owned(),
            serde_json::json!({ "browser": "ALL" }),
        );

        let webdriver = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        // chromedriver needs a moment before it accepts sessions.
        for _ in 0..100 {
            match ClientBuilder::new(HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => {
                    return Ok(Browser {
                        client,
                        _driver: driver,
                        _profile: profile,
                    });
                }
                Err(e) => last_error = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("no WebDriver session: {last_error}"))
    }

    /// Console messages of level SEVERE since the last call (chromedriver's log endpoint).
    pub async fn console_errors(&self) -> Result<Vec<String>, String> {
        let log = self
            .client
            .issue_cmd(SessionPost {
                path: "se/log",
                body: r#"{"type":"browser"}"#.to_owned(),
            })
            .await
            .map_err(|e| e.to_string())?;
        Ok(log
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .filter(|e| e["level"] == "SEVERE")
                    .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Fails with the console errors since the last look, leaving out those `expected` allows.
    pub async fn no_console_errors_but(
        &self,
        expected: impl Fn(&str) -> bool,
    ) -> Result<(), String> {
        let errors: Vec<String> = self
            .console_errors()
            .await?
            .into_iter()
            .filter(|e| !expected(e))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("console errors: {errors:#?}"))
        }
    }

    /// Saves a PNG of the window under `target/screenshots/<name>.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf, String> {
        let png = self.client.screenshot().await.map_err(|e| e.to_string())?;
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(path)
    }

    /// Waits up to `secs` for an element matching `css`.
    pub async fn wait_for(&self, css: &str, secs: u64) -> Result<Element, String> {
        self.client
            .wait()
            .at_most(Duration::from_secs(secs))
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("waiting for `{css}`: {e}"))
    }

    /// Waits for an element and clicks it.
    pub async fn click(&self, css: &str) -> Result<(), String> {
        self.wait_for(css, 10)
            .await?
            .click()
            .await
            .map_err(|e| format!("click `{css}`: {e}"))
    }

    /// Clears an input and types into it.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<(), String> {
        let input = self.wait_for(css, 10).await?;
        input
            .clear()
            .await
            .map_err(|e| format!("clear `{css}`: {e}"))?;
        input
            .send_keys(text)
            .await
            .map_err(|e| format!("type into `{css}`: {e}"))
    }

    /// Polls until the element's text satisfies `check`, returning that text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        secs: u64,
        check: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        let mut last = String::new();
        while std::time::Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                last = element.text().await.unwrap_or_default();
                if check(&last) {
                    return Ok(last);
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("`{css}` still reads {last:?} after {secs} s"))
    }

    /// The menu's headings in order, each with the ids of the products under it.
    pub async fn menu_groups(&self) -> Result<Vec<(String, Vec<i64>)>, String> {
        let script = r#"
            return Array.from(document.querySelectorAll("[data-testid='menu-group']")).map(g => [
                g.querySelector('h2').textContent.trim(),
                Array.from(g.querySelectorAll("[data-testid='product-grid'] > li"))
                    .map(li => Number(li.dataset.testid.replace('product-', ''))),
            ]);
        "#;
        let value = self
            .client
            .execute(script, vec![])
            .await
            .map_err(|e| e.to_string())?;
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    /// Signs in from the page as the staff account `email` and sends `change` to
    /// `PATCH /api/admin/products/{product_id}`; the answer's status (0: no answer).
    pub async fn change_product_as(
        &self,
        email: &str,
        password: &str,
        product_id: i64,
        change: serde_json::Value,
    ) -> Result<u64, String> {
        let js = r#"
            const [productId, email, password, change, done] = arguments;
            fetch('/api/staff/sign-in', {method: 'POST',
                headers: {'Content-Type': 'application/json'},
                body: JSON.stringify({email, password})})
              .then(r => r.json())
              .then(s => fetch('/api/admin/products/' + productId, {method: 'PATCH',
                  headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token},
                  body: JSON.stringify(change)}))
              .then(r => done(r.status), () => done(0));
        "#;
        let args = vec![product_id.into(), email.into(), password.into(), change];
        let status = self
            .client
            .execute_async(js, args)
            .await
            .map_err(|e| format!("changing product {product_id}: {e}"))?;
        Ok(status.as_u64().unwrap_or(0))
    }

    /// Adds the admin account `email` (as `bakery user add` does), opens the staff page `path`
    /// and signs in there with its form.
    pub async fn sign_in_new_admin(
        &self,
        server: &Server,
        path: &str,
        email: &str,
        password: &str,
    ) -> Result<(), String> {
        server
            .cli(
                &["user", "add", "--role", "admin", email],
                &format!("{password}\n"),
            )
            .await?;
        self.open(server, path).await?;
        self.wait_for("#staff-email", 30).await?;
        self.type_into("#staff-email", email).await?;
        self.type_into("#staff-password", password).await?;
        self.click("#staff-sign-in").await
    }

    /// Checks the cart out as a pickup order for `name` at `email`.
    pub async fn check_out(&self, server: &Server, name: &str, email: &str) -> Result<(), String> {
        self.open(server, "/checkout").await?;
        self.type_into("#customer-name", name).await?;
        self.type_into("#customer-email", email).await?;
        self.click("#place-order").await
    }

    /// Opens a path of the site under test, once the storefront's wasm has drawn it.
    pub async fn open(&self, server: &Server, path: &str) -> Result<(), String> {
        self.open_url(&format!("{}{path}", server.url)).await
    }

    /// Opens `url` once the storefront's wasm has started: before, the shop's page holds the
    /// server's menu, which looks the same but whose buttons have no handlers yet (the boot
    /// module repeats early taps once the wasm has hydrated the page; a walk waits instead).
    pub async fn open_url(&self, url: &str) -> Result<(), String> {
        self.open_as_served(url).await?;
        self.wait_for("html[data-wasm='ready']", 30)
            .await
            .map(|_| ())
            .map_err(|e| format!("open {url}: the storefront never started: {e}"))
    }

    /// Opens `url` without waiting for the wasm: the page as the server sent it.
    pub async fn open_as_served(&self, url: &str) -> Result<(), String> {
        self.client
            .goto(url)
            .await
            .map_err(|e| format!("open {url}: {e}"))
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// A chromedriver extension: `POST /session/{id}/<path>` with a JSON body (`se/log` for the
/// browser console, `goog/cdp/execute` for a DevTools command).
#[derive(Debug)]
pub(crate) struct SessionPost {
    pub path: &'static str,
    pub body: String,
}

impl WebDriverCompatibleCommand for SessionPost {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.clone()))
    }
}

/// Starts the bakery (with `args`, e.g. `["serve"]`) and a browser, and runs `walk`. When the
/// walk fails it saves the screenshot `<shot>.png` and panics with the walk's error, the
/// browser's console errors and the server's log.
pub async fn run_walk(
    args: &[&str],
    shot: &str,
    walk: impl AsyncFnOnce(&Server, &Browser) -> Result<(), String>,
) {
    run_walk_with_env(args, &[], shot, walk).await
}

/// [`run_walk`] with the server given more environment variables.
pub async fn run_walk_with_env(
    args: &[&str],
    env: &[(&str, &str)],
    shot: &str,
    walk: impl AsyncFnOnce(&Server, &Browser) -> Result<(), String>,
) {
    let server = match Server::start_with_env(args, env).await {
        Ok(server) => server,
        Err(e) => panic!("{e}"),
    };
    let browser = match Browser::start().await {
        Ok(browser) => browser,
        Err(e) => panic!("{e}"),
    };
    let mut outcome = walk(&server, &browser).await;
    if let Err(e) = &outcome {
        let _ = browser.screenshot(shot).await;
        let console = browser.console_errors().await.unwrap_or_default();
        outcome = Err(format!(
            "{e}\n--- browser console errors ---\n{}",
            console.join("\n")
        ));
    }
    browser.close().await;
    if let Err(e) = outcome {
        panic!("{e}\n--- server log ---\n{}", server.log_text());
    }
}
