//! One device's pass over the page: emulate, load, settle, extract, screenshot.

use std::time::{Duration, Instant};

use base64::Engine;
use replica_core::{
    BackgroundImage, BrowserDefaults, Button, Device, DeviceCapture, DocumentSize, DomElement,
    FontFace, FontInUse, FormControl, ImageInfo, InlineSvg, Link, MAX_DOM_DEPTH, NetworkResource,
    PageMeta, ScrapeError, ScrapeOptions, Screenshot, Screenshots, Stylesheet,
};
use serde::Deserialize;
use serde_json::json;

use crate::session::{BrowserSession, first_line, webdriver_error};

/// The in-page script (settle + extract), one file kept beside this module.
const PAGE_JS: &str = include_str!("page.js");

/// Installed before any page script runs. Counts what the page is still waiting for, which the
/// settle step waits on: in-flight fetch/XHR requests (resource timing only lists finished ones)
/// and short timers (content that scripts render "a moment after load"). Also lifts the
/// 250-entry resource timing limit.
const NETWORK_TRACKER_JS: &str = r#"(() => {
  try { performance.setResourceTimingBufferSize(100000); } catch (e) {}
  const setTimer = window.setTimeout;
  const clearTimer = window.clearTimeout;
  const tracker = (window.__replicaNetwork = { inflight: 0, timers: new Set(), setTimeout: setTimer });
  const originalFetch = window.fetch;
  if (originalFetch) {
    window.fetch = function (...args) {
      tracker.inflight += 1;
      return originalFetch.apply(this, args).finally(() => { tracker.inflight -= 1; });
    };
  }
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    tracker.inflight += 1;
    this.addEventListener("loadend", () => { tracker.inflight -= 1; }, { once: true });
    return send.apply(this, args);
  };
  // Timers longer than 1.5 s are autoplay and polling, not rendering: they are not waited for.
  window.setTimeout = function (callback, delay, ...rest) {
    if (typeof callback !== "function" || Number(delay) > 1500) return setTimer.call(this, callback, delay, ...rest);
    let id;
    const wrapped = function (...args) { tracker.timers.delete(id); return callback.apply(this, args); };
    id = setTimer.call(this, wrapped, delay, ...rest);
    tracker.timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) { tracker.timers.delete(id); return clearTimer.call(this, id); };
})();"#;

pub(crate) const MOBILE_USER_AGENT: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

