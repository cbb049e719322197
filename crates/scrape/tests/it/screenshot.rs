//! `Browser::screenshot` renders a page exactly as the scrape does (DESIGN.md §8), at the
//! device's pixel width, and refuses what the scrape refuses.

use image::RgbaImage;
use replica_core::{Device, ScrapeError, ScrapeOptions, UrlPolicy};
use replica_scrape::{Browser, BrowserConfig};

use crate::support::{serve_sites, wait_until_group_is_gone};

fn decode(png: &[u8]) -> RgbaImage {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("the PNG decodes")
        .to_rgba8()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_match_the_scrape_at_device_size() {
    let server = serve_sites().await;
    let browser = Browser::launch(&BrowserConfig::from_lookup(|name| std::env::var(name).ok()))
        .await
        .expect("browser launches");
    let pgid = browser.process_group().expect("a chromedriver of our own");
    let options = ScrapeOptions::default();

    // A page about 3000 CSS px tall: the full page is all of it, at the device's pixel width
    // (1280 px on desktop, 750 px on mobile).
    let url = server.url("/one-block/index.html");
    let scraped = browser.scrape(&url, &options).await.expect("scrapes");
    for device in Device::ALL {
        let viewport = device.viewport();
        let scale = viewport.device_scale_factor;
        let full = decode(
            &browser
                .screenshot(&url, device, true, &options)
                .await
                .expect("full-page screenshot"),
        );
        let css_height = scraped.device(device).document.height.floor();
        assert_eq!(
            (full.width(), full.height()),
            (
                (f64::from(viewport.width) * scale) as u32,
                (css_height * scale) as u32
            ),
            "{} full page",
            device.name()
        );
        assert!(css_height > 2500.0, "{css_height}");
        // Same emulation, settle and capture as the scrape: the very same pixels.
        let from_scrape = decode(&scraped.device(device).screenshots.full_page.png);
        assert!(
            full == from_scrape,
            "{}: the screenshot differs from the scrape's",
            device.name()
        );

        let screen = decode(
            &browser
                .screenshot(&url, device, false, &options)
                .await
                .expect("viewport screenshot"),
        );
        assert_eq!(
            (screen.width(), screen.height()),
            (
                (f64::from(viewport.width) * scale) as u32,
                (f64::from(viewport.height) * scale) as u32
            ),
            "{} viewport",
            device.name()
        );
    }
    // Longer pages stop at the cap.
    let long = decode(
        &browser
            .screenshot(
                &server.url("/long-page/index.html"),
                Device::Desktop,
                true,
                &options,
            )
            .await
            .expect("long page"),
    );
    assert_eq!((long.width(), long.height()), (1280, 6000));

    // What the scrape refuses, the screenshot refuses, with the same errors.
    let error = browser
        .screenshot("not a url", Device::Desktop, true, &options)
        .await
        .expect_err("invalid URL");
    assert!(matches!(error, ScrapeError::InvalidUrl { .. }), "{error:?}");
    let public_only = ScrapeOptions {
        policy: UrlPolicy::public_only(),
        ..ScrapeOptions::default()
    };
    let error = browser
        .screenshot(&url, Device::Mobile, true, &public_only)
        .await
        .expect_err("loopback refused");
    assert!(matches!(error, ScrapeError::Refused { .. }), "{error:?}");
    let error = browser
        .screenshot(&server.url("/_status/404"), Device::Desktop, true, &options)
        .await
        .expect_err("404");
    assert!(
        matches!(error, ScrapeError::HttpStatus { status: 404, .. }),
        "{error:?}"
    );

    browser.shutdown().await;
    assert_eq!(wait_until_group_is_gone(pgid).await, Vec::<i32>::new());
}
