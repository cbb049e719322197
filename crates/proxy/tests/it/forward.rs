//! Plain HTTP through the proxy: forwarded when the policy allows it, never sent when it does
//! not, with the reason journalled.

use std::sync::Arc;

use replica_core::{AllowedOrigin, UrlPolicy};
use replica_proxy::BlockReason;

use crate::support::{EchoServer, FakeNetwork, client, proxy, raw};

#[tokio::test]
async fn requests_are_forwarded_in_origin_form_without_hop_by_hop_headers() {
    let server = EchoServer::start().await;
    let (proxy, listening) = proxy(UrlPolicy::allow_all(), Arc::default()).await;
    let client = client(&listening);
    let url = format!("http://{}/path/a%20b?x=1", server.addr);
    let response = client
        .post(&url)
        .header("x-custom", "kept")
        .header("proxy-authorization", "Basic c2VjcmV0")
        .body("the body")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-echo"], "1");
    assert!(!response.headers().contains_key("x-hop"), "{response:?}");
    let text = response.text().await.unwrap();
    assert!(text.starts_with("POST /path/a%20b?x=1\n"), "{text}");
    assert!(text.contains(&format!("host: {}\n", server.addr)), "{text}");
    assert!(text.contains("x-custom: kept\n"), "{text}");
    assert!(!text.contains("proxy-"), "{text}");
    assert!(text.ends_with("the body"), "{text}");
    // A second request on the same client connection works as well.
    let again = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(again.starts_with("GET /path/a%20b?x=1\n"), "{again}");
    assert_eq!(proxy.refusals().1, 0);
}

#[tokio::test]
async fn refused_requests_get_no_answer_and_navigations_an_empty_one() {
    let server = EchoServer::start().await;
    let (proxy, listening) = proxy(UrlPolicy::public_only(), Arc::default()).await;
    let url = format!("http://{}/secret", server.addr);
    let error = client(&listening).get(&url).send().await.unwrap_err();
    assert!(!error.is_status(), "{error:?}");
    // A navigation is answered 204, so the frame stays where it was.
    let head = format!(
        "GET {url} HTTP/1.1\r\nHost: {}\r\nUpgrade-Insecure-Requests: 1\r\n\r\n",
        server.addr
    );
    let answer = raw(&listening, &head).await;
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert_eq!(server.connections(), 0);
    let (refused, total) = proxy.refusals();
    assert_eq!(total, 2);
    assert_eq!(refused.len(), 1, "one entry per URL: {refused:?}");
    assert_eq!(refused[0].target, url);
    assert!(
        refused[0]
            .to_string()
            .contains("127.0.0.1 is a loopback address"),
        "{}",
        refused[0]
    );
}

