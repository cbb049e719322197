//! `cargo xtask bench preview [--runs N] [SITE...]`: what the preview proxy adds to a preview's
//! first load. A real `replica serve` (release build, `REPLICA_BIN`) clones each fixture site;
//! headless Chromium then loads the preview through the server's port and straight from its
//! `next dev`, alternating, each load in a fresh session (cold browser cache, warm dev server).
//! A load lasts until the last of its requests ended (or the load event, if later); "HTTP ms"
//! adds up the time each request took (what a proxy can slow down, without the page's script
//! time). Target: the proxied load at most 10 % slower (median).

use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "support/chromium.rs"]
mod chromium;
#[path = "support/server.rs"]
mod server;

use chromium::Chromedriver;
use server::listening;

const DEFAULT_SITES: &[&str] = &["landing", "webfonts", "long-page"];

#[tokio::main]
async fn main() {
    let mut runs = 15usize;
    let mut sites = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            site => sites.push(site.to_string()),
        }
    }
    if sites.is_empty() {
        sites = DEFAULT_SITES.iter().map(|s| s.to_string()).collect();
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let fixtures = replica_fixture_server::FixtureServer::start(root.join("fixtures/sites"))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sandboxes = dir.path().join("sandboxes");
    let mut server = server::spawn(dir.path(), 1);
    let base = listening(&mut server).await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let chromedriver = Chromedriver::start().await;

    println!("site          requests  direct ms  proxied ms   added  HTTP ms direct  proxied");
    let mut ratios = Vec::new();
    for site in &sites {
        let (proxied, sandbox_id) =
            clone(&http, &base, &fixtures.url(&format!("/{site}/index.html"))).await;
        let direct = direct_url(&sandboxes.join(&sandbox_id));
        // One unmeasured load each: the dev server has compiled the page already (the clone's
        // compile check), this settles the rest (chunks, assets) for both.
        chromedriver.load(&direct).await;
        chromedriver.load(&proxied).await;
        let mut loads: [Vec<Load>; 2] = [Vec::new(), Vec::new()];
        for run in 0..runs {
            // Alternating which goes first, so neither always meets a busier machine.
            let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
            for mode in order {
                let url = if mode == 0 { &direct } else { &proxied };
                loads[mode].push(chromedriver.load(url).await);
            }
        }
        let requests = loads[1].last().map_or(0, |load| load.requests);
        let [direct_ms, proxied_ms] = loads.each_ref().map(|l| median(l.iter().map(|l| l.ms)));
        let [direct_http, proxied_http] = loads
            .each_ref()
            .map(|l| median(l.iter().map(|l| l.http_ms)));
        let added = (proxied_ms - direct_ms) / direct_ms;
        ratios.push(added);
        println!(
            "{site:<13} {requests:>8}  {direct_ms:>9.1}  {proxied_ms:>10.1}  {:>+5.1} %  {direct_http:>14.1}  {proxied_http:>7.1}",
            added * 100.0
        );
    }
    let worst = ratios.iter().cloned().fold(f64::MIN, f64::max);
    println!(
        "\nworst added time: {:+.1} % over {} sites, {runs} loads each way (target: under 10 %)",
        worst * 100.0,
        sites.len()
    );
    if let Some(pid) = server
        .id()
        .and_then(|pid| rustix::process::Pid::from_raw(pid as i32))
    {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
    let _ = tokio::time::timeout(Duration::from_secs(60), server.wait()).await;
}

/// Clones `url` through the server: the routed preview URL and the sandbox id from `done`.
async fn clone(http: &reqwest::Client, base: &str, url: &str) -> (String, String) {
    let done = server::clone(http, base, url).await;
    (
        done["preview_url"].as_str().unwrap().to_string(),
        done["sandbox_id"].as_str().unwrap().to_string(),
    )
}

/// The dev server's own address, from what `next dev` printed in its sandbox.
fn direct_url(sandbox: &Path) -> String {
    let log = std::fs::read_to_string(sandbox.join("next-dev.log")).unwrap();
    let start = log
        .find("http://127.0.0.1:")
        .expect("next dev printed its address");
    let address: String = log[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    format!("{}/", address.trim_end_matches('/'))
}

/// When the load's last request ended (ms after navigation start), the time its requests took
/// added up, and how many there were.
const TIMING: &str = r#"
const nav = performance.getEntriesByType('navigation')[0];
const resources = performance.getEntriesByType('resource');
const end = Math.max(nav.loadEventEnd, ...resources.map(r => r.responseEnd));
const http = [nav, ...resources].reduce((sum, r) => sum + (r.responseEnd - r.startTime), 0);
return [end, http, resources.length + 1];"#;

struct Load {
    ms: f64,
    http_ms: f64,
    requests: usize,
}

impl Chromedriver {
    /// Loads `url` in a fresh session and times it.
    async fn load(&self, url: &str) -> Load {
        let session = self.session(1280, 720).await;
        // The default page-load strategy returns once `load` has fired.
        session.goto(url).await.unwrap();
        // Requests started by scripts after `load` (chunks, fonts) get a moment to finish.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let timing = session.execute(TIMING, Vec::new()).await.unwrap();
        let _ = session.close().await;
        Load {
            ms: timing[0].as_f64().unwrap(),
            http_ms: timing[1].as_f64().unwrap(),
            requests: timing[2].as_u64().unwrap() as usize,
        }
    }
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
