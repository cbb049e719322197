//! The Daytona provider against a wiremock Daytona: the exact requests of each call (paths,
//! bodies, auth headers, order) and the failures (401, a sandbox in error state, a start that
//! times out, a failing toolbox call, a path outside the project).

use std::time::Duration;

use replica_core::{ApiKey, ProjectFiles, Sandbox, SandboxError, SandboxProvider};
use replica_sandbox_pool::{DaytonaConfig, DaytonaProvider};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockBuilder, MockServer, Request, ResponseTemplate};

const KEY: &str = "dtn_test_secret_key";
const DEV_COMMAND: &str = "next dev -H 0.0.0.0 -p 3000";
const ARCHIVE_COMMAND: &str = "tar -C '/home/daytona/app' --exclude=./node_modules --exclude=./.next -cf /tmp/replica-template.tar .";

fn config(server: &MockServer) -> DaytonaConfig {
    let mut config = DaytonaConfig::new(ApiKey::new(KEY));
    config.api_url = format!("{}/api", server.uri());
    config.organization_id = Some("org-1".to_string());
    config.target = Some("eu".to_string());
    config.snapshot = Some("replica-next-14".to_string());
    config.dev_command = DEV_COMMAND.to_string();
    config.poll_interval = Duration::from_millis(10);
    config.start_timeout = Duration::from_millis(400);
    config.request_timeout = Duration::from_secs(5);
    config
}

/// A `Sandbox` as Daytona returns it (the fields we read plus a few it always sends).
fn sandbox_json(server: &MockServer, state: &str) -> serde_json::Value {
    json!({
        "id": "sb-1",
        "organizationId": "org-1",
        "user": "daytona",
        "target": "eu",
        "snapshot": "replica-next-14",
        "public": true,
        "state": state,
        "errorReason": null,
        "toolboxProxyUrl": format!("{}/toolbox", server.uri()),
    })
}

/// Mounts a Daytona that creates `sb-1` (state `creating`, then `started` on the second
/// check) and answers every call of a provision.
async fn mount_happy_daytona(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/api/sandbox"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("x-daytona-organization-id", "org-1"))
        .and(body_json(json!({
            "snapshot": "replica-next-14",
            "target": "eu",
            "public": true,
            "autoStopInterval": 30,
            "labels": {"app": "replica"},
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(server, "creating")))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(server, "starting")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(server, "started")))
        .mount(server)
        .await;
    execute(ARCHIVE_COMMAND, 5)
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"exitCode": 0, "result": ""})),
        )
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/process/session"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(body_json(json!({"sessionId": "replica-dev"})))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/process/session/replica-dev/exec"))
        .and(body_json(json!({
            "command": format!("cd '/home/daytona/app' && {DEV_COMMAND}"),
            "runAsync": true,
        })))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({"cmdId": "cmd-7"})))
        .expect(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1/ports/3000/preview-url"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "sandboxId": "sb-1",
            "url": "https://3000-sb-1.proxy.daytona.works",
            "token": "preview-token-1",
        })))
        .mount(server)
        .await;
}

/// The toolbox's process/execute call of exactly `command` with `timeout` seconds.
fn execute(command: &str, timeout: u64) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/process/execute"))
        .and(body_json(json!({ "command": command, "timeout": timeout })))
}

async fn mount_delete(server: &MockServer, times: u64) {
    Mock::given(method("DELETE"))
        .and(path("/api/sandbox/sb-1"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200))
        .expect(times)
        .mount(server)
        .await;
}

fn request_line(request: &Request) -> String {
    format!("{} {}", request.method, request.url.path())
}

async fn request_lines(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(request_line)
        .collect()
}

async fn provisioned(server: &MockServer) -> Box<dyn Sandbox> {
    mount_happy_daytona(server).await;
    let provider = DaytonaProvider::new(config(server)).unwrap();
    provider.provision().await.expect("provision succeeds")
}

