//! Asset localisation: what the project references by absolute URL (images, fonts, CSS
//! backgrounds, icons, video) is downloaded into `public/assets/` under a content-hashed name
//! and the references are rewritten to `/assets/...`, so a clone works offline and does not
//! hot-link the original site. An asset that fails keeps its URL and is reported.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use replica_core::{
    ProjectFiles, Stylesheet, StylesheetOrigin, UrlPolicy, extension_for_media_type,
};
use sha2::{Digest, Sha256};
use url::Url;

/// Limits of one localisation run.
#[derive(Debug, Clone)]
pub struct LocalizeOptions {
    /// Which hosts may be contacted; checked before DNS, on every resolved address and on
    /// every redirect target.
    pub policy: UrlPolicy,
    /// Larger assets keep their URL.
    pub max_asset_bytes: u64,
    /// Once this much was downloaded, the remaining assets keep their URLs.
    pub max_total_bytes: u64,
    /// Downloads at the same time (at least 1).
    pub concurrency: usize,
    /// For one asset, connection and body included.
    pub timeout: Duration,
    pub max_redirects: usize,
}

impl Default for LocalizeOptions {
    fn default() -> Self {
        LocalizeOptions {
            policy: UrlPolicy::public_only(),
            max_asset_bytes: 10 * 1024 * 1024,
            max_total_bytes: 100 * 1024 * 1024,
            concurrency: 8,
            timeout: Duration::from_secs(15),
            max_redirects: 5,
        }
    }
}

/// What [`localize_assets`] did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LocalizeReport {
    /// Original URL to the path it is now served at (`/assets/<hash>.<ext>`).
    pub localized: BTreeMap<String, String>,
    /// Assets that kept their original URL, and why.
    pub failures: Vec<AssetFailure>,
}

