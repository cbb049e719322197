//! One client connection: each request is read by hyper, its target checked against the
//! policy, the host resolved by the proxy and every address checked, then forwarded (plain
//! HTTP) or tunnelled (CONNECT).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http::{Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use replica_core::{Endpoint, UrlPolicy};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use crate::journal::{BlockReason, Blocked, Journal};
use crate::network::{CONNECT_TIMEOUT, Network, Upstream};
use crate::target::{self, Target};

pub(crate) type Body = BoxBody<Bytes, hyper::Error>;

/// The header naming the proxy on its own error answers; its value starts with `replica`.
pub const PROXY_STATUS: &str = "proxy-status";

/// What every connection of one proxy shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub policy: UrlPolicy,
    pub network: Arc<dyn Network>,
    pub journal: Mutex<Journal>,
    /// Names resolved so far. A scrape is short, and one answer per name keeps every request
    /// of the page on the addresses that were checked (no second answer to rebind to).
    dns: Mutex<HashMap<String, Vec<IpAddr>>>,
    /// Flips to `true` when the proxy stops; tunnels and upstream connections end with it.
    closed: watch::Receiver<bool>,
}

impl Shared {
    pub(crate) fn new(
        policy: UrlPolicy,
        network: Arc<dyn Network>,
        closed: watch::Receiver<bool>,
    ) -> Shared {
        Shared {
            policy,
            network,
            journal: Mutex::new(Journal::default()),
            dns: Mutex::new(HashMap::new()),
            closed,
        }
    }

    fn record(&self, blocked: Blocked) {
        tracing::debug!("proxy: {blocked}");
        self.journal
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(blocked);
    }

    /// Runs `work` in the background until it ends or the proxy stops.
    fn spawn(&self, work: impl Future<Output = ()> + Send + 'static) {
        let mut closed = self.closed.clone();
        tokio::spawn(async move {
            tokio::select! {
                () = work => {}
                _ = closed.wait_for(|closed| *closed) => {}
            }
        });
    }
}

/// Serves one client connection until it closes.
pub(crate) async fn serve_connection<IO>(shared: Arc<Shared>, io: IO)
where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let service = hyper::service::service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { handle(shared, request).await }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        // Bounds how long a client may take to send a request head.
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    if let Err(error) = connection.await {
        tracing::trace!("proxy connection ended: {error}");
    }
}

/// Returned instead of a response to drop the connection unanswered: the browser then sees a
/// network error, as if nothing answered at that address.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request refused by the URL policy")
    }
}

impl std::error::Error for Dropped {}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    match target::parse_target(request.method(), request.uri()) {
        Ok(Target::Tunnel(endpoint)) => Ok(tunnel(shared, request, endpoint).await),
        Ok(Target::Forward {
            url,
            endpoint,
            path_and_query,
        }) => forward(shared, request, url.as_str(), endpoint, &path_and_query).await,
        Err(bad) => Ok(text(StatusCode::BAD_REQUEST, bad.to_string())),
    }
}

/// `CONNECT host:port`: 200 and bytes both ways, or 403 (policy) / 502 / 504, which the
/// browser reports as a failed tunnel without showing the answer.
async fn tunnel(
    shared: Arc<Shared>,
    request: Request<Incoming>,
    endpoint: Endpoint,
) -> Response<Body> {
    let target = endpoint.to_string();
    let upstream = match open(&shared, &target, &endpoint).await {
        Ok((upstream, _)) => upstream,
        Err(reason) => return failure_response(&reason, &target),
    };
    shared.spawn(async move {
        let mut upstream = upstream;
        match hyper::upgrade::on(request).await {
            Ok(upgraded) => {
                let mut client = TokioIo::new(upgraded);
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            }
            Err(error) => tracing::debug!("proxy: tunnel to {target} not upgraded: {error}"),
        }
    });
    Response::new(empty())
}

