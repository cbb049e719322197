//! Cross-origin stylesheets: the browser applies them but will not show their rules to scripts,
//! so they are fetched over HTTP (under the same URL policy) and their `@font-face` rules read.

use std::sync::LazyLock;
use std::time::Duration;

use regex::Regex;
use replica_core::{FontFace, Stylesheet, UrlPolicy};

use crate::capture::ExtractedSheet;
use crate::policing::ScrapeProxy;

/// Fills in the sheets the browser would not show; returns the sheets in cascade order, the
/// `@font-face` rules found in fetched CSS, and warnings for sheets that could not be fetched.
pub(crate) async fn complete(
    sheets: Vec<ExtractedSheet>,
    policy: &UrlPolicy,
    timeout: Duration,
    proxy: &ScrapeProxy,
) -> (Vec<Stylesheet>, Vec<FontFace>, Vec<String>) {
    let mut faces = Vec::new();
    let mut warnings = Vec::new();
    if !sheets.iter().any(|s| s.needs_fetch) {
        return (
            sheets.into_iter().map(|s| s.sheet).collect(),
            faces,
            warnings,
        );
    }
    let client = match crate::preflight::policy_client(
        policy,
        timeout.min(Duration::from_secs(15)),
        proxy,
    ) {
        Ok(client) => Some(client),
        Err(e) => {
            warnings.push(format!("cross-origin stylesheets were not fetched: {e}"));
            None
        }
    };
    let fetches = sheets.into_iter().map(|extracted| {
        let client = client.clone();
        async move {
            let mut sheet = extracted.sheet;
            if !extracted.needs_fetch {
                return (sheet, None);
            }
            let (Some(client), Some(href)) = (client, sheet.href.clone()) else {
                sheet.error = Some("not fetched".into());
                return (sheet, None);
            };
            match fetch(&client, &href, proxy).await {
                Ok(css) => {
                    sheet.css = css;
                    (sheet, None)
                }
                Err(message) => {
                    let warning = format!("stylesheet {href} could not be fetched: {message}");
                    sheet.error = Some(message);
                    (sheet, Some(warning))
                }
            }
        }
    });
    let mut out = Vec::new();
    for (sheet, warning) in futures_util::future::join_all(fetches).await {
        if sheet.error.is_none() && sheet.origin != replica_core::StylesheetOrigin::Style {
            faces.extend(font_faces_in(&sheet.css, &sheet.base_url));
        }
        warnings.extend(warning);
        out.push(sheet);
    }
    (out, faces, warnings)
}

async fn fetch(
    client: &reqwest::Client,
    href: &str,
    proxy: &ScrapeProxy,
) -> Result<String, String> {
    let response = match client.get(href).send().await {
        Ok(response) => response,
        Err(error) => {
            return Err(match proxy.explain(href) {
                Some(explained) => explained.to_string(),
                None => error.without_url().to_string(),
            });
        }
    };
    if crate::preflight::is_proxy_answer(response.headers())
        && let Some(explained) = proxy.explain(response.url().as_str())
    {
        return Err(explained.to_string());
    }
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    response
        .text()
        .await
        .map_err(|e| e.without_url().to_string())
}

static FONT_FACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?is)@font-face\s*\{([^}]*)\}").expect("valid regex"));
static DESCRIPTOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)([a-z-]+)\s*:\s*((?:[^;(]|\([^)]*\))*)").expect("valid regex")
});

/// `@font-face` rules of a CSS text, URLs resolved against `base`.
pub(crate) fn font_faces_in(css: &str, base: &str) -> Vec<FontFace> {
    let base = url::Url::parse(base).ok();
    FONT_FACE
        .captures_iter(css)
        .map(|rule| {
            let mut face = FontFace {
                family: String::new(),
                src: String::new(),
                urls: Vec::new(),
                weight: "normal".into(),
                style: "normal".into(),
                display: None,
                unicode_range: None,
                // The browser's FontFaceSet only lists faces it could read; these it could not.
                status: "unknown".into(),
            };
            for descriptor in DESCRIPTOR.captures_iter(&rule[1]) {
                let value = descriptor[2].trim().to_string();
                match descriptor[1].to_ascii_lowercase().as_str() {
                    "font-family" => face.family = value.trim_matches(['"', '\'']).to_string(),
                    "src" => face.src = value,
                    "font-weight" => face.weight = value,
                    "font-style" => face.style = value,
                    "font-display" => face.display = Some(value),
                    "unicode-range" => face.unicode_range = Some(value),
                    _ => {}
                }
            }
            face.urls = replica_css::urls(&face.src)
                .iter()
                .filter(|url| url.is_resolvable())
                .map(|url| url.unescaped().trim().to_string())
                .map(|u| match &base {
                    Some(base) => base.join(&u).map(|j| j.to_string()).unwrap_or(u),
                    None => u,
                })
                .collect();
            face
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn font_faces_are_read_from_fetched_css() {
        let css = r#"
            @font-face { font-family: 'Inter'; font-style: normal; font-weight: 400;
              font-display: swap; src: url(https://fonts.example/inter.woff2) format('woff2'),
              url("../fonts/inter.woff") format("woff"); unicode-range: U+0000-00FF; }
            body { font-family: Inter, sans-serif }
            @font-face{font-family:Mono;src:url(data:font/woff2;base64,AAAA)}"#;
        let faces = font_faces_in(css, "https://cdn.example/css/site.css");
        assert_eq!(faces.len(), 2);
        assert_eq!(faces[0].family, "Inter");
        assert_eq!(faces[0].weight, "400");
        assert_eq!(faces[0].display.as_deref(), Some("swap"));
        assert_eq!(
            faces[0].urls,
            vec![
                "https://fonts.example/inter.woff2",
                "https://cdn.example/fonts/inter.woff"
            ]
        );
        assert_eq!(faces[1].family, "Mono");
        assert!(faces[1].urls.is_empty());
    }
}