/// What the extraction script returns.
#[derive(Debug, Deserialize)]
pub(crate) struct Extracted {
    pub device: ExtractedDevice,
    pub page: PageFacts,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExtractedDevice {
    pub document: DocumentSize,
    pub visual: VisualViewport,
    pub dom: DomElement,
    pub node_count: u32,
    pub truncated: bool,
    pub too_deep: bool,
    pub images: Vec<ImageInfo>,
    pub background_images: Vec<BackgroundImage>,
    pub svgs: Vec<InlineSvg>,
    pub links: Vec<Link>,
    pub buttons: Vec<Button>,
    pub form_controls: Vec<FormControl>,
    pub fonts_in_use: Vec<FontInUse>,
    pub browser_defaults: BrowserDefaults,
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct VisualViewport {
    /// Page zoom (below 1 when a mobile browser zooms out to fit a wide layout).
    pub scale: f64,
}

/// Page-level facts; the desktop pass's are kept.
#[derive(Debug, Deserialize)]
pub(crate) struct PageFacts {
    pub final_url: String,
    pub base_url: String,
    pub status: u16,
    pub content_type: String,
    pub title: String,
    pub lang: Option<String>,
    pub doctype: Option<String>,
    pub compat_mode: String,
    pub charset: String,
    pub meta: PageMeta,
    pub html_attrs: Vec<(String, String)>,
    pub stylesheets: Vec<ExtractedSheet>,
    pub font_faces: Vec<FontFace>,
    pub network: Vec<NetworkResource>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExtractedSheet {
    #[serde(flatten)]
    pub sheet: Stylesheet,
    /// Cross-origin: the browser would not show its rules, so it is fetched over HTTP.
    pub needs_fetch: bool,
}

#[derive(Debug, Deserialize)]
struct LoadReport {
    loaded: bool,
}

/// What the settle step waited for; the timings are only logged.
#[derive(Debug, Deserialize)]
struct SettleReport {
    network_quiet: bool,
    #[serde(flatten)]
    #[allow(dead_code)] // Logged at debug level.
    details: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct FirstLook {
    url: String,
    status: u16,
    content_type: String,
}

/// The result of one device pass.
#[derive(Debug)]
pub(crate) struct DevicePass {
    pub capture: DeviceCapture,
    pub page: PageFacts,
    pub warnings: Vec<String>,
    pub elapsed: Duration,
}

pub(crate) async fn install_network_tracker(session: &BrowserSession) -> Result<(), ScrapeError> {
    session
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": NETWORK_TRACKER_JS }),
        )
        .await?;
    Ok(())
}

pub(crate) async fn emulate(
    session: &BrowserSession,
    device: Device,
    desktop_agent: &str,
) -> Result<(), ScrapeError> {
    let viewport = device.viewport();
    session
        .cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({
                "width": viewport.width,
                "height": viewport.height,
                "deviceScaleFactor": viewport.device_scale_factor,
                "mobile": viewport.mobile,
                "screenWidth": viewport.width,
                "screenHeight": viewport.height,
            }),
        )
        .await?;
    session
        .cdp(
            "Emulation.setTouchEmulationEnabled",
            json!({ "enabled": viewport.mobile, "maxTouchPoints": 5 }),
        )
        .await?;
    let agent = if viewport.mobile {
        MOBILE_USER_AGENT
    } else {
        desktop_agent
    };
    session
        .cdp(
            "Emulation.setUserAgentOverride",
            json!({ "userAgent": agent }),
        )
        .await?;
    Ok(())
}

/// Loads `url` until its document is parsed and checks what came back before spending time on
/// it. Returns when the navigation started: the load event is waited for in the settle step,
/// within the same load timeout.
pub(crate) async fn navigate(
    session: &BrowserSession,
    url: &str,
    options: &ScrapeOptions,
) -> Result<Instant, ScrapeError> {
    let started = Instant::now();
    let load = tokio::time::timeout(options.load_timeout, session.client.goto(url)).await;
    tracing::debug!(ms = started.elapsed().as_millis() as u64, "document parsed");
    match load {
        Err(_) => {
            return Err(ScrapeError::LoadTimeout {
                url: url.to_string(),
                timeout: options.load_timeout,
            });
        }
        Ok(Err(error)) => return Err(navigation_error(url, &error, options.load_timeout)),
        Ok(Ok(())) => {}
    }
    let look: FirstLook = execute_json(
        session,
        "first look",
        r#"const nav = performance.getEntriesByType("navigation")[0];
           return JSON.stringify({ url: location.href, status: nav ? nav.responseStatus || 0 : 0,
                                   content_type: document.contentType });"#,
    )
    .await?;
    if !look.url.starts_with("http") {
        return Err(ScrapeError::Connection {
            url: url.to_string(),
            message: format!("the browser did not show the page (it is at {})", look.url),
        });
    }
    if look.status >= 400 {
        return Err(ScrapeError::HttpStatus {
            url: look.url,
            status: look.status,
            reason: None,
        });
    }
    if !crate::preflight::is_html(&look.content_type) {
        return Err(ScrapeError::NotHtml {
            url: look.url,
            content_type: look.content_type,
        });
    }
    Ok(started)
}

/// Settles, extracts and screenshots the loaded page for `device`.
pub(crate) async fn capture(
    session: &BrowserSession,
    device: Device,
    options: &ScrapeOptions,
    started: Instant,
    navigation_started: Instant,
) -> Result<DevicePass, ScrapeError> {
    let mut warnings = settle(session, device, options, navigation_started).await?;
    let step = Instant::now();
    let extracted: Extracted = run_page_script(
        session,
        "extract",
        json!({ "maxNodes": options.max_nodes, "maxDepth": MAX_DOM_DEPTH }),
    )
    .await?;
    tracing::debug!(
        device = device.name(),
        ms = step.elapsed().as_millis() as u64,
        "extracted"
    );
    let step = Instant::now();
    if extracted.device.truncated {
        warnings.push(format!(
            "{}: the page has more than {} elements; the DOM was truncated there",
            device.name(),
            options.max_nodes
        ));
    }
    if extracted.device.too_deep {
        warnings.push(format!(
            "{}: elements are nested more than {MAX_DOM_DEPTH} levels deep; below that only \
             their text was kept",
            device.name(),
        ));
    }
    let screenshots = screenshots(session, device, &extracted.device, options).await?;
    tracing::debug!(
        device = device.name(),
        ms = step.elapsed().as_millis() as u64,
        "screenshots"
    );
    let d = extracted.device;
    let capture = DeviceCapture {
        device,
        viewport: device.viewport(),
        document: d.document,
        sections: crate::sections::detect(&d.dom, device.viewport(), d.document),
        dom: d.dom,
        node_count: d.node_count,
        truncated: d.truncated,
        images: d.images,
        background_images: d.background_images,
        svgs: d.svgs,
        links: d.links,
        buttons: d.buttons,
        form_controls: d.form_controls,
        fonts_in_use: d.fonts_in_use,
        screenshots,
        browser_defaults: d.browser_defaults,
    };
    Ok(DevicePass {
        capture,
        page: extracted.page,
        warnings,
        elapsed: started.elapsed(),
    })
}

/// Waits for the load event, then lets the page settle (DESIGN.md §8: lazy content scrolled
/// into view, network quiet, fonts, animations finished or paused). Returns the warnings for
/// what it could not wait for.
pub(crate) async fn settle(
    session: &BrowserSession,
    device: Device,
    options: &ScrapeOptions,
    navigation_started: Instant,
) -> Result<Vec<String>, ScrapeError> {
    let mut warnings = Vec::new();
    let step = Instant::now();
    let loaded = wait_for_load(
        session,
        options
            .load_timeout
            .saturating_sub(navigation_started.elapsed()),
    )
    .await?;
    let settle: SettleReport = run_page_script(
        session,
        "settle",
        json!({
            "settleMs": options.settle_timeout.as_millis() as u64,
            "quietMs": options.network_quiet.as_millis() as u64,
            "maxScroll": options.max_scroll_height,
        }),
    )
    .await?;
    tracing::debug!(device = device.name(), ms = step.elapsed().as_millis() as u64, report = ?settle, "settled");
    if !loaded {
        warnings.push(format!(
            "{}: the page had not finished loading after {:.1}s; it was captured as it was",
            device.name(),
            options.load_timeout.as_secs_f64()
        ));
    }
    if !settle.network_quiet {
        warnings.push(format!(
            "{}: the network did not go quiet within {:.1}s; requests still running were not waited for",
            device.name(),
            options.settle_timeout.as_secs_f64()
        ));
    }
    Ok(warnings)
}

/// Waits for the load event within `budget`, in short slices: WebDriver runs one command at a
/// time per session, so a long in-page wait would hold up closing a cancelled session.
async fn wait_for_load(session: &BrowserSession, budget: Duration) -> Result<bool, ScrapeError> {
    const SLICE: Duration = Duration::from_millis(250);
    let deadline = Instant::now() + budget;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let report: LoadReport = run_page_script(
            session,
            "load",
            json!({ "waitMs": left.min(SLICE).as_millis() as u64 }),
        )
        .await?;
        if report.loaded || left <= SLICE {
            return Ok(report.loaded);
        }
    }
}

async fn screenshots(
    session: &BrowserSession,
    device: Device,
    extracted: &ExtractedDevice,
    options: &ScrapeOptions,
) -> Result<Screenshots, ScrapeError> {
    let page = PageSize {
        document_height: extracted.document.height,
        visual_scale: extracted.visual.scale,
    };
    let full_page = full_page_screenshot(session, device, page, options).await?;
    // The screen is the top of the full page (same viewport, scrolled to the top): cutting it
    // out costs a few ms here against 60-100 ms of rendering and encoding in the browser.
    let screen = device.viewport();
    let rows = (f64::from(screen.height) * screen.device_scale_factor).round() as u32;
    let expected_width = (f64::from(screen.width) * screen.device_scale_factor).round() as u32;
    let cut = (full_page.width == expected_width)
        .then(|| top_rows(&full_page.png, rows))
        .flatten();
    let viewport = match cut {
        Some(png) => screenshot(
            format!("{}-viewport.png", device.name()),
            png,
            f64::from(screen.width) / page.scale(),
            f64::from(screen.height) / page.scale(),
        )?,
        None => viewport_screenshot(session, device, page).await?,
    };
    Ok(Screenshots {
        viewport,
        full_page,
    })
}

/// The first `rows` rows of a PNG as a PNG of their own, or `None` when it is shorter or not
/// a plain (non-interlaced) PNG.
fn top_rows(png: &[u8], rows: u32) -> Option<Vec<u8>> {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .ok()?;
    let info = reader.info();
    if info.interlaced
        || info.height < rows
        || rows == 0
        || info.color_type == png::ColorType::Indexed
    {
        return None;
    }
    let (width, color, depth) = (info.width, info.color_type, info.bit_depth);
    let mut out = Vec::with_capacity(png.len() / 4);
    let mut encoder = png::Encoder::new(&mut out, width, rows);
    encoder.set_color(color);
    encoder.set_depth(depth);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().ok()?;
    let mut data = Vec::with_capacity(reader.output_line_size(width)? * rows as usize);
    for _ in 0..rows {
        data.extend_from_slice(reader.next_row().ok()??.data());
    }
    writer.write_image_data(&data).ok()?;
    writer.finish().ok()?;
    Some(out)
}

/// What the screenshots need to know of the settled page.
#[derive(Debug, Clone, Copy, Deserialize)]
pub(crate) struct PageSize {
    /// Scrollable height in CSS px.
    pub document_height: f64,
    /// Page zoom (below 1 when a mobile browser zooms out to fit a wide layout).
    pub visual_scale: f64,
}

impl PageSize {
    fn scale(self) -> f64 {
        if self.visual_scale > 0.0 {
            self.visual_scale
        } else {
            1.0
        }
    }
}

/// Measures the settled page for [`full_page_screenshot`] without extracting anything.
pub(crate) async fn measure(session: &BrowserSession) -> Result<PageSize, ScrapeError> {
    run_page_script(session, "measure", json!({})).await
}

/// What the screen shows, at the device's pixel size.
pub(crate) async fn viewport_screenshot(
    session: &BrowserSession,
    device: Device,
    page: PageSize,
) -> Result<Screenshot, ScrapeError> {
    let viewport = device.viewport();
    let scale = page.scale();
    let png = capture_png(
        session,
        json!({ "format": "png", "optimizeForSpeed": true }),
    )
    .await?;
    screenshot(
        format!("{}-viewport.png", device.name()),
        png,
        viewport.width as f64 / scale,
        viewport.height as f64 / scale,
    )
}

/// The whole page with the viewport kept at device size (so `vh` units stay as on the
/// screen) and the capture extending beyond it, up to `options.full_page_max_height` CSS px.
pub(crate) async fn full_page_screenshot(
    session: &BrowserSession,
    device: Device,
    page: PageSize,
    options: &ScrapeOptions,
) -> Result<Screenshot, ScrapeError> {
    let scale = page.scale();
    // Exactly the screen's width, so images are always the device's pixel width.
    let css_width = device.viewport().width as f64 / scale;
    let css_height = page
        .document_height
        .min(options.full_page_max_height as f64)
        .max(1.0)
        .floor();
    let png = capture_png(
        session,
        json!({
            "format": "png",
            "optimizeForSpeed": true,
            "captureBeyondViewport": true,
            "clip": { "x": 0, "y": 0, "width": css_width, "height": css_height, "scale": scale },
        }),
    )
    .await?;
    screenshot(
        format!("{}-full.png", device.name()),
        png,
        css_width,
        css_height,
    )
}

async fn capture_png(
    session: &BrowserSession,
    params: serde_json::Value,
) -> Result<Vec<u8>, ScrapeError> {
    let t = Instant::now();
    let answer = session.cdp("Page.captureScreenshot", params).await?;
    tracing::debug!(ms = t.elapsed().as_millis() as u64, "capture");
    let data = answer
        .get("data")
        .and_then(|d| d.as_str())
        .unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| ScrapeError::WebDriver {
            command: "Page.captureScreenshot".into(),
            message: format!("the screenshot was not valid base64: {e}"),
        })
}

