//! `replica serve` end to end: the real binary with real Chromium and real `next dev` sandboxes,
//! cloning the fixture sites served on loopback.

use std::io::Cursor;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use replica_core::{DomElement, DomNode, ScrapeData};
use replica_fixture_server::FixtureServer;
use replica_sandbox_pool::processes_under;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::preview::{
    Chromium, hot_updated, kill_dev_server, mark_page, renders_through_the_server,
};
use crate::{children, group_alive, replica, sites};

/// A `replica serve` child process; SIGTERMed (then killed) when dropped.
pub(crate) struct Served {
    child: Child,
    base: String,
    stderr: Arc<Mutex<String>>,
}

impl Served {
    /// Starts `replica serve --addr 127.0.0.1:0 ARGS` and waits for its `listening on` line.
    pub(crate) fn start(
        data: &Path,
        sandboxes: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Served {
        let mut command = replica();
        command
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(args)
            .env("REPLICA_DATA_DIR", data)
            .env("REPLICA_SANDBOXES_DIR", sandboxes)
            .env("REPLICA_POOL_SIZE", "1")
            .env_remove("REPLICA_CORS_ORIGINS")
            .env_remove("REPLICA_SANDBOX")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("replica starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let stdout = child.stdout.take().unwrap();
        let printed = Arc::clone(&stderr);
        // Whatever the server prints on stdout joins its log (tests look at all it printed).
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                printed.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        let (address, listening) = std::sync::mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        let log = Arc::clone(&stderr);
        // Drains stderr for the whole life of the server, so it never blocks on a full pipe.
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("listening on ") {
                    let addr = addr.split_whitespace().next().unwrap_or(addr);
                    let _ = address.send(addr.to_string());
                }
                log.lock().unwrap().push_str(&(line + "\n"));
            }
        });
        // Starting includes the browser, the template check and the first warm sandbox.
        let base = match listening.recv_timeout(Duration::from_secs(180)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "replica serve never said where it listens:\n{}",
                    stderr.lock().unwrap()
                );
            }
        };
        Served {
            child,
            base,
            stderr,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub(crate) fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub(crate) fn port(&self) -> u16 {
        self.addr().rsplit_once(':').unwrap().1.parse().unwrap()
    }

    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, as a crash or the OOM killer would: nothing of the server's own cleanup runs.
    pub(crate) fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status (the server must stop within a minute).
    pub(crate) fn terminate(&mut self) -> ExitStatus {
        self.stop()
            .expect("replica serve stops within 60 s of SIGTERM")
    }

    /// SIGTERM and wait; after 60 s, SIGKILL and `None`.
    pub(crate) fn stop(&mut self) -> Option<ExitStatus> {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).unwrap();
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        // A failed test still stops its server (and, through it, the sandboxes and browser).
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

/// Resolves `*.localhost` to loopback, as Chromium, Firefox and curl do (glibc does not).
struct LoopbackLocalhost;

impl reqwest::dns::Resolve for LoopbackLocalhost {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            if host == "localhost" || host.ends_with(".localhost") {
                let loopback = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
                return Ok(Box::new(std::iter::once(loopback)) as reqwest::dns::Addrs);
            }
            let found: Vec<_> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .dns_resolver(Arc::new(LoopbackLocalhost))
        .build()
        .unwrap()
}

/// The SSE stream of one clone, frame by frame.
pub(crate) struct EventStream {
    response: reqwest::Response,
    /// Bytes, not text: a chunk may end in the middle of a UTF-8 character.
    buffer: Vec<u8>,
    heartbeats: usize,
    /// The id of the last event read (`id:` lines count up by one).
    pub(crate) last_id: Option<u64>,
}

impl EventStream {
    pub(crate) async fn open(
        client: &reqwest::Client,
        server: &Served,
        body: Value,
    ) -> EventStream {
        let response = client
            .post(server.url("/clone/stream"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{body}");
        let headers = response.headers();
        assert_eq!(headers["content-type"], "text/event-stream");
        assert_eq!(headers["cache-control"], "no-cache");
        assert_eq!(headers["x-accel-buffering"], "no");
        EventStream::of(response)
    }

    /// A stream already answered (`GET /api/clones/{id}/events`).
    pub(crate) fn of(response: reqwest::Response) -> EventStream {
        assert_eq!(response.headers()["content-type"], "text/event-stream");
        EventStream {
            response,
            buffer: Vec::new(),
            heartbeats: 0,
            last_id: None,
        }
    }

    /// The next event, `None` at the end of the stream.
    pub(crate) async fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buffer.windows(2).position(|pair| pair == b"\n\n") {
                let frame: Vec<u8> = self.buffer.drain(..end + 2).collect();
                let frame = String::from_utf8(frame).expect("SSE frames are UTF-8");
                let frame = frame.trim_end();
                if frame.starts_with(':') {
                    assert_eq!(frame, ": heartbeat");
                    self.heartbeats += 1;
                    continue;
                }
                // `id: N` then `data: {...}`; ids count up by one per event.
                let (id, data) = frame
                    .strip_prefix("id: ")
                    .and_then(|rest| rest.split_once("\ndata: "))
                    .unwrap_or_else(|| panic!("not an SSE frame with an id: {frame:?}"));
                let id: u64 = id.parse().unwrap();
                if let Some(last) = self.last_id {
                    assert_eq!(id, last + 1, "event ids count up by one");
                }
                self.last_id = Some(id);
                return Some(serde_json::from_str(data).unwrap());
            }
            let chunk = tokio::time::timeout(Duration::from_secs(180), self.response.chunk())
                .await
                .expect("an event within 180 s")
                .unwrap();
            match chunk {
                Some(bytes) => self.buffer.extend_from_slice(&bytes),
                None => {
                    assert!(
                        self.buffer.trim_ascii().is_empty(),
                        "{}",
                        String::from_utf8_lossy(&self.buffer)
                    );
                    return None;
                }
            }
        }
    }

    pub(crate) async fn until(&mut self, kind: &str) -> Value {
        let mut seen = Vec::new();
        while let Some(event) = self.next().await {
            if event["type"] == kind {
                return event;
            }
            seen.push(event);
        }
        panic!("the stream ended before {kind}: {seen:?}");
    }

    pub(crate) async fn collect(mut self) -> (Vec<Value>, usize) {
        let mut events = Vec::new();
        while let Some(event) = self.next().await {
            events.push(event);
        }
        (events, self.heartbeats)
    }
}

/// The events that mark progress, in the order DESIGN.md §4 documents them.
fn check_event_order(site: &str, events: &[Value]) {
    let kinds: Vec<&str> = events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect();
    let milestones: Vec<&str> = kinds
        .iter()
        .copied()
        .filter(|kind| {
            !matches!(
                *kind,
                "step" | "file" | "file_updated" | "warning" | "compile_errors" | "iteration"
            )
        })
        .collect();
    let sections = events
        .iter()
        .find(|event| event["type"] == "planned")
        .and_then(|event| event["section_count"].as_u64())
        .unwrap_or_else(|| panic!("{site}: no planned event in {kinds:?}"))
        as usize;
    let mut expected: Vec<&[&str]> = vec![
        &["clone_created"],
        &["scrape_done"],
        &["design_extracted"],
        &["planned"],
    ];
    expected.extend(std::iter::repeat_n(
        &["section_done", "section_failed"][..],
        sections,
    ));
    expected.extend([
        &["generation_complete"][..],
        &["review_fixed", "review_clean"],
        &["validation_passed", "validation_failed"],
        &["deployed"],
        &["compiled"],
        &["done"],
    ]);
    let matches = milestones.len() == expected.len()
        && milestones
            .iter()
            .zip(&expected)
            .all(|(kind, allowed)| allowed.contains(kind));
    assert!(
        matches,
        "{site}: events out of the documented order:\n{milestones:?}\nexpected {expected:?}"
    );
    let done = events.last().unwrap();
    assert_eq!(done["type"], "done", "{site}");
    assert_eq!(
        events[0]["clone_id"], done["clone_id"],
        "{site}: clone_created and done name the same clone"
    );
}

/// A text the page shows, to look for in the clone's preview: the longest plain text node of
/// the scrape the clone stored (no characters HTML would escape), or the title for an empty
/// page.
fn page_text(scrape_dir: &Path) -> String {
    let scrape =
        ScrapeData::load(scrape_dir).unwrap_or_else(|e| panic!("{}: {e}", scrape_dir.display()));
    fn walk(element: &DomElement, best: &mut String) {
        if matches!(
            element.tag.as_str(),
            "script" | "style" | "noscript" | "template"
        ) {
            return;
        }
        for child in &element.children {
            match child {
                DomNode::Text(text) => {
                    let text = text.trim();
                    let plain = text
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " ,.!?-".contains(c))
                        && !text.contains("  ");
                    if plain && text.len() > best.len() {
                        *best = text.to_string();
                    }
                }
                DomNode::Element(child) => walk(child, best),
            }
        }
    }
    let mut best = String::new();
    walk(&scrape.desktop.dom, &mut best);
    if best.len() < 8 { scrape.title } else { best }
}

