//! What a client asked the proxy for: a tunnel (`CONNECT host:port`) or an absolute `http://`
//! URL to fetch. Hosts are read the way a browser reads them (the WHATWG URL parser), so
//! `2130706433`, `0x7f.1` and `[::ffff:127.0.0.1]` are the addresses they stand for before
//! the policy looks at them.

use http::header::{self, HeaderMap, HeaderName};
use http::{Method, Uri};
use replica_core::Endpoint;
use url::Url;

/// A request the proxy understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `CONNECT host:port`: bytes both ways once the policy allows the endpoint (TLS, or a
    /// WebSocket: Chromium tunnels `ws://` through an HTTP proxy too).
    Tunnel(Endpoint),
    /// `GET http://host/path`: forwarded in origin form.
    Forward {
        url: Url,
        endpoint: Endpoint,
        /// What goes on the request line upstream (`/path?query`), as the client sent it.
        path_and_query: String,
    },
}

/// A request the proxy does not serve (answered 400 with this message).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadRequest {
    #[error("this is a forward proxy: send an absolute http:// URL or CONNECT host:port")]
    NotProxied,
    #[error("CONNECT needs host:port, not {0:?}")]
    Authority(String),
    #[error("{0}: URLs are not proxied (https and wss go through CONNECT)")]
    Scheme(String),
    #[error("not a URL the proxy can fetch: {0}")]
    Url(String),
}

/// Reads the request line's target.
pub fn parse_target(method: &Method, uri: &Uri) -> Result<Target, BadRequest> {
    if method == Method::CONNECT {
        let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
        if uri.scheme().is_some() || uri.path_and_query().is_some_and(|p| p.as_str() != "/") {
            return Err(BadRequest::Authority(uri.to_string()));
        }
        return Endpoint::tunnel(authority)
            .map(Target::Tunnel)
            .ok_or_else(|| BadRequest::Authority(authority.to_string()));
    }
    let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
        return Err(BadRequest::NotProxied);
    };
    if !scheme.eq_ignore_ascii_case("http") {
        return Err(BadRequest::Scheme(scheme.to_ascii_lowercase()));
    }
    if authority.as_str().contains('@') {
        return Err(BadRequest::Url("credentials in the URL".into()));
    }
    let url = Url::parse(&uri.to_string()).map_err(|e| BadRequest::Url(e.to_string()))?;
    let endpoint = Endpoint::of(&url).ok_or_else(|| BadRequest::Url("no host".into()))?;
    let path_and_query = uri
        .path_and_query()
        .map(|p| p.as_str())
        .filter(|p| p.starts_with('/'))
        .unwrap_or("/")
        .to_string();
    Ok(Target::Forward {
        url,
        endpoint,
        path_and_query,
    })
}

/// Whether the browser is navigating a frame (a page, an iframe, a meta refresh): it says so
/// with `Sec-Fetch-Mode` where it sends those headers and `Upgrade-Insecure-Requests`, which
/// it sends on every navigation, elsewhere.
pub fn is_navigation(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-mode")
        .is_some_and(|mode| mode == "navigate")
        || headers.contains_key("upgrade-insecure-requests")
}

/// Whether the request asks to switch protocols (a WebSocket sent as an absolute URL).
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE) && connection_tokens(headers).any(|t| t == "upgrade")
}

/// Removes the headers that describe one hop (RFC 9110 §7.6.1), those a `Connection` header
/// names included, and the proxy's own. An upgrade keeps `Upgrade` and `Connection: upgrade`.
pub fn strip_hop_by_hop(headers: &mut HeaderMap, keep_upgrade: bool) {
    let upgrade = keep_upgrade
        .then(|| headers.get(header::UPGRADE).cloned())
        .flatten();
    let named: Vec<HeaderName> = connection_tokens(headers)
        .filter_map(|t| HeaderName::from_bytes(t.as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ] {
        headers.remove(name);
    }
    headers.remove("proxy-connection");
    headers.remove("keep-alive");
    if let Some(upgrade) = upgrade {
        headers.insert(header::UPGRADE, upgrade);
        headers.insert(
            header::CONNECTION,
            header::HeaderValue::from_static("upgrade"),
        );
    }
}

fn connection_tokens(headers: &HeaderMap) -> impl Iterator<Item = String> + '_ {
    headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(method: &str, uri: &str) -> Result<Target, BadRequest> {
        parse_target(&method.parse().unwrap(), &uri.parse().unwrap())
    }

    #[test]
    fn tunnels_and_absolute_urls_are_read_with_canonical_hosts() {
        let Ok(Target::Tunnel(endpoint)) = target("CONNECT", "0x7f.1:443") else {
            panic!("a tunnel");
        };
        assert_eq!(endpoint.to_string(), "127.0.0.1:443");
        let Ok(Target::Forward {
            url,
            endpoint,
            path_and_query,
        }) = target("GET", "http://2130706433:8080/a%20b?x=1")
        else {
            panic!("a forward");
        };
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/a%20b?x=1");
        assert_eq!(endpoint.to_string(), "http://127.0.0.1:8080");
        assert_eq!(path_and_query, "/a%20b?x=1");
        let Ok(Target::Forward { path_and_query, .. }) = target("GET", "http://example.com") else {
            panic!("a forward");
        };
        assert_eq!(path_and_query, "/");
    }

    #[test]
    fn what_is_not_a_proxy_request_is_refused_with_a_reason() {
        assert_eq!(target("GET", "/index.html"), Err(BadRequest::NotProxied));
        assert_eq!(
            target("GET", "https://example.com/"),
            Err(BadRequest::Scheme("https".into()))
        );
        assert!(matches!(
            target("CONNECT", "example.com"),
            Err(BadRequest::Authority(_))
        ));
        assert!(matches!(
            target("GET", "http://user:pw@example.com/"),
            Err(BadRequest::Url(_))
        ));
    }

    #[test]
    fn hop_by_hop_headers_are_dropped() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("connection", "keep-alive, x-secret"),
            ("x-secret", "1"),
            ("proxy-connection", "keep-alive"),
            ("proxy-authorization", "Basic eA=="),
            ("keep-alive", "timeout=5"),
            ("upgrade", "websocket"),
            ("accept", "*/*"),
        ] {
            headers.append(
                HeaderName::from_static(name),
                header::HeaderValue::from_static(value),
            );
        }
        let mut plain = headers.clone();
        strip_hop_by_hop(&mut plain, false);
        assert_eq!(plain.keys().collect::<Vec<_>>(), ["accept"]);
        headers.append(header::CONNECTION, "upgrade".parse().unwrap());
        assert!(is_upgrade(&headers));
        strip_hop_by_hop(&mut headers, true);
        assert_eq!(headers[header::CONNECTION], "upgrade");
        assert_eq!(headers[header::UPGRADE], "websocket");
        assert!(!headers.contains_key("x-secret"));
    }
}
