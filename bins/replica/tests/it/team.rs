//! `replica serve` shared by a team: the API token and the login cookie, rate limits,
//! security headers, a failed clone letting go, a server killed mid-clone, retention.

use std::time::Duration;

use replica_fixture_server::FixtureServer;
use replica_sandbox_pool::processes_under;
use serde_json::{Value, json};

use crate::server::{EventStream, Served, client, get_json, wait_for};
use crate::sites;

const TOKEN: &str = "team-token-0123456789abcdef";

/// What a request got: status, headers, body.
async fn send(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_guards_every_route_but_health_and_login_and_clients_are_rate_limited() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Served::start(
        &dir.path().join("data"),
        &dir.path().join("sandboxes"),
        &["--rate-starts", "2/min", "--rate-api", "40/min"],
        &[("REPLICA_API_TOKEN", TOKEN)],
    );
    assert!(
        server.stderr().contains("API token required"),
        "{}",
        server.stderr()
    );
    let http = no_redirects();
    let clones = server.url("/api/clones");
    let bearer = |request: reqwest::RequestBuilder, token: &str| {
        request.header("authorization", format!("Bearer {token}"))
    };

    // Open: the health check and the login form.
    let (status, headers, _) = send(http.get(server.url("/health"))).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "same-origin");
    let (status, headers, body) = send(http.get(server.url("/login"))).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<form method=\"post\" action=\"/login\">"),
        "{body}"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers["x-content-type-options"], "nosniff");

    // No token, a wrong one, the right one.
    let (status, headers, body) = send(http.get(&clones)).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(headers["www-authenticate"], "Bearer realm=\"replica\"");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(body.contains("REPLICA_API_TOKEN"), "{body}");
    for wrong in [
        "wrong-token-0123456789abcdef",
        "",
        TOKEN.trim_end_matches('f'),
    ] {
        let (status, _, _) = send(bearer(http.get(&clones), wrong)).await;
        assert_eq!(status, 401, "{wrong:?}");
    }
    let (status, _, _) = send(http.get(&clones).header("authorization", TOKEN)).await;
    assert_eq!(status, 401, "a token without `Bearer`");
    let (status, _, body) = send(bearer(http.get(&clones), TOKEN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["clones"],
        json!([])
    );
    // Unknown routes are behind the token too (nothing about the API leaks).
    let (status, _, _) = send(http.get(server.url("/nowhere"))).await;
    assert_eq!(status, 401);
    // A browser opening a page is sent to the login form.
    let (status, headers, _) = send(http.get(server.url("/")).header("accept", "text/html")).await;
    assert_eq!(status, 303);
    assert_eq!(headers["location"], "/login?next=%2F");

    // The login form: a wrong token shows the form again, the right one sets the cookie.
    let login = |token: &str| {
        http.post(server.url("/login"))
            .form(&[("token", token), ("next", "/api/clones")])
    };
    let (status, _, body) = send(login("not the token at all")).await;
    assert_eq!(status, 401);
    assert!(
        body.contains("not this server&#39;s token") || body.contains("not this server's token"),
        "{body}"
    );
    let (status, headers, _) = send(login(TOKEN)).await;
    assert_eq!(status, 303);
    assert_eq!(headers["location"], "/api/clones");
    let set_cookie = headers["set-cookie"].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert!(!set_cookie.contains(TOKEN), "the cookie is not the token");
    let cookie = set_cookie.split(';').next().unwrap().to_string();
    let (status, _, _) = send(http.get(&clones).header("cookie", &cookie)).await;
    assert_eq!(status, 200);
    let (status, _, _) = send(
        http.get(&clones)
            .header("cookie", "replica_session=9999999999.00ff"),
    )
    .await;
    assert_eq!(status, 401, "a forged session");
    // A page of another origin (a preview is one) cannot use the cookie to change things.
    let (status, _, body) = send(
        http.post(server.url("/clone/stream"))
            .header("cookie", &cookie)
            .header("origin", "http://evil.example")
            .json(&json!({ "url": "https://example.com/" })),
    )
    .await;
    assert_eq!(status, 403, "{body}");

    // The WebSocket upgrade (/ws/chat) is checked like any request.
    let upgrade = |request: reqwest::RequestBuilder| {
        request
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
            .header("sec-websocket-version", "13")
            .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
    };
    let chat = server.url("/ws/chat");
    let (status, _, _) = send(upgrade(http.get(&chat))).await;
    assert_eq!(status, 401, "no token");
    let (status, _, _) = send(upgrade(bearer(
        http.get(&chat),
        "wrong-token-0123456789abcdef",
    )))
    .await;
    assert_eq!(status, 401, "a wrong token");
    let (status, _, _) = send(
        upgrade(http.get(&chat))
            .header("cookie", &cookie)
            .header("origin", "http://evil.example"),
    )
    .await;
    assert_eq!(
        status, 403,
        "a cookie from another origin (cross-site WebSocket hijacking)"
    );
    // Past the token check the router decides (the chat route comes with the agent server).
    let (status, _, _) = send(upgrade(bearer(http.get(&chat), TOKEN))).await;
    assert_ne!(status, 401);
    assert_ne!(status, 403);

    // Starts are limited per client (2 a minute here): the third is 429 before anything else.
    let start = || {
        bearer(http.post(server.url("/clone/stream")), TOKEN)
            .json(&json!({ "url": "http://10.0.0.1/" }))
    };
    assert_eq!(
        send(start()).await.0,
        403,
        "a private address (counts as a start)"
    );
    // The cross-origin attempt above was a start too.
    let (status, headers, body) = send(start()).await;
    assert_eq!(status, 429, "{body}");
    let retry: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&retry), "{retry}");
    assert!(body.contains("clone and agent starts"), "{body}");

    // API requests: 40 a minute here; the requests above spent some, so the next ones run
    // out, and once out every request is 429 until time passes. /health never is.
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(send(bearer(http.get(&clones), TOKEN)).await.0);
    }
    let first_refused = statuses
        .iter()
        .position(|&s| s == 429)
        .expect("a 429 within 40 requests");
    assert!(first_refused > 0, "{statuses:?}");
    assert!(
        statuses[..first_refused].iter().all(|&s| s == 200),
        "{statuses:?}"
    );
    assert!(
        statuses[first_refused..].iter().all(|&s| s == 429),
        "{statuses:?}"
    );
    assert_eq!(send(http.get(server.url("/health"))).await.0, 200);
    // Unauthenticated guesses are limited as well.
    assert_eq!(
        send(bearer(http.get(&clones), "guess-0123456789abcdef"))
            .await
            .0,
        429
    );

    let status = server.terminate();
    assert!(status.success(), "{status}\n{}", server.stderr());
}

