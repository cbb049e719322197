//! `replica clone URL --pages all` on fixtures/multi-sites/acme: the preview serves every page
//! on its route, a click on the shared navbar in real Chromium lands on the cloned route with
//! its link marked active, and every page is at least as close as its single-page clone
//! (minus 0.005).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::Locator;
use replica_fixture_server::FixtureServer;
use serde_json::{Value, json};

use crate::preview::Chromium;
use crate::server::{EventStream, Served, wait_for};

fn multi_sites() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/multi-sites")
}

/// `replica clone` with these arguments, its JSON result (the clone ran to its end).
async fn clone_json(args: &[&str], data: &Path) -> Value {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_replica"))
        .arg("clone")
        .args(args)
        .arg("--json")
        .env("REPLICA_DATA_DIR", data.join("data"))
        .env("REPLICA_SANDBOXES_DIR", data.join("sandboxes"))
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    crate::json_result(&output)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_whole_site_clone_navigates_and_keeps_each_pages_fidelity() {
    let server = FixtureServer::start(multi_sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut child = crate::spawn_clone(
        &[
            &server.url("/acme/"),
            "--pages",
            "all",
            "--keep-preview",
            "--json",
        ],
        dir.path(),
    );
    let stderr = child.stderr.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stderr));
    let mut progress = Vec::new();
    tokio::time::timeout(Duration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("press Ctrl-C to stop it") {
                return;
            }
            progress.push(line);
        }
        panic!("replica ended without keeping the preview: {progress:#?}");
    })
    .await
    .expect("the preview was not up within 300 s");
    // One line per page on stderr.
    for page in [
        "/acme/",
        "/acme/pricing.html",
        "/acme/about/",
        "/acme/blog/",
        "/acme/blog/post.html",
    ] {
        let prefix = format!("  page {page}: ");
        assert_eq!(
            progress
                .iter()
                .filter(|line| line.starts_with(&prefix))
                .count(),
            1,
            "{page}: {progress:#?}"
        );
    }
    let mut stdout =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stdout.take().unwrap()));
    let site: Value = serde_json::from_str(&stdout.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(site["compiled"], true, "{site}");
    let pages = site["pages"].as_array().unwrap();
    let routes: Vec<&str> = pages
        .iter()
        .map(|page| page["route"].as_str().unwrap())
        .collect();
    assert_eq!(
        routes,
        ["/", "/pricing.html", "/about", "/blog", "/blog/post.html"]
    );
    let mean = pages
        .iter()
        .map(|page| page["similarity"]["desktop"].as_f64().unwrap())
        .sum::<f64>()
        / pages.len() as f64;
    assert!(
        (site["similarity"]["desktop"].as_f64().unwrap() - mean).abs() < 1e-9,
        "{site}"
    );

    let preview = site["preview_url"]
        .as_str()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let chromium = Chromium::start().await;
    chromium.session.goto(&format!("{preview}/")).await.unwrap();
    let active =
        "return document.querySelector('.site-nav a.active')?.getAttribute('href') ?? null";
    wait_for(
        "the home page with its link marked",
        Duration::from_secs(60),
        async || chromium.eval(active).await == "/",
    )
    .await;
    chromium
        .session
        .find(Locator::Css(".site-nav a[href='/pricing.html']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        "the pricing route after the click",
        Duration::from_secs(60),
        async || {
            let at = chromium
            .eval("return [location.pathname, !!document.querySelector('.plans'), document.title]")
            .await;
            at == serde_json::json!(["/pricing.html", true, "Pricing — Acme Tools"])
        },
    )
    .await;
    wait_for(
        "the pricing link marked",
        Duration::from_secs(10),
        async || chromium.eval(active).await == "/pricing.html",
    )
    .await;
    chromium.close().await;
    let target = rustix::process::Pid::from_raw(child.id().unwrap() as i32).unwrap();
    rustix::process::kill_process(target, rustix::process::Signal::TERM).unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(30), child.wait()).await;

    // Each page alone, as today's single-page clone makes it.
    for page in pages {
        let path = page["path"].as_str().unwrap();
        let single = clone_json(&[&server.url(path)], dir.path()).await;
        for device in ["desktop", "mobile"] {
            let alone = single["similarity"][device].as_f64().unwrap();
            let in_site = page["similarity"][device].as_f64().unwrap();
            assert!(
                in_site >= alone - 0.005,
                "{path} {device}: {in_site:.4} in the site, {alone:.4} alone"
            );
        }
    }
}

/// `{"url", "pages": 2}` on `POST /clone/stream` (run inside the server test, on its server):
/// the crawl announced, each page's events naming their page, `done.pages` with a route and
/// a similarity per page, and the top-level similarity their mean.
pub(crate) async fn a_site_through_the_server(client: &reqwest::Client, server: &Served) {
    let fixtures = FixtureServer::start(multi_sites()).await.unwrap();
    let body = json!({ "url": fixtures.url("/acme/"), "pages": 2 });
    let (events, _) = EventStream::open(client, server, body)
        .await
        .collect()
        .await;
    let errors: Vec<&Value> = events.iter().filter(|e| e["type"] == "error").collect();
    assert!(errors.is_empty(), "{errors:?}");
    let discovered: Vec<&str> = events
        .iter()
        .filter(|event| event["type"] == "pages_discovered")
        .flat_map(|event| event["pages"].as_array().unwrap())
        .map(|page| page["path"].as_str().unwrap())
        .collect();
    assert_eq!(discovered, ["/acme/", "/acme/pricing.html"]);
    for page in ["/acme/", "/acme/pricing.html"] {
        assert!(
            events
                .iter()
                .any(|event| event["type"] == "scrape_done" && event["page"] == page),
            "no scrape_done for {page}: {events:?}"
        );
    }
    let done = events.last().unwrap();
    assert_eq!(done["type"], "done", "{done}");
    let pages = done["pages"].as_array().unwrap();
    let routes: Vec<&str> = pages.iter().map(|p| p["route"].as_str().unwrap()).collect();
    assert_eq!(routes, ["/", "/pricing.html"], "{done}");
    for device in ["desktop", "mobile"] {
        let scores: Vec<f64> = pages
            .iter()
            .map(|page| page["similarity"][device].as_f64().unwrap())
            .collect();
        assert!(
            scores.iter().all(|score| *score >= 0.99),
            "{device}: {done}"
        );
        let mean = scores.iter().sum::<f64>() / scores.len() as f64;
        let top = done["similarity"][device].as_f64().unwrap();
        assert!((top - mean).abs() < 1e-9, "{device}: {done}");
    }
}
