//! The reverse proxy behind the preview hosts (preview.rs): every request whose `Host` is a
//! preview's goes to that clone's `next dev`, streaming both ways; a WebSocket upgrade (Next's
//! hot reload, `/_next/webpack-hmr`) becomes a tunnel. `Host` is kept (Next builds absolute
//! URLs from it) and `X-Forwarded-For/-Host/-Proto` say where the request came from.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use replica_core::Sandbox;
use replica_pipeline::CloneId;

use super::Server;
use super::clones::Upstream;
use super::preview::{PreviewHost, PreviewTokens, escape, page};

/// How long `next dev` may take to start answering (the first request of a route compiles it).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// How long after a failed replacement a request may try again.
const RETRY_REPLACING: Duration = Duration::from_secs(30);

/// The preview side of the server.
pub struct Previews {
    pub host: PreviewHost,
    pub tokens: Arc<PreviewTokens>,
    client: Client<HttpConnector, Body>,
}

impl std::fmt::Debug for Previews {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Previews")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl Previews {
    pub fn new(host: PreviewHost, tokens: Arc<PreviewTokens>) -> Previews {
        let mut connector = HttpConnector::new();
        // Small requests one after another: Nagle's delay would be most of their time.
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Previews {
            host,
            tokens,
            client,
        }
    }
}

/// The outermost layer: requests for a preview host are proxied, all others go to the API.
pub async fn route_previews(
    State(server): State<Arc<Server>>,
    request: Request,
    next: Next,
) -> Response {
    let label = server.previews.as_ref().and_then(|previews| {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .or_else(|| request.uri().host())?;
        previews.host.label(host).map(str::to_string)
    });
    match label {
        Some(label) => proxy(&server, &label, request).await,
        None => next.run(request).await,
    }
}

async fn proxy(server: &Arc<Server>, label: &str, request: Request) -> Response {
    let Some(previews) = &server.previews else {
        return nowhere();
    };
    let Some(id) = previews.tokens.clone_of(label) else {
        return nowhere();
    };
    let Some(route) = server.registry.route(&id) else {
        return not_live(server, &id).await;
    };
    server.registry.touch_preview(&id);
    let base = match route.upstream {
        Upstream::Live(base) => base,
        Upstream::Replacing => return restarting(),
        Upstream::Failed { message, .. } => {
            if server.registry.begin_replacing(&id, RETRY_REPLACING) {
                tokio::spawn(revive(Arc::clone(server), id));
                return restarting();
            }
            return page(
                StatusCode::BAD_GATEWAY,
                "Preview unavailable",
                &format!(
                    "The dev server of clone <code>{id}</code> stopped and could not be \
                     restarted: {}",
                    escape(&message)
                ),
                false,
            );
        }
    };
    let forwarded = Forwarded::of(&request, previews.host.scheme());
    let result = if is_upgrade(request.headers()) {
        tunnel(&base, request, &forwarded).await
    } else {
        forward(&previews.client, &base, request, &forwarded).await
    };
    match result {
        Ok(response) => response,
        Err(ProxyError::Timeout) => page(
            StatusCode::GATEWAY_TIMEOUT,
            "Preview not answering",
            &format!(
                "The dev server of clone <code>{id}</code> did not answer within {} s.",
                ANSWER_TIMEOUT.as_secs()
            ),
            false,
        ),
        Err(ProxyError::Upstream(error)) => {
            tracing::debug!("preview of clone {id}: {error}");
            if server.registry.begin_replacing(&id, RETRY_REPLACING) {
                tokio::spawn(revive(Arc::clone(server), id));
                return restarting();
            }
            page(
                StatusCode::BAD_GATEWAY,
                "Preview not answering",
                &format!(
                    "The dev server of clone <code>{id}</code> is not answering ({}). \
                     A clone that is still running may be restarting it; this page reloads \
                     itself.",
                    escape(&error)
                ),
                true,
            )
        }
    }
}

/// 404 for a host that names no clone this server knows (wrong token included).
fn nowhere() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "No preview here",
        "There is no preview at this address. Preview addresses change when the server \
         restarts; take the current one from the clone's record.",
        false,
    )
}

