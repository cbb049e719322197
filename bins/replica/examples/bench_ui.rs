//! `cargo xtask bench ui [--runs N]`: what the web UI's first load of `/` weighs and how soon
//! it is interactive. A real `replica serve` (release build, `REPLICA_BIN`) with one finished
//! clone in its store (so the start page lists a card); each run opens `/` in a fresh headless
//! Chromium (cold cache). Weight = bytes over the wire (compressed, headers included) of the
//! page and every script and style sheet it loaded before it was interactive; interactive =
//! the app's first render done with its handlers attached (`performance.mark`). Target: at
//! most 300 KB.
//!
//! `cargo xtask screenshot [PATH]` runs this with `--screenshot PATH`: a clone started from the
//! URL field, its finished timeline beside its preview at 1440x900, for the README.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/server.rs"]
mod server;

use chromium::Chromedriver;
use server::listening;

/// After the load: the navigation and resources loaded up to the mark, with their sizes.
const FIRST_LOAD: &str = r#"
const mark = performance.getEntriesByName('replica-interactive')[0];
const nav = performance.getEntriesByType('navigation')[0];
const code = performance.getEntriesByType('resource')
  .filter(r => ['script', 'link', 'css', 'other'].includes(r.initiatorType) && /\.(js|css)$/.test(new URL(r.name).pathname))
  .filter(r => r.startTime <= mark.startTime);
return {
  interactive: mark.startTime,
  files: [nav, ...code].length,
  wire: [nav, ...code].reduce((n, r) => n + r.transferSize, 0),
  decoded: [nav, ...code].reduce((n, r) => n + r.decodedBodySize, 0),
};"#;

#[tokio::main]
async fn main() {
    let mut runs = 15usize;
    let mut screenshot = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--screenshot" => {
                screenshot = Some(PathBuf::from(args.next().expect("--screenshot PATH")))
            }
            other => panic!("unknown argument {other:?} (expected --runs N or --screenshot PATH)"),
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixtures = replica_fixture_server::FixtureServer::start(root.join("fixtures/sites"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut server = server::spawn(dir.path(), 1);
    let base = listening(&mut server).await;
    let chromedriver = Chromedriver::start().await;
    let landing = fixtures.url("/landing/");
    match screenshot {
        Some(path) => take_screenshot(&chromedriver, &base, &landing, &path).await,
        None => {
            let http = reqwest::Client::builder().no_proxy().build().unwrap();
            server::clone(&http, &base, &landing).await;
            measure(&chromedriver, &base, runs).await;
        }
    }
    if let Some(pid) = server
        .id()
        .and_then(|pid| rustix::process::Pid::from_raw(pid as i32))
    {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    let _ = tokio::time::timeout(Duration::from_secs(60), server.wait()).await;
}

async fn measure(chromedriver: &Chromedriver, base: &str, runs: usize) {
    let mut loads = Vec::new();
    for _ in 0..runs {
        let session = chromedriver.session(1280, 800).await;
        session.goto(&format!("{base}/")).await.unwrap();
        let load = wait_until_interactive(&session).await;
        let _ = session.close().await;
        loads.push(load);
    }
    let last = loads.last().unwrap();
    let mut times: Vec<f64> = loads
        .iter()
        .map(|l| l["interactive"].as_f64().unwrap())
        .collect();
    times.sort_by(f64::total_cmp);
    let wire = last["wire"].as_f64().unwrap() / 1024.0;
    println!(
        "first load of /: {} files, {wire:.1} KB over the wire ({:.1} KB decoded); target at most 300 KB",
        last["files"],
        last["decoded"].as_f64().unwrap() / 1024.0
    );
    println!(
        "interactive after: median {:.0} ms, min {:.0} ms, max {:.0} ms ({runs} cold loads)",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
}

async fn wait_until_interactive(session: &fantoccini::Client) -> Value {
    for _ in 0..200 {
        let ready = session
            .execute(
                "return performance.getEntriesByName('replica-interactive').length > 0",
                vec![],
            )
            .await
            .unwrap();
        if ready == true {
            return session.execute(FIRST_LOAD, vec![]).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the UI never became interactive");
}

/// A clone of `url` started from the UI's URL field, its timeline finished beside its preview,
/// as a PNG at `path`.
async fn take_screenshot(chromedriver: &Chromedriver, base: &str, url: &str, path: &PathBuf) {
    let session = chromedriver.session(1440, 900).await;
    session.set_window_size(1440, 900).await.unwrap();
    session.goto(&format!("{base}/")).await.unwrap();
    // The light theme, whatever the machine prefers: the README shows one of them.
    session
        .execute("localStorage.setItem('replica-theme', 'light')", vec![])
        .await
        .unwrap();
    session.refresh().await.unwrap();
    wait_until_interactive(&session).await;
    session
        .find(fantoccini::Locator::Id("clone-url"))
        .await
        .unwrap()
        .send_keys(url)
        .await
        .unwrap();
    session
        .find(fantoccini::Locator::Css(".start-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..3000 {
        let ended = session
            .execute("return !!document.querySelector('[data-outcome]')", vec![])
            .await
            .unwrap();
        if ended == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The preview renders in its iframe; the fonts and images it loads need a moment.
    for _ in 0..100 {
        let framed = session
            .execute(
                "return !!document.querySelector('iframe.preview-frame')",
                vec![],
            )
            .await
            .unwrap();
        if framed == true {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let png = session.screenshot().await.unwrap();
    std::fs::write(path, png).unwrap();
    println!("wrote {}", path.display());
    let _ = session.close().await;
}
