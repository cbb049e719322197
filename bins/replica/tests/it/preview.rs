//! Previews through the server's port, seen by real headless Chromium: the page with its
//! images, fonts and scripts, every request to the server's port, hot reload through the
//! proxied WebSocket, and the server's own 404 and 502 pages.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

use crate::server::wait_for;

/// One chromedriver (its own process group, killed on drop) and one headless browser session.
pub struct Chromium {
    pub session: fantoccini::Client,
    driver: tokio::process::Child,
}

impl Chromium {
    pub async fn start() -> Chromium {
        let program = std::env::var("REPLICA_CHROMEDRIVER").unwrap_or("chromedriver".into());
        let mut driver = tokio::process::Command::new(program)
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver runs (cargo xtask setup installs it)");
        let mut lines = tokio::io::BufReader::new(driver.stdout.take().unwrap()).lines();
        let port = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(line) = lines.next_line().await.unwrap() {
                if let Some(rest) = line.split("started successfully on port ").nth(1) {
                    return rest.trim_end_matches('.').trim().parse::<u16>().unwrap();
                }
            }
            panic!("chromedriver exited before it was ready");
        })
        .await
        .expect("chromedriver ready within 20 s");
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--window-size=1280,720"],
        });
        if let Some(binary) = chromium_binary() {
            options["binary"] = json!(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert("goog:chromeOptions".into(), options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let session = fantoccini::ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a Chromium session");
        Chromium { session, driver }
    }

    pub async fn eval(&self, script: &str) -> Value {
        self.session
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    pub async fn close(self) {
        let Chromium {
            session,
            mut driver,
        } = self;
        let _ = session.close().await;
        if let Some(pid) = driver.id() {
            replica_sandbox_pool::kill_process_group(pid as i32);
        }
        let _ = driver.wait().await;
    }
}

/// The browser binary the scrape would use: REPLICA_CHROME, Debian's headless shell (the
/// binary, not the script that wraps it), else whatever chromedriver finds.
fn chromium_binary() -> Option<String> {
    if let Ok(binary) = std::env::var("REPLICA_CHROME") {
        return Some(binary);
    }
    let shell = PathBuf::from("/usr/lib/chromium/chromium-headless-shell");
    shell.is_file().then(|| shell.display().to_string())
}

/// What the page loaded, as Chromium's resource timing saw it.
const LOADED: &str = r#"
const origin = location.origin;
const names = performance.getEntriesByType('resource').map(e => e.name);
const images = [...document.images];
return {
  origin,
  requests: [location.href, ...names],
  images: images.length,
  broken: images.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src),
  fonts: [...document.fonts].filter(f => f.status === 'loaded').map(f => f.family),
  nextRan: typeof self.__next_f !== 'undefined' && document.querySelectorAll('script[src]').length > 0,
  text: document.body.textContent,
};"#;

/// Opens `url` in Chromium and checks that the clone renders through the server's port:
/// `text` shows, every request of the page went to the preview's origin (the server's port),
/// no image is broken, the web fonts loaded when `fonts` says so, and Next's scripts ran.
pub async fn renders_through_the_server(
    chromium: &Chromium,
    url: &str,
    server_port: u16,
    text: &str,
    fonts: bool,
) {
    chromium.session.goto(url).await.unwrap();
    let mut loaded = Value::Null;
    wait_for(
        "the preview to load in Chromium",
        Duration::from_secs(60),
        async || {
            let state = chromium.eval("return document.readyState").await;
            if state != "complete" {
                return false;
            }
            loaded = chromium.eval(LOADED).await;
            loaded["text"].as_str().unwrap().contains(text)
        },
    )
    .await;
    let origin = loaded["origin"].as_str().unwrap();
    assert!(
        origin.ends_with(&format!(".preview.localhost:{server_port}")),
        "{origin}"
    );
    let requests = loaded["requests"].as_array().unwrap();
    assert!(requests.len() > 3, "{loaded}");
    for request in requests {
        assert!(
            request.as_str().unwrap().starts_with(&format!("{origin}/")),
            "a request that did not go to the server's port: {request}"
        );
    }
    assert!(loaded["images"].as_u64().unwrap() > 0, "{loaded}");
    assert_eq!(loaded["broken"], json!([]), "{url}");
    if fonts {
        assert!(
            !loaded["fonts"].as_array().unwrap().is_empty(),
            "no web font loaded: {loaded}"
        );
    }
    assert_eq!(loaded["nextRan"], true, "{loaded}");
}

/// Marks the open page, so a reload (which would clear the mark) can be told from a hot update.
pub async fn mark_page(chromium: &Chromium) {
    chromium.eval("window.__replicaMark = 'kept'").await;
}

/// The open page shows `text` without having been reloaded: the update came through the
/// hot-reload WebSocket.
pub async fn hot_updated(chromium: &Chromium, text: &str) {
    wait_for(
        "the edit to reach the page in Chromium",
        Duration::from_secs(60),
        async || {
            let shown = chromium.eval("return document.body.textContent").await;
            shown.as_str().unwrap().contains(text)
        },
    )
    .await;
    let mark = chromium.eval("return window.__replicaMark || null").await;
    assert_eq!(mark, "kept", "the page was reloaded instead of hot-updated");
}

/// SIGKILLs every process of a local sandbox (its `next dev`), as a crash would.
pub fn kill_dev_server(sandbox: &Path) {
    let pids = replica_sandbox_pool::processes_under(sandbox);
    assert!(
        !pids.is_empty(),
        "no dev server runs in {}",
        sandbox.display()
    );
    for pid in pids {
        if let Some(pid) = rustix::process::Pid::from_raw(pid) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
        }
    }
}
