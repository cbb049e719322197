//! Where names and addresses lead: the system's resolver and sockets, or a stand-in (tests,
//! fuzzing) that maps names and addresses elsewhere without touching the network.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use replica_core::BoxFuture;
use tokio::io::{AsyncRead, AsyncWrite};

/// A byte stream to an upstream server.
pub trait Upstream: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Upstream for T {}

/// Name resolution and connections, as the proxy uses them. The proxy applies the policy to
/// what `resolve` answers and connects only to addresses it checked, so an implementation
/// never needs to police anything itself.
pub trait Network: Send + Sync + std::fmt::Debug {
    /// The addresses of `host` (a DNS name, never an address literal).
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>>;

    /// A connection to `addr`.
    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<Box<dyn Upstream>>>;
}

/// The machine's resolver (getaddrinfo) and TCP.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemNetwork;

impl Network for SystemNetwork {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((host, 0)).await?;
            Ok(addrs.map(|addr| addr.ip()).collect())
        })
    }

    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<Box<dyn Upstream>>> {
        Box::pin(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            // Requests and tunnelled TLS records are small writes that must not wait.
            stream.set_nodelay(true)?;
            Ok(Box::new(stream) as Box<dyn Upstream>)
        })
    }
}

/// How long a connection attempt to one address may take.
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
