//! The URL policy flags of `clone`, `scrape` and `serve` (DESIGN.md §7) and where the browser
//! reaches the policy proxy.

use std::net::IpAddr;

use anyhow::Context;
use replica_core::{AllowedOrigin, UrlPolicy};
use replica_scrape::BrowserConfig;

use crate::env::lookup;

#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Admit this private origin (scheme://host[:port]) where private addresses are refused:
    /// exactly that scheme, host and port, for the page and everything it loads. Repeatable;
    /// default: REPLICA_ALLOW_ORIGINS (comma-separated).
    #[arg(long = "allow-origin", value_name = "URL", value_delimiter = ',')]
    pub allow_origins: Vec<AllowedOrigin>,
    /// Address of this machine on which the browsers reach the URL policy proxy (default:
    /// REPLICA_PROXY_LISTEN, else 127.0.0.1). Needed when REPLICA_WEBDRIVER_URL runs the
    /// browsers on another host.
    #[arg(long, value_name = "IP")]
    pub proxy_listen: Option<IpAddr>,
}

impl PolicyArgs {
    /// The command line's policy: everything (the machine is the user's), or with
    /// `--deny-private` the server's, with the allowed origins.
    pub fn cli_policy(&self, deny_private: bool) -> anyhow::Result<UrlPolicy> {
        Ok(if deny_private {
            UrlPolicy::public_only().allow_origins(self.origins()?)
        } else {
            UrlPolicy::allow_all()
        })
    }

    /// The server's policy: public addresses and the allowed origins, or everything with
    /// `--allow-private`.
    pub fn server_policy(&self, allow_private: bool) -> anyhow::Result<UrlPolicy> {
        self.cli_policy(!allow_private)
    }

    /// Tells the browser configuration where the proxy listens.
    pub fn apply(&self, browser: &mut BrowserConfig) -> anyhow::Result<()> {
        set_proxy_listen(browser, self.proxy_listen)
    }

    /// The flags' origins, else those of REPLICA_ALLOW_ORIGINS (an empty variable is unset).
    pub fn origins(&self) -> anyhow::Result<Vec<AllowedOrigin>> {
        if !self.allow_origins.is_empty() {
            return Ok(self.allow_origins.clone());
        }
        let Some(value) = lookup("REPLICA_ALLOW_ORIGINS") else {
            return Ok(Vec::new());
        };
        value
            .split(',')
            .filter(|item| !item.trim().is_empty())
            .map(|item| item.parse().context("in REPLICA_ALLOW_ORIGINS"))
            .collect()
    }
}

/// `flag`, else REPLICA_PROXY_LISTEN, else loopback: where the browsers reach the proxy.
pub fn set_proxy_listen(browser: &mut BrowserConfig, flag: Option<IpAddr>) -> anyhow::Result<()> {
    browser.proxy_listen = match flag {
        Some(ip) => Some(ip),
        None => lookup("REPLICA_PROXY_LISTEN")
            .map(|value| {
                value
                    .parse()
                    .with_context(|| format!("REPLICA_PROXY_LISTEN={value:?} is not an IP address"))
            })
            .transpose()?,
    };
    Ok(())
}
