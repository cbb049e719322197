//! Beside the browser: parse the URL, request it once through the scrape's policy proxy (which
//! applies the URL policy to every address and redirect hop), and turn network failures into
//! errors that say what happened.
//!
//! The browser does not tell us much about why a navigation failed, so one plain HTTP request
//! goes alongside it; what the proxy journalled explains a request that got no answer.

use std::time::Duration;

use replica_core::{PolicyViolation, ScrapeError, UrlPolicy};
use url::Url;

use crate::policing::ScrapeProxy;

/// What the plain request learnt.
#[derive(Debug, Clone)]
pub(crate) struct Preflight {
    pub final_url: String,
    pub status: u16,
    pub content_type: String,
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

#[derive(Debug)]
struct Refused(PolicyViolation);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refused {}

/// An HTTP client whose every request and redirect goes through the scrape's policy proxy,
/// which resolves names and checks every address.
pub(crate) fn policy_client(
    policy: &UrlPolicy,
    timeout: Duration,
    proxy: &ScrapeProxy,
) -> Result<reqwest::Client, ScrapeError> {
    let redirect_policy = policy.clone();
    let client_error = |e: reqwest::Error| ScrapeError::Connection {
        url: String::new(),
        message: e.to_string(),
    };
    reqwest::Client::builder()
        .user_agent(crate::DESKTOP_USER_AGENT)
        .proxy(reqwest::Proxy::all(proxy.url()).map_err(client_error)?)
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("more than 10 redirects");
            }
            // The proxy would refuse the hop too; refusing it here names the violation at once.
            match redirect_policy.check_url(attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(violation) => attempt.error(Refused(violation)),
            }
        }))
        .build()
        .map_err(client_error)
}

pub(crate) async fn preflight(
    url: &Url,
    policy: &UrlPolicy,
    timeout: Duration,
    proxy: &ScrapeProxy,
) -> Result<Preflight, ScrapeError> {
    policy
        .check_url(url)
        .map_err(|violation| ScrapeError::Refused {
            url: url.to_string(),
            violation,
        })?;
    let client = policy_client(policy, timeout, proxy)?;
    let response = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| classify(url.as_str(), &e, timeout, proxy))?;
    if is_proxy_answer(response.headers())
        && let Some(error) = proxy.explain(response.url().as_str())
    {
        return Err(error);
    }
    let status = response.status().as_u16();
    let final_url = response.url().to_string();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Ok(Preflight {
        final_url,
        status,
        content_type,
    })
}

/// Whether the proxy answered itself (it could not reach the server), not the server.
pub(crate) fn is_proxy_answer(headers: &reqwest::header::HeaderMap) -> bool {
    headers
        .get(replica_proxy::PROXY_STATUS)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("replica;"))
}

/// Turns a reqwest failure into the error a user can act on: the redirect hook's refusal, or
/// what the proxy journalled about the request it did not carry out.
fn classify(
    url: &str,
    error: &reqwest::Error,
    timeout: Duration,
    proxy: &ScrapeProxy,
) -> ScrapeError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(Refused(violation)) = current.downcast_ref::<Refused>() {
            return ScrapeError::Refused {
                url: url.to_string(),
                violation: violation.clone(),
            };
        }
        source = current.source();
    }
    // The preflight runs before the browsers load anything, so the proxy's latest failure is
    // its own (reqwest names the first URL, not the redirect hop that failed).
    let failing = error.url().map_or(url, Url::as_str);
    if let Some(explained) = proxy.explain(failing).or_else(|| proxy.explain_latest()) {
        return explained;
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
