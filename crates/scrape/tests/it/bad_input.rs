//! Each kind of bad input gets its typed error with a clear message, and leaves no process behind.

use std::path::PathBuf;
use std::time::Duration;

use replica_core::{DomElement, ScrapeData, ScrapeError, ScrapeOptions, UrlPolicy};
use replica_fixture_server::FixtureServer;
use replica_scrape::{Browser, BrowserConfig};

use crate::support::{children_of, group_members, serve_sites, wait_until_group_is_gone};

/// Scrapes `url` with a fresh browser, then checks that the browser's processes are all gone.
async fn scrape_expecting_error(url: &str, options: &ScrapeOptions) -> ScrapeError {
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .expect("browser launches");
    let pgid = browser.process_group().expect("a chromedriver of our own");
    let error = browser
        .scrape(url, options)
        .await
        .expect_err("the scrape should fail");
    browser.shutdown().await;
    assert_eq!(
        wait_until_group_is_gone(pgid).await,
        Vec::<i32>::new(),
        "processes left after: {error}"
    );
    error
}

#[tokio::test]
async fn invalid_url() {
    let error = scrape_expecting_error("not a url", &ScrapeOptions::default()).await;
    assert!(matches!(error, ScrapeError::InvalidUrl { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "invalid URL \"not a url\": it is not absolute (add http:// or https://)"
    );
}

#[tokio::test]
async fn scheme_other_than_http() {
    for url in [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ] {
        let error = scrape_expecting_error(url, &ScrapeOptions::default()).await;
        assert!(
            matches!(error, ScrapeError::UnsupportedScheme { .. }),
            "{url}: {error:?}"
        );
        assert!(
            error
                .to_string()
                .contains("only http and https can be scraped"),
            "{error}"
        );
    }
}

#[tokio::test]
async fn dns_failure() {
    let error =
        scrape_expecting_error("http://no-such-host.invalid/", &ScrapeOptions::default()).await;
    assert!(
        matches!(&error, ScrapeError::Dns { host, .. } if host == "no-such-host.invalid"),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("could not resolve host \"no-such-host.invalid\""),
        "{error}"
    );
}

#[tokio::test]
async fn connection_refused() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let error = scrape_expecting_error(&url, &ScrapeOptions::default()).await;
    assert!(
        matches!(error, ScrapeError::ConnectionRefused { .. }),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!("connection refused by {url}: is a server listening there?")
    );
}

#[tokio::test]
async fn http_error_statuses() {
    let server = serve_sites().await;
    for (path, status) in [
        ("/_status/404", 404),
        ("/no/such/page.html", 404),
        ("/_status/500", 500),
        ("/_status/503", 503),
    ] {
        let error = scrape_expecting_error(&server.url(path), &ScrapeOptions::default()).await;
        assert!(
            matches!(error, ScrapeError::HttpStatus { status: s, .. } if s == status),
            "{path}: {error:?}"
        );
        assert!(
            error
                .to_string()
                .contains(&format!("answered HTTP {status}")),
            "{error}"
        );
    }
}

#[tokio::test]
async fn non_html_content() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.json"), r#"{"not":"html"}"#).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "plain text").unwrap();
    let server = FixtureServer::start(dir.path()).await.unwrap();
    for (path, mime) in [
        ("/data.json", "application/json"),
        ("/notes.txt", "text/plain; charset=utf-8"),
    ] {
        let error = scrape_expecting_error(&server.url(path), &ScrapeOptions::default()).await;
        assert!(
            matches!(&error, ScrapeError::NotHtml { content_type, .. } if content_type == mime),
            "{error:?}"
        );
        assert!(error.to_string().contains("is not an HTML page"), "{error}");
    }
}

