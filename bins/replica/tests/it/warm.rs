//! `replica clone` with a `replica serve` on the same data directory: the clone is handed to
//! the server over its control socket (no token, the CLI's URL policy), and without one (a
//! stale socket file) it runs in-process as before.

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use replica_fixture_server::FixtureServer;
use serde_json::Value;

use crate::server::{Served, client, get_json};
use crate::sites;

const TOKEN: &str = "warm-cli-test-token-0123456789";

/// `replica clone ARGS` on the data directory `data`, run to its end.
async fn clone_on(data: &Path, sandboxes: &Path, args: &[&str]) -> Output {
    tokio::process::Command::from(crate::replica())
        .arg("clone")
        .args(args)
        .env("REPLICA_DATA_DIR", data)
        .env("REPLICA_SANDBOXES_DIR", sandboxes)
        .env_remove("REPLICA_API_TOKEN")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_hands_its_clone_to_a_running_server_and_falls_back_without_one() {
    let fixtures = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let sandboxes = dir.path().join("sandboxes");
    let socket = data.join("control.sock");
    let url = fixtures.url("/one-block/");

    // A socket file nobody listens on (a server that was killed): cloned here.
    std::fs::create_dir_all(&data).unwrap();
    drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
    let output = clone_on(&data, &sandboxes, &[&url, "--no-preview", "--json"]).await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let local = crate::json_result(&output);
    assert!(local["files"].as_u64().unwrap() > 3, "{local}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cloning here"), "{stderr}");

    // The server replaces the stale file with its own socket, owner-only.
    let mut server = Served::start(&data, &sandboxes, &["--token", TOKEN], &[]);
    let meta = std::fs::metadata(&socket).unwrap();
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    // Handed over: a loopback page the server's own policy refuses, no token, --out written.
    let out = dir.path().join("out");
    let output = clone_on(
        &data,
        &sandboxes,
        &[&url, "--json", "--out", out.to_str().unwrap()],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let result = crate::json_result(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("[scrape]") && stderr.contains("compiled"),
        "{stderr}"
    );
    assert!(!stderr.contains("cloning here"), "{stderr}");
    assert_eq!(result["compiled"], true, "{result}");
    assert_eq!(result["out_dir"], out.to_str().unwrap());
    assert_eq!(result["error"], Value::Null);
    assert_eq!(result["sections"], local["sections"], "{result}\n{local}");
    assert_eq!(result["files"], local["files"], "{result}\n{local}");
    crate::assert_plausible_timings(&result["timings_ms"]);
    assert!(out.join("app/page.tsx").is_file());
    assert!(out.join("package.json").is_file());
    let id = result["clone_id"].as_str().unwrap();
    // Its preview was published on the server's own preview host (an in-process clone
    // reports its dev server's address).
    let published = format!("http://{id}-");
    let preview = result["preview_url"].as_str().unwrap_or_default();
    assert!(
        preview.starts_with(&published)
            && preview.ends_with(&format!(".preview.localhost:{}/", server.port())),
        "the server did not run {id}: {result}\n{stderr}"
    );
    // The server ran it: its record, its clone list; nobody kept the preview (not a terminal).
    let client = client();
    let authorized = |path: &str| client.get(server.url(path)).bearer_auth(TOKEN).send();
    let record: Value = authorized(&format!("/api/clones/{id}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(record["status"], "done", "{record}");
    assert_eq!(record["compiled"], true, "{record}");
    assert_eq!(record["preview_live"], false, "{record}");
    let (status, _) = get_json(&client, &server.url("/api/clones")).await;
    assert_eq!(status, 401, "the TCP API still needs the token");

    // The server's errors are the CLI's, with exit code 1.
    let output = clone_on(&data, &sandboxes, &["ftp://example.com/", "--json"]).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.starts_with("error: invalid URL"), "{stderr}");
    assert!(output.stdout.is_empty());

    // Ctrl-C stops the handed-over clone on the server.
    let mut child = tokio::process::Command::from(crate::replica())
        .args([
            "clone",
            &fixtures.url("/_generated/hanging-image"),
            "--json",
        ])
        .env("REPLICA_DATA_DIR", &data)
        .env("REPLICA_SANDBOXES_DIR", &sandboxes)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stderr));
    let hanging = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.strip_prefix("clone ") {
                return rest.split_whitespace().next().unwrap().to_string();
            }
        }
        panic!("replica ended before its clone started");
    })
    .await
    .expect("the clone did not start within 60 s");
    let target = rustix::process::Pid::from_raw(child.id().unwrap() as i32).unwrap();
    rustix::process::kill_process(target, rustix::process::Signal::INT).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("replica did not exit within 30 s of Ctrl-C")
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let response = authorized(&format!("/api/clones/{hanging}")).await.unwrap();
    assert_eq!(response.status().as_u16(), 404, "the clone was not stopped");
    let health: Value = authorized("/health").await.unwrap().json().await.unwrap();
    assert_eq!(health["clones_running"], 0, "{health}");

    // A graceful stop takes the socket away.
    assert!(server.terminate().success());
    assert!(!socket.exists());
}