#[tokio::test]
async fn provision_creates_polls_starts_the_dev_server_and_gets_the_preview() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;

    assert_eq!(sandbox.id(), "sb-1");
    assert_eq!(
        sandbox.preview_url(),
        "https://3000-sb-1.proxy.daytona.works"
    );
    assert_eq!(
        request_lines(&server).await,
        [
            "POST /api/sandbox",
            "GET /api/sandbox/sb-1",
            "GET /api/sandbox/sb-1",
            "POST /toolbox/sb-1/process/execute",
            "POST /toolbox/sb-1/process/session",
            "POST /toolbox/sb-1/process/session/replica-dev/exec",
            "GET /api/sandbox/sb-1/ports/3000/preview-url",
        ]
    );
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn the_preview_token_is_kept_for_private_previews() {
    let server = MockServer::start().await;
    mount_happy_daytona(&server).await;
    mount_delete(&server, 1).await;
    let sandbox = DaytonaProvider::new(config(&server))
        .unwrap()
        .create_sandbox()
        .await
        .unwrap();
    assert_eq!(sandbox.preview_token().expose(), "preview-token-1");
    let debug = format!("{sandbox:?}");
    assert!(debug.contains("sb-1"), "{debug}");
    assert!(!debug.contains("preview-token-1"), "{debug}");
    assert!(!debug.contains(KEY), "{debug}");
    Box::new(sandbox).destroy().await.unwrap();
}

#[tokio::test]
async fn write_files_bulk_uploads_every_file_under_the_project_dir() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/files/bulk-upload"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;

    let mut files = ProjectFiles::default();
    files.insert_text("components/Hero.tsx", "export default function Hero() {}\n");
    files.insert_bytes("public/logo.png", vec![0x89, b'P', b'N', b'G', 0, 255]);
    sandbox.write_files(&files).await.unwrap();

    let requests = server.received_requests().await.unwrap();
    let upload = requests
        .iter()
        .find(|request| request.url.path() == "/toolbox/sb-1/files/bulk-upload")
        .unwrap();
    let content_type = upload.headers["content-type"].to_str().unwrap();
    assert_eq!(
        content_type,
        "multipart/form-data; boundary=replica-daytona-upload"
    );
    let mut expected = Vec::new();
    expected.extend_from_slice(
        b"--replica-daytona-upload\r\n\
          Content-Disposition: form-data; name=\"files[0].path\"\r\n\r\n\
          /home/daytona/app/components/Hero.tsx\r\n\
          --replica-daytona-upload\r\n\
          Content-Disposition: form-data; name=\"files[0].file\"; filename=\"/home/daytona/app/components/Hero.tsx\"\r\n\
          Content-Type: application/octet-stream\r\n\r\n\
          export default function Hero() {}\n\r\n\
          --replica-daytona-upload\r\n\
          Content-Disposition: form-data; name=\"files[1].path\"\r\n\r\n\
          /home/daytona/app/public/logo.png\r\n\
          --replica-daytona-upload\r\n\
          Content-Disposition: form-data; name=\"files[1].file\"; filename=\"/home/daytona/app/public/logo.png\"\r\n\
          Content-Type: application/octet-stream\r\n\r\n",
    );
    expected.extend_from_slice(&[0x89, b'P', b'N', b'G', 0, 255]);
    expected.extend_from_slice(b"\r\n--replica-daytona-upload--\r\n");
    assert_eq!(
        String::from_utf8_lossy(&upload.body),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(upload.body, expected);
    sandbox.destroy().await.unwrap();
}

/// A project's layout, page and config replace the template's twins in the other language,
/// removed with one command before the upload. A snapshot holds whichever template was
/// installed into it, so a TypeScript project removes the JavaScript template's files too.
#[tokio::test]
async fn files_in_another_language_remove_the_template_s_twins_first() {
    removes_twins_before_the_upload(
        &["app/layout.tsx", "app/page.tsx", "tsconfig.json"],
        "cd '/home/daytona/app' && rm -f -- 'jsconfig.json' 'app/layout.jsx' 'app/page.jsx'",
    )
    .await;
    removes_twins_before_the_upload(
        &["app/layout.jsx", "app/page.jsx", "jsconfig.json"],
        "cd '/home/daytona/app' && rm -f -- 'tsconfig.json' 'next-env.d.ts' 'app/layout.tsx' 'app/page.tsx'",
    )
    .await;
}

