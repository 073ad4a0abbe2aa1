//! A real headless Chromium driven over the W3C WebDriver protocol: Debian's `chromium` and its
//! `chromedriver` (package `chromium-driver`, which `make test` installs when missing). The client
//! is the handful of WebDriver commands the dashboard's test needs, as JSON over HTTP (no WebDriver
//! crate). Screenshots are written to `target/screenshots/<name>.png`.
//!
//! `CHROMEDRIVER` and `CHROMIUM` may name other binaries than the ones on `PATH`.

use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The key under which WebDriver returns an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a `wait_*` waits before the test fails (generous: `make test` runs every test at once on few cores).
pub const WAIT: Duration = Duration::from_secs(30);

pub struct Browser {
    http: reqwest::Client,
    /// `http://127.0.0.1:<driver port>/session/<id>`
    session: String,
    driver: Option<tokio::process::Child>,
    /// Where screenshots go, with the test's prefix.
    shots: PathBuf,
    prefix: String,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Where screenshots are written: `target/screenshots/` of the repository.
pub fn screenshot_dir() -> PathBuf {
    local_env::settings::repo_root().join("target/screenshots")
}

impl Browser {
    /// Starts chromedriver on a free port and a headless Chromium session (1280 x 1600). Screenshot
    /// names get `prefix`.
    pub async fn start(prefix: &str) -> Browser {
        let driver_bin = std::env::var_os("CHROMEDRIVER").map(PathBuf::from).or_else(|| on_path("chromedriver"));
        let Some(driver_bin) = driver_bin else {
            panic!(
                "chromedriver is not installed: `make test` installs Debian's chromium and chromium-driver \
                 (or run `apt-get install chromium chromium-driver`)"
            )
        };
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let driver = tokio::process::Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("{} does not start: {e}", driver_bin.display()));
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let ready = http.get(format!("{base}/status")).send().await.ok();
            if let Some(r) = ready {
                let v: Value = r.json().await.unwrap_or_default();
                if v["value"]["ready"] == true {
                    break;
                }
            }
            assert!(started.elapsed() < WAIT, "chromedriver did not become ready on port {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut options = json!({
            "args": [
                "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1600", "--lang=en-GB", "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
            ],
        });
        let chromium = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| on_path("chromium"));
        if let Some(chromium) = chromium {
            options["binary"] = json!(chromium.to_string_lossy());
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": { "browser": "ALL" },
            "timeouts": { "implicit": 0, "pageLoad": 30_000, "script": 15_000 },
        } } });
        let created: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().await.unwrap().json().await.unwrap();
        let id = created["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver refused the session: {created}"))
            .to_owned();
        let shots = screenshot_dir();
        std::fs::create_dir_all(&shots).unwrap();
        Browser { http, session: format!("{base}/session/{id}"), driver: Some(driver), shots, prefix: prefix.into() }
    }

    /// One WebDriver command: its `value`, or the test fails with WebDriver's error.
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_command(method, path, body).await.unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    async fn try_command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, String> {
        let mut request = self.http.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let v: Value = response.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(v["value"].clone())
        } else {
            Err(format!("{status}: {} {}", v["value"]["error"], v["value"]["message"]))
        }
    }

    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    async fn find(&self, css: &str) -> Option<String> {
        let found = self
            .try_command(reqwest::Method::POST, "/element", Some(json!({ "using": "css selector", "value": css })))
            .await
            .ok()?;
        found[ELEMENT].as_str().map(str::to_owned)
    }

    /// Whether an element matches `css` and is displayed.
    pub async fn displayed(&self, css: &str) -> bool {
        let Some(id) = self.find(css).await else { return false };
        self.try_command(reqwest::Method::GET, &format!("/element/{id}/displayed"), None).await == Ok(Value::Bool(true))
    }

    /// The element `css` once it is displayed.
    pub async fn wait_for(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(id) = self.find(css).await {
                if self.displayed(css).await {
                    return id;
                }
            }
            if started.elapsed() > WAIT {
                self.screenshot("timeout").await;
                panic!("`{css}` was not displayed within {WAIT:?}; page: {}", self.text("body").await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the script (a function body returning a boolean, `arguments` as given) holds.
    pub async fn wait_until(&self, what: &str, script: &str, args: Value) {
        let started = Instant::now();
        loop {
            if self.script(script, args.clone()).await == Value::Bool(true) {
                return;
            }
            if started.elapsed() > WAIT {
                self.screenshot("timeout").await;
                panic!("{what}: not within {WAIT:?}; page: {}", self.text("body").await);
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until the element's text contains `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> String {
        let started = Instant::now();
        loop {
            let text = self.text(css).await;
            if text.contains(expected) {
                return text;
            }
            if started.elapsed() > WAIT {
                self.screenshot("timeout").await;
                panic!("`{css}` did not show {expected:?} within {WAIT:?}; it shows {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element `css` finds; found again when the page re-rendered it between finding and
    /// clicking (a list refreshed by its timer, say).
    pub async fn click(&self, css: &str) {
        for _ in 0..5 {
            let id = self.wait_for(css).await;
            match self.try_command(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await {
                Err(e) if e.contains("stale element") => tokio::time::sleep(Duration::from_millis(100)).await,
                Err(e) => panic!("WebDriver click on {css}: {e}"),
                Ok(_) => return,
            }
        }
        panic!("{css} kept being re-rendered while clicked");
    }

    /// Clears the field and types `text` into it.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.wait_for(css).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/clear"), Some(json!({}))).await;
        self.command(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({ "text": text }))).await;
    }

    /// The rendered text of the first element matching `css` (empty if there is none).
    pub async fn text(&self, css: &str) -> String {
        let script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';";
        self.script(script, json!([css])).await.as_str().unwrap_or_default().to_owned()
    }

    /// Runs a synchronous script (a function body) in the page: its return value.
    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.command(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    /// Adds a virtual authenticator to the browser (WebDriver's WebAuthn extension, which
    /// chromedriver carries out with DevTools' `WebAuthn.addVirtualAuthenticator`): a platform
    /// authenticator (CTAP2, internal) with resident keys and user verification that passes, as a
    /// laptop's fingerprint reader would. Its id.
    pub async fn add_virtual_authenticator(&self) -> String {
        let options = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true,
        });
        let id = self.command(reqwest::Method::POST, "/webauthn/authenticator", Some(options)).await;
        id.as_str().expect("an authenticator id").to_owned()
    }

    /// The credentials the virtual authenticator holds (their ids, resident flags, sign counts).
    pub async fn authenticator_credentials(&self, authenticator: &str) -> Vec<Value> {
        let path = format!("/webauthn/authenticator/{authenticator}/credentials");
        self.command(reqwest::Method::GET, &path, None).await.as_array().cloned().unwrap_or_default()
    }

    /// Writes `target/screenshots/<prefix>-<name>.png`; returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        use base64::Engine;
        let data = self.command(reqwest::Method::GET, "/screenshot", None).await;
        let bytes = base64::engine::general_purpose::STANDARD.decode(data.as_str().unwrap_or_default()).unwrap();
        let path = self.shots.join(format!("{}-{name}.png", self.prefix));
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The browser console's messages at level SEVERE so far (a refused script, style or image
    /// is one: Chromium reports Content-Security-Policy violations there), through chromedriver's
    /// log endpoint.
    pub async fn console_errors(&self) -> Vec<String> {
        let log = self.command(reqwest::Method::POST, "/se/log", Some(json!({ "type": "browser" }))).await;
        log.as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["level"] == "SEVERE")
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    /// Ends the session (Chromium exits) and chromedriver.
    pub async fn quit(mut self) {
        let _ = self.http.delete(&self.session).send().await;
        if let Some(mut driver) = self.driver.take() {
            let _ = driver.kill().await;
        }
    }
}

impl Drop for Browser {
    /// A test that failed half-way still ends the browser (chromedriver dies with `kill_on_drop`;
    /// Chromium is ended by deleting its session first).
    fn drop(&mut self) {
        if self.driver.is_some() {
            let _ = std::process::Command::new("curl")
                .args(["-s", "-o", "/dev/null", "-m", "10", "-X", "DELETE", &self.session])
                .status();
        }
    }
}