#[tokio::test]
async fn load_timeout_of_the_document() {
    let server = serve_sites().await;
    let options = ScrapeOptions {
        load_timeout: Duration::from_millis(800),
        ..ScrapeOptions::default()
    };
    let error =
        scrape_expecting_error(&server.url("/_delay/30000/landing/index.html"), &options).await;
    assert!(
        matches!(error, ScrapeError::LoadTimeout { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("did not finish loading within 0.8s"),
        "{error}"
    );
}

#[tokio::test]
async fn subresources_that_never_finish_are_captured_as_they_were() {
    // The document answers at once but one of its images never finishes: the load event never
    // fires. What arrived is captured when the load timeout ends, with a warning.
    let server = serve_sites().await;
    let options = ScrapeOptions {
        load_timeout: Duration::from_millis(1500),
        ..ScrapeOptions::default()
    };
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .unwrap();
    let data = browser
        .scrape(&server.url("/_generated/hanging-image"), &options)
        .await
        .unwrap();
    browser.shutdown().await;
    assert_eq!(data.title, "hanging");
    assert_eq!(data.desktop.dom.text_content(), "waiting");
    assert!(
        data.warnings.iter().any(|w| w
            == "desktop: the page had not finished loading after 1.5s; it was captured as it was"),
        "{:?}",
        data.warnings
    );
}

#[tokio::test]
async fn dom_over_the_node_cap_is_truncated_with_a_warning() {
    let server = serve_sites().await;
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .unwrap();
    let options = ScrapeOptions {
        max_nodes: 500,
        ..ScrapeOptions::default()
    };
    let data = browser
        .scrape(&server.url("/_generated/huge-dom?n=3000"), &options)
        .await
        .unwrap();
    browser.shutdown().await;
    assert!(data.desktop.truncated && data.mobile.truncated);
    assert_eq!(data.desktop.node_count, 500);
    assert_eq!(data.desktop.dom.element_count(), 500);
    assert!(
        data.warnings
            .iter()
            .any(|w| w
                == "desktop: the page has more than 500 elements; the DOM was truncated there"),
        "{:?}",
        data.warnings
    );
}

#[tokio::test]
async fn dom_deeper_than_the_cap_keeps_its_text_with_a_warning() {
    let server = serve_sites().await;
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .unwrap();
    let data = browser
        .scrape(
            &server.url("/_generated/deep-dom?depth=400"),
            &ScrapeOptions::default(),
        )
        .await
        .unwrap();
    browser.shutdown().await;
    // <html> is level 0.
    fn levels_below(node: &DomElement) -> usize {
        node.child_elements()
            .map(|child| 1 + levels_below(child))
            .max()
            .unwrap_or(0)
    }
    assert_eq!(
        levels_below(&data.desktop.dom),
        replica_core::MAX_DOM_DEPTH - 1
    );
    assert!(
        data.desktop
            .dom
            .text_content()
            .contains("the deepest words")
    );
    assert!(data.desktop.dom.text_content().contains("after"));
    assert!(
        data.warnings
            .iter()
            .any(|w| w.starts_with("mobile: elements are nested more than 160")),
        "{:?}",
        data.warnings
    );
    // What was captured also reads back from disk.
    let dir = tempfile::tempdir().unwrap();
    data.save(dir.path()).unwrap();
    assert_eq!(
        ScrapeData::load(dir.path()).unwrap().desktop.dom,
        data.desktop.dom
    );
}

#[tokio::test]
async fn chromedriver_missing() {
    let config = BrowserConfig {
        chromedriver: Some(PathBuf::from("/nonexistent/chromedriver")),
        ..BrowserConfig::default()
    };
    let error = Browser::launch(&config)
        .await
        .expect_err("no chromedriver there");
    assert!(
        matches!(error, ScrapeError::ToolMissing { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("apt-get install chromium chromium-driver"),
        "{error}"
    );
}

#[tokio::test]
async fn chromium_missing() {
    let config = BrowserConfig {
        chromium: Some(PathBuf::from("/nonexistent/chromium")),
        ..BrowserConfig::default()
    };
    let error = Browser::launch(&config)
        .await
        .expect_err("no chromium there");
    assert!(
        matches!(&error, ScrapeError::ToolMissing { program, .. } if program == "/nonexistent/chromium"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("apt-get install chromium"),
        "{error}"
    );
}

#[tokio::test]
async fn webdriver_url_with_nothing_behind_it() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = BrowserConfig {
        webdriver_url: Some(format!("http://127.0.0.1:{port}")),
        ..BrowserConfig::default()
    };
    let browser = Browser::launch(&config).await.unwrap();
    let server = serve_sites().await;
    let error = browser
        .scrape(
            &server.url("/landing/index.html"),
            &ScrapeOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(error, ScrapeError::BrowserStart { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("no WebDriver server answers"),
        "{error}"
    );
}

#[tokio::test]
async fn private_addresses_are_refused_under_a_public_policy() {
    let server = serve_sites().await;
    let options = ScrapeOptions {
        policy: UrlPolicy::public_only(),
        ..ScrapeOptions::default()
    };
    let error = scrape_expecting_error(&server.url("/landing/index.html"), &options).await;
    assert!(matches!(error, ScrapeError::Refused { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("127.0.0.1 is a loopback address"),
        "{error}"
    );
    let error = scrape_expecting_error("http://169.254.169.254/latest/meta-data/", &options).await;
    assert!(error.to_string().contains("cloud metadata"), "{error}");
    // No request reached the server.
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[tokio::test]
async fn redirects_are_checked_by_the_policy() {
    let server = serve_sites().await;
    // A literal address on the deny list, reached only through a redirect.
    let target = server
        .url("/landing/index.html")
        .replace("127.0.0.1", "127.0.0.2");
    let policy = UrlPolicy::allow_all().deny(["127.0.0.2"]);
    let options = ScrapeOptions {
        policy,
        ..ScrapeOptions::default()
    };
    let url = server.url(&format!("/_redirect?to={target}"));
    let error = scrape_expecting_error(&url, &options).await;
    assert!(matches!(error, ScrapeError::Refused { .. }), "{error:?}");
    // A host name whose resolved address is denied, also only after a redirect.
    let second = FixtureServer::start_on(
        "127.0.0.3:0".parse().unwrap(),
        crate::support::fixtures_dir().join("sites"),
    )
    .await
    .unwrap();
    let target = format!(
        "http://localhost:{}/landing/index.html",
        server.addr().port()
    );
    let url = format!(
        "http://127.0.0.3:{}/_redirect?to={target}",
        second.addr().port()
    );
    let options = ScrapeOptions {
        policy: UrlPolicy::allow_all().deny(["::1", "127.0.0.1"]),
        ..ScrapeOptions::default()
    };
    let error = scrape_expecting_error(&url, &options).await;
    assert!(matches!(&error, ScrapeError::Refused { .. }), "{error:?}");
    assert!(error.to_string().contains("on the deny list"), "{error}");
    assert!(
        second
            .requests()
            .iter()
            .any(|r| r.starts_with("/_redirect")),
        "the first hop was served"
    );
    assert!(
        !server.requests().iter().any(|r| r.starts_with("/landing")),
        "the denied target was never requested"
    );
}

#[tokio::test]
async fn a_cancelled_scrape_leaves_no_browser_and_shutdown_leaves_nothing() {
    let server = serve_sites().await;
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .unwrap();
    let pgid = browser.process_group().unwrap();
    let options = ScrapeOptions {
        load_timeout: Duration::from_secs(20),
        ..ScrapeOptions::default()
    };
    let url = server.url("/_generated/hanging-image");
    // Cancel in the middle of the page load, as Ctrl-C or a dropped request would.
    let cancelled =
        tokio::time::timeout(Duration::from_millis(2500), browser.scrape(&url, &options)).await;
    assert!(
        cancelled.is_err(),
        "the scrape should still be waiting for the page"
    );
    // The browsers of the cancelled scrape go away while chromedriver stays up.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while group_members(pgid).len() > 1 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        group_members(pgid),
        vec![pgid],
        "only chromedriver should be left"
    );
    browser.shutdown().await;
    assert_eq!(wait_until_group_is_gone(pgid).await, Vec::<i32>::new());
}

#[tokio::test]
async fn a_running_webdriver_is_used_through_its_url() {
    // What REPLICA_WEBDRIVER_URL does: someone else runs the WebDriver server.
    let mut driver = std::process::Command::new("chromedriver")
        .arg("--port=0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("chromedriver runs");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(driver.stdout.take().unwrap()));
    let port = lines
        .find_map(|line| {
            line.ok()?
                .split("started successfully on port ")
                .nth(1)
                .map(|p| p.trim_end_matches('.').to_string())
        })
        .expect("chromedriver reports its port");
    let config = BrowserConfig {
        webdriver_url: Some(format!("http://127.0.0.1:{port}")),
        ..BrowserConfig::default()
    };
    let browser = Browser::launch(&config).await.unwrap();
    assert_eq!(
        browser.process_group(),
        None,
        "nothing of our own is started"
    );
    let server = serve_sites().await;
    let data = browser
        .scrape(&server.url("/empty/index.html"), &ScrapeOptions::default())
        .await;
    browser.shutdown().await;
    // The session is closed before the scrape returns: someone else's server is left as it was
    // found, with no browser of ours in it.
    let left = children_of(driver.id() as i32);
    let _ = driver.kill();
    let _ = driver.wait();
    let data = data.expect("the scrape works through the running server");
    assert_eq!(data.title, "Nothing here yet");
    assert_eq!(
        left,
        Vec::<i32>::new(),
        "browsers left under the WebDriver server"
    );
}
