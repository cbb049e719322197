//! `--deny-private`, `--allow-origin` and REPLICA_ALLOW_ORIGINS on the command line.

use std::process::Output;

use replica_fixture_server::FixtureServer;

use crate::{replica, sites};

async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = tokio::process::Command::from(replica());
    command
        .args(args)
        .env_remove("REPLICA_ALLOW_ORIGINS")
        .env_remove("REPLICA_PROXY_LISTEN");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deny_private_refuses_loopback_unless_its_exact_origin_is_allowed() {
    let server = FixtureServer::start(sites()).await.unwrap();
    let url = server.url("/dark/index.html");
    let origin = server.url("");
    let origin = origin.trim_end_matches('/');
    let other_port = format!("http://127.0.0.1:{}", server.addr().port() + 1);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();

    let refused = run(&["scrape", &url, "--deny-private", "--out", out], &[]).await;
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("127.0.0.1 is a loopback address"),
        "{stderr}"
    );

    let env = [("REPLICA_ALLOW_ORIGINS", other_port.as_str())];
    let refused = run(&["scrape", &url, "--deny-private", "--out", out], &env).await;
    assert_eq!(
        refused.status.code(),
        Some(1),
        "another port is another origin"
    );

    let env = [("REPLICA_ALLOW_ORIGINS", origin)];
    let allowed = run(
        &["scrape", &url, "--deny-private", "--json", "--out", out],
        &env,
    )
    .await;
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert_eq!(json["title"], "Aether Pro — Wireless studio headphones");

    // The flag wins over the variable.
    let args = [
        "scrape",
        &url,
        "--deny-private",
        "--allow-origin",
        origin,
        "--out",
        out,
    ];
    let env = [("REPLICA_ALLOW_ORIGINS", other_port.as_str())];
    assert!(run(&args, &env).await.status.success());

    let clone = run(
        &[
            "clone",
            &url,
            "--deny-private",
            "--no-preview",
            "--out",
            out,
        ],
        &[],
    )
    .await;
    assert_eq!(clone.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&clone.stderr);
    assert!(stderr.contains("loopback address"), "{stderr}");

    let bad = run(
        &[
            "scrape",
            &url,
            "--allow-origin",
            "intranet:8080",
            "--out",
            out,
        ],
        &[],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("is not an origin"), "{stderr}");
}
