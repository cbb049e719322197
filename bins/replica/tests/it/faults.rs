//! Faults the server survives: a model that answers 429, then 529, then cuts its stream; a
//! full disk under the store. Each ends with a recovered clone or a typed error event, and
//! what was finished before stays readable. The first also greps everything the server
//! printed (JSON log lines) for the API key, the API token and the preview token.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use replica_fixture_server::FixtureServer;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers};

use crate::server::{EventStream, Served, get_json};
use crate::sites;

const TOKEN: &str = "fault-token-0123456789abcdef";
const API_KEY: &str = "sk-ant-fault-test-secret-key-0042";

/// 429, then 529, then for every later request a stream that stops after its first delta.
struct Unreliable {
    requests: AtomicUsize,
}

impl Respond for Unreliable {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        match self.requests.fetch_add(1, Ordering::SeqCst) {
            0 => ResponseTemplate::new(429)
                .insert_header("retry-after", "0")
                .set_body_json(json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})),
            1 => ResponseTemplate::new(529)
                .set_body_json(json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})),
            _ => ResponseTemplate::new(200)
                .insert_header("content-type", "text/event-stream")
                .set_body_string(concat!(
                    "event: message_start\n",
                    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n",
                    "event: content_block_start\n",
                    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n",
                    "event: content_block_delta\n",
                    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"export default function\"}}\n\n",
                )),
        }
    }
}

fn authorized() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
    reqwest::Client::builder()
        .no_proxy()
        .default_headers(headers)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_that_fails_every_way_still_gives_a_clone_and_no_secret_is_printed() {
    let fixtures = FixtureServer::start(sites()).await.unwrap();
    let model = MockServer::start().await;
    let unreliable = Unreliable {
        requests: AtomicUsize::new(0),
    };
    Mock::given(matchers::method("POST"))
        .and(matchers::path("/v1/messages"))
        .respond_with(unreliable)
        .mount(&model)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Served::start(
        &dir.path().join("data"),
        &dir.path().join("sandboxes"),
        &["--allow-private"],
        &[
            ("REPLICA_API_TOKEN", TOKEN),
            ("REPLICA_LLM", "anthropic"),
            ("ANTHROPIC_API_KEY", API_KEY),
            ("ANTHROPIC_BASE_URL", &model.uri()),
            ("REPLICA_LOG", "json"),
            ("RUST_LOG", "info,replica_scrape=debug,replica_llm=debug"),
        ],
    );
    let client = authorized();
    let stream = EventStream::open(
        &client,
        &server,
        json!({ "url": fixtures.url("/landing/index.html"), "generator": "llm" }),
    )
    .await;
    let (events, _) = stream.collect().await;
    let done = events.last().unwrap();
    assert_eq!(done["type"], "done", "{events:?}");
    let id = done["clone_id"].as_str().unwrap().to_string();
    // Every section fell back to the compiler and said why.
    let fallbacks = events
        .iter()
        .filter(|e| {
            e["type"] == "warning"
                && e["message"]
                    .as_str()
                    .unwrap()
                    .contains("written by the deterministic compiler")
        })
        .count();
    assert!(fallbacks > 0, "{events:?}");
    let asked = model.received_requests().await.unwrap().len();
    assert!(asked >= 3, "the model was asked {asked} times");
    // The preview is served through the server (a logged request with the clone's id).
    let preview_url = done["preview_url"]
        .as_str()
        .unwrap_or_else(|| panic!("no preview: {events:?}"))
        .to_string();
    let preview_token = preview_url
        .trim_start_matches("http://")
        .split('.')
        .next()
        .unwrap()
        .strip_prefix(&format!("{id}-"))
        .unwrap()
        .to_string();
    let page = crate::server::client()
        .get(&preview_url)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let (status, record) = get_json(&client, &server.url(&format!("/api/clones/{id}"))).await;
    assert_eq!((status, record["status"].as_str()), (200, Some("done")));

    let status = server.terminate();
    assert!(status.success(), "{status}");
    let printed = server.stderr();
    for secret in [API_KEY, TOKEN, preview_token.as_str()] {
        assert!(
            !printed.contains(secret),
            "{secret:?} was printed:\n{printed}"
        );
    }
    // JSON lines; requests and the clone's work carry the clone id.
    let lines: Vec<Value> = printed
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let with_id = |line: &&Value| {
        line["spans"]
            .as_array()
            .is_some_and(|spans| spans.iter().any(|span| span["clone_id"] == id.as_str()))
    };
    let answered: Vec<&Value> = lines
        .iter()
        .filter(|line| line["fields"]["message"] == "answered")
        .collect();
    assert!(
        answered
            .iter()
            .any(|line| line["span"]["path"] == "/clone/stream" && with_id(line)),
        "{printed}"
    );
    assert!(
        answered.iter().any(|line| line["fields"]["status"] == 200
            && line["span"]["path"] == "/"
            && with_id(line)),
        "the preview request: {printed}"
    );
    assert!(
        lines.iter().filter(with_id).any(|line| line["target"]
            .as_str()
            .unwrap()
            .starts_with("replica_scrape")),
        "the scrape's lines: {printed}"
    );
    assert!(
        lines
            .iter()
            .filter(with_id)
            .any(|line| line["fields"]["message"] == "clone done"),
        "{printed}"
    );
}