fn screenshot(
    file: String,
    png: Vec<u8>,
    css_width: f64,
    css_height: f64,
) -> Result<Screenshot, ScrapeError> {
    let (width, height) = png_size(&png).ok_or_else(|| ScrapeError::WebDriver {
        command: "Page.captureScreenshot".into(),
        message: "the screenshot is not a PNG".into(),
    })?;
    Ok(Screenshot {
        file,
        width,
        height,
        css_width,
        css_height,
        png,
    })
}

/// Width and height from a PNG's IHDR chunk.
pub(crate) fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" || &png[12..16] != b"IHDR" {
        return None;
    }
    let width = u32::from_be_bytes(png[16..20].try_into().ok()?);
    let height = u32::from_be_bytes(png[20..24].try_into().ok()?);
    Some((width, height))
}

/// Runs page.js in `mode` and parses what it hands back.
async fn run_page_script<T: serde::de::DeserializeOwned>(
    session: &BrowserSession,
    mode: &str,
    options: serde_json::Value,
) -> Result<T, ScrapeError> {
    let value = session
        .client
        .execute_async(PAGE_JS, vec![json!(mode), options])
        .await
        .map_err(|e| webdriver_error(&format!("page.js {mode}"), &e))?;
    parse_script_output(mode, &value)
}

