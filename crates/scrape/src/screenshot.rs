//! [`Browser::screenshot`]: one page on one device, rendered exactly as a scrape renders it
//! (DESIGN.md §8), without the extraction. This is what `POST /screenshot` serves.

use std::time::Instant;

use replica_core::{Device, ScrapeError, ScrapeOptions};

use crate::policing::ScrapeProxy;
use crate::session::BrowserSession;
use crate::{Browser, DESKTOP_USER_AGENT, capture, check_still_on_page, navigate, preflight};

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
        let opened = self
            .opener
            .open_checked::<1>(&parsed, options, started)
            .await?;
        let [session] = opened.sessions;
        let result = render(
            &session,
            parsed.as_str(),
            device,
            full_page,
            options,
            &opened.proxy,
        )
        .await;
        self.opener.close(session).await;
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
    proxy: &ScrapeProxy,
) -> Result<Vec<u8>, ScrapeError> {
    capture::install_network_tracker(session).await?;
    capture::emulate(session, device, DESKTOP_USER_AGENT).await?;
    let navigation_started = navigate(session, url, options, proxy).await?;
    let settled = capture::settle(session, device, options, navigation_started).await?;
    // The caller gets an image, not a report; the page is shown as it was, as in a scrape.
    for warning in settled.into_iter().chain(proxy.warnings()) {
        tracing::warn!("{warning}");
    }
    let landed: String = session
        .client
        .execute("return location.href", Vec::new())
        .await
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default();
    check_still_on_page(session, &landed, proxy).await?;
    let page = capture::measure(session).await?;
    let shot = if full_page {
        capture::full_page_screenshot(session, device, page, options).await?
    } else {
        capture::viewport_screenshot(session, device, page).await?
    };
    Ok(shot.png)
}
