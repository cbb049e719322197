//! Asset localisation against a local HTTP server (wiremock).

use std::time::Duration;

use replica_assembler::{LocalizeOptions, localize_assets};
use replica_core::{ProjectFiles, UrlPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nfake image bytes";
const JPEG: &[u8] = b"\xff\xd8\xff\xe0fake jpeg";

async fn server() -> MockServer {
    let server = MockServer::start().await;
    let routes: [(&str, ResponseTemplate); 6] = [
        (
            "/img/logo.png",
            ResponseTemplate::new(200).set_body_raw(PNG, "image/png"),
        ),
        (
            "/bg",
            ResponseTemplate::new(200).set_body_raw(JPEG, "image/jpeg"),
        ),
        ("/missing.png", ResponseTemplate::new(404)),
        (
            "/big.png",
            ResponseTemplate::new(200).set_body_raw(vec![0u8; 4096], "image/png"),
        ),
        (
            "/soft404.png",
            ResponseTemplate::new(200).set_body_raw("<html>no</html>", "text/html"),
        ),
        (
            "/moved.png",
            ResponseTemplate::new(302).insert_header("location", "/img/logo.png"),
        ),
    ];
    for (route, response) in routes {
        Mock::given(method("GET"))
            .and(path(route))
            .respond_with(response)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/slow.png"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(PNG, "image/png")
                .set_delay(Duration::from_secs(5)),
        )
        .mount(&server)
        .await;
    server
}

fn project(base: &str) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    files.insert_text(
        "components/Hero.jsx",
        format!(
            "export default function Hero() {{\n  return (\n    <div style={{{{ backgroundImage: \"url(\\\"{base}/bg\\\")\" }}}}>\n      <img src=\"{base}/img/logo.png\" srcSet=\"{base}/moved.png 2x\" alt=\"\" />\n      <img src=\"{base}/missing.png\" alt=\"\" />\n      <img src=\"{base}/big.png\" alt=\"\" />\n      <img src=\"{base}/soft404.png\" alt=\"\" />\n      <a href=\"{base}/about\">About</a>\n    </div>\n  );\n}}\n"
        ),
    );
    files.insert_text(
        "app/globals.css",
        format!("body {{ background: url(\"{base}/bg\") }}\n.slow {{ background: url({base}/slow.png) }}\n"),
    );
    // Not a page, component or style: never touched.
    files.insert_text("README.md", format!("![logo]({base}/img/logo.png)\n"));
    files
}

fn options(policy: UrlPolicy) -> LocalizeOptions {
    LocalizeOptions {
        policy,
        max_asset_bytes: 1024,
        timeout: Duration::from_millis(1500),
        ..LocalizeOptions::default()
    }
}

#[tokio::test]
async fn assets_are_downloaded_hashed_and_references_rewritten() {
    let server = server().await;
    let base = server.uri();
    let mut files = project(&base);
    let report = localize_assets(&mut files, &options(UrlPolicy::allow_all())).await;

    let logo = &report.localized[&format!("{base}/img/logo.png")];
    let moved = &report.localized[&format!("{base}/moved.png")];
    let background = &report.localized[&format!("{base}/bg")];
    // Same bytes, same file, whatever the URL.
    assert_eq!(logo, moved);
    assert!(
        logo.starts_with("/assets/") && logo.ends_with(".png"),
        "{logo}"
    );
    assert!(background.ends_with(".jpg"), "{background}");
    let stored = |local: &str| files.files[&format!("public{local}")].contents.clone();
    assert_eq!(stored(logo), PNG);
    assert_eq!(stored(background), JPEG);

    let hero = files.text("components/Hero.jsx").unwrap();
    assert!(hero.contains(&format!("src=\"{logo}\"")), "{hero}");
    assert!(hero.contains(&format!("srcSet=\"{moved} 2x\"")), "{hero}");
    assert!(
        hero.contains(&format!("url(\\\"{background}\\\")")),
        "{hero}"
    );
    assert!(hero.contains(&format!("href=\"{base}/about\"")), "{hero}");
    let css = files.text("app/globals.css").unwrap();
    assert!(css.contains(&format!("url(\"{background}\")")), "{css}");
    assert!(files.text("README.md").unwrap().contains(&base));

    let mut failures: Vec<(String, String)> = report
        .failures
        .iter()
        .map(|failure| (failure.url.replace(&base, ""), failure.reason.clone()))
        .collect();
    failures.sort();
    let paths: Vec<&str> = failures.iter().map(|(url, _)| url.as_str()).collect();
    assert_eq!(
        paths,
        ["/big.png", "/missing.png", "/slow.png", "/soft404.png"]
    );
    assert!(failures[0].1.contains("cap"), "{failures:?}");
    assert!(failures[1].1.contains("404"), "{failures:?}");
    assert!(failures[2].1.contains("timed out"), "{failures:?}");
    assert!(failures[3].1.contains("HTML"), "{failures:?}");
    // Failed assets keep their URLs.
    for failed in ["missing.png", "big.png", "soft404.png"] {
        assert!(hero.contains(&format!("{base}/{failed}")), "{hero}");
    }
    assert!(css.contains(&format!("{base}/slow.png")), "{css}");
    assert_eq!(report.warnings().len(), 4);
}

