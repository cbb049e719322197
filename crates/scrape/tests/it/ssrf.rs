//! The SSRF corpus: each page in tests/fixtures/ssrf is served by a "public" server (a name
//! the test resolver maps to a public address, routed to loopback) and scraped in real
//! Chromium under the public-only policy, while a private target on loopback counts every
//! connection it receives. In every case that count stays zero, nothing is connected to
//! outside the test's servers, and the public page still renders. The table of what happened
//! per vector is a snapshot (docs/RELIABILITY.md shows it).

use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;

use replica_core::{ScrapeOptions, UrlPolicy};
use replica_fixture_server::FixtureServer;
use replica_fixture_server::network::{FakeNetwork, PrivateTarget};
use replica_scrape::{Browser, BrowserConfig};

use crate::support::fixtures_dir;

/// The public server's address as the fake resolver answers it (example.com's, once).
const PUBLIC_IP: &str = "93.184.215.14";

/// Every case page: the vector inside a page that must still render.
const PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
    <title>ssrf case</title></head><body><h1>public page rendered</h1>\n{{VECTOR}}\n</body></html>";

/// One page of tests/fixtures/ssrf: a `<!-- vector: ... -->` line, optional
/// `<!-- public: PATH... -->` (paths the public server must serve) and
/// `<!-- expect: the scrape fails -->` lines, then the HTML that goes into the page.
struct Case {
    name: String,
    vector: String,
    public_paths: Vec<String>,
    scrape_fails: bool,
    snippet: String,
}

