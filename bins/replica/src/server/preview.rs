//! Previews through the server's own port: `http://{id}-{token}.preview.localhost:PORT/` is
//! clone `id`'s `next dev`, reverse-proxied (proxy.rs). Host-based, not path-based: a page's own
//! absolute URLs (`<img src="/assets/...">`, CSS `url(/...)`, Next's `/_next/` chunks) keep
//! working unchanged, and every preview is an origin of its own, apart from the API's.
//!
//! The label before the preview domain is the clone id and a token derived from it with a
//! secret of this server process: without the token nobody reaches a preview by guessing ids,
//! and a URL from an earlier process (whose previews are gone) leads nowhere.

use std::fmt::Write as _;
use std::io::Read as _;
use std::sync::Arc;

use axum::body::Body;
use axum::response::Response;
use http::StatusCode;
use http::header::{self, HeaderValue};
use replica_core::Sandbox;
use replica_pipeline::{CloneId, PreviewRoutes};
use sha2::{Digest, Sha256};

use super::clones::{Registry, Upstream};

/// `--preview-host` when none is given: Chromium, Firefox and curl resolve every `*.localhost`
/// name to loopback by themselves.
pub const DEFAULT_PREVIEW_HOST: &str = "preview.localhost";

/// Where previews are published (`--preview-host`): each clone gets the host
/// `{label}.{domain}`, reached with this scheme and port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewHost {
    scheme: &'static str,
    domain: String,
    /// `None`: the scheme's default port, left out of URLs.
    port: Option<u16>,
}

impl PreviewHost {
    /// `DOMAIN` or `DOMAIN:PORT` (http, on the server's own port unless one is given), or a base
    /// URL such as `https://preview.example.com` (behind a TLS proxy: exactly that scheme and
    /// port).
    pub fn parse(value: &str, listening_port: u16) -> Result<PreviewHost, String> {
        let value = value.trim().trim_end_matches('/');
        let bad = |why: String| format!("--preview-host {value:?}: {why}");
        let (scheme, rest) = match value.split_once("://") {
            Some(("http", rest)) => ("http", Some(rest)),
            Some(("https", rest)) => ("https", Some(rest)),
            Some((other, _)) => return Err(bad(format!("{other}: is not http or https"))),
            None => ("http", None),
        };
        let authority = rest.unwrap_or(value);
        let (domain, port) = match authority.rsplit_once(':') {
            Some((domain, port)) => {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| bad(format!("{port:?} is not a port")))?;
                (domain, Some(port))
            }
            None => (authority, None),
        };
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        };
        if domain.is_empty() || !domain.split('.').all(label_ok) {
            return Err(bad(
                "expected a domain name such as preview.example.com".into()
            ));
        }
        let port = match (port, rest) {
            (Some(port), _) => Some(port),
            // A URL without a port means the scheme's.
            (None, Some(_)) => None,
            (None, None) => Some(listening_port),
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        Ok(PreviewHost {
            scheme,
            domain,
            port: port.filter(|&port| port != default_port),
        })
    }

    pub fn scheme(&self) -> &'static str {
        self.scheme
    }

    /// The URL of the preview whose host label is `label`.
    pub fn url(&self, label: &str) -> String {
        match self.port {
            Some(port) => format!("{}://{label}.{}:{port}/", self.scheme, self.domain),
            None => format!("{}://{label}.{}/", self.scheme, self.domain),
        }
    }

    /// The pattern shown at start (`http://*.preview.localhost:8000/`).
    pub fn pattern(&self) -> String {
        self.url("*")
    }

    /// The label of `host` (a `Host` header: name and maybe a port) when it is
    /// `{label}.{domain}`; `None` for every other host, which the API answers.
    pub fn label<'a>(&self, host: &'a str) -> Option<&'a str> {
        if !host.is_ascii() || host.starts_with('[') {
            return None;
        }
        let name = match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        };
        let name = name.trim_end_matches('.');
        let cut = name.len().checked_sub(self.domain.len() + 1)?;
        let (label, suffix) = name.split_at(cut);
        let matches = suffix.starts_with('.') && suffix[1..].eq_ignore_ascii_case(&self.domain);
        (matches && !label.is_empty() && !label.contains('.')).then_some(label)
    }
}

/// The per-clone preview tokens: `sha256(secret || id)`, 128 bits in hex, with a secret drawn
/// at start. Derived, not stored: nothing to persist, and a restart invalidates them all (the
/// previews they led to are gone by then too).
pub struct PreviewTokens {
    secret: [u8; 32],
}

impl std::fmt::Debug for PreviewTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PreviewTokens { .. }")
    }
}