#[tokio::test]
async fn nothing_is_fetched_from_addresses_the_policy_forbids() {
    let server = server().await;
    let base = server.uri();
    let mut files = project(&base);
    let before = files.clone();
    let report = localize_assets(&mut files, &options(UrlPolicy::public_only())).await;
    assert!(report.localized.is_empty(), "{:?}", report.localized);
    assert_eq!(report.failures.len(), 7, "{:?}", report.failures);
    for failure in &report.failures {
        assert!(failure.reason.contains("loopback"), "{failure:?}");
    }
    assert_eq!(files, before);
    let requests = server.received_requests().await.unwrap_or_default();
    assert!(requests.is_empty(), "{requests:?}");
}

#[tokio::test]
async fn a_redirect_into_a_forbidden_host_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/img.png"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "http://10.0.0.1/x.png"))
        .mount(&server)
        .await;
    let base = server.uri();
    let mut files = ProjectFiles::default();
    files.insert_text(
        "app/globals.css",
        format!("a{{background:url({base}/img.png)}}"),
    );
    // Private addresses allowed except the one the redirect points to.
    let policy = UrlPolicy::allow_all().deny(["10.0.0.1"]);
    let report = localize_assets(&mut files, &options(policy)).await;
    assert!(report.localized.is_empty());
    assert_eq!(report.failures.len(), 1);
    assert!(
        report.failures[0].reason.contains("deny list"),
        "{:?}",
        report.failures
    );
}

/// Serves `fixtures/sites` as the fixture server did when the scrapes were recorded.
struct SiteFiles;

impl wiremock::Respond for SiteFiles {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        let relative = request.url.path().trim_start_matches('/');
        let file = crate::workspace_fixtures().join("sites").join(relative);
        match std::fs::read(&file) {
            Ok(bytes) if !relative.contains("..") => {
                let mime = match file.extension().and_then(|ext| ext.to_str()) {
                    Some("png") => "image/png",
                    Some("jpg" | "jpeg") => "image/jpeg",
                    Some("svg") => "image/svg+xml",
                    Some("css") => "text/css",
                    _ => "application/octet-stream",
                };
                ResponseTemplate::new(200).set_body_raw(bytes, mime)
            }
            _ => ResponseTemplate::new(404),
        }
    }
}

/// The origin the fixture scrapes were recorded from.
const RECORDED_ORIGIN: &str = "http://127.0.0.1:41730";

#[tokio::test]
async fn every_fixture_project_localizes_the_site_files_it_references() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(SiteFiles)
        .mount(&server)
        .await;
    let base = server.uri();
    let mut localized_total = 0;
    for dir in crate::scrape_dirs() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut files = crate::assemble_fixture(
            &dir,
            replica_core::OutputStyle::Faithful,
            replica_core::Lang::TypeScript,
        )
        .files;
        for path in files.paths().map(str::to_string).collect::<Vec<_>>() {
            let text = files.text(&path).unwrap().replace(RECORDED_ORIGIN, &base);
            files.insert_text(path, text);
        }
        let site_options = LocalizeOptions {
            policy: UrlPolicy::allow_all(),
            ..LocalizeOptions::default()
        };
        let report = localize_assets(&mut files, &site_options).await;
        for (url, local) in &report.localized {
            let site_file = crate::workspace_fixtures()
                .join("sites")
                .join(url.strip_prefix(&format!("{base}/")).unwrap_or(url));
            let stored = &files.files[&format!("public{local}")].contents;
            assert_eq!(
                stored,
                &std::fs::read(&site_file).unwrap(),
                "{name}: {url} -> {local}"
            );
        }
        // What failed is what the recorded site does not have (fonts the fixture server
        // took from the system); it keeps its URL.
        for failure in &report.failures {
            let relative = failure
                .url
                .strip_prefix(&format!("{base}/"))
                .unwrap_or(&failure.url);
            assert!(
                !crate::workspace_fixtures()
                    .join("sites")
                    .join(relative)
                    .is_file(),
                "{name}: {failure:?}"
            );
            assert!(failure.reason.contains("404"), "{name}: {failure:?}");
        }
        localized_total += report.localized.len();
        let report = replica_jsx_validator::validate(&files);
        assert!(report.errors.is_empty(), "{name}: {report}");
    }
    assert!(
        localized_total >= 20,
        "only {localized_total} assets localized"
    );
}

#[tokio::test]
async fn names_are_checked_after_dns() {
    let server = server().await;
    let port = server.address().port();
    let by_name = format!("http://localhost:{port}");
    let project = || {
        let mut files = ProjectFiles::default();
        files.insert_text(
            "app/globals.css",
            format!("a{{background:url({by_name}/img/logo.png)}}"),
        );
        files
    };
    // Resolved through the policy's resolver: allowed, and the URL's port is kept.
    let mut files = project();
    let report = localize_assets(&mut files, &options(UrlPolicy::allow_all())).await;
    assert_eq!(report.localized.len(), 1, "{:?}", report.failures);
    // The name is allowed, the address it resolves to is not.
    let mut files = project();
    let policy = UrlPolicy::allow_all().deny(["127.0.0.1", "::1"]);
    let report = localize_assets(&mut files, &options(policy)).await;
    assert!(report.localized.is_empty());
    assert!(
        report.failures[0].reason.contains("deny list"),
        "{:?}",
        report.failures
    );
}
