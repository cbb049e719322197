//! What stage A captures from a live page (DESIGN.md §3), and how it is stored on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::{BoxFuture, BoxStream, BrowserDefaults, DomElement, PolicyViolation, Rect, UrlPolicy};

/// Everything the scrape saw of one page, for desktop and for mobile.
///
/// Page-level facts (title, stylesheets, fonts) come from the desktop load; what depends on the
/// viewport (layout, computed style, sections, screenshots) is kept per device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScrapeData {
    /// The URL that was asked for.
    pub url: String,
    /// The URL after redirects.
    pub final_url: String,
    /// What relative URLs in the document resolve against (`<base href>` or `final_url`).
    pub base_url: String,
    /// HTTP status of the main document.
    pub status: u16,
    pub content_type: String,
    pub title: String,
    pub lang: Option<String>,
    /// The doctype as written (`<!DOCTYPE html>`), `None` when the page has none.
    pub doctype: Option<String>,
    /// `CSS1Compat` (standards) or `BackCompat` (quirks).
    pub compat_mode: String,
    pub charset: String,
    pub meta: PageMeta,
    /// Attributes of `<html>` (class, lang, data-theme, ...).
    #[serde(default)]
    pub html_attrs: Vec<(String, String)>,
    /// Every stylesheet in cascade order, `@import`ed sheets flattened in before their importer.
    pub stylesheets: Vec<Stylesheet>,
    pub font_faces: Vec<FontFace>,
    pub network: Vec<NetworkResource>,
    pub desktop: DeviceCapture,
    pub mobile: DeviceCapture,
    pub timings: ScrapeTimings,
    /// Things the user should know about but that did not stop the scrape (DOM truncated,
    /// a stylesheet that could not be fetched, a section cut off by the screenshot cap...).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// What the page wrote to the browser console (errors and warnings, uncaught exceptions,
    /// unhandled rejections) while it loaded and settled: how hydration and runtime errors of
    /// a clone's preview are found.
    #[serde(default)]
    pub console: Vec<ConsoleMessage>,
}

/// One console message of a page, with `%s`-style arguments substituted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleMessage {
    /// `error`, `warning`, `exception` (uncaught) or `rejection` (unhandled promise).
    pub level: String,
    pub text: String,
}

/// The two devices every page is captured and compared on (DESIGN.md §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Desktop,
    Mobile,
}

impl Device {
    pub const ALL: [Device; 2] = [Device::Desktop, Device::Mobile];

