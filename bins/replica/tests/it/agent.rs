//! The agent through `replica serve` (a real WebSocket client, SSE over HTTP, a restart) and
//! through `replica chat` / `replica new`, with scripted models.

use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use replica_core::{Lang, ProjectFiles};
use replica_pipeline::{CloneId, CloneStore, read_project_dir, template_project};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::replica;
use crate::server::Served;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn script(name: &str) -> String {
    root()
        .join("fixtures/llm/scripts")
        .join(name)
        .display()
        .to_string()
}

/// The bakery fixture project (the template's configs and fixtures/projects/bakery).
fn bakery() -> ProjectFiles {
    let mut files = template_project(Lang::JavaScript);
    let bakery = read_project_dir(&root().join("fixtures/projects/bakery")).unwrap();
    files.files.extend(bakery.files);
    files
}

fn bakery_clone(data: &Path) -> CloneId {
    let store = CloneStore::open(data).unwrap();
    let id = store.create("http://127.0.0.1:41730/bakery/").unwrap();
    store.save_files(&id, &bakery()).unwrap();
    store
        .update(&id, |record| {
            record.status = replica_pipeline::CloneStatus::Done
        })
        .unwrap();
    id
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next event on the socket (pings are answered by the client library and counted).
async fn next_event(socket: &mut Socket, pings: &mut u32) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(120), socket.next())
            .await
            .expect("an event within 2 minutes")
            .expect("the socket stays open")
            .unwrap();
        match message {
            Message::Text(text) => return serde_json::from_str(&text).unwrap(),
            Message::Ping(_) => *pings += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
}

async fn send(socket: &mut Socket, value: Value) {
    socket
        .send(Message::Text(value.to_string().into()))
        .await
        .unwrap();
}

/// Events until the turn's terminal one (`complete`, or an `error` with a turn code);
/// `on_event` may act on each (send a stop, say).
async fn turn_events(
    socket: &mut Socket,
    pings: &mut u32,
    mut on_event: impl AsyncFnMut(&mut Socket, &Value),
) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let event = next_event(socket, pings).await;
        on_event(socket, &event).await;
        let end = event["type"] == "complete";
        events.push(event);
        if end {
            return events;
        }
    }
}

/// Event types in order, one `stream` for consecutive text, errors of other requests left out.
fn shape(events: &[Value]) -> Vec<String> {
    let mut shape: Vec<String> = Vec::new();
    for event in events {
        let kind = event["type"].as_str().unwrap().to_owned();
        if kind == "stream" && shape.last().is_some_and(|last| last == "stream") || kind == "error"
        {
            continue;
        }
        shape.push(kind);
    }
    shape
}

