//! The web UI (DESIGN.md §10): `GET /` and its files under `/ui/`, embedded in the binary.
//!
//! The page is Preact + htm ES modules served as written (no build step), with highlight.js
//! loaded when the code view first opens; everything is in `bins/replica/ui/`. Each file is
//! answered gzipped when the browser accepts it (compressed once, on first use) with an
//! `ETag`, so a reload costs one 304 per file.

use std::sync::OnceLock;

use axum::Router;
use axum::body::Body;
use axum::response::Response;
use axum::routing::get;
use http::header::{self, HeaderMap, HeaderValue};
use http::{StatusCode, Uri};
use sha2::{Digest as _, Sha256};

use super::http::ApiError;

/// One embedded file of the UI.
struct Asset {
    /// Its path under `bins/replica/ui/` (and under `/ui/` on the server).
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $content_type:expr),* $(,)?) => {
        &[$(Asset {
            path: $path,
            content_type: $content_type,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/ui/", $path)),
        }),*]
    };
}

const JS: &str = "text/javascript; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Every file of the UI (a test checks that none in the folder is missing here).
const ASSETS: &[Asset] = assets! {
    "index.html" => "text/html; charset=utf-8",
    "app.css" => "text/css; charset=utf-8",
    "icon.svg" => "image/svg+xml",
    "js/app.js" => JS,
    "js/api.js" => JS,
    "js/events.js" => JS,
    "js/start.js" => JS,
    "js/timeline.js" => JS,
    "js/preview.js" => JS,
    "js/compare.js" => JS,
    "js/code.js" => JS,
    "js/chat.js" => JS,
    "js/login.js" => JS,
    "vendor/preact-htm.js" => JS,
    "vendor/highlight/core.js" => JS,
    "vendor/highlight/javascript.js" => JS,
    "vendor/highlight/typescript.js" => JS,
    "vendor/highlight/xml.js" => JS,
    "vendor/highlight/css.js" => JS,
    "vendor/highlight/json.js" => JS,
    "vendor/LICENSE-htm" => TEXT,
    "vendor/LICENSE-preact" => TEXT,
    "vendor/LICENSE-highlight.js" => TEXT,
};

/// An asset's gzip body and ETag, made once.
struct Prepared {
    gzip: Vec<u8>,
    etag: HeaderValue,
}

fn prepared(index: usize) -> &'static Prepared {
    static PREPARED: OnceLock<Vec<OnceLock<Prepared>>> = OnceLock::new();
    let cells = PREPARED.get_or_init(|| ASSETS.iter().map(|_| OnceLock::new()).collect());
    cells[index].get_or_init(|| {
        let bytes = ASSETS[index].bytes;
        let digest = Sha256::digest(bytes);
        let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        Prepared {
            gzip: gzip(bytes),
            // Hex only: always a valid header value.
            etag: HeaderValue::from_str(&format!("\"{hex}\""))
                .unwrap_or(HeaderValue::from_static("\"0\"")),
        }
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().unwrap_or_default()
}

/// `GET /` and `GET /ui/{path}`, open to everyone: the files hold no data (the API they call
/// is what a token guards).
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/",
            get(async |headers: HeaderMap| asset("index.html", &headers)),
        )
        .route(
            "/ui/{*path}",
            get(async |uri: Uri, headers: HeaderMap| {
                let path = uri.path().strip_prefix("/ui/").unwrap_or_default();
                asset(path, &headers)
            }),
        )
}

fn asset(path: &str, request: &HeaderMap) -> Result<Response, ApiError> {
    let index = ASSETS
        .iter()
        .position(|asset| asset.path == path)
        .ok_or_else(|| ApiError::not_found(format!("the web UI has no file {path:?}")))?;
    let asset = &ASSETS[index];
    let prepared = prepared(index);
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.as_bytes() == prepared.etag.as_bytes());
    let gzipped = accepts_gzip(request);
    let mut response = if fresh {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        response
    } else if gzipped {
        Response::new(Body::from(prepared.gzip.as_slice()))
    } else {
        Response::new(Body::from(asset.bytes))
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    if gzipped && !fresh {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    headers.insert(header::ETAG, prepared.etag.clone());
    // Always revalidated: a new binary serves new files under the same names.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

fn accepts_gzip(request: &HeaderMap) -> bool {
    request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|param| {
                param
                    .trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_ui_folder_is_embedded() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
        let mut found = Vec::new();
        let mut folders = vec![root.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.file_name().is_some_and(|name| name != "README.md") {
                    let relative = path.strip_prefix(&root).unwrap();
                    found.push(relative.to_string_lossy().into_owned());
                }
            }
        }
        found.sort();
        let mut listed: Vec<String> = ASSETS.iter().map(|a| a.path.to_string()).collect();
        listed.sort();
        assert_eq!(found, listed);
    }

    #[test]
    fn gzip_is_chosen_from_accept_encoding() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
            accepts_gzip(&headers)
        };
        assert!(with("gzip, deflate, br"));
        assert!(with("br;q=1.0, GZIP;q=0.5"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br, deflate"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    /// Everything but what loads later (highlight.js, with the code view) and the licences:
    /// more than the browser fetches before the page is interactive.
    #[test]
    fn the_first_load_stays_under_300_kb_compressed() {
        let total: usize = (0..ASSETS.len())
            .filter(|&index| {
                let path = ASSETS[index].path;
                !path.starts_with("vendor/highlight/") && !path.starts_with("vendor/LICENSE")
            })
            .map(|index| prepared(index).gzip.len())
            .sum();
        assert!(total < 300 * 1024, "{total} bytes");
    }
}
