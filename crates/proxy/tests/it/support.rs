//! Loopback servers and a stand-in network for the proxy tests.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use replica_core::UrlPolicy;
use replica_proxy::{Listening, Proxy, ProxyConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// An HTTP server on loopback that answers every request with a description of it, and
/// counts the connections it accepted.
pub struct EchoServer {
    pub addr: SocketAddr,
    pub connections: Arc<AtomicUsize>,
    _task: tokio::task::JoinHandle<()>,
}

impl EchoServer {
    pub async fn start() -> EchoServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        let task = tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(echo);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .with_upgrades()
                        .await;
                });
            }
        });
        EchoServer {
            addr,
            connections,
            _task: task,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn echo(
    mut request: hyper::Request<hyper::body::Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    if request.uri().path() == "/upgrade" {
        // Switches to a protocol that answers every chunk with it upper-cased.
        let upgrade = hyper::upgrade::on(&mut request);
        tokio::spawn(async move {
            let mut io = TokioIo::new(upgrade.await.unwrap());
            let mut buffer = [0u8; 64];
            while let Ok(n) = io.read(&mut buffer).await {
                if n == 0
                    || io
                        .write_all(&buffer[..n].to_ascii_uppercase())
                        .await
                        .is_err()
                {
                    break;
                }
            }
        });
        return Ok(hyper::Response::builder()
            .status(101)
            .header("connection", "upgrade")
            .header("upgrade", "shout")
            .body(Full::default())
            .unwrap());
    }
    let mut text = format!("{} {}\n", request.method(), request.uri());
    let mut names: Vec<_> = request
        .headers()
        .keys()
        .map(|k| k.as_str().to_string())
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let values: Vec<_> = request
            .headers()
            .get_all(&name)
            .iter()
            .map(|v| v.to_str().unwrap_or("?").to_string())
            .collect();
        text.push_str(&format!("{name}: {}\n", values.join(", ")));
    }
    let body = request.into_body().collect().await.unwrap().to_bytes();
    text.push_str(&String::from_utf8_lossy(&body));
    Ok(hyper::Response::builder()
        .header("x-echo", "1")
        .header("connection", "keep-alive, x-hop")
        .header("x-hop", "must not pass")
        .body(Full::new(Bytes::from(text)))
        .unwrap())
}

/// A TCP server on loopback that echoes bytes back and counts connections.
pub async fn tcp_echo() -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&connections);
    tokio::spawn(async move {
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let (mut read, mut write) = stream.split();
                let _ = tokio::io::copy(&mut read, &mut write).await;
            });
        }
    });
    (addr, connections)
}

pub use replica_fixture_server::network::FakeNetwork;

/// A proxy with `policy` over `network`, listening on loopback.
pub async fn proxy(policy: UrlPolicy, network: Arc<FakeNetwork>) -> (Proxy, Listening) {
    let proxy = Proxy::new(ProxyConfig { policy, network });
    let listening = proxy.listen("127.0.0.1:0".parse().unwrap()).await.unwrap();
    (proxy, listening)
}

/// An HTTP client that sends everything through `listening`.
pub fn client(listening: &Listening) -> reqwest::Client {
    reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(listening.url()).unwrap())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Sends `head` (with `Connection: close` added) on a fresh connection to the proxy and
/// returns everything it answers until it closes the connection (or 2 s pass).
pub async fn raw(listening: &Listening, head: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(listening.addr())
        .await
        .unwrap();
    let head = head.replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1);
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(2),
        stream.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}