fn cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ssrf");
    let mut cases: Vec<Case> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/ssrf exists")
        .flatten()
        .map(|entry| {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let header = |key: &str| {
                text.lines()
                    .take_while(|line| line.starts_with("<!-- "))
                    .find_map(|line| {
                        line.strip_prefix(&format!("<!-- {key}: "))?
                            .strip_suffix(" -->")
                    })
                    .map(str::to_string)
            };
            let name = entry
                .path()
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            Case {
                vector: header("vector").unwrap_or_else(|| panic!("{name} names its vector")),
                public_paths: header("public")
                    .map(|paths| paths.split_whitespace().map(str::to_string).collect())
                    .unwrap_or_default(),
                scrape_fails: header("expect").is_some_and(|e| e == "the scrape fails"),
                snippet: text
                    .lines()
                    .skip_while(|line| line.starts_with("<!-- "))
                    .collect::<Vec<_>>()
                    .join("\n"),
                name,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_vector_of_the_corpus_reaches_the_private_target() {
    let private = PrivateTarget::start().await.unwrap();
    let site = tempfile::tempdir().unwrap();
    let public = FixtureServer::start(site.path()).await.unwrap();
    let public_host = format!("public.test:{}", public.addr().port());
    std::fs::copy(
        fixtures_dir().join("sites/div-soup/img/avatar-noor.png"),
        site.path().join("pixel.png"),
    )
    .unwrap();
    let cases = cases();
    assert!(
        cases.len() >= 25,
        "the corpus is there: {} cases",
        cases.len()
    );
    for case in &cases {
        let page = PAGE
            .replace("{{VECTOR}}", &case.snippet)
            .replace("{{PRIVATE_PORT}}", &private.port().to_string())
            .replace("{{PUBLIC}}", &public_host);
        std::fs::write(site.path().join(format!("{}.html", case.name)), page).unwrap();
    }
    let network = Arc::new(
        FakeNetwork::default()
            .name("public.test", &[&[PUBLIC_IP]])
            .name("private.test", &[&["127.0.0.1"]])
            .name("rebind.test", &[&[PUBLIC_IP], &["127.0.0.1"]])
            .route(PUBLIC_IP, public.addr()),
    );
    // One browser for the whole corpus.
    let browser = Browser::launch(&BrowserConfig {
        network: Some(Arc::clone(&network) as _),
        ..BrowserConfig::from_lookup(|name| std::env::var(name).ok())
    })
    .await
    .expect("browser launches");
    let options = ScrapeOptions {
        policy: UrlPolicy::public_only(),
        ..ScrapeOptions::default()
    };
    let mut table = String::from("| vector | private target | result |\n|---|---|---|\n");
    let mut failures = Vec::new();
    for case in &cases {
        let before = private.connections();
        let requests_before = public.requests().len();
        let url = format!("http://{public_host}/{}.html", case.name);
        let scraped = browser.scrape(&url, &options).await;
        let reached = private.connections() - before;
        if reached != 0 {
            failures.push(format!(
                "{}: the private target got {reached} connections",
                case.name
            ));
        }
        let result = match (scraped, case.scrape_fails) {
            (Ok(data), false) => {
                let text = data.desktop.dom.text_content();
                if data.title != "ssrf case" || !text.contains("public page rendered") {
                    failures.push(format!(
                        "{}: the public page did not render: {:?} {text:?}",
                        case.name, data.title
                    ));
                }
                let seen = &public.requests()[requests_before..];
                for path in &case.public_paths {
                    if !seen.contains(path) {
                        failures.push(format!(
                            "{}: the public server never saw {path}: {seen:?}",
                            case.name
                        ));
                    }
                }
                describe(&data.warnings, &case.public_paths)
            }
            (Err(error), true) => format!("the scrape fails: {error}"),
            (Ok(_), true) => {
                failures.push(format!("{}: the scrape should have failed", case.name));
                String::new()
            }
            (Err(error), false) => {
                failures.push(format!("{}: the scrape failed: {error}", case.name));
                String::new()
            }
        };
        let _ = writeln!(
            table,
            "| {} | {} | {} |",
            case.vector.replace('|', "\\|"),
            if reached == 0 {
                "0 requests"
            } else {
                "REACHED"
            },
            result
                .replace(&private.port().to_string(), "PRIVATE")
                .replace(&public.addr().port().to_string(), "PUBLIC")
        );
    }
    browser.shutdown().await;
    assert_eq!(
        network.unrouted(),
        vec![],
        "connections beyond the test's servers"
    );
    assert_eq!(private.connections(), 0);
    assert!(failures.is_empty(), "{failures:#?}\n{table}");
    insta::assert_snapshot!("ssrf_corpus", table);
}

/// What the proxy refused (sorted: requests race), or that nothing reached it.
fn describe(warnings: &[String], public_paths: &[String]) -> String {
    let mut refused: Vec<&str> = warnings
        .iter()
        .filter_map(|w| w.strip_prefix("the URL policy refused a request of the page: "))
        .map(|w| w.split(" (").next().unwrap_or(w))
        .collect();
    refused.sort_unstable();
    match (refused.is_empty(), public_paths.is_empty()) {
        (false, _) => format!("refused: {}", refused.join(", ")),
        (true, false) => format!("served by the public server: {}", public_paths.join(", ")),
        (true, true) => "no request reached the proxy (the browser does not make it)".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allowed_origin_is_reachable_and_nothing_else_private() {
    // An intranet page (its name resolves to loopback) cloned under the public-only policy
    // with its origin allowed: the page and its own images load, other private origins do
    // not, the same server under another name included.
    let private = PrivateTarget::start().await.unwrap();
    let site = tempfile::tempdir().unwrap();
    let intranet = FixtureServer::start(site.path()).await.unwrap();
    let port = intranet.addr().port();
    std::fs::copy(
        fixtures_dir().join("sites/div-soup/img/avatar-noor.png"),
        site.path().join("pixel.png"),
    )
    .unwrap();
    let page = format!(
        "<!doctype html><title>intranet</title><h1>intranet page</h1>\
         <img src=\"/pixel.png?own\" alt=\"\">\
         <img src=\"http://127.0.0.1:{port}/pixel.png?other-name\" alt=\"\">\
         <img src=\"http://intranet.test:{}/pixel.png?other-port\" alt=\"\">",
        private.port()
    );
    std::fs::write(site.path().join("index.html"), page).unwrap();
    let network = Arc::new(FakeNetwork::default().name("intranet.test", &[&["127.0.0.1"]]));
    let browser = Browser::launch(&BrowserConfig {
        network: Some(Arc::clone(&network) as _),
        ..BrowserConfig::from_lookup(|name| std::env::var(name).ok())
    })
    .await
    .unwrap();
    let origin = format!("http://intranet.test:{port}").parse().unwrap();
    let options = ScrapeOptions {
        policy: UrlPolicy::public_only().allow_origins([origin]),
        ..ScrapeOptions::default()
    };
    let data = browser
        .scrape(&format!("http://intranet.test:{port}/"), &options)
        .await;
    browser.shutdown().await;
    let data = data.expect("the allowed origin scrapes");
    assert_eq!(data.title, "intranet");
    assert!(intranet.requests().iter().any(|r| r == "/pixel.png?own"));
    assert!(
        !intranet.requests().iter().any(|r| r.contains("other")),
        "{:?}",
        intranet.requests()
    );
    assert_eq!(private.connections(), 0);
    let refused: Vec<&String> = data
        .warnings
        .iter()
        .filter(|w| w.starts_with("the URL policy refused"))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:#?}");
    assert_eq!(network.unrouted(), vec![]);
}
