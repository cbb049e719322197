//! Arbitrary bytes as a client connection to the policy proxy: request lines and targets
//! (absolute URLs, CONNECT authorities, numeric and IPv6 hosts), headers, bodies, several
//! requests in a row. Nothing may panic, every connection must end, and no refused address
//! may be connected to. Upstreams are in memory: a canned HTTP server that answers once.
//!
//! Run by `cargo xtask fuzz [SECONDS]`; by hand on stable, from this directory:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run -s none proxy_request seeds -- -max_total_time=600`.
#![no_main]

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use replica_core::{BoxFuture, UrlPolicy};
use replica_proxy::{Network, Proxy, ProxyConfig, Upstream};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Names: `allowed.test` is private but its origin (port 8080) is allowed, `public.test`
/// is public, anything else resolves to loopback (refused); connections go to memory.
#[derive(Debug, Default)]
struct MemoryNetwork {
    connected: Mutex<Vec<SocketAddr>>,
}

impl Network for MemoryNetwork {
    fn resolve<'a>(&'a self, host: &'a str) -> BoxFuture<'a, io::Result<Vec<IpAddr>>> {
        Box::pin(async move {
            let addr = match host {
                "allowed.test" => "10.0.0.8",
                "public.test" => "93.184.215.14",
                "nowhere.test" => return Err(io::Error::other("no such name")),
                _ => "127.0.0.1",
            };
            Ok(vec![addr.parse().unwrap()])
        })
    }

    fn connect(&self, addr: SocketAddr) -> BoxFuture<'_, io::Result<Box<dyn Upstream>>> {
        Box::pin(async move {
            self.connected.lock().unwrap().push(addr);
            let (ours, theirs) = tokio::io::duplex(4096);
            tokio::spawn(answer_once(theirs));
            Ok(Box::new(ours) as Box<dyn Upstream>)
        })
    }
}

async fn answer_once(mut stream: tokio::io::DuplexStream) {
    let mut buffer = [0u8; 1024];
    if let Ok(n) = stream.read(&mut buffer).await
        && n > 0
    {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
            .await;
    }
}

fuzz_target!(|data: &[u8]| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let network = Arc::new(MemoryNetwork::default());
    runtime.block_on(async {
        let policy = UrlPolicy::public_only()
            .allow_origins(["http://allowed.test:8080".parse().unwrap()]);
        let proxy = Proxy::new(ProxyConfig {
            policy,
            network: Arc::clone(&network) as Arc<dyn Network>,
        });
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let serving = tokio::spawn(proxy.clone().serve_connection(server));
        let _ = client.write_all(data).await;
        let _ = client.shutdown().await;
        let mut answer = Vec::new();
        // A tunnel stays open until the upstream closes; the canned upstream closes after
        // one answer, so everything ends well within this bound.
        let read = tokio::time::timeout(Duration::from_secs(5), client.read_to_end(&mut answer));
        assert!(read.await.is_ok(), "the connection did not end");
        drop(client);
        let _ = tokio::time::timeout(Duration::from_secs(5), serving).await;
    });
    drop(runtime);
    for addr in network.connected.lock().unwrap().iter() {
        let allowed = addr.ip().to_string() == "93.184.215.14"
            || (addr.ip().to_string() == "10.0.0.8" && addr.port() == 8080);
        assert!(allowed, "connected to {addr}, which the policy refuses");
    }
});
