//! `cargo xtask <command>`: the commands a developer would otherwise have to remember.
//!
//! setup   install what Replica needs on this machine (idempotent)
//! demo    the main job on a bundled example
//! test    every test of the workspace (what CI runs)
//! bench   benchmarks (`bench scrape`, `bench plan`)
//! fuzz    every fuzz target for a bounded time (`fuzz [SECONDS] [TARGET...]`)
//! record  re-record fixtures/scrapes from fixtures/sites
//! record-next-logs  re-record fixtures/next-logs from the real template's dev server
//! serve   serve fixtures/sites on loopback for a look in a browser
//! sections draw a scrape's detected sections onto its screenshots, to check them by eye
//! screenshot  the web UI with a fresh clone, from a real run (docs/ui.png for the README)

mod bench;
mod fuzz;
mod overlay;
mod setup;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use replica_fixture_server::FixtureServer;

/// Recording uses a fixed port so the URLs inside recorded scrapes never change.
const RECORD_ADDR: &str = "127.0.0.1:41730";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    std::env::set_current_dir(&root)?;
    match args.first().map(String::as_str) {
        Some("setup") => setup::ensure_system_packages(),
        Some("demo") => demo(&root),
        Some("test") => test(&args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("fuzz") => fuzz::run(&root, &args[1..]),
        Some("record") => record(&root, &args[1..]),
        Some("record-next-logs") => record_next_logs(&root),
        Some("serve") => serve(&root),
        Some("screenshot") => bench::run(
            &root,
            &[
                "ui".into(),
                "--screenshot".into(),
                args.get(1)
                    .cloned()
                    .unwrap_or_else(|| root.join("docs/ui.png").display().to_string()),
            ],
        ),
        Some("sections") => overlay::draw_sections(
            args.get(1)
                .map(PathBuf::from)
                .context("usage: cargo xtask sections SCRAPE_DIR")?
                .as_path(),
        ),
        _ => {
            eprintln!(
                "usage: cargo xtask <setup|demo|test|bench scrape|bench plan|fuzz [SECONDS] [TARGET...]|record [SITE...]|record-next-logs|serve|sections DIR|screenshot [PATH]>"
            );
            bail!("unknown or missing command");
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting tokio")
}

/// The cargo that runs xtask, so toolchain overrides carry over.
pub(crate) fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs a command, failing with its exit status.
pub(crate) fn run(command: &mut Command) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("running {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed with {status}");
    }
    Ok(())
}

/// Builds the `replica` binary with `profile` and returns its path.
pub(crate) fn build_replica(root: &Path, release: bool) -> anyhow::Result<PathBuf> {
    let mut cargo = Command::new(cargo());
    cargo.args(["build", "--locked", "-p", "replica"]);
    if release {
        cargo.arg("--release");
    }
    run(&mut cargo)?;
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target_dir
        .join(if release { "release" } else { "debug" })
        .join("replica"))
}

fn demo(root: &Path) -> anyhow::Result<()> {
    setup::ensure_system_packages()?;
    let replica = build_replica(root, false)?;
    let out = root.join("target/demo/landing");
    runtime()?.block_on(async {
        let server = FixtureServer::start(root.join("fixtures/sites")).await?;
        let url = server.url("/landing/");
        eprintln!("demo: serving fixtures/sites on {}", server.url("/"));
        // The clone prints the preview URL, where the project was written and the similarity;
        // at a terminal it keeps the preview running until Ctrl-C.
        let status = tokio::process::Command::new(&replica)
            .args(["clone", &url, "--out"])
            .arg(&out)
            .env(
                "REPLICA_DATA_DIR",
                std::env::var_os("REPLICA_DATA_DIR")
                    .unwrap_or_else(|| root.join("target/demo/replica-data").into()),
            )
            .status()
            .await
            .context("running replica")?;
        if !status.success() {
            bail!("replica clone failed with {status}");
        }
        eprintln!(
            "demo: the Next.js project is in {0}\n\
             demo: copy it anywhere and run `npm install && npm run build && npm start` there: \
             it installs from the npm cache (no network needed) and serves on port 3000 \
             (`npm run dev` for development); `cd {0} && npm install && npm run build && npm start` \
             runs it in place",
            out.display()
        );
        Ok(())
    })
}

fn test(extra: &[String]) -> anyhow::Result<()> {
    setup::ensure_system_packages()?;
    let mut cargo = Command::new(cargo());
    cargo.args(["test", "--workspace", "--locked"]).args(extra);
    run(&mut cargo)
}

/// Broken components into a real local sandbox; its dev-server output into fixtures/next-logs.
fn record_next_logs(root: &Path) -> anyhow::Result<()> {
    setup::ensure_system_packages()?;
    run(Command::new(cargo()).current_dir(root).args([
        "run",
        "--locked",
        "-p",
        "replica-sandbox-pool",
        "--example",
        "record_next_logs",
    ]))
}

fn record(root: &Path, sites: &[String]) -> anyhow::Result<()> {
    setup::ensure_system_packages()?;
    let replica = build_replica(root, false)?;
    let sites = if sites.is_empty() {
        fixture_sites(root)?
    } else {
        sites.to_vec()
    };
    runtime()?.block_on(async {
        let server = FixtureServer::start_on(RECORD_ADDR.parse()?, root.join("fixtures/sites"))
            .await
            .with_context(|| {
                format!("serving fixtures on {RECORD_ADDR} (is something else using that port?)")
            })?;
        for site in &sites {
            let out = root.join("fixtures/scrapes").join(site);
            if out.exists() {
                std::fs::remove_dir_all(&out)?;
            }
            let url = server.url(&format!("/{site}/index.html"));
            eprintln!("record: {url} -> {}", out.display());
            let status = tokio::process::Command::new(&replica)
                .args(["scrape", &url, "--json", "--out"])
                .arg(&out)
                .stdout(std::process::Stdio::null())
                .status()
                .await?;
            if !status.success() {
                bail!("recording {site} failed");
            }
        }
        Ok(())
    })
}

fn serve(root: &Path) -> anyhow::Result<()> {
    runtime()?.block_on(async {
        let server =
            FixtureServer::start_on(RECORD_ADDR.parse()?, root.join("fixtures/sites")).await?;
        println!(
            "serving fixtures/sites on {} (Ctrl-C stops)",
            server.url("/")
        );
        tokio::signal::ctrl_c().await?;
        Ok(())
    })
}

/// Names of the folders of fixtures/sites that hold an index.html, sorted.
pub(crate) fn fixture_sites(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut sites: Vec<String> = std::fs::read_dir(root.join("fixtures/sites"))?
        .flatten()
        .filter(|entry| entry.path().join("index.html").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    sites.sort();
    Ok(sites)
}