/// A size-capped tmpfs mounted for the test, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Tmpfs {
        std::fs::create_dir_all(dir).unwrap();
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .expect("mount runs");
        assert!(
            status.success(),
            "mounting a tmpfs needs root (CI runs as root)"
        );
        Tmpfs {
            dir: dir.to_path_buf(),
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.dir)
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_ends_the_clone_with_a_typed_error_and_keeps_finished_clones() {
    let fixtures = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let disk = Tmpfs::mount(&data, "64m");
    let server = Served::start(
        &data,
        &dir.path().join("sandboxes"),
        &["--allow-private"],
        &[],
    );
    let client = crate::server::client();
    let stream = EventStream::open(
        &client,
        &server,
        json!({ "url": fixtures.url("/dark/index.html") }),
    )
    .await;
    let (events, _) = stream.collect().await;
    let done = events.last().unwrap();
    assert_eq!(done["type"], "done", "{events:?}");
    let kept = done["clone_id"].as_str().unwrap().to_string();

    // Fill the disk, all but a few kilobytes.
    let filler = data.join("filler");
    let free = rustix::fs::statvfs(&data).unwrap();
    let bytes = (free.f_bavail * free.f_frsize).saturating_sub(16 * 1024);
    std::fs::write(&filler, vec![0u8; bytes as usize]).unwrap_or(());

    let stream = EventStream::open(
        &client,
        &server,
        json!({ "url": fixtures.url("/landing/index.html") }),
    )
    .await;
    let (events, _) = stream.collect().await;
    let last = events.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["code"].as_str()),
        (Some("error"), Some("disk_full")),
        "{events:?}"
    );
    let failed = events[0]["clone_id"].as_str().unwrap().to_string();
    let (_, record) = get_json(&client, &server.url(&format!("/api/clones/{failed}"))).await;
    assert_eq!(record["status"], "failed", "{record}");
    assert_eq!(record["preview_live"], false);
    // The clone finished before is whole (TypeScript, the default).
    let (status, record) = get_json(&client, &server.url(&format!("/api/clones/{kept}"))).await;
    assert_eq!((status, record["status"].as_str()), (200, Some("done")));
    let page = client
        .get(server.url(&format!("/api/clones/{kept}/files/app/page.tsx")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    drop(server);
    drop(disk);
}

/// The direct children of `pid` whose command is `name`, with their process groups.
fn children_named(pid: u32, name: &str) -> Vec<(i32, i32)> {
    crate::children(pid)
        .into_iter()
        .filter(|(child, _)| {
            std::fs::read_to_string(format!("/proc/{child}/comm"))
                .is_ok_and(|comm| comm.trim() == name)
        })
        .collect()
}

/// The last event of a clone that met a fault: an error of `stage`, or `done` when the clone
/// got past the fault (the fault came too late to matter).
fn failed_at_or_recovered(events: &[Value], stage: &str) {
    let last = events.last().unwrap();
    let ok = last["type"] == "done" || (last["type"] == "error" && last["stage"] == stage);
    assert!(ok, "expected error{{stage: {stage}}} or done: {events:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_chromedriver_browser_and_dev_server_fail_their_clone_and_the_next_one_works() {
    let fixtures = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sandboxes = dir.path().join("sandboxes");
    let mut server = Served::start(
        &dir.path().join("data"),
        &sandboxes,
        &["--allow-private"],
        &[],
    );
    let client = crate::server::client();
    let slow = json!({ "url": fixtures.url("/_delay/3000/one-block/index.html") });
    let mut groups = Vec::new();

    // chromedriver killed (with its browsers) while the page loads: the scrape fails.
    let mut stream = EventStream::open(&client, &server, slow.clone()).await;
    stream.until("clone_created").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let drivers = children_named(server.pid(), "chromedriver");
    assert_eq!(drivers.len(), 1, "one chromedriver");
    replica_sandbox_pool::kill_process_group(drivers[0].1);
    let (events, _) = stream.collect().await;
    let last = events.last().unwrap();
    assert_eq!(
        (last["type"].as_str(), last["stage"].as_str()),
        (Some("error"), Some("scrape")),
        "{events:?}"
    );

    // The browsers killed (chromedriver lives, a new one was started for this clone).
    let mut stream = EventStream::open(&client, &server, slow.clone()).await;
    stream.until("clone_created").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let drivers = children_named(server.pid(), "chromedriver");
    assert_eq!(drivers.len(), 1, "a new chromedriver");
    groups.push(drivers[0].1);
    for (browser, _) in crate::children(drivers[0].0 as u32) {
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_raw(browser).unwrap(),
            rustix::process::Signal::KILL,
        );
    }
    let (events, _) = stream.collect().await;
    failed_at_or_recovered(&events, "scrape");

    // `next dev` killed once the files are deployed, while the page compiles.
    let mut stream = EventStream::open(
        &client,
        &server,
        json!({ "url": fixtures.url("/landing/index.html") }),
    )
    .await;
    let deployed = stream.until("deployed").await;
    let sandbox = sandboxes.join(deployed["sandbox_id"].as_str().unwrap());
    for pid in replica_sandbox_pool::processes_under(&sandbox) {
        let _ = rustix::process::kill_process(
            rustix::process::Pid::from_raw(pid).unwrap(),
            rustix::process::Signal::KILL,
        );
    }
    let (events, _) = stream.collect().await;
    failed_at_or_recovered(&events, "compile");
    if events.last().unwrap()["type"] == "error" {
        assert!(
            replica_sandbox_pool::processes_under(&sandbox).is_empty(),
            "a failed clone's sandbox is let go"
        );
    }

    // The next clone runs as if nothing happened.
    let stream = EventStream::open(
        &client,
        &server,
        json!({ "url": fixtures.url("/one-block/index.html") }),
    )
    .await;
    let (events, _) = stream.collect().await;
    assert_eq!(events.last().unwrap()["type"], "done", "{events:?}");
    let (_, listing) = get_json(&client, &server.url("/api/clones")).await;
    assert_eq!(listing["clones"].as_array().unwrap().len(), 4);

    groups.extend(
        crate::children(server.pid())
            .into_iter()
            .map(|(_, group)| group),
    );
    let status = server.terminate();
    assert!(status.success(), "{status}");
    wait_for_groups_to_end(&groups).await;
    assert_eq!(
        replica_sandbox_pool::processes_under(&sandboxes),
        Vec::<i32>::new()
    );
}

async fn wait_for_groups_to_end(groups: &[i32]) {
    crate::server::wait_for(
        "every process group of the server to end",
        std::time::Duration::from_secs(15),
        async || !groups.iter().any(|&group| crate::group_alive(group)),
    )
    .await;
}