async fn removes_twins_before_the_upload(paths: &[&str], command: &str) {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    execute(command, 5)
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"exitCode": 0, "result": ""})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/files/bulk-upload"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let mut files = ProjectFiles::default();
    for path in paths {
        files.insert_text(*path, "");
    }
    sandbox.write_files(&files).await.unwrap();
    let lines = request_lines(&server).await;
    let remove = lines
        .iter()
        .position(|line| line.ends_with("/process/execute"));
    let upload = lines
        .iter()
        .position(|line| line.ends_with("/files/bulk-upload"));
    assert!(remove < upload, "{lines:?}");
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn a_path_outside_the_project_is_refused_before_any_upload() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/files/bulk-upload"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;

    let mut files = ProjectFiles::default();
    files.insert_text("components/Hero.tsx", "ok");
    files.insert_text("../../etc/passwd", "nope");
    let error = sandbox.write_files(&files).await.unwrap_err();
    assert!(
        matches!(&error, SandboxError::PathEscape { path } if path == "../../etc/passwd"),
        "{error:?}"
    );
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn logs_read_the_dev_server_command_from_an_offset() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    // The toolbox tags stdout and stderr chunks with 01 01 01 / 02 02 02.
    let output =
        "\u{1}\u{1}\u{1}  ▲ Next.js 14.2.21\n ✓ Ready in 1.2s\n\u{2}\u{2}\u{2} ⨯ ./app/page.jsx\n";
    Mock::given(method("GET"))
        .and(path(
            "/toolbox/sb-1/process/session/replica-dev/command/cmd-7/logs",
        ))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_string(output))
        .expect(3)
        .mount(&server)
        .await;

    let all = sandbox.logs(0).await.unwrap();
    assert_eq!(
        all,
        "  ▲ Next.js 14.2.21\n ✓ Ready in 1.2s\n ⨯ ./app/page.jsx\n"
    );
    let after_ready = all.find(" ⨯").unwrap();
    assert_eq!(
        sandbox.logs(after_ready).await.unwrap(),
        " ⨯ ./app/page.jsx\n"
    );
    assert_eq!(sandbox.logs(all.len() + 10).await.unwrap(), "");
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn destroy_deletes_the_sandbox_once() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    sandbox.destroy().await.unwrap();
    // Dropping after destroy must not delete again (the mock expects exactly one DELETE).
    tokio::time::sleep(Duration::from_millis(50)).await;
    server.verify().await;
}

#[tokio::test]
async fn dropping_without_destroy_deletes_in_the_background() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    drop(sandbox);
    for _ in 0..100 {
        if request_lines(&server)
            .await
            .contains(&"DELETE /api/sandbox/sb-1".to_string())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "no DELETE after drop; requests: {:?}",
        request_lines(&server).await
    );
}

#[tokio::test]
async fn a_rejected_key_is_a_clear_error_without_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/sandbox"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "statusCode": 401,
            "message": format!("Invalid API key {KEY}"),
            "error": "Unauthorized",
        })))
        .expect(1)
        .mount(&server)
        .await;
    let provider = DaytonaProvider::new(config(&server)).unwrap();
    let error = provider.provision().await.err().expect("provision fails");
    let message = error.to_string();
    assert!(
        matches!(&error, SandboxError::Provider { provider, .. } if provider == "daytona"),
        "{error:?}"
    );
    assert!(message.contains("HTTP 401"), "{message}");
    assert!(message.contains("DAYTONA_API_KEY"), "{message}");
    assert!(!message.contains(KEY), "{message}");
    assert!(!format!("{error:?}").contains(KEY));
    // Nothing was created, so nothing else is called.
    assert_eq!(request_lines(&server).await, ["POST /api/sandbox"]);
}

#[tokio::test]
async fn a_sandbox_in_error_state_fails_with_its_reason_and_is_deleted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/sandbox"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "creating")))
        .mount(&server)
        .await;
    let mut failed = sandbox_json(&server, "error");
    failed["errorReason"] = json!("Snapshot replica-next-14 not found");
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(failed))
        .expect(1)
        .mount(&server)
        .await;
    mount_delete(&server, 1).await;

    let provider = DaytonaProvider::new(config(&server)).unwrap();
    let error = provider.provision().await.err().expect("provision fails");
    let message = error.to_string();
    assert!(message.contains("\"error\""), "{message}");
    assert!(
        message.contains("Snapshot replica-next-14 not found"),
        "{message}"
    );
    assert_eq!(
        request_lines(&server).await,
        [
            "POST /api/sandbox",
            "GET /api/sandbox/sb-1",
            "DELETE /api/sandbox/sb-1"
        ]
    );
}

#[tokio::test]
async fn a_start_that_times_out_is_not_ready_and_the_sandbox_is_deleted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/sandbox"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "creating")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "starting")))
        .mount(&server)
        .await;
    mount_delete(&server, 1).await;

    let mut config = config(&server);
    config.start_timeout = Duration::from_millis(150);
    config.poll_interval = Duration::from_millis(20);
    let started = std::time::Instant::now();
    let error = DaytonaProvider::new(config)
        .unwrap()
        .provision()
        .await
        .err()
        .expect("provision fails");
    let elapsed = started.elapsed();

    match &error {
        SandboxError::NotReady { timeout, message } => {
            assert_eq!(*timeout, Duration::from_millis(150));
            assert!(message.contains("\"starting\""), "{message}");
        }
        other => panic!("expected NotReady, got {other:?}"),
    }
    // Bounded: gave up about when it said it would (generous slack for a busy machine).
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    let lines = request_lines(&server).await;
    let polls = lines
        .iter()
        .filter(|l| *l == "GET /api/sandbox/sb-1")
        .count();
    assert!((2..=10).contains(&polls), "{lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("DELETE /api/sandbox/sb-1")
    );
}