/// 404 for a clone without a running preview: deleted (or expired), or kept without one.
async fn not_live(server: &Server, id: &CloneId) -> Response {
    let store = server.deps.store.clone();
    let owned = id.clone();
    let stored = tokio::task::spawn_blocking(move || store.summary_of(&owned).is_ok())
        .await
        .unwrap_or(false);
    let message = if stored {
        format!(
            "Clone <code>{id}</code> has no running preview: it ended without one, or the \
             server was restarted since. Its files are still in the store."
        )
    } else {
        format!("Clone <code>{id}</code> was deleted or has expired.")
    };
    page(StatusCode::NOT_FOUND, "Preview not found", &message, false)
}

fn restarting() -> Response {
    page(
        StatusCode::BAD_GATEWAY,
        "Preview restarting",
        "The dev server of this preview stopped. Replica is starting a new one with the \
         clone's files; this page reloads itself in a few seconds.",
        true,
    )
}

enum ProxyError {
    /// The dev server refused the connection, reset it or answered garbage.
    Upstream(String),
    Timeout,
}

/// The `X-Forwarded-*` values of one request.
struct Forwarded {
    client: Option<SocketAddr>,
    host: Option<HeaderValue>,
    scheme: &'static str,
}

impl Forwarded {
    fn of(request: &Request, scheme: &'static str) -> Forwarded {
        Forwarded {
            client: request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0),
            host: request.headers().get(header::HOST).cloned(),
            scheme,
        }
    }

    fn apply(&self, headers: &mut HeaderMap) {
        if let Some(client) = self.client {
            let chain = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
                Some(earlier) => format!("{earlier}, {}", client.ip()),
                None => client.ip().to_string(),
            };
            if let Ok(value) = HeaderValue::from_str(&chain) {
                headers.insert("x-forwarded-for", value);
            }
        }
        if let Some(host) = &self.host {
            headers.insert("x-forwarded-host", host.clone());
        }
        headers.insert("x-forwarded-proto", HeaderValue::from_static(self.scheme));
    }
}

/// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus those the
/// `Connection` header names.
fn strip_hop_by_hop(headers: &mut HeaderMap) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in [
        header::CONNECTION,
        header::PROXY_AUTHENTICATE,
        header::PROXY_AUTHORIZATION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
        && headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .any(|token| token.trim().eq_ignore_ascii_case("upgrade"))
}

/// The request's path and query on the dev server at `base` (`http://127.0.0.1:PORT`).
fn upstream_uri(base: &str, uri: &Uri) -> Result<Uri, ProxyError> {
    let path = uri.path_and_query().map_or("/", |path| path.as_str());
    format!("{base}{path}")
        .parse()
        .map_err(|error: http::uri::InvalidUri| ProxyError::Upstream(error.to_string()))
}

/// A plain request: streamed to the dev server and back.
async fn forward(
    client: &Client<HttpConnector, Body>,
    base: &str,
    mut request: Request,
    forwarded: &Forwarded,
) -> Result<Response, ProxyError> {
    *request.uri_mut() = upstream_uri(base, request.uri())?;
    // The client's HTTP version is between it and us.
    *request.version_mut() = http::Version::HTTP_11;
    strip_hop_by_hop(request.headers_mut());
    forwarded.apply(request.headers_mut());
    let response = tokio::time::timeout(ANSWER_TIMEOUT, client.request(request))
        .await
        .map_err(|_| ProxyError::Timeout)?
        .map_err(|error| ProxyError::Upstream(error.to_string()))?;
    let (mut parts, body) = response.into_parts();
    strip_hop_by_hop(&mut parts.headers);
    relocate(&mut parts.headers, base, forwarded);
    Ok(Response::from_parts(parts, Body::new(body)))
}

/// A redirect to the dev server's own address becomes one to the preview host.
fn relocate(headers: &mut HeaderMap, base: &str, forwarded: &Forwarded) {
    let Some(host) = forwarded.host.as_ref().and_then(|host| host.to_str().ok()) else {
        return;
    };
    let Some(rest) = headers
        .get(header::LOCATION)
        .and_then(|location| location.to_str().ok())
        .and_then(|location| location.strip_prefix(base))
    else {
        return;
    };
    let location = format!("{}://{host}{rest}", forwarded.scheme);
    if let Ok(value) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, value);
    }
}

