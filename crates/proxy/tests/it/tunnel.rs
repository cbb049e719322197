//! CONNECT tunnels: opened only to endpoints the policy allows, closed with the proxy.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use replica_core::UrlPolicy;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{FakeNetwork, proxy, raw, tcp_echo};

#[tokio::test]
async fn allowed_tunnels_carry_bytes_both_ways_until_the_proxy_stops() {
    let (echo, _) = tcp_echo().await;
    let (proxy, listening) = proxy(UrlPolicy::allow_all(), Arc::default()).await;
    let mut stream = tokio::net::TcpStream::connect(listening.addr())
        .await
        .unwrap();
    stream
        .write_all(format!("CONNECT {echo} HTTP/1.1\r\nHost: {echo}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut head = vec![0u8; 256];
    let n = stream.read(&mut head).await.unwrap();
    let head = String::from_utf8_lossy(&head[..n]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    stream.write_all(b"ping").await.unwrap();
    let mut pong = [0u8; 4];
    stream.read_exact(&mut pong).await.unwrap();
    assert_eq!(&pong, b"ping");
    drop(listening);
    drop(proxy);
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the tunnel ends when the proxy stops");
}

#[tokio::test]
async fn refused_tunnels_are_answered_403_and_never_opened() {
    let (echo, connections) = tcp_echo().await;
    let port = echo.port();
    let network = Arc::new(FakeNetwork::default().name("private.test", &[&["127.0.0.1"]]));
    let (proxy, listening) = proxy(UrlPolicy::public_only(), Arc::clone(&network)).await;
    for target in [
        format!("127.0.0.1:{port}"),
        format!("2130706433:{port}"),
        format!("0x7f.0.0.1:{port}"),
        format!("[::ffff:127.0.0.1]:{port}"),
        format!("0.0.0.0:{port}"),
        format!("[::]:{port}"),
        format!("private.test:{port}"),
        "169.254.169.254:80".to_string(),
        "localhost:443".to_string(),
        // Not global unicast (the second is IPv4-compatible ::63.255.1.39): found by the fuzz
        // target.
        "[::3fff:7f00:1]:443".to_string(),
        "[::3fff:127]:443".to_string(),
    ] {
        let answer = raw(
            &listening,
            &format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 403"), "{target}: {answer}");
    }
    assert_eq!(connections.load(Ordering::SeqCst), 0);
    assert_eq!(network.unrouted(), vec![]);
    let (refused, total) = proxy.refusals();
    assert_eq!(total, 11);
    // Numeric forms of 127.0.0.1 are that address: one entry.
    assert_eq!(refused.len(), 9, "one entry per target: {refused:#?}");
    assert_eq!(refused[0].target, format!("127.0.0.1:{port}"));
}