#[tokio::test]
async fn a_failing_dev_server_start_reports_daytonas_message_and_deletes() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/sandbox"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "started")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/process/execute"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"exitCode": 0, "result": ""})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/process/session"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/process/session/replica-dev/exec"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({
            "statusCode": 500,
            "message": "session replica-dev not found",
            "error": "Internal Server Error",
        })))
        .mount(&server)
        .await;
    mount_delete(&server, 1).await;

    let error = DaytonaProvider::new(config(&server))
        .unwrap()
        .provision()
        .await
        .err()
        .expect("provision fails");
    assert_eq!(
        error.to_string(),
        "daytona failed: Daytona failed to start the dev server: HTTP 500: session replica-dev not found"
    );
    assert_eq!(
        request_lines(&server).await.last().map(String::as_str),
        Some("DELETE /api/sandbox/sb-1")
    );
}

#[tokio::test]
async fn an_unreachable_api_is_a_transport_error() {
    // A port nothing listens on: bind one, then free it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let mut config = DaytonaConfig::new(ApiKey::new(KEY));
    config.api_url = format!("http://{address}/api");
    let error = DaytonaProvider::new(config)
        .unwrap()
        .provision()
        .await
        .err()
        .expect("provision fails");
    let message = error.to_string();
    assert!(
        message.contains("could not reach Daytona to create a sandbox"),
        "{message}"
    );
    assert!(!message.contains(KEY));
}

#[test]
fn a_bad_api_url_is_refused() {
    let mut config = DaytonaConfig::new(ApiKey::new(KEY));
    config.api_url = "app.daytona.io/api".to_string();
    let error = DaytonaProvider::new(config).unwrap_err();
    assert!(
        error.to_string().contains("not a valid http(s) URL"),
        "{error}"
    );
}