/// A WebSocket (or other) upgrade: the handshake goes to the dev server on a connection of its
/// own; once both sides switched protocols, bytes are copied both ways until either closes.
async fn tunnel(
    base: &str,
    mut request: Request,
    forwarded: &Forwarded,
) -> Result<Response, ProxyError> {
    let upstream = |error: &dyn std::fmt::Display| ProxyError::Upstream(error.to_string());
    let authority = base.strip_prefix("http://").unwrap_or(base).to_string();
    let client_side = hyper::upgrade::on(&mut request);
    let stream = tokio::time::timeout(ANSWER_TIMEOUT, tokio::net::TcpStream::connect(&authority))
        .await
        .map_err(|_| ProxyError::Timeout)?
        .map_err(|e| upstream(&e))?;
    let _ = stream.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| upstream(&e))?;
    tokio::spawn(async move {
        let _ = connection.with_upgrades().await;
    });
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |path| path.as_str())
        .parse::<Uri>()
        .map_err(|e| upstream(&e))?;
    let protocol = request.headers().get(header::UPGRADE).cloned();
    *request.uri_mut() = path;
    *request.version_mut() = http::Version::HTTP_11;
    strip_hop_by_hop(request.headers_mut());
    forwarded.apply(request.headers_mut());
    if let Some(protocol) = protocol {
        let headers = request.headers_mut();
        headers.insert(header::UPGRADE, protocol);
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    }
    let mut response = sender
        .send_request(request)
        .await
        .map_err(|e| upstream(&e))?;
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        let (parts, body) = response.into_parts();
        return Ok(Response::from_parts(parts, Body::new(body)));
    }
    let upstream_side = hyper::upgrade::on(&mut response);
    tokio::spawn(async move {
        let (Ok(client), Ok(upstream)) = tokio::join!(client_side, upstream_side) else {
            return;
        };
        let (mut client, mut upstream) = (TokioIo::new(client), TokioIo::new(upstream));
        // Ends when either side closes: the page navigates away, or the dev server stops
        // (DELETE, shutdown), which ends the tunnel with it.
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    });
    let (parts, _) = response.into_parts();
    Ok(Response::from_parts(parts, Body::empty()))
}

/// Replaces a kept preview whose dev server died (crashed, killed, or stopped by the idle
/// reaper) with a new sandbox from the pool holding the clone's stored files. The preview's
/// URL stays the same.
async fn revive(server: Arc<Server>, id: CloneId) {
    let Some(preview) = server.registry.preview(&id) else {
        return;
    };
    let mut slot = preview.lock().await;
    // DELETE or shutdown came first: nothing to revive.
    if server.registry.route(&id).is_none() {
        return;
    }
    if let Some(sandbox) = slot.as_ref()
        && still_alive(sandbox.as_ref()).await
    {
        let base = sandbox.preview_url().trim_end_matches('/').to_string();
        server.registry.set_upstream(&id, Upstream::Live(base));
        return;
    }
    if let Some(dead) = slot.take() {
        tracing::info!("the dev server of clone {id}'s preview stopped; replacing it");
        if let Err(error) = dead.destroy().await {
            tracing::debug!("destroying the dead preview of clone {id}: {error}");
        }
    }
    match new_sandbox(&server, &id).await {
        Ok(sandbox) => {
            let base = sandbox.preview_url().trim_end_matches('/').to_string();
            if server.registry.set_upstream(&id, Upstream::Live(base)) {
                *slot = Some(sandbox);
            } else if let Err(error) = sandbox.destroy().await {
                tracing::debug!("destroying the unneeded sandbox of clone {id}: {error}");
            }
        }
        Err(message) => {
            tracing::warn!("replacing the preview of clone {id}: {message}");
            let at = std::time::Instant::now();
            server
                .registry
                .set_upstream(&id, Upstream::Failed { message, at });
        }
    }
}

