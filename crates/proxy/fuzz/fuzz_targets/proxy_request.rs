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
        let policy =
            UrlPolicy::public_only().allow_origins(["http://allowed.test:8080".parse().unwrap()]);
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
        assert!(
            acceptable(*addr),
            "connected to {addr}, which is not public"
        );
    }
});

/// An oracle kept apart from `UrlPolicy`, deliberately simpler: the allowed origin's address
/// on its port, public IPv4 (what std can tell), IPv6 inside global unicast (2000::/3) outside
/// documentation and 6to4 of a non-public IPv4, and NAT64 of a public IPv4.
fn acceptable(addr: SocketAddr) -> bool {
    if addr.ip() == IpAddr::from([10, 0, 0, 8]) {
        return addr.port() == 8080;
    }
    match addr.ip().to_canonical() {
        IpAddr::V4(ip) => public_v4(ip),
        IpAddr::V6(ip) => {
            let s = ip.segments();
            let global_unicast = s[0] & 0xe000 == 0x2000;
            let documentation = s[0] == 0x2001 && s[1] == 0x0db8;
            let six_to_four_of = |ip: std::net::Ipv6Addr| {
                let [_, a, b, ..] = ip.segments();
                let [a1, a2] = a.to_be_bytes();
                let [b1, b2] = b.to_be_bytes();
                std::net::Ipv4Addr::new(a1, a2, b1, b2)
            };
            let nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4];
            if nat64 {
                let [.., high, low] = s;
                let ([a, b], [c, d]) = (high.to_be_bytes(), low.to_be_bytes());
                return public_v4(std::net::Ipv4Addr::new(a, b, c, d));
            }
            global_unicast && !documentation && (s[0] != 0x2002 || public_v4(six_to_four_of(ip)))
        }
    }
}

fn public_v4(ip: std::net::Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)))
}