impl LocalizeReport {
    /// One warning line per failure, for the pipeline's `warning` events.
    pub fn warnings(&self) -> Vec<String> {
        self.failures
            .iter()
            .map(|failure| {
                format!(
                    "asset {} kept its original URL: {}",
                    failure.url, failure.reason
                )
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetFailure {
    pub url: String,
    pub reason: String,
}

/// Where assets go inside the project, and the URL path they are served at.
const ASSET_DIR: &str = "public/assets/";
const ASSET_URL_PREFIX: &str = "/assets/";

/// File types worth a local copy when referenced outside `url(...)` / `src`.
const ASSET_EXTENSIONS: &[&str] = &[
    "png", "jpg", "jpeg", "gif", "webp", "avif", "svg", "ico", "bmp", "woff", "woff2", "ttf",
    "otf", "eot", "mp4", "webm",
];

/// Downloads every asset the project's pages, components and styles reference by absolute
/// URL and rewrites the references. Never fails: what cannot be fetched is reported and keeps
/// its URL.
pub async fn localize_assets(
    files: &mut ProjectFiles,
    options: &LocalizeOptions,
) -> LocalizeReport {
    let mut urls = BTreeSet::new();
    for path in rewritable_paths(files) {
        if let Some(text) = files.text(&path) {
            for span in asset_spans(text) {
                urls.insert(text[span.0..span.1].to_string());
            }
        }
    }
    let mut report = LocalizeReport::default();
    if urls.is_empty() {
        return report;
    }
    let client = match client(options) {
        Ok(client) => client,
        Err(error) => {
            report.failures = urls
                .into_iter()
                .map(|url| AssetFailure {
                    url,
                    reason: format!("no HTTP client: {error}"),
                })
                .collect();
            return report;
        }
    };
    let mut fetched: Vec<(String, Result<Fetched, String>)> = futures_util::stream::iter(urls)
        .map(|written| {
            let client = &client;
            async move {
                let outcome = tokio::time::timeout(
                    options.timeout,
                    fetch(client, &fetch_url(&written), options),
                )
                .await
                .unwrap_or_else(|_| {
                    Err(format!(
                        "timed out after {}s",
                        options.timeout.as_secs_f64()
                    ))
                });
                (written, outcome)
            }
        })
        .buffer_unordered(options.concurrency.max(1))
        .collect()
        .await;
    // Completion order varies; the total cap must not.
    fetched.sort_by(|a, b| a.0.cmp(&b.0));
    let mut total: u64 = 0;
    for (written, outcome) in fetched {
        match outcome {
            Ok(Fetched { bytes, .. }) if total + bytes.len() as u64 > options.max_total_bytes => {
                report.failures.push(AssetFailure {
                    url: written,
                    reason: format!(
                        "the project already holds {} MB of assets (cap {} MB)",
                        total / 1_000_000,
                        options.max_total_bytes / 1_000_000
                    ),
                });
            }
            Ok(Fetched { bytes, mime }) => {
                total += bytes.len() as u64;
                let name = asset_name(&fetch_url(&written), &bytes, mime.as_deref());
                files.insert_bytes(format!("{ASSET_DIR}{name}"), bytes);
                report
                    .localized
                    .insert(written, format!("{ASSET_URL_PREFIX}{name}"));
            }
            Err(reason) => report.failures.push(AssetFailure {
                url: written,
                reason,
            }),
        }
    }
    for path in rewritable_paths(files) {
        let Some(text) = files.text(&path) else {
            continue;
        };
        let rewritten = rewrite(text, &report.localized);
        if rewritten != text {
            files.insert_text(path, rewritten);
        }
    }
    report
}

/// Text files that reference assets: pages, layouts, components and styles.
fn rewritable_paths(files: &ProjectFiles) -> Vec<String> {
    files
        .paths()
        // The tailwind style's theme names the background images the page repeats.
        .filter(|path| {
            path.starts_with("app/")
                || path.starts_with("components/")
                || *path == "tailwind.config.js"
        })
        .filter(|path| {
            [".jsx", ".js", ".css", ".tsx", ".ts"]
                .iter()
                .any(|ext| path.ends_with(ext))
        })
        .map(str::to_string)
        .collect()
}

/// Byte ranges of absolute http(s) URLs in `text` that name assets: inside `url(...)`, the
/// value of `src`/`srcSet`/`poster`, or with an asset file extension (srcset candidates,
/// icons).
fn asset_spans(text: &str) -> Vec<(usize, usize)> {
    // Where each `url(...)` reference starts (past its quote, or the `\"` of a JS string):
    // a URL there is in CSS; one further inside (an SVG data URL's xmlns) is not.
    let css_urls: Vec<usize> = replica_css::urls(text)
        .into_iter()
        .map(|url| {
            let escaped_quote =
                url.reference.len() - url.reference.trim_start_matches(['"', '\'', '\\']).len();
            url.reference_range.start + escaped_quote
        })
        .collect();
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(found) = next_url_start(&text[from..]) {
        let start = from + found;
        let end = start
            + text[start..]
                .find(|c: char| {
                    c.is_whitespace()
                        || matches!(c, '"' | '\'' | ')' | '\\' | '<' | '>' | '`' | '{' | '}')
                })
                .unwrap_or(text.len() - start);
        // A srcset candidate ends before its descriptor's comma.
        let end = start + text[start..end].trim_end_matches(',').len();
        from = end.max(start + 1);
        let url = &text[start..end];
        if Url::parse(url).is_err() {
            continue;
        }
        let before = text[..start].trim_end_matches(['"', '\'', '\\', ' ']);
        let lower_before = before.to_ascii_lowercase();
        let in_css_url = css_urls.contains(&start);
        let in_source_attribute = ["src=", "srcset=", "poster="]
            .iter()
            .any(|attribute| lower_before.ends_with(attribute));
        if in_css_url || in_source_attribute || has_asset_extension(url) {
            spans.push((start, end));
        }
    }
    spans
}

fn next_url_start(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    [lower.find("https://"), lower.find("http://")]
        .into_iter()
        .flatten()
        .min()
}

fn has_asset_extension(url: &str) -> bool {
    Url::parse(&fetch_url(url))
        .ok()
        .and_then(|url| extension_of(url.path()))
        .is_some_and(|ext| ASSET_EXTENSIONS.contains(&ext.as_str()))
}

fn extension_of(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    let (_, ext) = file.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    (!ext.is_empty() && ext.len() <= 5 && ext.chars().all(|c| c.is_ascii_alphanumeric()))
        .then_some(ext)
}

/// The URL as fetched: JSX attribute strings and HTML-escaped text write `&` as `&amp;`.
fn fetch_url(written: &str) -> String {
    written.replace("&amp;", "&")
}

/// `<first 16 hex digits of the SHA-256>.<ext>`: the same bytes always get the same name,
/// so an asset used twice is stored once.
fn asset_name(url: &str, bytes: &[u8], mime: Option<&str>) -> String {
    let digest = Sha256::digest(bytes);
    let hash: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let from_url = Url::parse(url)
        .ok()
        .and_then(|url| extension_of(url.path()))
        .filter(|ext| ASSET_EXTENSIONS.contains(&ext.as_str()));
    let ext = from_url
        .or_else(|| {
            mime.and_then(extension_for_media_type)
                .filter(|ext| ASSET_EXTENSIONS.contains(ext))
                .map(str::to_string)
        })
        .unwrap_or_else(|| "bin".to_string());
    format!("{hash}.{ext}")
}

/// `text` with every localised URL span replaced (spans found exactly as when collecting,
/// so a URL that is a prefix of another is never replaced inside it).
fn rewrite(text: &str, localized: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (start, end) in asset_spans(text) {
        if let Some(local) = localized.get(&text[start..end]) {
            out.push_str(&text[last..start]);
            out.push_str(local);
            last = end;
        }
    }
    out.push_str(&text[last..]);
    out
}

fn client(options: &LocalizeOptions) -> Result<reqwest::Client, reqwest::Error> {
    let redirect_policy = options.policy.clone();
    let max_redirects = options.max_redirects;
    let mut builder = reqwest::Client::builder()
        .connect_timeout(options.timeout)
        .timeout(options.timeout)
        .user_agent("Mozilla/5.0 (compatible; Replica asset fetcher)")
        .dns_resolver(Arc::new(PolicyResolver {
            policy: options.policy.clone(),
        }))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(format!("more than {max_redirects} redirects"));
            }
            match check_literal(&redirect_policy, attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(reason) => attempt.error(reason),
            }
        }));
    if !options.policy.allows_private() {
        // A proxy would resolve names itself, out of the policy's sight.
        builder = builder.no_proxy();
    }
    builder.build()
}

