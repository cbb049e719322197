//! One WebDriver session = one fresh headless Chromium with its own profile, plus the Chrome
//! DevTools Protocol commands chromedriver forwards (`goog/cdp/execute`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use fantoccini::wd::WebDriverCompatibleCommand;
use replica_core::ScrapeError;
use serde_json::{Value, json};

/// Flags for headless Chromium as root on a machine with a closed network (DESIGN.md §3).
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Crashpad handlers daemonize out of the process group and would outlive the browser.
    "--disable-crash-reporter",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication",
    "--hide-scrollbars",
    // Animation frames are not held to 60 Hz: scrolling through a page frame by frame is faster.
    "--disable-frame-rate-limit",
    "--disable-gpu-vsync",
    "--mute-audio",
    "--force-color-profile=srgb",
    // The headless shell hints fonts fully by default, which rounds glyph advances (text 1 px
    // wider here and there); slight hinting renders pixel-identical to full Chromium, which
    // ignores this switch.
    "--font-render-hinting=slight",
    "--window-size=1280,720",
];

#[derive(Debug)]
pub(crate) struct BrowserSession {
    pub client: fantoccini::Client,
}

pub(crate) struct SessionConfig<'a> {
    pub driver_url: &'a str,
    /// Browser binary for a chromedriver we started; remote drivers pick their own.
    pub chromium: Option<&'a Path>,
    /// Extra switches (the policy proxy).
    pub extra_args: Vec<String>,
    /// chromedriver also uses this for its internal waits on the renderer, so it has a floor.
    pub page_load_timeout: Duration,
    pub script_timeout: Duration,
}

impl BrowserSession {
    pub(crate) async fn open(config: SessionConfig<'_>) -> Result<BrowserSession, ScrapeError> {
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|s| s.to_string()).collect();
        if !roomy_dev_shm() {
            args.push("--disable-dev-shm-usage".into());
        }
        args.extend(config.extra_args);
        let mut chrome_options = serde_json::Map::new();
        // No --user-data-dir: chromedriver then makes a fresh profile per session (in its TMPDIR,
        // which the spawned driver removes) and opens a first page, which the headless shell
        // needs (given a profile, chromedriver opens none and the shell waits without a target).
        if let Some(binary) = config.chromium {
            chrome_options.insert("binary".into(), json!(binary.display().to_string()));
        }
        chrome_options.insert("args".into(), json!(args));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        // "eager": navigation returns once the document is parsed; the settle step waits for the
        // load event itself, so a hanging subresource costs a warning, not the scrape.
        capabilities.insert("pageLoadStrategy".into(), json!("eager"));
        capabilities.insert(
            "timeouts".into(),
            json!({
                "pageLoad": config.page_load_timeout.max(Duration::from_secs(10)).as_millis() as u64,
                "script": config.script_timeout.as_millis() as u64,
            }),
        );
        capabilities.insert("goog:chromeOptions".into(), Value::Object(chrome_options));

        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(Arc::new(rustls::crypto::ring::default_provider()))
            .map_err(|e| ScrapeError::BrowserStart {
                message: format!("TLS setup failed: {e}"),
            })?
            .https_or_http()
            .enable_http1()
            .build();
        let client = fantoccini::ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(config.driver_url)
            .await
            .map_err(|e| ScrapeError::BrowserStart {
                message: new_session_message(&e, config.driver_url),
            })?;
        Ok(BrowserSession { client })
    }

    /// Runs a DevTools Protocol command in the current page.
    pub(crate) async fn cdp(&self, cmd: &str, params: Value) -> Result<Value, ScrapeError> {
        self.client
            .issue_cmd(CdpCommand {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .map_err(|e| webdriver_error(cmd, &e))
    }

    pub(crate) async fn close(self) {
        // Errors here mean the browser is already gone, which is what we wanted.
        let _ = self.client.close().await;
    }
}

/// `POST /session/{id}/goog/cdp/execute`: chromedriver's door to the DevTools Protocol.
#[derive(Debug)]
struct CdpCommand {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for CdpCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

fn new_session_message(error: &fantoccini::error::NewSessionError, url: &str) -> String {
    use fantoccini::error::NewSessionError;
    match error {
        NewSessionError::Failed(_) | NewSessionError::FailedC(_) | NewSessionError::Lost(_) => {
            format!("no WebDriver server answers at {url}: {error}")
        }
        NewSessionError::SessionNotCreated(wd) => {
            let message = wd.message.lines().next().unwrap_or_default();
            format!("the WebDriver server at {url} could not start the browser: {message}")
        }
        other => format!("WebDriver at {url}: {other}"),
    }
}

/// A WebDriver command failure, first line of the driver's message only (the rest is a
/// stack trace and session info).
pub(crate) fn webdriver_error(command: &str, error: &fantoccini::error::CmdError) -> ScrapeError {
    ScrapeError::WebDriver {
        command: command.to_string(),
        message: first_line(&error.to_string()),
    }
}

pub(crate) fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_string()
}

/// Whether /dev/shm can hold the browser's shared memory. Containers often give it 64 MiB,
/// too little for full-page captures, and Chromium then has to be told to use /tmp instead;
/// but files in /tmp on a disk cost a filesystem inode each (about 6 % of a scrape's CPU time
/// on ext4, measured), so a large /dev/shm is used when there is one.
fn roomy_dev_shm() -> bool {
    const ENOUGH: u64 = 1 << 30;
    rustix::fs::statvfs("/dev/shm")
        .map(|fs| fs.f_bavail.saturating_mul(fs.f_frsize) >= ENOUGH)
        .unwrap_or(false)
}