#[test]
fn a_server_reachable_by_others_without_a_token_warns_loudly() {
    let dir = tempfile::tempdir().unwrap();
    // A port of 0.0.0.0 that is taken makes the start fail right after the warning.
    let taken = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = crate::replica()
        .args(["serve", "--addr", &addr])
        .env("REPLICA_DATA_DIR", dir.path())
        .env_remove("REPLICA_API_TOKEN")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("WARNING") && stderr.contains("WITHOUT an API token"),
        "{stderr}"
    );
    assert!(stderr.contains("error: listening on"), "{stderr}");
    drop(taken);
    let output = crate::replica()
        .args(["serve", "--addr", "0.0.0.0:0", "--token", "short"])
        .env("REPLICA_DATA_DIR", dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("at least 16 characters"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_and_interrupted_clones_let_go_and_retention_spares_what_is_in_use() {
    let fixtures = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sandboxes = dir.path().join("sandboxes");
    let client = client();
    let mut server = Served::start(&data, &sandboxes, &["--allow-private"], &[]);

    // A page that cannot be loaded: the clone fails, lets its sandbox go, promises nothing.
    let stream = EventStream::open(
        &client,
        &server,
        json!({ "url": fixtures.url("/_status/404") }),
    )
    .await;
    let (events, _) = stream.collect().await;
    let last = events.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["stage"].as_str()),
        (Some("error"), Some("scrape")),
        "{events:?}"
    );
    let failed_id = events[0]["clone_id"].as_str().unwrap().to_string();
    let (_, record) = get_json(&client, &server.url(&format!("/api/clones/{failed_id}"))).await;
    assert_eq!(record["status"], "failed");
    assert_eq!(record["preview_live"], false);
    assert_eq!(record["preview_url"], Value::Null);
    assert_eq!(record["sandbox_id"], Value::Null);
    assert!(record.get("owner").is_none(), "{record}");
    let (_, health) = get_json(&client, &server.url("/health")).await;
    assert_eq!(health["previews"], 0);

    // A server killed in the middle of a clone.
    let slow = fixtures.url("/_delay/2000/one-block/index.html");
    let mut stream = EventStream::open(&client, &server, json!({ "url": slow })).await;
    let killed_id = stream.until("clone_created").await["clone_id"]
        .as_str()
        .unwrap()
        .to_string();
    // A client that opens 100 event streams of the running clone and drops them: the server
    // answers all, then lets every connection go.
    let descriptors = |pid: u32| {
        std::fs::read_dir(format!("/proc/{pid}/fd"))
            .unwrap()
            .count()
    };
    let before = descriptors(server.pid());
    let events = server.url(&format!("/api/clones/{killed_id}/events"));
    let mut followers = Vec::new();
    for _ in 0..100 {
        let response = client.get(&events).send().await.unwrap();
        assert_eq!(response.status(), 200);
        followers.push(response);
    }
    assert_eq!(get_json(&client, &server.url("/health")).await.0, 200);
    drop(followers);
    wait_for(
        "the 100 dropped streams to close",
        Duration::from_secs(30),
        async || descriptors(server.pid()) <= before + 3,
    )
    .await;
    stream.until("generation_complete").await;
    let groups: Vec<i32> = crate::children(server.pid())
        .into_iter()
        .map(|(_, group)| group)
        .collect();
    server.kill();
    drop(stream);

    let mut server = Served::start(&data, &sandboxes, &["--allow-private"], &[]);
    let killed = server.url(&format!("/api/clones/{killed_id}"));
    let (_, record) = get_json(&client, &killed).await;
    assert_eq!(record["status"], "interrupted", "{record}");
    assert_eq!(record["running"], false);
    let stages: Vec<&str> = record["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(&stages[..3], ["scrape", "design", "plan"], "{record}");
    assert!(!stages.contains(&"compile"), "{record}");
    let (_, listing) = get_json(&client, &server.url("/api/clones")).await;
    assert!(
        listing["clones"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] != "running"),
        "{listing}"
    );
    let response = client.get(format!("{killed}/events")).send().await.unwrap();
    let (replayed, _) = EventStream::of(response).collect().await;
    assert_eq!(replayed[0]["type"], "clone_created");
    assert_eq!(
        replayed.last().unwrap()["code"],
        "interrupted",
        "{replayed:?}"
    );
    // What it had finished is still there.
    let (status, _) = get_json(&client, &format!("{killed}/files")).await;
    assert_eq!(status, 200);
    // The killed server's sandboxes were swept (their owner died).
    wait_for(
        "the killed server's sandboxes to go",
        Duration::from_secs(30),
        async || std::fs::read_dir(&sandboxes).map_or(0, |d| d.count()) <= 1,
    )
    .await;
    server.terminate();
    // Nothing stops the killed server's chromedriver (its sandboxes were swept above).
    for group in groups {
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_raw(group).unwrap(),
            rustix::process::Signal::KILL,
        );
    }

    // Retention of 3 s: at start, the old clones go.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut server = Served::start(
        &data,
        &sandboxes,
        &["--allow-private", "--retention", "3s"],
        &[],
    );
    let (_, listing) = get_json(&client, &server.url("/api/clones")).await;
    assert_eq!(listing["clones"], json!([]), "{listing}");
    // A clone in use is never deleted, however long it runs; once finished and unused, it
    // goes (sweeps run every 3 s here).
    let slow = fixtures.url("/_delay/4000/one-block/index.html");
    let mut stream = EventStream::open(&client, &server, json!({ "url": slow })).await;
    let id = stream.until("clone_created").await["clone_id"]
        .as_str()
        .unwrap()
        .to_string();
    let done = stream.until("done").await;
    let sandbox = sandboxes.join(done["sandbox_id"].as_str().unwrap());
    let url = server.url(&format!("/api/clones/{id}"));
    assert_eq!(get_json(&client, &url).await.0, 200, "deleted while it ran");
    wait_for(
        "retention to delete the finished clone",
        Duration::from_secs(20),
        async || get_json(&client, &url).await.0 == 404,
    )
    .await;
    wait_for("its preview to stop", Duration::from_secs(20), async || {
        processes_under(&sandbox).is_empty()
    })
    .await;
    assert!(
        server
            .stderr()
            .contains("unused for longer than the retention"),
        "{}",
        server.stderr()
    );
    let status = server.terminate();
    assert!(status.success(), "{status}\n{}", server.stderr());
}
