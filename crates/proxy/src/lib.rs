//! A policy-enforcing HTTP forward proxy for the browsers Replica drives (DESIGN.md §7).
//!
//! Chromium is pointed at it with `--proxy-server` and `--proxy-bypass-list=<-loopback>`, so
//! every request a page makes (subresources, iframes, `fetch`, WebSockets, each redirect hop)
//! arrives here as `GET http://...` or `CONNECT host:port`. The proxy, not the browser,
//! resolves the name; the [`UrlPolicy`] judges the URL and then every address, and only a
//! checked address is connected to, so a second DNS answer (rebinding) has nothing to change.
//! What it refuses fails in the browser as a network error and is kept in [`Proxy::refusals`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), replica_proxy::ProxyError> {
//! use replica_core::UrlPolicy;
//! use replica_proxy::{Proxy, ProxyConfig};
//! let proxy = Proxy::new(ProxyConfig::new(UrlPolicy::public_only()));
//! let listening = proxy.listen("127.0.0.1:0".parse().unwrap()).await?;
//! // chromium --proxy-server=http://{listening.addr()} --proxy-bypass-list=<-loopback>
//! for refused in proxy.refusals().0 {
//!     eprintln!("{refused}");
//! }
//! # Ok(()) }
//! ```

mod journal;
mod network;
mod serve;
pub mod target;

use std::net::SocketAddr;
use std::sync::{Arc, PoisonError};

use replica_core::UrlPolicy;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use journal::{BlockReason, Blocked, MAX_REFUSALS};
pub use network::{Network, SystemNetwork, Upstream};
pub use serve::PROXY_STATUS;

use crate::serve::Shared;

/// How a proxy judges and reaches what it is asked for.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub policy: UrlPolicy,
    /// Name resolution and connections; [`SystemNetwork`] unless a test maps names elsewhere.
    pub network: Arc<dyn Network>,
}

impl ProxyConfig {
    /// `policy` over the machine's own resolver and sockets.
    pub fn new(policy: UrlPolicy) -> ProxyConfig {
        ProxyConfig {
            policy,
            network: Arc::new(SystemNetwork),
        }
    }
}

/// Why a proxy could not start.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("the URL policy proxy could not listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The policy, the resolver cache and the journal of one proxy; cheap to clone.
///
/// Everything its connections started (tunnels, upstream connections) stops when the last
/// clone is dropped.
#[derive(Debug, Clone)]
pub struct Proxy {
    shared: Arc<Shared>,
    _closer: Arc<Closer>,
}

#[derive(Debug)]
struct Closer(watch::Sender<bool>);

impl Drop for Closer {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

impl Proxy {
    pub fn new(config: ProxyConfig) -> Proxy {
        let (closer, closed) = watch::channel(false);
        Proxy {
            shared: Arc::new(Shared::new(config.policy, config.network, closed)),
            _closer: Arc::new(Closer(closer)),
        }
    }

    /// Accepts connections on `addr` (port 0: a free one) until the returned handle drops.
    pub async fn listen(&self, addr: SocketAddr) -> Result<Listening, ProxyError> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ProxyError::Listen { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ProxyError::Listen { addr, source })?;
        let proxy = self.clone();
        let task = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                // In the JoinSet, so stopping the listener stops its connections too.
                connections.spawn(proxy.clone().serve_connection(stream));
                while connections.try_join_next().is_some() {}
            }
        });
        Ok(Listening { addr, task })
    }

    /// Serves one client connection (any byte stream) until it closes.
    pub async fn serve_connection<IO>(self, io: IO)
    where
        IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        serve::serve_connection(Arc::clone(&self.shared), io).await;
    }

    /// Starts the record of refusals and failures afresh: a client that loads one page after
    /// another through the same proxy reports each page's own.
    pub fn forget(&self) {
        self.journal().forget();
    }

    /// Requests the policy refused, one per distinct URL (or tunnel target) in the order they
    /// came, at most 200; and how many refusals there were in all, repeats included.
    pub fn refusals(&self) -> (Vec<Blocked>, usize) {
        self.journal().refusals()
    }

    /// Why the latest request to `host:port` that was not carried out was not: what a client
    /// that got no answer (or the proxy's own error answer) wants to know.
    pub fn last_failure(&self, host: &str, port: u16) -> Option<Blocked> {
        self.journal().last_failure(host, port)
    }

    /// The latest request that was not carried out, wherever it went (a client that followed
    /// redirects may not know which hop failed).
    pub fn latest_failure(&self) -> Option<Blocked> {
        self.journal().latest_failure()
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, journal::Journal> {
        self.shared
            .journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// A proxy accepting connections; stops accepting (and drops its connections) when dropped.
#[derive(Debug)]
pub struct Listening {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Listening {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://addr`, what `--proxy-server` and HTTP clients are given.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.task.abort();
    }
}
