//! A `replica serve` child of the benchmarks: where it listens, and clones through it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;

/// Starts `REPLICA_BIN serve` on a free loopback port with its data and sandboxes under `dir`
/// (a pool of `pool` warm sandboxes, private addresses allowed for the fixture sites, no
/// language model); killed when dropped.
pub fn spawn(dir: &Path, pool: usize) -> tokio::process::Child {
    let binary = std::env::var("REPLICA_BIN").expect("REPLICA_BIN: the replica binary to run");
    tokio::process::Command::new(binary)
        .args(["serve", "--addr", "127.0.0.1:0", "--allow-private"])
        .env("REPLICA_DATA_DIR", dir.join("data"))
        .env("REPLICA_SANDBOXES_DIR", dir.join("sandboxes"))
        .env("REPLICA_POOL_SIZE", pool.to_string())
        .env_remove("REPLICA_SANDBOX")
        .env_remove("REPLICA_LLM")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("replica serve starts")
}

/// Waits for the server's `listening on` line and returns its base URL; its stderr is drained
/// from then on.
pub async fn listening(server: &mut tokio::process::Child) -> String {
    let mut lines = tokio::io::BufReader::new(server.stderr.take().unwrap()).lines();
    let base = tokio::time::timeout(Duration::from_secs(180), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(addr) = line.strip_prefix("listening on ") {
                return addr.to_string();
            }
        }
        panic!("replica serve exited before listening");
    })
    .await
    .expect("replica serve listening within 180 s");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    base
}

/// Clones `url` through the server at `base`; the `done` event.
#[allow(
    dead_code,
    reason = "bench_load times its clones and reads their errors itself"
)]
pub async fn clone(http: &reqwest::Client, base: &str, url: &str) -> Value {
    let body = http
        .post(format!("{base}/clone/stream"))
        .json(&json!({ "url": url }))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    body.split("\n\n")
        .filter_map(|frame| frame.lines().find_map(|line| line.strip_prefix("data: ")))
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .find(|event| event["type"] == "done")
        .unwrap_or_else(|| panic!("{url}: no done event in {body}"))
}