async fn execute_json<T: serde::de::DeserializeOwned>(
    session: &BrowserSession,
    what: &str,
    script: &str,
) -> Result<T, ScrapeError> {
    let value = session
        .client
        .execute(script, vec![])
        .await
        .map_err(|e| webdriver_error(what, &e))?;
    parse_script_output(what, &value)
}

fn parse_script_output<T: serde::de::DeserializeOwned>(
    what: &str,
    value: &serde_json::Value,
) -> Result<T, ScrapeError> {
    let text = value.as_str().ok_or_else(|| ScrapeError::Extraction {
        url: String::new(),
        message: format!("{what} returned {value} instead of a JSON string"),
    })?;
    if text.starts_with("{\"error\":") {
        #[derive(Deserialize)]
        struct ScriptError {
            error: String,
        }
        let message = serde_json::from_str::<ScriptError>(text)
            .map(|e| e.error)
            .unwrap_or_else(|_| text.to_string());
        return Err(ScrapeError::Extraction {
            url: String::new(),
            message: format!("{what}: {}", first_line(&message)),
        });
    }
    replica_core::parse_scrape_json(text.as_bytes()).map_err(|e| ScrapeError::Extraction {
        url: String::new(),
        message: format!("{what} returned data that does not match the scrape format: {e}"),
    })
}