    pub fn viewport(self) -> Viewport {
        match self {
            Device::Desktop => Viewport {
                width: 1280,
                height: 720,
                device_scale_factor: 1.0,
                mobile: false,
            },
            Device::Mobile => Viewport {
                width: 375,
                height: 667,
                device_scale_factor: 2.0,
                mobile: true,
            },
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Device::Desktop => "desktop",
            Device::Mobile => "mobile",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
    pub device_scale_factor: f64,
    /// Mobile emulation: touch, mobile user agent, `<meta name=viewport>` honoured.
    pub mobile: bool,
}

/// What one device saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceCapture {
    pub device: Device,
    pub viewport: Viewport,
    /// Scrollable size of the document in CSS px.
    pub document: DocumentSize,
    /// The `<html>` element with `<body>` as its only child (`<head>` is summarised elsewhere).
    pub dom: DomElement,
    /// Elements captured; when the page had more than the node cap, the rest was dropped and
    /// `truncated` is set.
    pub node_count: u32,
    pub truncated: bool,
    pub images: Vec<ImageInfo>,
    pub background_images: Vec<BackgroundImage>,
    pub svgs: Vec<InlineSvg>,
    pub links: Vec<Link>,
    pub buttons: Vec<Button>,
    pub form_controls: Vec<FormControl>,
    pub fonts_in_use: Vec<FontInUse>,
    /// Top-level layout blocks in document order.
    pub sections: Vec<DetectedSection>,
    pub screenshots: Screenshots,
    /// What each tag met computes to unstyled, in the page's compat mode: what `dom`'s styles
    /// leave out.
    #[serde(default, skip_serializing_if = "BrowserDefaults::is_empty")]
    pub browser_defaults: BrowserDefaults,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DocumentSize {
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PageMeta {
    pub description: Option<String>,
    pub viewport: Option<String>,
    pub theme_color: Option<String>,
    #[serde(default)]
    pub icons: Vec<Icon>,
    /// `og:*` properties without the prefix (`title`, `image`, ...).
    #[serde(default)]
    pub open_graph: BTreeMap<String, String>,
    /// Every other named `<meta>`, in document order.
    #[serde(default)]
    pub other: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Icon {
    pub rel: String,
    pub href: String,
    pub sizes: Option<String>,
    #[serde(rename = "type")]
    pub mime: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StylesheetOrigin {
    /// `<link rel=stylesheet>`.
    Link,
    /// `<style>` element.
    Style,
    /// Pulled in by `@import` from another sheet.
    Import,
    /// `document.adoptedStyleSheets` (constructed by scripts).
    Adopted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stylesheet {
    pub origin: StylesheetOrigin,
    /// Absolute URL of the sheet; `None` for inline ones.
    pub href: Option<String>,
    /// URL that relative `url(...)`s in `css` resolve against.
    pub base_url: String,
    pub media: Option<String>,
    pub disabled: bool,
    /// The rules as the browser parsed them (cross-origin sheets fetched over HTTP).
    pub css: String,
    /// Why `css` is empty or partial (a cross-origin sheet that could not be fetched).
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FontFace {
    pub family: String,
    /// The `src` descriptor as written.
    pub src: String,
    /// Absolute font file URLs from `src`.
    pub urls: Vec<String>,
    pub weight: String,
    pub style: String,
    pub display: Option<String>,
    pub unicode_range: Option<String>,
    /// `loaded`, `error`, `unloaded` or `loading` as `document.fonts` reported it.
    pub status: String,
}

/// A `font-family` value that renders text on the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FontInUse {
    /// The computed `font-family` list.
    pub family: String,
    /// Weights it is used with, ascending.
    pub weights: Vec<String>,
    /// Characters of visible text set in it: a measure of how much it is used.
    pub characters: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// Id of the `<img>` (or `<svg><image>`, `<input type=image>`) element.
    pub node: u32,
    /// The URL the browser chose (`currentSrc`).
    pub src: String,
    pub srcset: Option<String>,
    pub sizes: Option<String>,
    pub alt: Option<String>,
    pub natural_width: u32,
    pub natural_height: u32,
    #[serde(rename = "box")]
    pub rect: Rect,
    /// Whether it finished loading (false for broken images).
    pub loaded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackgroundImage {
    pub node: u32,
    pub url: String,
    #[serde(rename = "box")]
    pub rect: Rect,
    /// `::before` / `::after` when the image is on a pseudo-element.
    pub pseudo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InlineSvg {
    pub node: u32,
    #[serde(rename = "box")]
    pub rect: Rect,
    pub markup: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub node: u32,
    pub href: String,
    pub text: String,
    #[serde(rename = "box")]
    pub rect: Rect,
    pub visible: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Button {
    pub node: u32,
    /// `button`, `input`, or `a` for links styled as buttons.
    pub tag: String,
    pub text: String,
    pub href: Option<String>,
    #[serde(rename = "box")]
    pub rect: Rect,
    pub visible: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormControl {
    pub node: u32,
    pub tag: String,
    /// The `type` of inputs; the tag for `select` / `textarea`.
    pub kind: String,
    pub name: Option<String>,
    pub label: Option<String>,
    pub placeholder: Option<String>,
    pub value: Option<String>,
    #[serde(rename = "box")]
    pub rect: Rect,
}

/// What a top-level block looks like it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    Navbar,
    Hero,
    Features,
    Pricing,
    Testimonials,
    Faq,
    Cta,
    Stats,
    Footer,
    Content,
}

impl SectionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SectionKind::Navbar => "navbar",
            SectionKind::Hero => "hero",
            SectionKind::Features => "features",
            SectionKind::Pricing => "pricing",
            SectionKind::Testimonials => "testimonials",
            SectionKind::Faq => "faq",
            SectionKind::Cta => "cta",
            SectionKind::Stats => "stats",
            SectionKind::Footer => "footer",
            SectionKind::Content => "content",
        }
    }
}

/// A top-level layout block of the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectedSection {
    /// The element that is the block.
    pub node: u32,
    pub tag: String,
    #[serde(rename = "box")]
    pub rect: Rect,
    #[serde(rename = "type")]
    pub kind: SectionKind,
    /// Fixed or sticky blocks stay on screen while the page scrolls.
    pub pinned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Document,
    Stylesheet,
    Script,
    Image,
    Font,
    Media,
    Fetch,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkResource {
    pub url: String,
    #[serde(rename = "type")]
    pub kind: ResourceKind,
    /// Bytes over the wire when the browser reports it (0 for cross-origin responses without
    /// Timing-Allow-Origin and for failed requests).
    pub bytes: u64,
    /// HTTP status when known (0 when the request failed or the browser hides it).
    pub status: u16,
}

/// A PNG captured by the scrape. The bytes live next to `scrape.json` as `file`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Screenshot {
    pub file: String,
    /// Size in device pixels.
    pub width: u32,
    pub height: u32,
    /// CSS px of the page the image covers, from the top-left corner: `width / css_width` image
    /// pixels per CSS px (the device scale factor, times the zoom of pages without a viewport
    /// meta, which mobile browsers show zoomed out). Full-page captures stop at a height cap.
    pub css_width: f64,
    pub css_height: f64,
    #[serde(skip)]
    pub png: Vec<u8>,
}

impl std::fmt::Debug for Screenshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screenshot")
            .field("file", &self.file)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("css_width", &self.css_width)
            .field("css_height", &self.css_height)
            .field("png_bytes", &self.png.len())
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screenshots {
    pub viewport: Screenshot,
    pub full_page: Screenshot,
}

/// Wall-clock milliseconds spent per phase. The desktop and mobile passes run side by side in
/// two browsers (and the stylesheet fetch after desktop), so the phases overlap: their sum is
/// more than `total_ms`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScrapeTimings {
    pub preflight_ms: u64,
    pub browser_ms: u64,
    pub desktop_ms: u64,
    pub mobile_ms: u64,
    pub stylesheets_ms: u64,
    pub total_ms: u64,
}

/// Elements nested deeper than this are not captured (the scrape says so in a warning). Real
/// pages stay far below it; the bound keeps every stage that walks the tree, and the JSON of
/// `scrape.json`, clear of stack exhaustion.
pub const MAX_DOM_DEPTH: usize = 160;

/// JSON nesting a scrape may reach: an element and its `children` array are one level each,
/// plus the envelope around the tree.
const MAX_JSON_DEPTH: usize = 2 * MAX_DOM_DEPTH + 16;

/// Parses scrape JSON (a saved `scrape.json`, or what the in-page script returns), which nests
/// deeper than serde_json's default limit of 128. The depth is checked first, without recursion,
/// so a hostile file is an error rather than a stack overflow.
pub fn parse_scrape_json<T: serde::de::DeserializeOwned>(
    json: &[u8],
) -> Result<T, serde_json::Error> {
    let depth = json_nesting_depth(json);
    if depth > MAX_JSON_DEPTH {
        return Err(<serde_json::Error as serde::de::Error>::custom(format!(
            "nested {depth} levels deep, more than the {MAX_JSON_DEPTH} a scrape can have"
        )));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    deserializer.disable_recursion_limit();
    let value = T::deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(value)
}

/// The deepest nesting of arrays and objects in a JSON text, strings skipped.
fn json_nesting_depth(json: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for (_, byte) in crate::model_text::outside_json_strings(json) {
        match byte {
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// How a scrape behaves; `ScrapeOptions::default()` is what the CLI uses.
#[derive(Debug, Clone)]
pub struct ScrapeOptions {
    /// Upper bound on navigation plus load.
    pub load_timeout: Duration,
    /// How long the network must stay quiet before the page counts as loaded.
    pub network_quiet: Duration,
    /// Upper bound on waiting for network quiet, fonts and animations after load.
    pub settle_timeout: Duration,
    /// Lazy content is triggered by scrolling down to at most this many CSS px.
    pub max_scroll_height: u32,
    /// Elements captured per device before the DOM is truncated.
    pub max_nodes: u32,
    /// Full-page screenshots stop at this many CSS px.
    pub full_page_max_height: u32,
    pub policy: UrlPolicy,
}

impl Default for ScrapeOptions {
    fn default() -> Self {
        ScrapeOptions {
            load_timeout: Duration::from_secs(30),
            network_quiet: Duration::from_millis(200),
            settle_timeout: Duration::from_secs(3),
            max_scroll_height: 20_000,
            max_nodes: 20_000,
            full_page_max_height: 6_000,
            policy: UrlPolicy::allow_all(),
        }
    }
}

/// Why a scrape failed. Every variant says what was wrong in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum ScrapeError {
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("unsupported URL scheme {scheme:?} in {url}: only http and https can be scraped")]
    UnsupportedScheme { url: String, scheme: String },
    #[error("refused to load {url}: {violation}")]
    Refused {
        url: String,
        violation: PolicyViolation,
    },
    #[error("could not resolve host {host:?}: {message}")]
    Dns { host: String, message: String },
    #[error("connection refused by {url}: is a server listening there?")]
    ConnectionRefused { url: String },
    #[error("could not connect to {url}: {message}")]
    Connection { url: String, message: String },
    #[error("{url} answered HTTP {status}{}", reason.as_deref().map(|r| format!(" {r}")).unwrap_or_default())]
    HttpStatus {
        url: String,
        status: u16,
        reason: Option<String>,
    },
    #[error("{url} is not an HTML page (content type {content_type:?})")]
    NotHtml { url: String, content_type: String },
    #[error("{url} did not finish loading within {}s (raise the load timeout to wait longer)", timeout.as_secs_f64())]
    LoadTimeout { url: String, timeout: Duration },
    #[error("{program} was not found. {hint}")]
    ToolMissing { program: String, hint: String },
    #[error("could not start the browser: {message}")]
    BrowserStart { message: String },
    #[error("WebDriver command {command} failed: {message}")]
    WebDriver { command: String, message: String },
    #[error("the extraction script failed on {url}: {message}")]
    Extraction { url: String, message: String },
    #[error("the scrape was cancelled")]
    Cancelled,
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a valid scrape: {source}", path.display())]
    Format {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

/// Stage A behind a trait: something that turns a URL into [`ScrapeData`].
///
/// Implemented by the real browser scrape and by a replay of recorded scrapes.
pub trait PageSource: Send + Sync {
    fn scrape<'a>(
        &'a self,
        url: &'a str,
        options: &'a ScrapeOptions,
    ) -> BoxFuture<'a, Result<ScrapeData, ScrapeError>>;

    /// Several pages, `lanes` at a time, their results in the order of `urls`. A source may
    /// keep a lane's browsers open from one page to the next (the pages of one site: cookies
    /// and the cache carry over, as when a person goes from page to page); this default
    /// scrapes each page on its own.
    fn scrape_series<'a>(
        &'a self,
        urls: Vec<String>,
        options: &'a ScrapeOptions,
        lanes: usize,
    ) -> BoxStream<'a, Result<ScrapeData, ScrapeError>> {
        use futures_util::StreamExt;
        Box::pin(
            futures_util::stream::iter(urls)
                .map(move |url| async move { self.scrape(&url, options).await })
                .buffered(lanes.max(1)),
        )
    }
}

/// The mode the browser rendered the page in (HTML's "quirks mode" algorithm, from its doctype).
/// Next.js always serves `<!DOCTYPE html>`, standards mode, so what the other two did
/// differently is written out where it can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenderingMode {
    #[default]
    Standards,
    /// "Almost standards": standards mode but for the line height quirk (XHTML 1.0
    /// Transitional and Frameset doctypes, HTML 4.01 Transitional and Frameset with a system
    /// identifier). `document.compatMode` says `CSS1Compat` for it.
    LimitedQuirks,
    Quirks,
}

impl RenderingMode {
    /// Whether lines without text of their block's own had no strut (quirks and limited
    /// quirks mode).
    pub fn has_line_height_quirk(self) -> bool {
        self != RenderingMode::Standards
    }
}

impl ScrapeData {
    /// Name of the JSON file inside a scrape directory.
    pub const FILE_NAME: &'static str = "scrape.json";

    /// The page's rendering mode: `compatMode` tells quirks mode apart; limited quirks mode,
    /// which it reports as standards, is read from the doctype's public identifier (an HTML
    /// 4.01 Transitional or Frameset one in standards mode must have had a system identifier,
    /// or the page would have been in quirks mode).
    pub fn rendering_mode(&self) -> RenderingMode {
        if self.compat_mode.eq_ignore_ascii_case("BackCompat") {
            return RenderingMode::Quirks;
        }
        let doctype = self.doctype.as_deref().unwrap_or("").to_ascii_lowercase();
        const LIMITED: &[&str] = &[
            "\"-//w3c//dtd xhtml 1.0 transitional//",
            "\"-//w3c//dtd xhtml 1.0 frameset//",
            "\"-//w3c//dtd html 4.01 transitional//",
            "\"-//w3c//dtd html 4.01 frameset//",
        ];
        if LIMITED.iter().any(|public| doctype.contains(public)) {
            RenderingMode::LimitedQuirks
        } else {
            RenderingMode::Standards
        }
    }

    pub fn device(&self, device: Device) -> &DeviceCapture {
        match device {
            Device::Desktop => &self.desktop,
            Device::Mobile => &self.mobile,
        }
    }

    /// Writes `dir/scrape.json` and the screenshots beside it, creating `dir` if needed.
    pub fn save(&self, dir: &Path) -> Result<(), ScrapeError> {
        std::fs::create_dir_all(dir).map_err(|source| ScrapeError::Io {
            action: "create",
            path: dir.to_path_buf(),
            source,
        })?;
        for capture in [&self.desktop, &self.mobile] {
            for shot in [
                &capture.screenshots.viewport,
                &capture.screenshots.full_page,
            ] {
                let path = dir.join(&shot.file);
                std::fs::write(&path, &shot.png).map_err(|source| ScrapeError::Io {
                    action: "write",
                    path,
                    source,
                })?;
            }
        }
        let path = dir.join(Self::FILE_NAME);
        let json = serde_json::to_vec(self).map_err(|source| ScrapeError::Format {
            path: path.clone(),
            source,
        })?;
        std::fs::write(&path, json).map_err(|source| ScrapeError::Io {
            action: "write",
            path,
            source,
        })
    }

    /// Reads what [`ScrapeData::save`] wrote.
    pub fn load(dir: &Path) -> Result<ScrapeData, ScrapeError> {
        let path = dir.join(Self::FILE_NAME);
        let json = std::fs::read(&path).map_err(|source| ScrapeError::Io {
            action: "read",
            path: path.clone(),
            source,
        })?;
        let mut data: ScrapeData =
            parse_scrape_json(&json).map_err(|source| ScrapeError::Format { path, source })?;
        for capture in [&mut data.desktop, &mut data.mobile] {
            for shot in [
                &mut capture.screenshots.viewport,
                &mut capture.screenshots.full_page,
            ] {
                // A scrape names its PNGs; it never points outside its own directory.
                if shot.file.is_empty() || shot.file.contains(['/', '\\']) || shot.file == ".." {
                    return Err(ScrapeError::Io {
                        action: "read",
                        path: dir.join(&shot.file),
                        source: std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "screenshot file names must be plain names inside the scrape directory",
                        ),
                    });
                }
                let path = dir.join(&shot.file);
                shot.png = std::fs::read(&path).map_err(|source| ScrapeError::Io {
                    action: "read",
                    path,
                    source,
                })?;
            }
        }
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested_elements(levels: usize) -> String {
        let mut json = String::new();
        for id in 0..levels {
            json.push_str(&format!(r#"{{"id":{id},"tag":"div","box":{{"x":0,"y":0,"width":1,"height":1}},"children":["a \"[{{",  "#));
        }
        json.push_str(r#""leaf""#);
        for _ in 0..levels {
            json.push_str("]}");
        }
        json
    }

    #[test]
    fn elements_nested_to_the_cap_parse_past_serde_jsons_default_limit() {
        let json = nested_elements(MAX_DOM_DEPTH);
        let default = serde_json::from_str::<DomElement>(&json).unwrap_err();
        assert!(default.to_string().contains("recursion limit"), "{default}");
        let element: DomElement = parse_scrape_json(json.as_bytes()).unwrap();
        assert_eq!(element.tag, "div");
    }

    #[test]
    fn the_rendering_mode_comes_from_compat_mode_and_the_doctype() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes/one-block");
        let mut scrape = ScrapeData::load(&dir).unwrap();
        let mut mode = |compat: &str, doctype: Option<&str>| {
            scrape.compat_mode = compat.to_string();
            scrape.doctype = doctype.map(String::from);
            scrape.rendering_mode()
        };
        assert_eq!(
            mode("CSS1Compat", Some("<!DOCTYPE html>")),
            RenderingMode::Standards
        );
        assert_eq!(mode("BackCompat", None), RenderingMode::Quirks);
        let xhtml = r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "">"#;
        assert_eq!(
            mode("CSS1Compat", Some(xhtml)),
            RenderingMode::LimitedQuirks
        );
        let html4 = r#"<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">"#;
        assert_eq!(
            mode("CSS1Compat", Some(html4)),
            RenderingMode::LimitedQuirks
        );
        let strict = r#"<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "">"#;
        assert_eq!(mode("CSS1Compat", Some(strict)), RenderingMode::Standards);
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_stack_overflow() {
        let json = "[".repeat(1_000_000);
        let error = parse_scrape_json::<serde_json::Value>(json.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("1000000 levels deep"), "{error}");
        assert_eq!(
            json_nesting_depth(br#"{"a":"[[[{{","b":[1,{"c":"\"]"}]}"#),
            3
        );
    }
}