#[tokio::test]
async fn is_alive_checks_the_state_and_the_dev_server_command() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    let command = "/toolbox/sb-1/process/session/replica-dev/command/cmd-7";
    Mock::given(method("GET"))
        .and(path(command))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cmd-7", "command": DEV_COMMAND, "exitCode": null,
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(command))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "cmd-7", "command": DEV_COMMAND, "exitCode": 137,
        })))
        .mount(&server)
        .await;

    assert!(sandbox.is_alive().await, "running command");
    assert!(!sandbox.is_alive().await, "the dev server exited");
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn a_stopped_sandbox_is_not_alive() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    server.reset().await;
    mount_delete(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "stopped")))
        .mount(&server)
        .await;
    assert!(!sandbox.is_alive().await);
    // The command was not even asked about.
    assert_eq!(request_lines(&server).await, ["GET /api/sandbox/sb-1"]);
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn fetch_preview_sends_the_preview_token_not_the_api_key() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    mount_happy_daytona(&server).await;
    // Point the preview at the mock server instead of Daytona's proxy.
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1/ports/3000/preview-url"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "url": format!("{}/preview/", server.uri()),
            "token": "preview-token-1",
        })))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/preview/about"))
        .and(header("x-daytona-preview-token", "preview-token-1"))
        .and(header("x-daytona-skip-preview-warning", "true"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<h1>About us</h1>"))
        .expect(1)
        .mount(&server)
        .await;
    let sandbox = DaytonaProvider::new(config(&server))
        .unwrap()
        .provision()
        .await
        .unwrap();

    let response = sandbox.fetch_preview("/about").await.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.body, "<h1>About us</h1>");
    let requests = server.received_requests().await.unwrap();
    let preview = requests
        .iter()
        .find(|request| request.url.path() == "/preview/about")
        .unwrap();
    assert!(!preview.headers.contains_key("authorization"));
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn run_executes_only_allowlisted_commands_in_the_project() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    execute("cd '/home/daytona/app' && 'node' '--version'", 20)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"exitCode": 0, "result": "v20.18.1\n"})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let argv = ["node".to_string(), "-v".to_string()];
    let output = sandbox.run(&argv, Duration::from_secs(20)).await.unwrap();
    assert_eq!(output.exit_code, Some(0));
    assert_eq!(output.stdout, "v20.18.1\n");

    let before = request_lines(&server).await.len();
    let argv = ["sh".to_string(), "-c".to_string(), "rm -rf /".to_string()];
    let error = sandbox
        .run(&argv, Duration::from_secs(20))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SandboxError::CommandNotAllowed { command } if command == "sh -c rm -rf /"),
        "{error:?}"
    );
    assert_eq!(
        request_lines(&server).await.len(),
        before,
        "nothing was sent"
    );
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn a_command_that_outlives_its_timeout_is_reported() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    execute("cd '/home/daytona/app' && 'npx' 'next' 'build'", 1)
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"exitCode": 0, "result": ""}))
                .set_delay(Duration::from_secs(30)),
        )
        .mount(&server)
        .await;

    let argv = ["npx", "next", "build"].map(String::from);
    let started = std::time::Instant::now();
    // Daytona gets its 1 s minimum; the request gives up 2 s after that.
    let error = sandbox
        .run(&argv, Duration::from_millis(100))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SandboxError::CommandTimedOut { timeout, .. } if *timeout == Duration::from_millis(100)),
        "{error:?}"
    );
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_secs(3) && elapsed < Duration::from_secs(10),
        "{elapsed:?}"
    );
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn reset_restores_the_template_kept_at_provisioning() {
    let server = MockServer::start().await;
    mount_delete(&server, 1).await;
    let sandbox = provisioned(&server).await;
    execute("find '/home/daytona/app' -mindepth 1 -maxdepth 1 ! -name node_modules ! -name .next -exec rm -rf {} + && tar -C '/home/daytona/app' -xf /tmp/replica-template.tar", 5)
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"exitCode": 0, "result": ""})))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    sandbox.reset().await.unwrap();

    // A failing restore is an error with the command's output.
    Mock::given(method("POST"))
        .and(path("/toolbox/sb-1/process/execute"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "exitCode": 2,
            "result": "tar: /tmp/replica-template.tar: Cannot open: No such file or directory",
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    let error = sandbox.reset().await.unwrap_err();
    assert!(
        error
            .to_string()
            .contains("exited with 2: tar: /tmp/replica-template.tar: Cannot open"),
        "{error}"
    );
    sandbox.destroy().await.unwrap();
}

#[tokio::test]
async fn a_cancelled_provision_deletes_the_half_made_sandbox() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/sandbox"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "creating")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "starting")))
        .mount(&server)
        .await;
    mount_delete(&server, 1).await;
    let mut config = config(&server);
    config.start_timeout = Duration::from_secs(60);

    let provider = DaytonaProvider::new(config).unwrap();
    let cancelled = tokio::time::timeout(Duration::from_millis(100), provider.provision()).await;
    assert!(cancelled.is_err(), "still polling when cancelled");
    for _ in 0..100 {
        if request_lines(&server)
            .await
            .contains(&"DELETE /api/sandbox/sb-1".to_string())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "no DELETE after cancelling: {:?}",
        request_lines(&server).await
    );
}

#[tokio::test]
async fn an_image_is_built_from_a_dockerfile_and_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/sandbox"))
        .and(body_json(json!({
            "buildInfo": {"dockerfileContent": "FROM ghcr.io/replica/next-template:14.2.21\n"},
            "target": "eu",
            "public": true,
            "autoStopInterval": 30,
            "labels": {"app": "replica"},
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "pending_build")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut failed = sandbox_json(&server, "build_failed");
    failed["errorReason"] = json!("manifest unknown");
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(sandbox_json(&server, "building_snapshot")),
        )
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/sandbox/sb-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(failed))
        .mount(&server)
        .await;
    mount_delete(&server, 1).await;

    let mut config = config(&server);
    config.snapshot = None;
    config.image = Some("ghcr.io/replica/next-template:14.2.21".to_string());
    let error = DaytonaProvider::new(config)
        .unwrap()
        .provision()
        .await
        .err()
        .expect("the build fails");
    let message = error.to_string();
    assert!(
        message.contains("\"build_failed\": manifest unknown"),
        "{message}"
    );
    assert_eq!(
        request_lines(&server).await,
        [
            "POST /api/sandbox",
            "GET /api/sandbox/sb-1",
            "GET /api/sandbox/sb-1",
            "GET /api/sandbox/sb-1",
            "DELETE /api/sandbox/sb-1",
        ]
    );
}

#[test]
fn a_snapshot_and_an_image_together_are_refused() {
    let mut config = DaytonaConfig::new(ApiKey::new(KEY));
    config.snapshot = Some("replica-next-14".to_string());
    config.image = Some("node:20".to_string());
    let error = DaytonaProvider::new(config).unwrap_err();
    assert!(error.to_string().contains("not both"), "{error}");
}
