//! [`Browser::screenshot`]: one page on one device, rendered exactly as a scrape renders it
//! (DESIGN.md §8), without the extraction. This is what `POST /screenshot` serves.

use std::time::Instant;

use replica_core::{Device, ScrapeError, ScrapeOptions};

use crate::session::BrowserSession;
use crate::{Browser, DESKTOP_USER_AGENT, capture, check_landing, preflight};

impl Browser {
    /// PNG bytes of `url` on `device`: the whole page (up to `options.full_page_max_height`
    /// CSS px, with the viewport kept at the device's size) or only what the screen shows.
    ///
    /// The page goes through the same preflight and URL policy, device emulation, load and
    /// settle (lazy content scrolled into view, network quiet, fonts, animations finished or
    /// paused) as in [`Browser::scrape`], so the image equals the scrape's screenshot of it.
    /// The image is the device's pixel width: 1280 px on desktop, 750 px on mobile.
    pub async fn screenshot(
        &self,
        url: &str,
        device: Device,
        full_page: bool,
        options: &ScrapeOptions,
    ) -> Result<Vec<u8>, ScrapeError> {
        let started = Instant::now();
        let parsed = preflight::parse_url(url)?;
        let opened = self.open_checked::<1>(&parsed, options, started).await?;
        let [session] = opened.sessions;
        let result = render(&session, parsed.as_str(), device, full_page, options).await;
        self.close(session).await;
        let png = result?;
        tracing::debug!(
            device = device.name(),
            full_page,
            ms = started.elapsed().as_millis() as u64,
            bytes = png.len(),
            "screenshot"
        );
        Ok(png)
    }
}

async fn render(
    session: &BrowserSession,
    url: &str,
    device: Device,
    full_page: bool,
    options: &ScrapeOptions,
) -> Result<Vec<u8>, ScrapeError> {
    capture::install_network_tracker(session).await?;
    capture::emulate(session, device, DESKTOP_USER_AGENT).await?;
    let navigation_started = capture::navigate(session, url, options).await?;
    check_landing(session, &options.policy).await?;
    for warning in capture::settle(session, device, options, navigation_started).await? {
        // The caller gets an image, not a report; the page is shown as it was, as in a scrape.
        tracing::warn!("{warning}");
    }
    let page = capture::measure(session).await?;
    let shot = if full_page {
        capture::full_page_screenshot(session, device, page, options).await?
    } else {
        capture::viewport_screenshot(session, device, page).await?
    };
    Ok(shot.png)
}