/// An absolute `http://` request: sent upstream in origin form on a connection of its own,
/// the answer streamed back. A refused navigation is answered `204 No Content`, which leaves
/// the frame on the page it showed; any other refused request gets no answer at all.
async fn forward(
    shared: Arc<Shared>,
    mut request: Request<Incoming>,
    url: &str,
    endpoint: Endpoint,
    path_and_query: &str,
) -> Result<Response<Body>, Dropped> {
    let (upstream, addr) = match open(&shared, url, &endpoint).await {
        Ok(opened) => opened,
        Err(BlockReason::Refused(_)) if target::is_navigation(request.headers()) => {
            return Ok(Response::builder()
                .status(StatusCode::NO_CONTENT)
                .body(empty())
                .unwrap_or_default());
        }
        Err(BlockReason::Refused(_)) => return Err(Dropped),
        Err(reason) => return Ok(failure_response(&reason, url)),
    };
    let upgrade = target::is_upgrade(request.headers());
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut request));
    let (mut parts, body) = request.into_parts();
    target::strip_hop_by_hop(&mut parts.headers, upgrade);
    if addr.ip().is_loopback() {
        // A server on this machine (a local preview's `next dev`, a fixture server) would
        // compress for a hop that costs nothing: `next dev` gzips its 6 MB development bundle
        // on every request, about 0.2 s of CPU the browsers beside it need.
        parts.headers.remove(header::ACCEPT_ENCODING);
    }
    let host = match endpoint.port {
        80 => endpoint.url_host(),
        port => format!("{}:{port}", endpoint.url_host()),
    };
    if let Ok(value) = header::HeaderValue::from_str(&host) {
        parts.headers.insert(header::HOST, value);
    }
    parts.version = http::Version::HTTP_11;
    parts.uri = match path_and_query.parse() {
        Ok(uri) => uri,
        Err(_) => return Ok(text(StatusCode::BAD_REQUEST, "bad request target".into())),
    };
    let outgoing = Request::from_parts(parts, body);
    let (mut sender, connection) =
        match hyper::client::conn::http1::handshake(TokioIo::new(upstream)).await {
            Ok(pair) => pair,
            Err(error) => return Ok(text(StatusCode::BAD_GATEWAY, error.to_string())),
        };
    shared.spawn(async move {
        if let Err(error) = connection.with_upgrades().await {
            tracing::trace!("proxy: upstream connection ended: {error}");
        }
    });
    let mut response = match sender.send_request(outgoing).await {
        Ok(response) => response,
        Err(error) => {
            return Ok(text(
                StatusCode::BAD_GATEWAY,
                format!("{url}: the server's answer was cut off: {error}"),
            ));
        }
    };
    if response.status() == StatusCode::SWITCHING_PROTOCOLS
        && let Some(client_upgrade) = client_upgrade
    {
        let server_upgrade = hyper::upgrade::on(&mut response);
        shared.spawn(async move {
            if let (Ok(client), Ok(server)) = tokio::join!(client_upgrade, server_upgrade) {
                let (mut client, mut server) = (TokioIo::new(client), TokioIo::new(server));
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        });
        let (mut parts, _) = response.into_parts();
        let kept = parts.headers.get(header::UPGRADE).cloned();
        target::strip_hop_by_hop(&mut parts.headers, false);
        if let Some(kept) = kept {
            parts.headers.insert(header::UPGRADE, kept);
            parts.headers.insert(
                header::CONNECTION,
                header::HeaderValue::from_static("upgrade"),
            );
        }
        return Ok(Response::from_parts(parts, empty()));
    }
    let (mut parts, body) = response.into_parts();
    target::strip_hop_by_hop(&mut parts.headers, false);
    Ok(Response::from_parts(parts, body.boxed()))
}

/// The policy before DNS, then the proxy's own resolution, the policy on every address, and a
/// connection to the first checked address that answers, and that address. What stops it is
/// journalled.
async fn open(
    shared: &Shared,
    target: &str,
    endpoint: &Endpoint,
) -> Result<(Box<dyn Upstream>, SocketAddr), BlockReason> {
    let result = open_checked(shared, endpoint).await;
    if let Err(reason) = &result {
        shared.record(Blocked {
            target: target.to_string(),
            endpoint: endpoint.clone(),
            reason: reason.clone(),
        });
    }
    result
}