impl PreviewTokens {
    pub fn new() -> std::io::Result<PreviewTokens> {
        let mut secret = [0; 32];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut secret)?;
        Ok(PreviewTokens { secret })
    }

    fn token(&self, id: &CloneId) -> String {
        let digest = Sha256::new()
            .chain_update(self.secret)
            .chain_update(id.as_str())
            .finalize();
        digest[..16].iter().fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
    }

    /// The host label of `id`'s preview: `{id}-{token}` (59 characters; a label may have 63).
    pub fn label(&self, id: &CloneId) -> String {
        format!("{id}-{}", self.token(id))
    }

    /// The clone a host label names, when its token is right.
    pub fn clone_of(&self, label: &str) -> Option<CloneId> {
        let (id, token) = label.rsplit_once('-')?;
        let id = CloneId::parse(&id.to_ascii_lowercase()).ok()?;
        let expected = self.token(&id);
        let token = token.to_ascii_lowercase();
        // Constant time: the comparison does not tell how much of a guess was right.
        let same = token.len() == expected.len()
            && token
                .bytes()
                .zip(expected.bytes())
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0;
        same.then_some(id)
    }
}

/// The server's side of [`PreviewRoutes`]: a deployed clone's preview is routed to its sandbox
/// and published under the preview host.
pub struct PublishedPreviews {
    pub registry: Arc<Registry>,
    pub host: PreviewHost,
    pub tokens: Arc<PreviewTokens>,
}

impl PreviewRoutes for PublishedPreviews {
    fn route(&self, clone: &CloneId, sandbox: &dyn Sandbox) -> String {
        let url = self.host.url(&self.tokens.label(clone));
        self.registry.add_route(
            clone.clone(),
            url.clone(),
            Upstream::Live(sandbox.preview_url().trim_end_matches('/').to_string()),
        );
        url
    }
}

/// A short HTML page of the server's own (404, 502, 504 on a preview host). `reload`: the page
/// reloads itself after a few seconds, for a preview that is being restarted.
pub fn page(status: StatusCode, title: &str, message: &str, reload: bool) -> Response {
    let refresh = if reload {
        "<meta http-equiv=\"refresh\" content=\"3\">"
    } else {
        ""
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
         <title>{title} · Replica</title><style>body{{font:16px/1.5 system-ui,sans-serif;\
         max-width:36rem;margin:15vh auto;padding:0 1.25rem;color:#1f2328;background:#fff}}\
         @media (prefers-color-scheme:dark){{body{{color:#e6edf3;background:#0d1117}}}}\
         h1{{font-size:1.4rem}}p{{margin:.5rem 0}}small{{opacity:.7}}</style></head>\
         <body><h1>{title}</h1><p>{message}</p><p><small>HTTP {} · Replica preview</small>\
         </p></body></html>\n",
        status.as_u16()
    );
    let mut response = Response::new(Body::from(html));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if reload {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("3"));
    }
    response
}

/// `text` with the five characters HTML gives a meaning escaped.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_hosts_from_the_flag() {
        let parse = |value| PreviewHost::parse(value, 8000);
        assert_eq!(
            parse("preview.localhost").unwrap().url("x"),
            "http://x.preview.localhost:8000/"
        );
        assert_eq!(
            parse("Preview.Example.com.:8080").unwrap().url("x"),
            "http://x.preview.example.com:8080/"
        );
        assert_eq!(
            parse("https://preview.example.com/").unwrap().url("x"),
            "https://x.preview.example.com/"
        );
        assert_eq!(
            parse("http://preview.example.com:80").unwrap().url("x"),
            "http://x.preview.example.com/"
        );
        for bad in [
            "",
            "ftp://a.b",
            "a..b",
            "-a.b",
            "a.b:port",
            "a.b/path",
            "a_b.c",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_one_label_under_the_preview_domain_is_a_preview() {
        let host = PreviewHost::parse("preview.localhost", 8000).unwrap();
        assert_eq!(host.label("abc.preview.localhost:8000"), Some("abc"));
        assert_eq!(host.label("ABC.Preview.LocalHost."), Some("ABC"));
        assert_eq!(host.label("abc.preview.localhost:1"), Some("abc"));
        for other in [
            "preview.localhost:8000",
            ".preview.localhost",
            "a.b.preview.localhost",
            "abcpreview.localhost",
            "127.0.0.1:8000",
            "localhost:8000",
            "[::1]:8000",
            "é.preview.localhost",
        ] {
            assert_eq!(host.label(other), None, "{other}");
        }
    }

    #[test]
    fn a_label_needs_the_token_of_its_clone() {
        let tokens = PreviewTokens::new().unwrap();
        let id = CloneId::parse("20241122-070412-123-8f3a2c").unwrap();
        let label = tokens.label(&id);
        assert_eq!(label.len(), 59);
        assert_eq!(tokens.clone_of(&label), Some(id.clone()));
        assert_eq!(tokens.clone_of(&label.to_ascii_uppercase()), Some(id));
        let other = CloneId::parse("20241122-070412-123-8f3a2d").unwrap();
        let (_, token) = label.rsplit_once('-').unwrap();
        assert_eq!(tokens.clone_of(&format!("{other}-{token}")), None);
        assert_eq!(tokens.clone_of("20241122-070412-123-8f3a2c"), None);
        assert_eq!(tokens.clone_of(&label[..58]), None);
        let elsewhere = PreviewTokens::new().unwrap();
        assert_eq!(elsewhere.clone_of(&label), None);
    }

    #[test]
    fn pages_escape_what_they_show() {
        assert_eq!(
            escape("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}