/// Maps chromedriver's navigation failures (`net::ERR_...`) to typed errors.
fn navigation_error(
    url: &str,
    error: &fantoccini::error::CmdError,
    timeout: Duration,
) -> ScrapeError {
    let message = error.to_string();
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    if message.contains("ERR_NAME_NOT_RESOLVED") {
        ScrapeError::Dns {
            host,
            message: "the browser could not resolve it (net::ERR_NAME_NOT_RESOLVED)".into(),
        }
    } else if message.contains("ERR_CONNECTION_REFUSED") {
        ScrapeError::ConnectionRefused {
            url: url.to_string(),
        }
    } else if message.contains("timeout") || message.contains("ERR_TIMED_OUT") {
        ScrapeError::LoadTimeout {
            url: url.to_string(),
            timeout,
        }
    } else {
        webdriver_error("navigate", error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_size_reads_ihdr() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&1280u32.to_be_bytes());
        png.extend_from_slice(&720u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((1280, 720)));
        assert_eq!(png_size(b"not a png"), None);
    }

    fn rgba_png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 4] + Copy) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        let mut writer = encoder.write_header().unwrap();
        let data: Vec<u8> = (0..height)
            .flat_map(|y| (0..width).flat_map(move |x| pixel(x, y)))
            .collect();
        writer.write_image_data(&data).unwrap();
        writer.finish().unwrap();
        out
    }

    #[test]
    fn top_rows_cuts_the_screen_out_of_a_full_page_capture() {
        let pixel = |x: u32, y: u32| [x as u8, y as u8, (x * y) as u8, 255];
        let full = rgba_png(7, 20, pixel);
        let top = top_rows(&full, 5).expect("a plain RGBA PNG");
        assert_eq!(png_size(&top), Some((7, 5)));
        let mut reader = png::Decoder::new(std::io::Cursor::new(top))
            .read_info()
            .unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buffer).unwrap();
        let expected: Vec<u8> = (0..5)
            .flat_map(|y| (0..7).flat_map(move |x| pixel(x, y)))
            .collect();
        assert_eq!(buffer, expected);
        // Shorter than the screen (or not a PNG): the caller captures the screen itself.
        assert_eq!(top_rows(&full, 21), None);
        assert_eq!(top_rows(b"not a png", 1), None);
    }
}