async fn open_checked(
    shared: &Shared,
    endpoint: &Endpoint,
) -> Result<(Box<dyn Upstream>, SocketAddr), BlockReason> {
    shared
        .policy
        .check_endpoint(endpoint)
        .map_err(BlockReason::Refused)?;
    let addrs = match endpoint.ip() {
        Some(ip) => vec![ip],
        None => resolve(shared, &endpoint.host).await?,
    };
    // Every address must pass, not only the one used: a name that answers both public and
    // private addresses is someone's trick.
    for addr in &addrs {
        shared
            .policy
            .check_endpoint_addr(endpoint, *addr)
            .map_err(BlockReason::Refused)?;
    }
    let mut last = BlockReason::Dns("no address".into());
    for addr in addrs {
        let addr = SocketAddr::new(addr, endpoint.port);
        let attempt = tokio::time::timeout(CONNECT_TIMEOUT, shared.network.connect(addr)).await;
        match attempt {
            Ok(Ok(upstream)) => return Ok((upstream, addr)),
            Ok(Err(error)) => {
                last = BlockReason::Connect {
                    kind: error.kind(),
                    message: format!("{addr}: {error}"),
                }
            }
            Err(_) => last = BlockReason::Timeout,
        }
    }
    Err(last)
}

async fn resolve(shared: &Shared, host: &str) -> Result<Vec<IpAddr>, BlockReason> {
    // `localhost` names are loopback without asking DNS (RFC 6761), as browsers resolve them;
    // the system resolver here does not know `app.localhost`.
    if host == "localhost" || host.ends_with(".localhost") {
        return Ok(vec![
            IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ]);
    }
    let cached = shared
        .dns
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(host)
        .cloned();
    if let Some(addrs) = cached {
        return Ok(addrs);
    }
    let addrs = shared
        .network
        .resolve(host)
        .await
        .map_err(|error| BlockReason::Dns(error.to_string()))?;
    if addrs.is_empty() {
        return Err(BlockReason::Dns("no addresses".into()));
    }
    // A concurrent lookup may have answered first: keep its answer, so one name has one.
    let mut dns = shared.dns.lock().unwrap_or_else(PoisonError::into_inner);
    Ok(dns.entry(host.to_string()).or_insert(addrs).clone())
}

fn failure_response(reason: &BlockReason, target: &str) -> Response<Body> {
    // Proxy-Status (RFC 9209) tells a client that the proxy answered, not the server.
    let (status, proxy_status, message) = match reason {
        BlockReason::Refused(violation) => (
            StatusCode::FORBIDDEN,
            "replica; error=destination_ip_prohibited",
            violation.to_string(),
        ),
        BlockReason::Dns(message) => (
            StatusCode::BAD_GATEWAY,
            "replica; error=dns_error",
            format!("could not resolve: {message}"),
        ),
        BlockReason::Connect { message, .. } => (
            StatusCode::BAD_GATEWAY,
            "replica; error=connection_refused",
            format!("could not connect: {message}"),
        ),
        BlockReason::Timeout => (
            StatusCode::GATEWAY_TIMEOUT,
            "replica; error=connection_timeout",
            "connecting timed out".into(),
        ),
    };
    let mut response = text(status, format!("{target}: {message}"));
    response
        .headers_mut()
        .insert(PROXY_STATUS, header::HeaderValue::from_static(proxy_status));
    response
}

fn text(status: StatusCode, message: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(
            Full::new(Bytes::from(message))
                .map_err(|never: Infallible| match never {})
                .boxed(),
        )
        .unwrap_or_default()
}

fn empty() -> Body {
    Full::new(Bytes::new())
        .map_err(|never: Infallible| match never {})
        .boxed()
}
