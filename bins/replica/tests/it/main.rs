//! The `replica` binary as users run it: arguments, exit codes, stdout/stderr, signals.

mod agent;
mod compare;
mod diff;
mod faults;
mod policy;
mod preview;
mod server;
mod site;
mod team;
mod ui;
mod validate;
mod warm;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use replica_core::ScrapeData;
use replica_fixture_server::FixtureServer;

fn replica() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_replica"));
    for variable in [
        "REPLICA_LLM",
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "GEMINI_API_KEY",
        "REPLICA_MODEL",
    ] {
        command.env_remove(variable);
    }
    command
}

/// `replica clone ARGS` with its data and sandboxes under `dir` and its output piped; killed
/// when dropped.
fn spawn_clone(args: &[&str], dir: &std::path::Path) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_replica"))
        .arg("clone")
        .args(args)
        .env("REPLICA_DATA_DIR", dir.join("data"))
        .env("REPLICA_SANDBOXES_DIR", dir.join("sandboxes"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// The JSON result `replica ... --json` printed on stdout (its stderr in the panic if none).
fn json_result(output: &std::process::Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(stdout.trim()).unwrap_or_else(|error| {
        panic!(
            "{error}: {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn sites() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sites")
}

#[test]
fn config_says_which_language_model_it_uses_and_never_the_key() {
    let output = replica().arg("config").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with(
            "language model: none (offline, deterministic generation)\ntool use: no, streaming: no (no model is configured)\n"
        ),
        "{stdout}"
    );

    let output = replica()
        .arg("config")
        .env("ANTHROPIC_API_KEY", "sk-ant-very-secret")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with(
            "language model: anthropic (claude-sonnet-4-5; ANTHROPIC_API_KEY is set)\ntool use: yes, streaming: yes\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("very-secret"));

    let output = replica()
        .args(["config", "--json"])
        .env("REPLICA_LLM", "openai")
        .env("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
        .env("REPLICA_MODEL", "llama3.1")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let line = json["language_model"].as_str().unwrap();
    assert!(
        line.contains("openai") && line.contains("llama3.1") && line.contains("127.0.0.1:11434"),
        "{line}"
    );
    // A local server calls tools only when it and its model are set up for them.
    assert_eq!(json["tool_use"], "depends_on_server");
    assert_eq!(json["streaming"], "yes");

    let output = replica()
        .arg("config")
        .env("REPLICA_LLM", "gemini")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "error: REPLICA_LLM=gemini needs GEMINI_API_KEY"
    );
}

#[test]
fn config_lists_every_variable_and_help_names_each_commands_own() {
    let output = replica()
        .arg("config")
        .env("DAYTONA_API_KEY", "dtn-very-secret")
        .env("REPLICA_DATA_DIR", "/tmp/replica-config-test")
        .env_remove("REPLICA_WEBDRIVER_URL")
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains("very-secret"), "{stdout}");
    let line = |name: &str| {
        stdout
            .lines()
            .find(|line| line.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no line for {name}: {stdout}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("DAYTONA_API_KEY"), "(set, hidden)");
    assert_eq!(line("REPLICA_DATA_DIR"), "/tmp/replica-config-test");
    assert_eq!(line("REPLICA_WEBDRIVER_URL"), "-");

    let output = replica()
        .args(["config", "--json"])
        .env("REPLICA_API_TOKEN", "token-very-secret-0123456789")
        .env_remove("REPLICA_LOG")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["environment"]["REPLICA_API_TOKEN"], "(set, hidden)");
    assert!(json["environment"]["REPLICA_LOG"].is_null());

    let help = |command: &str| {
        let output = replica().args([command, "--help"]).output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    let clone = help("clone");
    assert!(
        clone.contains("ANTHROPIC_API_KEY") && clone.contains("REPLICA_CHROME"),
        "{clone}"
    );
    assert!(!clone.contains("REPLICA_API_TOKEN"), "{clone}");
    let scrape = help("scrape");
    assert!(
        scrape.contains("REPLICA_WEBDRIVER_URL") && !scrape.contains("REPLICA_LLM"),
        "{scrape}"
    );
    assert!(help("serve").contains("REPLICA_POOL_SIZE"));
}

#[test]
fn a_reader_that_went_away_ends_the_output_quietly() {
    // `replica config | head -1`: the pipe is closed before replica writes.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = replica()
        .arg("config")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.status.success(), "{stderr}");
}

#[test]
fn bad_input_is_a_clear_error_and_exit_code_1() {
    let dir = tempfile::tempdir().unwrap();
    let output = replica()
        .args(["scrape", "ftp://example.com/", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("error: unsupported URL scheme \"ftp\""),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrape_writes_a_loadable_scrape_and_prints_json() {
    let server = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_replica"))
        .args(["scrape", &server.url("/dark/index.html"), "--json", "--out"])
        .arg(dir.path())
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object on stdout");
    assert_eq!(json["title"], "Aether Pro — Wireless studio headphones");
    assert_eq!(json["sections"]["desktop"][0]["type"], "navbar");
    let data = ScrapeData::load(dir.path()).unwrap();
    assert_eq!(
        data.desktop.sections.len(),
        json["sections"]["desktop"].as_array().unwrap().len()
    );
    assert!(
        data.mobile
            .screenshots
            .full_page
            .png
            .starts_with(b"\x89PNG")
    );
}

/// Pids of live processes whose parent is `parent`.
fn children(parent: u32) -> Vec<(i32, i32)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields[0] != "Z" && fields[1].parse() == Ok(parent) {
            found.push((pid, fields[2].parse().unwrap_or(0)));
        }
    }
    found
}

fn group_alive(pgid: i32) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|entry| {
        std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .is_some_and(|stat| {
                let fields: Vec<String> = stat
                    .rsplit_once(')')
                    .map(|(_, r)| r.split_whitespace().map(String::from).collect())
                    .unwrap_or_default();
                fields.len() > 2 && fields[0] != "Z" && fields[2].parse() == Ok(pgid)
            })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_browser_and_exits() {
    a_signal_stops_the_browser_and_exits(rustix::process::Signal::INT).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_browser_and_exits() {
    a_signal_stops_the_browser_and_exits(rustix::process::Signal::TERM).await;
}

async fn a_signal_stops_the_browser_and_exits(signal: rustix::process::Signal) {
    let server = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A page whose load never completes keeps the scrape busy until we interrupt it.
    let child = Command::new(env!("CARGO_BIN_EXE_replica"))
        .args([
            "scrape",
            &server.url("/_generated/hanging-image"),
            "--timeout",
            "60",
            "--out",
        ])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(20);
    let driver = loop {
        // Wait for chromedriver and at least one browser in its group.
        if let Some(&(driver, pgid)) = children(pid).first()
            && children(driver as u32).iter().any(|&(_, g)| g == pgid)
        {
            break pgid;
        }
        assert!(Instant::now() < deadline, "replica never started a browser");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let target = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(target, signal).unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("error: interrupted"));
    let deadline = Instant::now() + Duration::from_secs(10);
    while group_alive(driver) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !group_alive(driver),
        "chromedriver or a browser outlived replica"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_a_kept_preview_and_its_dev_server() {
    let server = FixtureServer::start(sites()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sandboxes = dir.path().join("sandboxes");
    let mut child = spawn_clone(
        &[&server.url("/empty/"), "--keep-preview", "--json"],
        dir.path(),
    );
    let stderr = child.stderr.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stderr));
    let waiting = tokio::time::timeout(Duration::from_secs(180), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.contains("press Ctrl-C to stop it") {
                return;
            }
        }
        panic!("replica ended without keeping the preview");
    });
    waiting.await.expect("the preview was not up within 180 s");
    // The result is printed before the preview is kept.
    let mut stdout =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stdout.take().unwrap()));
    let result: serde_json::Value =
        serde_json::from_str(&stdout.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(result["compiled"], true, "{result}");
    assert_plausible_timings(&result["timings_ms"]);
    assert!(
        !replica_sandbox_pool::processes_under(&sandboxes).is_empty(),
        "no dev server serves the kept preview"
    );
    let target = rustix::process::Pid::from_raw(child.id().unwrap() as i32).unwrap();
    rustix::process::kill_process(target, rustix::process::Signal::TERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("replica did not exit within 30 s of SIGTERM")
        .unwrap();
    // Done looking at a clone that succeeded: not an error.
    assert_eq!(status.code(), Some(0));
    let deadline = Instant::now() + Duration::from_secs(10);
    while !replica_sandbox_pool::processes_under(&sandboxes).is_empty() && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        replica_sandbox_pool::processes_under(&sandboxes),
        Vec::<i32>::new(),
        "the preview's dev server outlived replica"
    );
}

/// `timings_ms` of a clone that compiled: where the wait went, each part within the whole.
fn assert_plausible_timings(timings: &serde_json::Value) {
    let ms = |name: &str| {
        timings[name]
            .as_u64()
            .unwrap_or_else(|| panic!("no {name} in {timings}"))
    };
    let total = ms("total");
    for stage in ["scrape", "compile", "to_compiled", "inspect"] {
        assert!(
            (1..=total).contains(&ms(stage)),
            "{stage} not in 1..=total: {timings}"
        );
    }
    // Scraping and provisioning overlap: the sandbox's wait is what it added after the
    // scrape, and both are over before the compile.
    assert!(
        ms("scrape") + ms("sandbox_wait") <= ms("to_compiled"),
        "{timings}"
    );
    // The inspection comes after the compile.
    assert!(ms("to_compiled") + ms("inspect") <= total, "{timings}");
}