/// Whether the dev server answers, asked twice a second apart: one refused connection may be
/// a restart of its own (a changed next.config).
async fn still_alive(sandbox: &dyn Sandbox) -> bool {
    if sandbox.is_alive().await {
        return true;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    sandbox.is_alive().await
}

async fn new_sandbox(server: &Server, id: &CloneId) -> Result<Box<dyn Sandbox>, String> {
    let provider = server
        .deps
        .sandboxes
        .clone()
        .ok_or("this server runs no sandboxes")?;
    let store = server.deps.store.clone();
    let owned = id.clone();
    let record = tokio::task::spawn_blocking(move || store.get(&owned))
        .await
        .map_err(|error| error.to_string())?
        .map_err(|error| error.to_string())?;
    let sandbox = provider
        .provision()
        .await
        .map_err(|error| format!("no new sandbox: {error}"))?;
    if let Err(error) = sandbox.write_files(&record.files).await {
        let _ = sandbox.destroy().await;
        return Err(format!("writing the files: {error}"));
    }
    // Compiles the page now, so the reload that follows is quick.
    if let Err(error) = sandbox.fetch_preview("/").await {
        tracing::debug!("first request to clone {id}'s new preview: {error}");
    }
    Ok(sandbox)
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A dev server stand-in: answers one request with `reply` and hands back the request head.
    async fn one_request(
        reply: impl Fn(&str) -> String + Send + 'static,
    ) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let answer = reply(&base);
        let served = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") {
                socket.read_exact(&mut byte).await.unwrap();
                head.push(byte[0]);
            }
            socket.write_all(answer.as_bytes()).await.unwrap();
            String::from_utf8(head).unwrap().to_ascii_lowercase()
        });
        (base, served)
    }

    #[tokio::test]
    async fn a_request_keeps_its_host_and_says_where_it_came_from() {
        let (base, served) = one_request(|base| {
            format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {base}/next?x=1\r\n\
                 Keep-Alive: timeout=5\r\nContent-Length: 2\r\n\r\nok"
            )
        })
        .await;
        let previews = Previews::new(
            PreviewHost::parse("preview.localhost", 8000).unwrap(),
            Arc::new(PreviewTokens::new().unwrap()),
        );
        let mut request = Request::builder()
            .uri("/page?q=1")
            .header(header::HOST, "abc.preview.localhost:8000")
            .header(header::CONNECTION, "keep-alive, x-drop")
            .header("x-drop", "1")
            .header("x-forwarded-for", "198.51.100.1")
            .body(Body::empty())
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 5555))));
        let forwarded = Forwarded::of(&request, "http");
        let Ok(response) = forward(&previews.client, &base, request, &forwarded).await else {
            panic!("the request did not go through");
        };
        assert_eq!(response.status(), 307);
        assert_eq!(
            response.headers()[header::LOCATION],
            "http://abc.preview.localhost:8000/next?x=1"
        );
        assert!(response.headers().get("keep-alive").is_none());
        let head = served.await.unwrap();
        assert!(head.starts_with("get /page?q=1 http/1.1\r\n"), "{head}");
        for line in [
            "host: abc.preview.localhost:8000",
            "x-forwarded-for: 198.51.100.1, 192.0.2.7",
            "x-forwarded-host: abc.preview.localhost:8000",
            "x-forwarded-proto: http",
        ] {
            assert!(
                head.contains(&format!("\r\n{line}\r\n")),
                "{line} in {head}"
            );
        }
        assert!(!head.contains("x-drop"), "{head}");
    }

    #[tokio::test]
    async fn a_response_is_streamed_as_it_comes() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 1024];
            let _ = socket.read(&mut buffer).await.unwrap();
            let head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n";
            socket.write_all(head.as_bytes()).await.unwrap();
            // The rest only once the first part came out of the proxy.
            let _ = released.await;
            socket.write_all(b"4\r\nlast\r\n0\r\n\r\n").await.unwrap();
        });
        let previews = Previews::new(
            PreviewHost::parse("preview.localhost", 8000).unwrap(),
            Arc::new(PreviewTokens::new().unwrap()),
        );
        let request = Request::builder().uri("/").body(Body::empty()).unwrap();
        let forwarded = Forwarded::of(&request, "http");
        let Ok(response) = forward(&previews.client, &base, request, &forwarded).await else {
            panic!("the request did not go through");
        };
        let mut body = response.into_body();
        let first = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("the first part before the end")
            .unwrap()
            .unwrap();
        assert_eq!(first.into_data().unwrap(), "first");
        release.send(()).unwrap();
        let rest = body.collect().await.unwrap().to_bytes();
        assert_eq!(rest, "last");
    }

    #[tokio::test]
    async fn a_dev_server_that_is_gone_is_an_upstream_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let previews = Previews::new(
            PreviewHost::parse("preview.localhost", 8000).unwrap(),
            Arc::new(PreviewTokens::new().unwrap()),
        );
        let request = Request::builder().uri("/").body(Body::empty()).unwrap();
        let forwarded = Forwarded::of(&request, "http");
        let result = forward(&previews.client, &base, request, &forwarded).await;
        assert!(matches!(result, Err(ProxyError::Upstream(_))));
    }
}