#[tokio::test]
async fn names_are_resolved_by_the_proxy_and_every_address_is_checked() {
    let public = EchoServer::start().await;
    let private = EchoServer::start().await;
    let port = private.addr.port();
    let network = Arc::new(
        FakeNetwork::default()
            .name("public.test", &[&["93.184.215.14"]])
            .name("private.test", &[&["127.0.0.1"]])
            .name("mixed.test", &[&["93.184.215.14", "127.0.0.1"]])
            // Rebinding: public for the first answer, loopback after.
            .name("rebind.test", &[&["93.184.215.14"], &["127.0.0.1"]])
            .route("93.184.215.14", public.addr),
    );
    let (proxy, listening) = proxy(UrlPolicy::public_only(), Arc::clone(&network)).await;
    let client = client(&listening);
    let ok = client
        .get(format!("http://public.test:{port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.text()
            .await
            .unwrap()
            .contains(&format!("host: public.test:{port}"))
    );
    for name in [
        "private.test",
        "mixed.test",
        "localhost",
        "metadata.google.internal",
    ] {
        let url = format!("http://{name}:{port}/");
        assert!(client.get(&url).send().await.is_err(), "{url}");
    }
    for _ in 0..3 {
        let response = client
            .get(format!("http://rebind.test:{port}/"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "the first answer holds");
    }
    assert_eq!(private.connections(), 0);
    assert_eq!(network.unrouted(), vec![]);
    let lookups = network.lookups();
    assert_eq!(
        lookups.iter().filter(|l| *l == "rebind.test").count(),
        1,
        "one lookup per name: {lookups:?}"
    );
    assert!(
        !lookups.iter().any(|l| l == "localhost"),
        "internal names are not looked up"
    );
    let reasons: Vec<String> = proxy.refusals().0.iter().map(ToString::to_string).collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    assert!(
        reasons[0].contains("private.test is a loopback address"),
        "{reasons:#?}"
    );
    assert!(
        reasons[1].contains("mixed.test is a loopback address"),
        "{reasons:#?}"
    );
}

#[tokio::test]
async fn allowed_origins_are_reachable_and_nothing_else_private() {
    let intranet = EchoServer::start().await;
    let other = EchoServer::start().await;
    let origin: AllowedOrigin = format!("http://intranet.test:{}", intranet.addr.port())
        .parse()
        .unwrap();
    let network = Arc::new(FakeNetwork::default().name("intranet.test", &[&["127.0.0.1"]]));
    let policy = UrlPolicy::public_only().allow_origins([origin]);
    let (_proxy, listening) = proxy(policy, network).await;
    let client = client(&listening);
    let ok = client
        .get(format!("http://intranet.test:{}/x", intranet.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    for url in [
        format!("http://intranet.test:{}/x", other.addr.port()),
        format!("http://127.0.0.1:{}/x", intranet.addr.port()),
    ] {
        assert!(client.get(&url).send().await.is_err(), "{url}");
    }
    assert_eq!(other.connections(), 0);
    assert_eq!(intranet.connections(), 1);
}

#[tokio::test]
async fn localhost_names_are_loopback_without_a_lookup() {
    let server = EchoServer::start().await;
    let network = Arc::new(FakeNetwork::default());
    let (_proxy, listening) = proxy(UrlPolicy::allow_all(), Arc::clone(&network)).await;
    let url = format!("http://app.localhost:{}/", server.addr.port());
    let response = client(&listening).get(&url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(network.lookups(), Vec::<String>::new());
}

#[tokio::test]
async fn failures_are_answered_502_and_journalled() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (proxy, listening) = proxy(UrlPolicy::allow_all(), Arc::default()).await;
    let client = client(&listening);
    let response = client
        .get(format!("http://{closed}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert_eq!(
        response.headers()[replica_proxy::PROXY_STATUS],
        "replica; error=connection_refused"
    );
    let failure = proxy.last_failure("127.0.0.1", closed.port()).unwrap();
    assert!(
        matches!(failure.reason, BlockReason::Connect { kind, .. } if kind == std::io::ErrorKind::ConnectionRefused),
        "{failure:?}"
    );
    let response = client.get("http://nowhere.test/").send().await.unwrap();
    assert_eq!(response.status(), 502);
    let failure = proxy.last_failure("nowhere.test", 80).unwrap();
    assert!(matches!(failure.reason, BlockReason::Dns(_)), "{failure:?}");
}

#[tokio::test]
async fn what_is_not_a_proxy_request_gets_400() {
    let (_proxy, listening) = proxy(UrlPolicy::allow_all(), Arc::default()).await;
    for head in [
        "GET /index.html HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "GET https://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n",
        "CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n",
    ] {
        let answer = raw(&listening, head).await;
        assert!(answer.starts_with("HTTP/1.1 400"), "{head:?}: {answer}");
    }
    // Not HTTP at all: hyper closes the connection.
    let answer = raw(&listening, "\u{0}\u{1}garbage\r\n\r\n").await;
    assert!(!answer.contains(" 200 "), "{answer}");
}

#[tokio::test]
async fn upgrades_sent_as_absolute_urls_switch_protocols_both_ways() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let server = EchoServer::start().await;
    let (_proxy, listening) = proxy(UrlPolicy::allow_all(), Arc::default()).await;
    let mut stream = tokio::net::TcpStream::connect(listening.addr())
        .await
        .unwrap();
    let head = format!(
        "GET http://{0}/upgrade HTTP/1.1\r\nHost: {0}\r\nConnection: Upgrade\r\nUpgrade: shout\r\n\r\n",
        server.addr
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let n = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]).to_ascii_lowercase();
    assert!(answer.starts_with("http/1.1 101"), "{answer}");
    assert!(answer.contains("upgrade: shout"), "{answer}");
    stream.write_all(b"hello").await.unwrap();
    let mut echoed = [0u8; 5];
    stream.read_exact(&mut echoed).await.unwrap();
    assert_eq!(&echoed, b"HELLO");
}

#[tokio::test]
async fn servers_on_this_machine_are_asked_for_identity_and_others_keep_the_encoding() {
    let server = EchoServer::start().await;
    let port = server.addr.port();
    let network = Arc::new(
        FakeNetwork::default()
            .name("public.test", &[&["93.184.215.14"]])
            .route("93.184.215.14", server.addr),
    );
    let (_proxy, listening) = proxy(UrlPolicy::allow_all(), network).await;
    let client = client(&listening);
    let echoed = async |url: String| {
        let response = client
            .get(url)
            .header("accept-encoding", "gzip, br")
            .send()
            .await
            .unwrap();
        response.text().await.unwrap()
    };
    let local = echoed(format!("http://127.0.0.1:{port}/")).await;
    assert!(!local.contains("accept-encoding"), "{local}");
    let remote = echoed(format!("http://public.test:{port}/")).await;
    assert!(remote.contains("accept-encoding: gzip, br\n"), "{remote}");
}