pub async fn wait_for(what: &str, timeout: Duration, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub(crate) async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// One request written by hand, so the target reaches the server exactly as written (HTTP
/// clients normalize `..` away). Returns the status and the body.
pub(crate) async fn raw_request(
    addr: &str,
    method: &str,
    target: &str,
    body: &[u8],
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

/// What a finished clone left for the later checks.
struct Cloned {
    site: String,
    id: String,
    preview_url: String,
    sandbox_id: String,
    text: String,
}

/// The clones the rest of the test works on (download, edit, delete, restart).
const KEPT_SITES: &[&str] = &["dark", "landing", "legacy-quirks"];

/// Sites whose previews are also opened in Chromium: images (landing), web fonts (webfonts).
const BROWSED_SITES: &[&str] = &["landing", "webfonts"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_clones_every_fixture_site_and_manages_the_clones() {
    let fixtures = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sandboxes = dir.path().join("sandboxes");
    let client = client();
    let mut server = Served::start(
        &data,
        &sandboxes,
        &[
            "--allow-private",
            "--max-clones",
            "2",
            "--max-queued",
            "1",
            "--orphan-timeout",
            "2s",
            "--heartbeat",
            "1",
        ],
        &[],
    );

    // Every site, one after another: documented event order, compiled, preview serves the text.
    let mut site_names: Vec<String> = std::fs::read_dir(sites())
        .unwrap()
        .flatten()
        .filter(|entry| entry.path().join("index.html").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    site_names.sort();
    assert!(site_names.len() >= 12, "{site_names:?}");
    let chromium = Chromium::start().await;
    let mut cloned = Vec::new();
    let mut heartbeats = 0;
    for site in &site_names {
        let started = Instant::now();
        let url = fixtures.url(&format!("/{site}/index.html"));
        let stream = EventStream::open(&client, &server, json!({ "url": url })).await;
        let (events, beats) = stream.collect().await;
        heartbeats += beats;
        let errors: Vec<&Value> = events.iter().filter(|e| e["type"] == "error").collect();
        assert!(errors.is_empty(), "{site}: {errors:?}");
        check_event_order(site, &events);
        let done = events.last().unwrap();
        let preview_url = done["preview_url"].as_str().unwrap().to_string();
        let id = done["clone_id"].as_str().unwrap().to_string();
        // Routed through the server's port, on a host of its own.
        assert!(
            preview_url.starts_with(&format!("http://{id}-"))
                && preview_url.ends_with(&format!(".preview.localhost:{}/", server.port())),
            "{site}: {preview_url}"
        );
        let deployed = events.iter().find(|e| e["type"] == "deployed").unwrap();
        assert_eq!(deployed["preview_url"], done["preview_url"], "{site}");
        let text = page_text(&data.join("clones").join(&id).join("scrape"));
        let page = client.get(&preview_url).send().await.unwrap();
        assert_eq!(page.status(), 200, "{site}: preview {preview_url}");
        let html = page.text().await.unwrap();
        assert!(
            html.contains(&text),
            "{site}: the preview does not show {text:?}"
        );
        if BROWSED_SITES.contains(&site.as_str()) {
            let fonts = site == "webfonts";
            renders_through_the_server(&chromium, &preview_url, server.port(), &text, fonts).await;
        }
        eprintln!("{site}: cloned in {:.1} s", started.elapsed().as_secs_f64());
        // A dev server per kept clone: the rest go, so 13 previews do not share 2 cores.
        if !KEPT_SITES.contains(&site.as_str()) {
            let response = client
                .delete(server.url(&format!("/api/clones/{id}")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{site}: DELETE");
            continue;
        }
        cloned.push(Cloned {
            site: site.clone(),
            id,
            preview_url,
            sandbox_id: done["sandbox_id"].as_str().unwrap().to_string(),
            text,
        });
    }
    assert!(heartbeats > 0, "no `: heartbeat` comment in any stream");
    crate::site::a_site_through_the_server(&client, &server).await;

    let (status, listing) = get_json(&client, &server.url("/api/clones")).await;
    assert_eq!(status, 200);
    let listed: Vec<&str> = listing["clones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|clone| clone["id"].as_str().unwrap())
        .collect();
    for clone in &cloned {
        assert!(
            listed.contains(&clone.id.as_str()),
            "{} not listed",
            clone.site
        );
    }
    let landing = cloned.iter().find(|c| c.site == "landing").unwrap();
    let (status, record) =
        get_json(&client, &server.url(&format!("/api/clones/{}", landing.id))).await;
    assert_eq!(status, 200);
    assert_eq!(record["status"], "done");
    assert_eq!(record["preview_live"], true);
    assert_eq!(record["preview_url"], landing.preview_url.as_str());
    assert!(
        record["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "app/page.tsx")
    );

    // The zip holds the project as stored, and `next build` accepts it.
    for site in ["landing", "legacy-quirks"] {
        let clone = cloned.iter().find(|c| c.site == site).unwrap();
        download_and_build(&client, &server, clone).await;
    }

    screenshots(&client, &server, &fixtures).await;
    wrong_preview_hosts_are_404(&client, &server, landing).await;
    chromium.session.goto(&landing.preview_url).await.unwrap();
    mark_page(&chromium).await;
    edit_through_the_api(&client, &server, landing).await;
    hot_updated(&chromium, "Edited through the API").await;
    chromium.close().await;
    let quirks = cloned.iter().find(|c| c.site == "legacy-quirks").unwrap();
    a_dead_dev_server_is_replaced(&client, &server, quirks, &sandboxes).await;
    path_traversal_is_refused(&client, &server, landing).await;
    full_server_and_client_disconnects(&client, &server, &fixtures, &sandboxes).await;

    // DELETE stops the preview and removes the clone.
    let deleted = cloned.iter().find(|c| c.site == "dark").unwrap();
    let response = client
        .delete(server.url(&format!("/api/clones/{}", deleted.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        processes_under(&sandboxes.join(&deleted.sandbox_id)).is_empty(),
        "the deleted clone's dev server still runs"
    );
    let gone = client.get(&deleted.preview_url).send().await.unwrap();
    assert_eq!(gone.status(), 404);
    assert!(
        gone.text()
            .await
            .unwrap()
            .contains("was deleted or has expired"),
        "the preview of a deleted clone says so"
    );
    let (status, _) = get_json(&client, &server.url(&format!("/api/clones/{}", deleted.id))).await;
    assert_eq!(status, 404);
    let response = client
        .delete(server.url(&format!("/api/clones/{}", deleted.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "a second DELETE finds nothing");

    // Graceful shutdown: exit 0, no dev server, chromedriver or browser left behind.
    let groups: Vec<i32> = children(server.child.id())
        .into_iter()
        .map(|(_, group)| group)
        .collect();
    assert!(
        !groups.is_empty(),
        "the server runs chromedriver and dev servers"
    );
    let status = server.terminate();
    assert!(status.success(), "{status}\n{}", server.stderr());
    let deadline = Instant::now() + Duration::from_secs(10);
    while groups.iter().any(|&g| group_alive(g)) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !groups.iter().any(|&g| group_alive(g)),
        "a process group of the server outlived it"
    );
    assert_eq!(processes_under(&sandboxes), Vec::<i32>::new());

    // A new server on the same data directory lists the clones again (without live previews).
    let first_port = server.port();
    let server = Served::start(&data, &sandboxes, &["--allow-private"], &[]);
    let (_, listing) = get_json(&client, &server.url("/api/clones")).await;
    let relisted: Vec<&Value> = listing["clones"].as_array().unwrap().iter().collect();
    for clone in cloned.iter().filter(|c| c.site != "dark") {
        let entry = relisted
            .iter()
            .find(|entry| entry["id"] == clone.id.as_str())
            .unwrap_or_else(|| panic!("{} is not listed after a restart", clone.site));
        assert_eq!(entry["status"], "done");
        assert_eq!(entry["preview_live"], false);
    }
    assert!(
        !relisted
            .iter()
            .any(|entry| entry["id"] == deleted.id.as_str())
    );
    let response = client
        .get(server.url(&format!("/api/clones/{}/files/app/layout.tsx", landing.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // The old preview URL led to the previous process's port; on this one, with this
    // process's tokens, the same host names no preview.
    let old = landing.preview_url.replace(
        &format!(":{port}/", port = first_port),
        &format!(":{}/", server.port()),
    );
    let response = client.get(&old).send().await.unwrap();
    assert_eq!(response.status(), 404);
}

/// A host under the preview domain whose label is not a clone's with its token: 404, and
/// nothing of the clone is served.
async fn wrong_preview_hosts_are_404(client: &reqwest::Client, server: &Served, clone: &Cloned) {
    let (host, _) = clone
        .preview_url
        .trim_start_matches("http://")
        .split_once(".preview.localhost")
        .unwrap();
    // The same label with the token's last digit changed.
    let (rest, last) = host.split_at(host.len() - 1);
    let flipped = format!("{rest}{}", if last == "0" { "1" } else { "0" });
    let port = server.port();
    for label in [
        flipped.as_str(),
        clone.id.as_str(),
        "20241122-070412-123-8f3a2c-00000000000000000000000000000000",
        "nothing",
    ] {
        let url = format!("http://{label}.preview.localhost:{port}/");
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 404, "{url}");
        assert_eq!(
            response.headers()["content-type"],
            "text/html; charset=utf-8"
        );
        let page = response.text().await.unwrap();
        assert!(
            page.contains("There is no preview at this address"),
            "{page}"
        );
        assert!(!page.contains(&clone.text), "{url}");
    }
    // The API is not reachable under a preview host.
    let url = format!("http://{host}.preview.localhost:{port}/health");
    let response = client.get(&url).send().await.unwrap();
    assert!(response.headers()["content-type"] != "application/json");
}

/// A preview whose `next dev` died answers 502 saying so, and the pool replaces the sandbox:
/// the same URL serves the clone again from a new sandbox.
async fn a_dead_dev_server_is_replaced(
    client: &reqwest::Client,
    server: &Served,
    clone: &Cloned,
    sandboxes: &Path,
) {
    let dead = sandboxes.join(&clone.sandbox_id);
    kill_dev_server(&dead);
    wait_for(
        "the killed dev server to be gone",
        Duration::from_secs(10),
        async || processes_under(&dead).is_empty(),
    )
    .await;
    let response = client.get(&clone.preview_url).send().await.unwrap();
    assert_eq!(response.status(), 502);
    assert!(response.headers().contains_key("retry-after"));
    let page = response.text().await.unwrap();
    assert!(
        page.contains("dev server of this preview stopped"),
        "{page}"
    );
    wait_for(
        "the preview to be served by a new sandbox",
        Duration::from_secs(180),
        async || match client.get(&clone.preview_url).send().await {
            Ok(page) if page.status() == 200 => page
                .text()
                .await
                .is_ok_and(|html| html.contains(&clone.text)),
            _ => false,
        },
    )
    .await;
    let (_, record) = get_json(client, &server.url(&format!("/api/clones/{}", clone.id))).await;
    assert_eq!(record["preview_live"], true);
    assert_eq!(record["preview_url"], clone.preview_url.as_str());
    assert_ne!(record["sandbox_id"], clone.sandbox_id.as_str(), "{record}");
}

/// GET download: a zip of exactly the stored files under one folder, which `next build` builds.
async fn download_and_build(client: &reqwest::Client, server: &Served, clone: &Cloned) {
    let response = client
        .get(server.url(&format!("/api/clones/{}/download", clone.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let bytes = response.bytes().await.unwrap();
    let (_, listing) = get_json(
        client,
        &server.url(&format!("/api/clones/{}/files", clone.id)),
    )
    .await;
    let stored: Vec<(String, u64)> = listing["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["size"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let folder = format!("replica-{}/", clone.id);
    let mut zipped = Vec::new();
    for index in 0..archive.len() {
        let file = archive.by_index(index).unwrap();
        let name = file.name().unwrap().into_owned();
        let path = name.strip_prefix(&folder).unwrap().to_string();
        zipped.push((path, file.size()));
    }
    assert_eq!(zipped, stored, "{}: zip against the file list", clone.site);
    // Nothing of the preview proxy is in the project: the template's next.config, and no file
    // names the preview host or the server's port.
    let template_config = std::fs::read(
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../crates/sandbox-pool/template/next.config.mjs"),
    )
    .unwrap();
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).unwrap();
        let name = file.name().unwrap().into_owned();
        let mut contents = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut contents).unwrap();
        if name.ends_with("/next.config.mjs") {
            assert_eq!(contents, template_config, "{}: next.config.mjs", clone.site);
        }
        let text = String::from_utf8_lossy(&contents);
        for leak in [
            "preview.localhost",
            server.addr(),
            "x-forwarded",
            "assetPrefix",
            "basePath",
        ] {
            assert!(
                !text.contains(leak),
                "{}: {name} mentions {leak}",
                clone.site
            );
        }
    }

    let unpacked = tempfile::tempdir().unwrap();
    archive.extract(unpacked.path()).unwrap();
    let project = unpacked.path().join(folder.trim_end_matches('/'));
    let template =
        replica_sandbox_pool::install_template(&replica_sandbox_pool::default_cache_dir(|name| {
            std::env::var(name).ok()
        }))
        .expect("the sandbox template is installed");
    std::os::unix::fs::symlink(template.node_modules(), project.join("node_modules")).unwrap();
    let next = template.node_modules().join("next/dist/bin/next");
    let output = tokio::time::timeout(
        Duration::from_secs(300),
        tokio::process::Command::new("node")
            .arg(next)
            .arg("build")
            .current_dir(&project)
            .env("NEXT_TELEMETRY_DISABLED", "1")
            .stdin(Stdio::null())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("next build finishes within 300 s")
    .unwrap();
    assert!(
        output.status.success(),
        "{}: next build failed:\n{}\n{}",
        clone.site,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// POST /screenshot: a PNG data URL at the device's pixel width.
async fn screenshots(client: &reqwest::Client, server: &Served, fixtures: &FixtureServer) {
    use base64::Engine as _;
    let url = fixtures.url("/landing/index.html");
    for (device, full_page, width, min_height, max_height) in [
        ("desktop", false, 1280, 720, 720),
        ("mobile", true, 750, 1335, 12_000),
    ] {
        let response = client
            .post(server.url("/screenshot"))
            .json(&json!({ "url": url, "device": device, "fullPage": full_page }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{device}");
        let answer: Value = response.json().await.unwrap();
        let encoded = answer["image"]
            .as_str()
            .unwrap()
            .strip_prefix("data:image/png;base64,")
            .expect("a PNG data URL");
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{device}");
        // IHDR: width and height, big-endian, right after the signature and chunk header.
        let size = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        let (got_width, got_height) = (size(16), size(20));
        assert_eq!(got_width, width, "{device}");
        assert!(
            (min_height..=max_height).contains(&got_height),
            "{device}: {got_width}x{got_height}"
        );
    }
    let response = client
        .post(server.url("/screenshot"))
        .json(&json!({ "url": url, "device": "tablet" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = client
        .post(server.url("/screenshot"))
        .json(&json!({ "url": fixtures.url("/_status/404") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
}

/// PUT a component: the store has the new text and the live preview hot-reloads it.
async fn edit_through_the_api(client: &reqwest::Client, server: &Served, clone: &Cloned) {
    let (_, listing) = get_json(
        client,
        &server.url(&format!("/api/clones/{}/files", clone.id)),
    )
    .await;
    let mut edited = None;
    for file in listing["files"].as_array().unwrap() {
        let path = file["path"].as_str().unwrap();
        if !path.starts_with("components/") {
            continue;
        }
        let url = server.url(&format!("/api/clones/{}/files/{path}", clone.id));
        let source = client.get(&url).send().await.unwrap().text().await.unwrap();
        if source.contains(&clone.text) {
            edited = Some((url, source.replace(&clone.text, "Edited through the API")));
            break;
        }
    }
    let (url, source) = edited.expect("a component holds the page's text");
    let response = client.put(&url).body(source.clone()).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["preview_updated"], true, "{answer}");
    let stored = client.get(&url).send().await.unwrap().text().await.unwrap();
    assert_eq!(stored, source);
    wait_for(
        "the preview to hot-reload the edit",
        Duration::from_secs(60),
        async || match client.get(&clone.preview_url).send().await {
            Ok(page) => page
                .text()
                .await
                .is_ok_and(|html| html.contains("Edited through the API")),
            Err(_) => false,
        },
    )
    .await;

    let too_big = vec![b'x'; 5 * 1024 * 1024 + 1];
    let response = client.put(&url).body(too_big).send().await.unwrap();
    assert_eq!(response.status(), 413);
}

async fn path_traversal_is_refused(client: &reqwest::Client, server: &Served, clone: &Cloned) {
    let files = format!("/api/clones/{}/files", clone.id);
    let (status, _) =
        raw_request(server.addr(), "GET", &format!("{files}/app/page.tsx"), b"").await;
    assert_eq!(status, 200, "a plain path is served");
    for target in [
        "/../record.json",
        "/app/../../record.json",
        "/%2e%2e/record.json",
        "/%2E%2E%2Frecord.json",
        "/app/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
        "/%2Fetc%2Fpasswd",
        "/app%00.jsx",
        "/app/page.jsx%00",
        "/app%5C..%5C..%5Crecord.json",
        "/./app/page.jsx",
    ] {
        for method in ["GET", "PUT"] {
            let (status, body) =
                raw_request(server.addr(), method, &format!("{files}{target}"), b"x").await;
            assert_eq!(status, 400, "{method} {target}: {body}");
            let error: Value = serde_json::from_str(&body).unwrap();
            assert!(
                error["error"]
                    .as_str()
                    .unwrap()
                    .contains("invalid project path"),
                "{body}"
            );
        }
    }
    for target in ["/api/clones/..%2F..%2Fetc", "/api/clones/../clones"] {
        let (status, body) = raw_request(server.addr(), "GET", target, b"").await;
        assert!(status == 400 || status == 404, "{target}: {status} {body}");
    }
    // Nothing was written outside the project.
    let (_, listing) = get_json(client, &server.url(&files)).await;
    assert!(
        listing["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["path"].as_str().unwrap().contains("..")),
        "{listing}"
    );
}

/// With `--max-clones 2` running, a third clone waits in the queue (`--max-queued 1`) and a
/// fourth gets 429; a client that goes away re-attaches where it left off; a clone nobody
/// follows for `--orphan-timeout` is cancelled and its sandbox released.
async fn full_server_and_client_disconnects(
    client: &reqwest::Client,
    server: &Served,
    fixtures: &FixtureServer,
    sandboxes: &Path,
) {
    // The fixture server answers this page only after 3 s, so the clones stay busy a while.
    let slow = fixtures.url("/_delay/3000/one-block/index.html");
    let mut first = EventStream::open(client, server, json!({ "url": slow })).await;
    let mut second = EventStream::open(client, server, json!({ "url": slow })).await;
    let first_id = first.until("clone_created").await["clone_id"].clone();
    let second_id = second.until("clone_created").await["clone_id"].clone();
    let mut third = EventStream::open(client, server, json!({ "url": slow })).await;
    let third_id = third.until("clone_created").await["clone_id"].clone();
    assert_eq!(
        third.next().await.unwrap(),
        json!({ "type": "queued", "position": 1 })
    );
    let third_url = server.url(&format!("/api/clones/{}", third_id.as_str().unwrap()));
    assert_eq!(get_json(client, &third_url).await.1["status"], "queued");
    let response = client
        .post(server.url("/clone/stream"))
        .json(&json!({ "url": slow }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(
        response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    let (_, health) = get_json(client, &server.url("/health")).await;
    assert_eq!(
        (
            health["clones_running"].clone(),
            health["clones_queued"].clone()
        ),
        (json!(2), json!(1))
    );

    // Files of a running clone are the pipeline's until it is done.
    let second_url = server.url(&format!("/api/clones/{}", second_id.as_str().unwrap()));
    let (status, body) = raw_request(
        server.addr(),
        "PUT",
        &format!(
            "/api/clones/{}/files/app/page.jsx",
            second_id.as_str().unwrap()
        ),
        b"x",
    )
    .await;
    assert_eq!(status, 409, "{body}");
    // DELETE stops a running clone: its stream ends with an error saying so.
    let response = client.delete(&second_url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let (events, _) = second.collect().await;
    let last = events.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["code"].as_str()),
        (Some("error"), Some("deleted")),
        "{events:?}"
    );
    assert!(
        last["message"].as_str().unwrap().contains("deleted"),
        "{last}"
    );
    assert_eq!(get_json(client, &second_url).await.0, 404);
    // The queued clone takes the freed slot and goes on with the usual events.
    assert_eq!(third.next().await.unwrap()["type"], "step");

    // A client that goes away: the clone goes on, and the client re-attaches after the last
    // event it saw (well within the orphan timeout).
    third.until("scrape_done").await;
    let seen = third.last_id.unwrap();
    drop(third);
    let third_id = third_id.as_str().unwrap();
    let response = client
        .get(server.url(&format!("/api/clones/{third_id}/events")))
        .header("last-event-id", seen.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut resumed = EventStream::of(response);
    let next = resumed.next().await.unwrap();
    assert_eq!(resumed.last_id, Some(seen + 1));
    assert_eq!(next["type"], "step", "{next}");
    let (events, _) = resumed.collect().await;
    assert_eq!(events.last().unwrap()["type"], "done", "{events:?}");
    // Replayed from the start once it has ended: every event once, `done` last.
    let response = client
        .get(format!("{third_url}/events"))
        .send()
        .await
        .unwrap();
    let (replayed, _) = EventStream::of(response).collect().await;
    assert_eq!(replayed[0]["type"], "clone_created");
    assert_eq!(replayed.len() as u64, seen + 1 + events.len() as u64);
    assert_eq!(
        client.delete(&third_url).send().await.unwrap().status(),
        200
    );

    let first_url = server.url(&format!("/api/clones/{}", first_id.as_str().unwrap()));
    let (events, _) = first.collect().await;
    assert_eq!(events.last().unwrap()["type"], "done", "{events:?}");
    assert_eq!(
        client.delete(&first_url).send().await.unwrap().status(),
        200
    );

    // A clone nobody follows any more is cancelled after the orphan timeout (2 s here), and
    // its deployed sandbox stops (refining keeps it busy well past `deployed`).
    let mut orphan =
        EventStream::open(client, server, json!({ "url": slow, "refine": true })).await;
    let orphan_id = orphan.until("clone_created").await["clone_id"].clone();
    let orphan_url = server.url(&format!("/api/clones/{}", orphan_id.as_str().unwrap()));
    let deployed = orphan.until("deployed").await;
    let sandbox = sandboxes.join(deployed["sandbox_id"].as_str().unwrap());
    assert!(!processes_under(&sandbox).is_empty(), "the preview runs");
    drop(orphan);
    wait_for(
        "a clone nobody follows to be cancelled",
        Duration::from_secs(60),
        async || get_json(client, &orphan_url).await.1["status"] == "cancelled",
    )
    .await;
    wait_for(
        "the deployed sandbox to stop",
        Duration::from_secs(30),
        async || processes_under(&sandbox).is_empty(),
    )
    .await;
    let response = client
        .get(format!("{orphan_url}/events"))
        .send()
        .await
        .unwrap();
    let (events, _) = EventStream::of(response).collect().await;
    assert_eq!(events.last().unwrap()["code"], "orphaned", "{events:?}");
    let (_, health) = get_json(client, &server.url("/health")).await;
    assert_eq!(health["clones_running"], 0);
}

#[test]
fn a_bad_preview_host_stops_the_server_at_start() {
    let dir = tempfile::tempdir().unwrap();
    for (value, expected) in [
        ("ftp://preview.example.com", "is not http or https"),
        ("preview.example.com/path", "expected a domain name"),
        ("preview.example.com:port", "is not a port"),
    ] {
        let output = replica()
            .args(["serve", "--addr", "127.0.0.1:0", "--preview-host", value])
            .env("REPLICA_DATA_DIR", dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("--preview-host") && stderr.contains(expected),
            "{value}: {stderr}"
        );
        assert!(
            !stderr.contains("starting the browser"),
            "{value}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_refuses_bad_requests_with_clear_errors() {
    let fixtures = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let client = client();
    let mut server = Served::start(
        &data,
        &dir.path().join("sandboxes"),
        &["--max-json-bytes", "2048"],
        &[(
            "REPLICA_CORS_ORIGINS",
            "http://app.example, http://other.example",
        )],
    );

    let (status, health) = get_json(&client, &server.url("/health")).await;
    assert_eq!(status, 200);
    assert_eq!(health["ok"], true);
    assert_eq!(health["allow_private"], false);
    assert_eq!(health["clones_running"], 0);

    // Private targets are refused before anything starts (and nothing is stored).
    for url in [
        fixtures.url("/landing/index.html"),
        "http://localhost:3000/".to_string(),
        "http://169.254.169.254/latest/meta-data/".to_string(),
        "http://10.0.0.1/".to_string(),
        "http://[::1]/".to_string(),
    ] {
        for route in ["/clone/stream", "/screenshot"] {
            let response = client
                .post(server.url(route))
                .json(&json!({ "url": url }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 403, "{route} {url}");
            let error: Value = response.json().await.unwrap();
            assert!(
                error["error"].as_str().unwrap().contains("--allow-private"),
                "{error}"
            );
        }
    }
    let (_, listing) = get_json(&client, &server.url("/api/clones")).await;
    assert_eq!(listing["clones"], json!([]));
    assert_eq!(std::fs::read_dir(data.join("clones")).unwrap().count(), 0);

    // Malformed bodies and URLs: 400 naming the problem.
    for (body, expected) in [
        ("{\"url\": ", "invalid JSON body"),
        ("{}", "missing field `url`"),
        ("{\"url\": \"ftp://example.com/\"}", "only http and https"),
        ("{\"url\": \"not a url\"}", "invalid URL"),
        (
            "{\"url\": \"https://example.com/\", \"style\": \"baroque\"}",
            "unknown variant `baroque`",
        ),
        (
            "{\"url\": \"https://example.com/\", \"refine_max_iterations\": 1000}",
            "at most 10",
        ),
        (
            "{\"url\": \"https://example.com/\", \"refine_threshold\": 2}",
            "between 0 and 1",
        ),
    ] {
        let response = client
            .post(server.url("/clone/stream"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"].as_str().unwrap().contains(expected),
            "{body}: {error}"
        );
    }
    let response = client
        .post(server.url("/clone/stream"))
        .body(format!(
            "{{\"url\": \"https://example.com/{}\"}}",
            "a".repeat(4096)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);

    // Routes and methods.
    for (method, path, status) in [
        ("GET", "/clone/stream", 405),
        ("DELETE", "/api/clones", 405),
        ("POST", "/api/clones/20241122-070412-123-8f3a2c/files", 405),
        ("GET", "/nowhere", 404),
        ("GET", "/api/clones/20241122-070412-123-8f3a2c", 404),
        (
            "GET",
            "/api/clones/20241122-070412-123-8f3a2c/files/app/page.jsx",
            404,
        ),
        (
            "GET",
            "/api/clones/20241122-070412-123-8f3a2c/download",
            404,
        ),
        ("DELETE", "/api/clones/20241122-070412-123-8f3a2c", 404),
        ("GET", "/api/clones/not-an-id", 400),
        (
            "GET",
            "/api/clones/20241122-070412-123-8f3a2c/files/../x",
            400,
        ),
    ] {
        let (got, body) = raw_request(server.addr(), method, path, b"").await;
        assert_eq!(got, status, "{method} {path}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap();
        assert!(error["error"].is_string(), "{body}");
    }

    // CORS: the configured origins only.
    let preflight = |origin: &'static str| {
        client
            .request(reqwest::Method::OPTIONS, server.url("/clone/stream"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("http://other.example").await.unwrap();
    assert_eq!(allowed.status(), 204);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://other.example"
    );
    assert!(
        allowed.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(
        allowed.headers()["access-control-allow-headers"],
        "content-type"
    );
    let refused = preflight("http://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    let response = client
        .get(server.url("/health"))
        .header("origin", "http://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://app.example"
    );
    let error = client
        .get(server.url("/nowhere"))
        .header("origin", "http://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error.headers()["access-control-allow-origin"],
        "http://app.example"
    );

    let status = server.terminate();
    assert!(status.success(), "{status}\n{}", server.stderr());
    // The pool's warm sandbox (maybe still starting) went with it.
    assert_eq!(
        processes_under(&dir.path().join("sandboxes")),
        Vec::<i32>::new()
    );
}