/// What can be checked before connecting: the scheme, the deny list, address literals (which
/// skip DNS, so the resolver never sees them).
fn check_literal(policy: &UrlPolicy, url: &Url) -> Result<(), String> {
    policy
        .check_url(url)
        .map_err(|violation| violation.to_string())?;
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if let Some(ip) = literal {
        policy
            .check_addr(&ip.to_string(), ip)
            .map_err(|violation| violation.to_string())?;
    }
    Ok(())
}

/// Resolves names and refuses the connection when any address is one the policy forbids
/// (checking the addresses actually connected to defeats DNS rebinding).
struct PolicyResolver {
    policy: UrlPolicy,
}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for addr in &addrs {
                policy.check_addr(&host, addr.ip())?;
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The text of each stylesheet the page linked or imported, fetched again under the same
/// limits as assets (`None` for inline sheets and failures): the scrape holds what the browser
/// parsed, where colours read `rgb(...)` whatever the author wrote, and the author's own text
/// is what a person maintaining the clone wants to read.
pub async fn fetch_stylesheet_sources(
    stylesheets: &[Stylesheet],
    options: &LocalizeOptions,
) -> Vec<Option<String>> {
    let Ok(client) = client(options) else {
        return vec![None; stylesheets.len()];
    };
    let mut fetches = Vec::with_capacity(stylesheets.len());
    for sheet in stylesheets {
        fetches.push(fetch_source(&client, sheet, options));
    }
    futures_util::future::join_all(fetches).await
}

/// The text of a file of the original site a whole-site clone reads (robots.txt,
/// sitemap.xml), under the same policy, caps and timeout as assets: an error page, an HTML
/// answer or a timeout is an error.
pub async fn fetch_site_text(url: &str, options: &LocalizeOptions) -> Result<String, String> {
    let client = client(options).map_err(|error| describe(&error))?;
    let fetched = tokio::time::timeout(options.timeout, fetch(&client, url, options))
        .await
        .map_err(|_| format!("no answer in {} s", options.timeout.as_secs()))??;
    Ok(String::from_utf8_lossy(&fetched.bytes).into_owned())
}

async fn fetch_source(
    client: &reqwest::Client,
    sheet: &Stylesheet,
    options: &LocalizeOptions,
) -> Option<String> {
    let href = sheet
        .href
        .as_deref()
        .filter(|_| sheet.origin != StylesheetOrigin::Style && sheet.error.is_none())?;
    let fetched = tokio::time::timeout(options.timeout, fetch(client, href, options))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&fetched.bytes).into_owned())
}

