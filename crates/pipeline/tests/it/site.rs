//! A whole-site clone of fixtures/multi-sites/acme through real Chromium, files only: the
//! crawl's events, one route per page, the shared header and footer in the root layout, the
//! links between pages. (bins/replica's `site` test runs the preview and clicks through it.)

use std::path::PathBuf;
use std::sync::Arc;

use replica_core::PipelineEvent;
use replica_fixture_server::FixtureServer;
use replica_pipeline::{CloneRequest, MAX_SITE_PAGES, start_clone};
use replica_scrape::{Browser, BrowserConfig};
use tempfile::TempDir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const PAGE_FILES: &[&str] = &[
    "app/page.tsx",
    "app/pricing.html/page.tsx",
    "app/about/page.tsx",
    "app/blog/page.tsx",
    "app/blog/post.html/page.tsx",
];

#[tokio::test(flavor = "multi_thread")]
async fn a_site_becomes_routes_around_one_shared_header_and_footer() {
    let sites = FixtureServer::start(root().join("fixtures/multi-sites"))
        .await
        .unwrap();
    let browser = Arc::new(
        Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
            .await
            .unwrap(),
    );
    let data = TempDir::new().unwrap();
    let deps = crate::clone::deps(Arc::clone(&browser) as _, None, data.path());
    let mut request = CloneRequest::new(sites.url("/acme/"));
    request.pages = MAX_SITE_PAGES;
    request.preview = false;
    let mut run = start_clone(request, deps).unwrap();
    let mut events = Vec::new();
    while let Some(event) = run.events.recv().await {
        events.push(event);
    }
    let outcome = run.finish().await.unwrap();
    assert_eq!(outcome.error, None);

    // The crawl, level by level: the start page and what it links (the 404 among them),
    // then the page only the blog links; the link loops add nothing.
    let discovered: Vec<Vec<String>> = events
        .iter()
        .filter_map(|event| match event {
            PipelineEvent::PagesDiscovered { pages, .. } => {
                Some(pages.iter().map(|page| page.path.clone()).collect())
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        discovered,
        [
            vec![
                "/acme/",
                "/acme/pricing.html",
                "/acme/about/",
                "/acme/blog/",
                "/acme/missing.html"
            ],
            vec!["/acme/blog/post.html"],
        ]
    );
    let warned = |needle: &str| {
        events.iter().any(|event| {
            matches!(event, PipelineEvent::Warning { message, .. } if message.contains(needle))
        })
    };
    assert!(warned("/acme/missing.html is left out"), "{events:#?}");
    // Each page's stages say which page they are about.
    let generated: Vec<Option<String>> = events
        .iter()
        .filter_map(|event| match event {
            PipelineEvent::GenerationComplete { page, .. } => Some(page.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(generated.len(), 5);
    assert!(generated.iter().all(Option::is_some), "{generated:?}");

    let routes: Vec<&str> = outcome
        .pages
        .iter()
        .map(|page| page.route.as_str())
        .collect();
    assert_eq!(
        routes,
        ["/", "/pricing.html", "/about", "/blog", "/blog/post.html"]
    );
    let files = &outcome.files;
    for path in PAGE_FILES {
        let page = files
            .text(path)
            .unwrap_or_else(|| panic!("{path} is missing"));
        assert!(
            page.contains("export const metadata: Metadata = {\n  title: "),
            "{page}"
        );
        assert!(
            !page.contains("Navbar") && !page.contains("Footer"),
            "{path}:\n{page}"
        );
    }
    assert!(
        files
            .text("app/pricing.html/page.tsx")
            .unwrap()
            .contains("title: \"Pricing — Acme Tools\"")
    );

    // One header and one footer, rendered by the root layout, the active link put back per
    // route; the shared stylesheet loads once, the pricing page's own only there.
    let layout = files.text("app/layout.tsx").unwrap();
    assert!(
        layout.contains(
            "<Navbar />\n        <ActiveLinks>{children}</ActiveLinks>\n        <Footer />"
        ),
        "{layout}"
    );
    assert!(layout.contains("import \"./styles/site.css\";"), "{layout}");
    assert!(!layout.contains("pricing.css"), "{layout}");
    let navbars: Vec<&str> = files
        .paths()
        .filter(|path| path.ends_with("/Navbar.tsx"))
        .collect();
    assert_eq!(navbars, ["components/Navbar.tsx"]);
    let marks = files.text("components/ActiveLinks.tsx").unwrap();
    assert!(
        marks.contains("\"/pricing.html\": [\n    [\"first\", ["),
        "{marks}"
    );
    let pricing = files.text("app/pricing.html/page.tsx").unwrap();
    assert!(
        pricing.contains("import \"@/app/styles/pricing.css\";"),
        "{pricing}"
    );
    assert_eq!(
        files
            .paths()
            .filter(|path| path.starts_with("app/styles/"))
            .collect::<Vec<_>>(),
        ["app/styles/pricing.css", "app/styles/site.css"]
    );

    // Links: cloned pages by route through next/link; the 404 and the external link stay
    // absolute on their originals.
    let navbar = files.text("components/Navbar.tsx").unwrap();
    assert!(
        navbar.contains("<Link className=\"brand\" href=\"/\">"),
        "{navbar}"
    );
    assert!(navbar.contains("href: \"/pricing.html\""), "{navbar}");
    let footer = files.text("components/Footer.tsx").unwrap();
    assert!(
        footer.contains(&format!("\"{}\"", sites.url("/acme/missing.html"))),
        "{footer}"
    );
    assert!(footer.contains("\"https://example.org/acme\""), "{footer}");
    let post = files
        .paths()
        .filter(|path| path.starts_with("components/"))
        .filter_map(|path| files.text(path))
        .find(|text| text.contains("Back to the blog"))
        .unwrap();
    assert!(
        post.contains("<Link href=\"/blog\">Back to the blog</Link>"),
        "{post}"
    );
    assert!(post.contains("href=\"/pricing.html#plans\""), "{post}");
    let failed: Vec<&PipelineEvent> = events
        .iter()
        .filter(|event| matches!(event, PipelineEvent::ValidationFailed { .. }))
        .collect();
    assert_eq!(outcome.validation_errors, 0, "{failed:#?}");
    Arc::try_unwrap(browser).ok().unwrap().shutdown().await;
}
