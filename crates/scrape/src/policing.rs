//! Every request of a scrape goes through a policy proxy of its own (`replica-proxy`): the
//! preflight, the cross-origin stylesheet fetches, and both browsers, whose every subresource,
//! frame, `fetch`, WebSocket and redirect hop the proxy resolves and checks. One proxy per
//! scrape gives each scrape its policy (a preview admits its own origin) and its own list of
//! what was refused.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use replica_core::{ScrapeError, UrlPolicy};
use replica_proxy::{BlockReason, Blocked, Listening, Network, Proxy, ProxyConfig};

/// Refused requests listed one by one in the warnings; the rest are counted.
const LISTED_REFUSALS: usize = 20;

#[derive(Debug)]
pub(crate) struct ScrapeProxy {
    proxy: Proxy,
    listening: Listening,
}

impl ScrapeProxy {
    /// Listens on a free port of `ip` (loopback unless a remote browser needs another address).
    pub(crate) async fn start(
        policy: &UrlPolicy,
        ip: IpAddr,
        network: Arc<dyn Network>,
    ) -> Result<ScrapeProxy, ScrapeError> {
        let proxy = Proxy::new(ProxyConfig {
            policy: policy.clone(),
            network,
        });
        let listening = proxy
            .listen(SocketAddr::new(ip, 0))
            .await
            .map_err(|error| ScrapeError::BrowserStart {
                message: error.to_string(),
            })?;
        Ok(ScrapeProxy { proxy, listening })
    }

    /// `http://ip:port`, for HTTP clients.
    pub(crate) fn url(&self) -> String {
        self.listening.url()
    }

    /// Chromium's switches: everything through the proxy, loopback included (Chromium sends
    /// loopback and link-local traffic around any proxy unless told `<-loopback>`).
    pub(crate) fn chromium_args(&self) -> Vec<String> {
        vec![
            format!("--proxy-server={}", self.url()),
            "--proxy-bypass-list=<-loopback>".to_string(),
        ]
    }

    /// The next page's refusals and failures are its own.
    pub(crate) fn forget(&self) {
        self.proxy.forget();
    }

    /// One warning per refused URL (the first [`LISTED_REFUSALS`]), then a count of the rest.
    /// Both devices load the page, so most URLs are refused twice; they are listed once.
    pub(crate) fn warnings(&self) -> Vec<String> {
        let (refused, total) = self.proxy.refusals();
        let mut warnings: Vec<String> = refused
            .iter()
            .take(LISTED_REFUSALS)
            .filter_map(|blocked| match &blocked.reason {
                BlockReason::Refused(violation) => Some(format!(
                    "the URL policy refused a request of the page: {} ({violation})",
                    blocked.target
                )),
                _ => None,
            })
            .collect();
        if refused.len() > LISTED_REFUSALS {
            warnings.push(format!(
                "the URL policy refused {}{} more URLs of the page ({total} requests in all)",
                if refused.len() == replica_proxy::MAX_REFUSALS {
                    "at least "
                } else {
                    ""
                },
                refused.len() - LISTED_REFUSALS,
            ));
        }
        warnings
    }

    /// The typed error for a request to `url` that the proxy did not carry out, if it did not.
    pub(crate) fn explain(&self, url: &str) -> Option<ScrapeError> {
        let endpoint = url::Url::parse(url)
            .ok()
            .and_then(|u| replica_core::Endpoint::of(&u))?;
        let blocked = self.proxy.last_failure(&endpoint.host, endpoint.port)?;
        Some(to_error(blocked))
    }

    /// The typed error for the latest request the proxy did not carry out, wherever it went:
    /// for a client that followed redirects and does not know which hop failed.
    pub(crate) fn explain_latest(&self) -> Option<ScrapeError> {
        self.proxy.latest_failure().map(to_error)
    }
}

fn to_error(blocked: Blocked) -> ScrapeError {
    match blocked.reason {
        BlockReason::Refused(violation) => ScrapeError::Refused {
            url: blocked.target,
            violation,
        },
        BlockReason::Dns(message) => ScrapeError::Dns {
            host: blocked.endpoint.host,
            message,
        },
        BlockReason::Connect {
            kind: std::io::ErrorKind::ConnectionRefused,
            ..
        } => ScrapeError::ConnectionRefused {
            url: blocked.target,
        },
        BlockReason::Connect { message, .. } => ScrapeError::Connection {
            url: blocked.target,
            message,
        },
        BlockReason::Timeout => ScrapeError::Connection {
            url: blocked.target,
            message: "connecting timed out".into(),
        },
    }
}