/// A downloaded asset.
struct Fetched {
    bytes: Vec<u8>,
    /// The `Content-Type` header.
    mime: Option<String>,
}

/// The body of `url` within the size cap, and its content type.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    options: &LocalizeOptions,
) -> Result<Fetched, String> {
    let parsed = Url::parse(url).map_err(|error| format!("not a URL: {error}"))?;
    check_literal(&options.policy, &parsed)?;
    let mut response = client
        .get(parsed)
        .send()
        .await
        .map_err(|error| describe(&error))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {status}"));
    }
    let mime = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    // An HTML answer for an asset is an error page (a soft 404 or a login wall).
    if mime.as_deref().is_some_and(|mime| {
        mime.trim_start()
            .to_ascii_lowercase()
            .starts_with("text/html")
    }) {
        return Err("the server answered with an HTML page".to_string());
    }
    let cap = options.max_asset_bytes;
    let too_large = || format!("larger than the {} KB cap", cap / 1024);
    if response.content_length().is_some_and(|length| length > cap) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|error| describe(&error))? {
        if (bytes.len() + chunk.len()) as u64 > cap {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched { bytes, mime })
}

/// The error with its causes (reqwest's own message omits them: "error sending request").
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        asset_spans(text)
            .into_iter()
            .map(|(start, end)| &text[start..end])
            .collect()
    }

    #[test]
    fn asset_references_are_found_by_context_or_extension() {
        let jsx = r#"<a href="https://example.com/about">x</a><img src="https://cdn.example.com/p?id=1" srcSet="https://e.com/a.png 1x, https://e.com/b.png 2x" style={{ backgroundImage: "url(\"https://e.com/bg\")" }} />"#;
        assert_eq!(
            found(jsx),
            [
                "https://cdn.example.com/p?id=1",
                "https://e.com/a.png",
                "https://e.com/b.png",
                "https://e.com/bg"
            ]
        );
        let css = "a{background:url(https://e.com/x.jpg)} @font-face{src:url('https://e.com/f.woff2') format('woff2')}";
        assert_eq!(found(css), ["https://e.com/x.jpg", "https://e.com/f.woff2"]);
    }

    #[test]
    fn a_namespace_inside_an_svg_data_url_is_not_an_asset() {
        let css = r#"a{background:url("data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'%3E") url( 'https://e.com/bg' )}"#;
        assert_eq!(found(css), ["https://e.com/bg"]);
    }

    #[test]
    fn a_url_that_prefixes_another_is_not_rewritten_inside_it() {
        let localized = BTreeMap::from([(
            "https://e.com/a.png".to_string(),
            "/assets/1.png".to_string(),
        )]);
        let text = r#"<img src="https://e.com/a.png" /><img src="https://e.com/a.png?v=2" />"#;
        assert_eq!(
            rewrite(text, &localized),
            r#"<img src="/assets/1.png" /><img src="https://e.com/a.png?v=2" />"#
        );
    }

    #[test]
    fn names_are_content_hashed_with_a_sensible_extension() {
        let a = asset_name("https://e.com/logo.PNG?x=1", b"abc", Some("image/png"));
        assert_eq!(a, "ba7816bf8f01cfea.png");
        assert_eq!(
            asset_name("https://e.com/image", b"abc", Some("image/webp")),
            "ba7816bf8f01cfea.webp"
        );
        assert_eq!(
            asset_name("https://e.com/image.php", b"abc", None),
            "ba7816bf8f01cfea.bin"
        );
    }
}