/// Reads an SSE response to its end; `on_event` sees each event as it arrives.
async fn sse_events(
    response: reqwest::Response,
    mut on_event: impl AsyncFnMut(&Value),
) -> Vec<Value> {
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut events = Vec::new();
    let mut buffer = String::new();
    let mut response = response;
    while let Some(chunk) = response.chunk().await.unwrap() {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(data) = frame.lines().find_map(|line| line.strip_prefix("data: ")) {
                let event: Value = serde_json::from_str(data).unwrap();
                assert!(frame.starts_with("id: "), "{frame}");
                on_event(&event).await;
                events.push(event);
            }
        }
    }
    events
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_and_sse_drive_turns_and_a_restart_resumes_the_session() {
    let data = tempfile::TempDir::new().unwrap();
    let sandboxes = tempfile::TempDir::new().unwrap();
    let id = bakery_clone(data.path());
    let env = [
        ("REPLICA_LLM", "replay"),
        ("REPLICA_LLM_SCRIPT", &script("agent-server.json") as &str),
    ];
    let mut served = Served::start(data.path(), sandboxes.path(), &["--heartbeat", "1"], &env);
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/ws/chat", served.addr()))
            .await
            .unwrap();
    let mut pings = 0;

    // Bad messages get error events; the socket stays open.
    send(&mut socket, json!({"type": "hello"})).await;
    let error = next_event(&mut socket, &mut pings).await;
    assert_eq!(
        (error["type"].as_str(), error["code"].as_str()),
        (Some("error"), Some("bad_message"))
    );
    socket
        .send(Message::Text("{not json".into()))
        .await
        .unwrap();
    assert_eq!(
        next_event(&mut socket, &mut pings).await["code"],
        "bad_message"
    );
    send(
        &mut socket,
        json!({"type": "init", "project_id": "20240101-000000-000-000000"}),
    )
    .await;
    let unknown = next_event(&mut socket, &mut pings).await;
    assert_eq!(unknown["code"], "not_found");
    assert!(
        unknown["message"]
            .as_str()
            .unwrap()
            .contains("20240101-000000-000-000000")
    );

    send(
        &mut socket,
        json!({"type": "init", "project_id": id.as_str()}),
    )
    .await;
    let session = next_event(&mut socket, &mut pings).await;
    assert_eq!(session["type"], "session", "{session}");
    assert_eq!(session["project_id"], id.as_str());
    let session_id = session["session_id"].as_str().unwrap().to_owned();

    // An edit: the tool rows, the file, the final check's compile, checkpoint, complete.
    send(&mut socket, json!({"type": "message", "session_id": session_id, "text": "make the hero say Warm bread all day"})).await;
    let first = turn_events(&mut socket, &mut pings, async |_, _| {}).await;
    assert_eq!(
        shape(&first),
        [
            "tool_start",
            "file_updated",
            "tool_result",
            "stream",
            "checkpoint",
            "complete"
        ],
        "{first:#?}"
    );
    let complete = first.last().unwrap();
    assert_eq!(complete["compiled"], true, "{first:#?}");
    assert_eq!(complete["files_changed"], json!(["components/Hero.jsx"]));

    // A turn stopped while its screenshot runs; a message meanwhile is refused (busy).
    send(
        &mut socket,
        json!({"type": "message", "session_id": session_id, "text": "show me the page"}),
    )
    .await;
    let stop = json!({"type": "stop", "session_id": session_id});
    let busy = json!({"type": "message", "session_id": session_id, "text": "too soon"});
    let second = turn_events(&mut socket, &mut pings, async |socket, event| {
        if event["type"] == "tool_start" {
            send(socket, busy.clone()).await;
            send(socket, stop.clone()).await;
        }
    })
    .await;
    assert_eq!(
        shape(&second),
        ["tool_start", "tool_result", "checkpoint", "complete"],
        "{second:#?}"
    );
    assert!(
        second
            .iter()
            .any(|e| e["type"] == "error" && e["code"] == "busy"),
        "{second:#?}"
    );
    assert_eq!(second.last().unwrap()["stopped"], true);
    let screenshot = second.iter().find(|e| e["type"] == "tool_result").unwrap();
    assert_eq!(screenshot["ok"], false, "{screenshot}");

    // The session goes on after a stop.
    send(
        &mut socket,
        json!({"type": "message", "session_id": session_id, "text": "are you there?"}),
    )
    .await;
    let third = turn_events(&mut socket, &mut pings, async |_, _| {}).await;
    assert_eq!(
        shape(&third),
        ["stream", "checkpoint", "complete"],
        "{third:#?}"
    );
    assert!(pings >= 1, "the server pings every heartbeat");
    socket.close(None).await.unwrap();

    // The same over HTTP: a session, a turn as SSE, a stop, bad input.
    let http = reqwest::Client::new();
    let created: Value = http
        .post(served.url(&format!("/api/projects/{id}/sessions")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let http_session = created["session_id"].as_str().unwrap().to_owned();
    let message = |text: &str| {
        http.post(served.url(&format!("/api/sessions/{http_session}/messages")))
            .json(&json!({ "text": text }))
            .send()
    };
    let events = sse_events(
        message("make the hero say Fresh bread every morning")
            .await
            .unwrap(),
        async |_| {},
    )
    .await;
    assert_eq!(
        shape(&events),
        [
            "tool_start",
            "file_updated",
            "tool_result",
            "stream",
            "checkpoint",
            "complete"
        ]
    );
    // A screenshot reaches the model as an image (the script checks it).
    let events = sse_events(
        message("show me the mobile page").await.unwrap(),
        async |_| {},
    )
    .await;
    assert_eq!(
        shape(&events),
        [
            "tool_start",
            "tool_result",
            "stream",
            "checkpoint",
            "complete"
        ],
        "{events:#?}"
    );
    let stop_url = served.url(&format!("/api/sessions/{http_session}/stop"));
    let events = sse_events(
        message("show me the desktop page").await.unwrap(),
        async |event| {
            if event["type"] == "tool_start" {
                let busy = message("too soon").await.unwrap();
                assert_eq!(busy.status(), 409);
                let stopped: Value = http
                    .post(&stop_url)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert_eq!(stopped["stopped"], true);
            }
        },
    )
    .await;
    assert_eq!(
        shape(&events),
        ["tool_start", "tool_result", "checkpoint", "complete"]
    );
    assert_eq!(events.last().unwrap()["stopped"], true);
    let events = sse_events(message("hello again").await.unwrap(), async |_| {}).await;
    assert_eq!(
        shape(&events),
        ["stream", "checkpoint", "complete"],
        "{events:#?}"
    );

    let status = |path: String| {
        let http = http.clone();
        let url = served.url(&path);
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status("/api/sessions/s123456789abcdef".into()).await, 404);
    assert_eq!(status("/api/sessions/..%2F..%2Fetc".into()).await, 404);
    assert_eq!(
        status("/api/projects/20240101-000000-000-000000/sessions".into()).await,
        404
    );
    let oversized = message(&"x".repeat(40 * 1024)).await.unwrap();
    assert_eq!(oversized.status(), 413);
    let malformed = http
        .post(served.url(&format!("/api/sessions/{http_session}/messages")))
        .body("{\"txt\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);

    // Checkpoints: one per turn; restore goes back to before the revert.
    let listed: Value = http
        .get(served.url(&format!("/api/projects/{id}/checkpoints")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let checkpoints = listed["checkpoints"].as_array().unwrap();
    assert_eq!(checkpoints.len(), 7, "{listed:#}");
    assert_eq!(
        checkpoints[3]["files_changed"],
        json!(["components/Hero.jsx"])
    );
    assert_eq!(checkpoints[3]["turn"], 1);
    let restored = http
        .post(served.url(&format!("/api/projects/{id}/checkpoints/4/restore")))
        .send()
        .await
        .unwrap();
    assert_eq!(restored.status(), 200);
    let hero = http
        .get(served.url(&format!("/api/clones/{id}/files/components/Hero.jsx")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(hero.contains("Warm bread all day"), "{hero}");
    let undo = http
        .post(served.url(&format!("/api/projects/{id}/undo")))
        .send()
        .await
        .unwrap();
    assert_eq!(undo.status(), 200);

    // A restart: the session and its history are still there and it goes on.
    assert!(served.terminate().success(), "{}", served.stderr());
    let env = [
        ("REPLICA_LLM", "replay"),
        (
            "REPLICA_LLM_SCRIPT",
            &script("agent-server-resume.json") as &str,
        ),
    ];
    let served = Served::start(data.path(), sandboxes.path(), &[], &env);
    let history: Value = http
        .get(served.url(&format!("/api/sessions/{http_session}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["turns"].as_array().unwrap().len(), 4, "{history:#}");
    assert_eq!(history["project_id"], id.as_str());
    let listed: Value = http
        .get(served.url(&format!("/api/projects/{id}/sessions")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["sessions"].as_array().unwrap().len(), 2);
    let response = http
        .post(served.url(&format!("/api/sessions/{http_session}/messages")))
        .json(&json!({"text": "what did we do?"}))
        .send()
        .await
        .unwrap();
    let events = sse_events(response, async |_| {}).await;
    assert_eq!(shape(&events), ["stream", "checkpoint", "complete"]);
    assert_eq!(
        events.last().unwrap()["text"],
        "We changed the hero title and changed it back."
    );
}

#[test]
fn without_a_model_chat_and_new_name_the_variables_and_clone_still_works() {
    let data = tempfile::TempDir::new().unwrap();
    let id = bakery_clone(data.path());
    for args in [
        vec![
            "chat".to_owned(),
            id.to_string(),
            "--message".into(),
            "hi".into(),
        ],
        vec![
            "new".to_owned(),
            "a bakery".into(),
            "--out".into(),
            "x".into(),
        ],
    ] {
        let output = replica()
            .args(&args)
            .env("REPLICA_DATA_DIR", data.path())
            .output()
            .unwrap();
        assert!(!output.status.success());
        let stderr = String::from_utf8(output.stderr).unwrap();
        for variable in [
            "ANTHROPIC_API_KEY",
            "OPENAI_API_KEY",
            "GEMINI_API_KEY",
            "REPLICA_LLM",
        ] {
            assert!(stderr.contains(variable), "{args:?}: {stderr}");
        }
    }
    // Checkpoints and undo need no model.
    let output = replica()
        .args(["chat", id.as_str(), "--checkpoints", "--json"])
        .env("REPLICA_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(listed["checkpoints"], json!([]));
    let output = replica()
        .args(["chat", "no-such-thing"])
        .env("REPLICA_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("neither a clone"));
}

#[test]
fn chat_edits_a_directory_in_place_and_undo_puts_it_back() {
    let data = tempfile::TempDir::new().unwrap();
    let sandboxes = tempfile::TempDir::new().unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    for (path, file) in &bakery().files {
        let target = dir.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, &file.contents).unwrap();
    }
    let run = |args: &[&str]| {
        replica()
            .args(["chat", dir.path().to_str().unwrap()])
            .args(args)
            .env("REPLICA_DATA_DIR", data.path())
            .env("REPLICA_SANDBOXES_DIR", sandboxes.path())
            .env("REPLICA_LLM", "replay")
            .env("REPLICA_LLM_SCRIPT", script("agent-edit-hero.json"))
            .output()
            .unwrap()
    };
    let output = run(&[
        "--message",
        "make the hero say Warm bread all day",
        "--json",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["type"], "complete", "{result:#}");
    assert_eq!(result["compiled"], true, "{result:#}\n{stderr}");
    assert_eq!(result["checkpoint"], "1");
    assert_eq!(result["tool_calls"], 5);
    let hero = std::fs::read_to_string(dir.path().join("components/Hero.jsx")).unwrap();
    assert!(hero.contains("Warm bread all day"));
    assert!(stderr.contains("→ edit_file"), "{stderr}");

    let listed: Value = serde_json::from_slice(&run(&["--checkpoints", "--json"]).stdout).unwrap();
    assert_eq!(
        listed["checkpoints"][0]["files_changed"],
        json!(["components/Hero.jsx"])
    );
    assert!(run(&["--undo"]).status.success());
    let hero = std::fs::read_to_string(dir.path().join("components/Hero.jsx")).unwrap();
    assert!(hero.contains("Fresh bread every morning"));
    // The sandbox the turn started is gone with the process.
    assert!(replica_sandbox_pool::processes_under(sandboxes.path()).is_empty());
}

#[test]
fn new_builds_a_project_from_a_prompt_until_it_compiles() {
    // TypeScript by default, like create-next-app; the same page in JavaScript with --lang js.
    new_builds(&[], "agent-build-bakery-ts.json", "tsx", "tsconfig.json");
    new_builds(
        &["--lang", "js"],
        "agent-build-bakery.json",
        "jsx",
        "jsconfig.json",
    );
}

/// `replica new` with `args` and the replay `script`: the project compiles, its components
/// and root layout have `extension` and its config is `config` (the other language's is gone).
fn new_builds(args: &[&str], script_name: &str, extension: &str, config: &str) {
    let data = tempfile::TempDir::new().unwrap();
    let sandboxes = tempfile::TempDir::new().unwrap();
    let out = tempfile::TempDir::new().unwrap();
    let output = replica()
        .args([
            "new",
            "a landing page for a bakery in Lisbon",
            "--json",
            "--out",
        ])
        .arg(out.path())
        .args(args)
        .env("REPLICA_DATA_DIR", data.path())
        .env("REPLICA_SANDBOXES_DIR", sandboxes.path())
        .env("REPLICA_LLM", "replay")
        .env("REPLICA_LLM_SCRIPT", script(script_name))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["compiled"], true, "{result:#}\n{stderr}");
    assert_eq!(result["validation"]["errors"], 0);
    assert_eq!(result["error"], Value::Null);
    let hero = std::fs::read_to_string(out.path().join(format!("components/Hero.{extension}")));
    assert!(hero.unwrap().contains("Padaria Alfama"));
    assert!(out.path().join(format!("app/layout.{extension}")).is_file());
    assert!(out.path().join(config).is_file());
    let other = if extension == "tsx" { "jsx" } else { "tsx" };
    assert!(!out.path().join(format!("app/page.{other}")).exists());
    assert!(out.path().join("package.json").is_file());
    // The project is in the store as a clone without an original.
    let store = CloneStore::open(data.path()).unwrap();
    let id = CloneId::parse(result["clone_id"].as_str().unwrap()).unwrap();
    let record = store.summary_of(&id).unwrap();
    assert_eq!(record.kind, replica_pipeline::CloneKind::Prompt);
    assert_eq!(record.status, replica_pipeline::CloneStatus::Done);
    assert!(stderr.contains("→ write_file"), "{stderr}");
    assert!(replica_sandbox_pool::processes_under(sandboxes.path()).is_empty());
}
