//! Before the browser: parse the URL, resolve it, apply the URL policy to every address and every
//! redirect, and turn network failures into errors that say what happened.
//!
//! The browser does not tell us much about why a navigation failed, so one plain HTTP request
//! goes first; it also learns the addresses the browser is then pinned to.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use replica_core::{PolicyViolation, ScrapeError, UrlPolicy};
use url::Url;

/// What the plain request learnt.
#[derive(Debug, Clone)]
pub(crate) struct Preflight {
    pub final_url: String,
    pub status: u16,
    pub content_type: String,
    /// Host name -> addresses it resolved to (and was checked against the policy).
    pub resolved: BTreeMap<String, Vec<IpAddr>>,
}

/// Parses `input` as an absolute http(s) URL.
pub(crate) fn parse_url(input: &str) -> Result<Url, ScrapeError> {
    let url = Url::parse(input.trim()).map_err(|e| ScrapeError::InvalidUrl {
        url: input.to_string(),
        reason: match e {
            url::ParseError::RelativeUrlWithoutBase => {
                "it is not absolute (add http:// or https://)".to_string()
            }
            other => other.to_string(),
        },
    })?;
    match url.scheme() {
        "http" | "https" => {}
        scheme => {
            return Err(ScrapeError::UnsupportedScheme {
                url: input.to_string(),
                scheme: scheme.to_string(),
            });
        }
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(ScrapeError::InvalidUrl {
            url: input.to_string(),
            reason: "it has no host".into(),
        });
    }
    Ok(url)
}

/// Host name -> the addresses it resolved to, shared between a client and its resolver.
type ResolvedHosts = Arc<Mutex<BTreeMap<String, Vec<IpAddr>>>>;

/// A resolver that checks every address against the policy before anything connects to it, so
/// redirects to private addresses are caught too.
#[derive(Debug, Clone)]
struct PolicyResolver {
    policy: UrlPolicy,
    resolved: ResolvedHosts,
}

#[derive(Debug)]
struct Refused(PolicyViolation);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refused {}

#[derive(Debug)]
struct DnsFailure {
    host: String,
    message: String,
}

impl std::fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "could not resolve {}: {}", self.host, self.message)
    }
}

impl std::error::Error for DnsFailure {}

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let this = self.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> {
                    Box::new(DnsFailure {
                        host: host.clone(),
                        message: e.to_string(),
                    })
                })?
                .collect();
            for addr in &addrs {
                this.policy.check_addr(&host, addr.ip()).map_err(
                    |v| -> Box<dyn std::error::Error + Send + Sync> { Box::new(Refused(v)) },
                )?;
            }
            if let Ok(mut resolved) = this.resolved.lock() {
                resolved.insert(host, addrs.iter().map(SocketAddr::ip).collect());
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An HTTP client that enforces `policy` on every connection and redirect.
pub(crate) fn policy_client(
    policy: &UrlPolicy,
    timeout: Duration,
) -> Result<(reqwest::Client, ResolvedHosts), ScrapeError> {
    let resolved = Arc::new(Mutex::new(BTreeMap::new()));
    let resolver = PolicyResolver {
        policy: policy.clone(),
        resolved: Arc::clone(&resolved),
    };
    let redirect_policy = policy.clone();
    let client = reqwest::Client::builder()
        .user_agent(crate::DESKTOP_USER_AGENT)
        .dns_resolver(Arc::new(resolver))
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("more than 10 redirects");
            }
            // Hosts that are IP literals never reach the resolver: check them here.
            match redirect_policy.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(violation) => attempt.error(Refused(violation)),
            }
        }))
        .build()
        .map_err(|e| ScrapeError::Connection {
            url: String::new(),
            message: e.to_string(),
        })?;
    Ok((client, resolved))
}

pub(crate) async fn preflight(
    url: &Url,
    policy: &UrlPolicy,
    timeout: Duration,
) -> Result<Preflight, ScrapeError> {
    policy
        .check_url(url)
        .map_err(|violation| ScrapeError::Refused {
            url: url.to_string(),
            violation,
        })?;
    let (client, resolved) = policy_client(policy, timeout)?;
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| classify(url.as_str(), &e, timeout))?;
    let status = response.status().as_u16();
    let final_url = response.url().to_string();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    drop(response);
    let resolved = resolved.lock().map(|r| r.clone()).unwrap_or_default();
    Ok(Preflight {
        final_url,
        status,
        content_type,
        resolved,
    })
}

/// Turns a reqwest failure into the error a user can act on.
pub(crate) fn classify(url: &str, error: &reqwest::Error, timeout: Duration) -> ScrapeError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(Refused(violation)) = current.downcast_ref::<Refused>() {
            return ScrapeError::Refused {
                url: url.to_string(),
                violation: violation.clone(),
            };
        }
        if let Some(dns) = current.downcast_ref::<DnsFailure>() {
            return ScrapeError::Dns {
                host: dns.host.clone(),
                message: dns.message.clone(),
            };
        }
        if let Some(io) = current.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return ScrapeError::ConnectionRefused {
                url: url.to_string(),
            };
        }
        source = current.source();
    }
    if error.is_timeout() {
        return ScrapeError::LoadTimeout {
            url: url.to_string(),
            timeout,
        };
    }
    ScrapeError::Connection {
        url: url.to_string(),
        message: error_chain(error),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(current) = source {
        let text = current.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = current.source();
    }
    message
}

/// Whether a Content-Type names a document the browser renders as a web page.
pub(crate) fn is_html(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.is_empty() || mime == "text/html" || mime == "application/xhtml+xml"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_validated_with_reasons() {
        let err = parse_url("example.com").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid URL \"example.com\": it is not absolute (add http:// or https://)"
        );
        let err = parse_url("ftp://example.com/").unwrap_err();
        assert!(
            matches!(err, ScrapeError::UnsupportedScheme { ref scheme, .. } if scheme == "ftp")
        );
        assert!(matches!(
            parse_url("http://"),
            Err(ScrapeError::InvalidUrl { .. })
        ));
        assert!(matches!(
            parse_url("file:///etc/passwd"),
            Err(ScrapeError::UnsupportedScheme { .. })
        ));
        assert!(parse_url(" https://example.com/a ").is_ok());
    }

    #[test]
    fn html_content_types() {
        assert!(is_html("text/html; charset=utf-8"));
        assert!(is_html("application/xhtml+xml"));
        assert!(is_html(""));
        assert!(!is_html("application/json"));
        assert!(!is_html("image/png"));
    }
}
