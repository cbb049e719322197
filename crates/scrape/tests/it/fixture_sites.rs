//! Every fixture site, scraped for real; the stable parts of ScrapeData are snapshotted.

use futures_util::StreamExt;
use replica_core::{
    BrowserDefaults, Device, DeviceCapture, DomElement, ScrapeData, ScrapeError, ScrapeOptions,
};
use replica_scrape::{Browser, BrowserConfig};

use crate::support::{fixtures_dir, serve_sites, snapshot_view};

fn site_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir().join("sites"))
        .expect("fixtures/sites exists")
        .flatten()
        .filter(|e| e.path().join("index.html").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_site_scrapes_to_its_snapshot() {
    let server = serve_sites().await;
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .expect("browser launches");
    let names = site_names();
    assert!(
        names.len() >= 6,
        "expected the fixture sites, found {names:?}"
    );
    for name in names {
        let url = server.url(&format!("/{name}/index.html"));
        let data = browser
            .scrape(&url, &ScrapeOptions::default())
            .await
            .unwrap_or_else(|e| panic!("scraping {name} failed: {e}"));
        check_invariants(&name, &data);
        let origin = server.url("");
        insta::with_settings!({ snapshot_suffix => name.clone(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("site", snapshot_view(&data, &origin));
        });
    }
    browser.shutdown().await;
}

/// Pages scraped one after another in a lane's browsers come out as each does alone (its
/// snapshot above): no console, network or refusal of one page carries over to the next, and a
/// page that fails in between leaves the next one whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_series_scrapes_each_page_as_it_would_alone() {
    let server = serve_sites().await;
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .expect("browser launches");
    let names = [
        "console-errors",
        "lazy-images",
        "js-rendered",
        "webfonts",
        "responsive",
    ];
    let mut urls: Vec<String> = names
        .iter()
        .map(|name| server.url(&format!("/{name}/index.html")))
        .collect();
    // Page 2 goes to the first lane, after console-errors and before webfonts.
    urls.insert(2, server.url("/no-such-site/index.html"));
    let mut results: Vec<_> = browser
        .scrape_series(urls, &ScrapeOptions::default(), 2)
        .collect()
        .await;
    assert_eq!(results.len(), 6);
    let missing = results.remove(2);
    assert!(
        matches!(missing, Err(ScrapeError::HttpStatus { status: 404, .. })),
        "{missing:?}"
    );
    let origin = server.url("");
    for (index, (name, data)) in names.iter().zip(results).enumerate() {
        let data = data.unwrap_or_else(|e| panic!("scraping {name} in the series failed: {e}"));
        // The first page of each lane starts its browsers; the later ones find them open.
        assert_eq!(
            data.timings.browser_ms == 0,
            index >= 2,
            "{name}: {:?}",
            data.timings
        );
        check_invariants(name, &data);
        insta::with_settings!({ snapshot_suffix => name.to_string(), prepend_module_to_snapshot => false, omit_expression => true }, {
            insta::assert_snapshot!("site", snapshot_view(&data, &origin));
        });
    }
    browser.shutdown().await;
}

/// What must hold for any page, whatever its snapshot says.
fn check_invariants(name: &str, data: &ScrapeData) {
    for device in Device::ALL {
        let capture = data.device(device);
        check_browser_defaults(name, data, capture);
        let viewport = device.viewport();
        let shots = &capture.screenshots;
        let scale = viewport.device_scale_factor;
        assert_eq!(
            shots.viewport.width as f64,
            viewport.width as f64 * scale,
            "{name}: viewport shot width"
        );
        assert_eq!(
            shots.viewport.height as f64,
            viewport.height as f64 * scale,
            "{name}: viewport shot height"
        );
        assert_eq!(
            shots.full_page.width as f64,
            viewport.width as f64 * scale,
            "{name}: full shot width"
        );
        let per_css_px = shots.full_page.width as f64 / shots.full_page.css_width;
        assert!(
            (shots.full_page.height as f64 - shots.full_page.css_height * per_css_px).abs() <= 1.0,
            "{name}: full shot height {} for {} css px at {per_css_px} px per css px",
            shots.full_page.height,
            shots.full_page.css_height
        );
        assert!(shots.full_page.css_height <= ScrapeOptions::default().full_page_max_height as f64);
        assert_eq!(capture.dom.tag, "html");
        // Sections come in document order and, on desktop, top to bottom. (They may overlap a
        // little: designs pull a block up over the previous one with negative margins.)
        for pair in capture.sections.windows(2) {
            assert!(
                pair[0].node < pair[1].node,
                "{name}: sections out of document order"
            );
            if !pair[0].pinned && !pair[1].pinned && device == Device::Desktop {
                assert!(
                    pair[0].rect.y <= pair[1].rect.y + 1.0,
                    "{name}: sections out of vertical order: {pair:?}"
                );
            }
        }
    }
    // Desktop and mobile are cut the same way.
    let kinds = |d: Device| {
        data.device(d)
            .sections
            .iter()
            .map(|s| (s.node, s.kind))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds(Device::Desktop),
        kinds(Device::Mobile),
        "{name}: devices disagree on sections"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_longer_than_six_digits_keep_their_precision() {
    // CSSOM serializes 1.42857143 as 1.42857: 14px lines of 19.98px, a pixel lost every 50.
    let server = serve_sites().await;
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .expect("browser launches");
    let data = browser
        .scrape(
            &server.url("/precise-numbers/index.html"),
            &ScrapeOptions::default(),
        )
        .await
        .expect("the fixture scrapes");
    browser.shutdown().await;
    let css: String = data.stylesheets.iter().map(|s| s.css.as_str()).collect();
    for precise in [
        "line-height: 1.42857143",
        "width: 33.33333333%",
        "6.66666667px",
    ] {
        assert!(css.contains(precise), "{precise} in {css}");
    }
    // Numbers written with six digits or fewer stay as the page wrote them.
    assert!(css.contains("line-height: 1.1"), "{css}");
}

/// Every captured tag has its defaults, and they are Chromium's in the page's compat mode.
fn check_browser_defaults(name: &str, data: &ScrapeData, capture: &DeviceCapture) {
    fn visit(el: &DomElement, in_svg: bool, defaults: &BrowserDefaults, name: &str) {
        // SVG content is keyed `svg:<name>`; HTML inside a `<foreignObject>` by its tag.
        let key = format!("svg:{}", el.tag);
        let recorded = |key: &str| defaults.value(key, "display").is_some();
        assert!(
            recorded(&el.tag) || (in_svg && recorded(&key)),
            "{name}: no browser defaults for <{key}>"
        );
        for child in el.child_elements() {
            visit(child, in_svg || el.tag == "svg", defaults, name);
        }
    }
    let defaults = &capture.browser_defaults;
    visit(&capture.dom, false, defaults, name);
    // Recorded whether or not the page has them, in absolute units.
    assert_eq!(defaults.value("h1", "font-size"), Some("32px"), "{name}");
    assert_eq!(
        defaults.value("h1", "margin-top"),
        Some("21.44px"),
        "{name}"
    );
    assert_eq!(defaults.value("p", "margin-bottom"), Some("16px"), "{name}");
    assert_eq!(
        defaults.value("div", "margin-bottom"),
        Some("0px"),
        "{name}"
    );
    // Quirks mode's own UA rule: a form gets a bottom margin.
    let form_margin = if data.compat_mode == "BackCompat" {
        "16px"
    } else {
        "0px"
    };
    assert_eq!(
        defaults.value("form", "margin-bottom"),
        Some(form_margin),
        "{name}"
    );
}
