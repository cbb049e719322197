//! `cargo xtask fuzz [SECONDS] [TARGET...]`: every cargo-fuzz target of the workspace (or the
//! ones named) for SECONDS each (default 60), on the stable toolchain (`RUSTC_BOOTSTRAP=1`, no
//! sanitizer, debug assertions on), installing cargo-fuzz when it is missing.
//!
//! Each target's corpus is `<crate>/fuzz/corpus/<target>` (not committed), seeded from
//! fixtures; libFuzzer's output goes to `target/fuzz-logs/<target>.log`. A crash leaves its
//! input in `<crate>/fuzz/artifacts/<target>/` and fails the command. The table printed at the
//! end is what docs/RELIABILITY.md records.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

/// A fuzz target: its crate, its name, and where its seed inputs are (read recursively).
struct Target {
    krate: &'static str,
    name: &'static str,
    seeds: &'static str,
}

const TARGETS: &[Target] = &[
    Target {
        krate: "crates/next-error-parser",
        name: "parse_log",
        seeds: "fixtures/next-logs",
    },
    Target {
        krate: "crates/jsx-validator",
        name: "validate_autofix",
        seeds: "crates/jsx-validator/tests/fixtures",
    },
    Target {
        krate: "crates/proxy",
        name: "proxy_request",
        seeds: "crates/proxy/fuzz/seeds",
    },
];

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    let mut seconds = 60u64;
    let mut names = Vec::new();
    for arg in args {
        match arg.parse() {
            Ok(number) => seconds = number,
            Err(_) => names.push(arg.as_str()),
        }
    }
    check_every_target_is_listed(root)?;
    for name in &names {
        if !TARGETS.iter().any(|t| t.name == *name) {
            let known: Vec<&str> = TARGETS.iter().map(|t| t.name).collect();
            bail!("no fuzz target {name:?}; there are {}", known.join(", "));
        }
    }
    ensure_cargo_fuzz()?;
    let logs = root.join("target/fuzz-logs");
    std::fs::create_dir_all(&logs)?;
    let mut rows = Vec::new();
    let mut findings = 0;
    for target in TARGETS
        .iter()
        .filter(|t| names.is_empty() || names.contains(&t.name))
    {
        let row = fuzz(
            root,
            target,
            seconds,
            &logs.join(format!("{}.log", target.name)),
        )?;
        findings += usize::from(row.finding.is_some());
        rows.push(row);
    }
    println!("| target | time | executions | corpus | findings |");
    println!("|---|---|---|---|---|");
    for row in &rows {
        println!(
            "| {} | {} s | {} | {} inputs | {} |",
            row.name,
            row.seconds,
            row.executions,
            row.corpus,
            row.finding.as_deref().unwrap_or("none"),
        );
    }
    if findings > 0 {
        bail!("{findings} fuzz target(s) found a crash (inputs in <crate>/fuzz/artifacts/)");
    }
    Ok(())
}

struct Row {
    name: &'static str,
    seconds: u64,
    executions: String,
    corpus: usize,
    finding: Option<String>,
}

fn fuzz(root: &Path, target: &Target, seconds: u64, log: &Path) -> anyhow::Result<Row> {
    let krate = root.join(target.krate);
    let corpus = krate.join("fuzz/corpus").join(target.name);
    std::fs::create_dir_all(&corpus)?;
    eprintln!(
        "fuzz: {} for {seconds} s (log: {})",
        target.name,
        log.display()
    );
    let status = Command::new(crate::cargo())
        .current_dir(&krate)
        .env("RUSTC_BOOTSTRAP", "1")
        .args([
            "fuzz",
            "run",
            "--sanitizer",
            "none",
            "--debug-assertions",
            target.name,
        ])
        .arg(&corpus)
        .arg(root.join(target.seeds))
        .args([
            "--",
            &format!("-max_total_time={seconds}"),
            "-print_final_stats=1",
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?)
        .status()
        .context("running cargo fuzz")?;
    let output = std::fs::read_to_string(log).unwrap_or_default();
    let executions = output
        .lines()
        .find_map(|line| line.strip_prefix("stat::number_of_executed_units:"))
        .map(|n| n.trim().to_string())
        .unwrap_or_else(|| "?".into());
    // libFuzzer's last word: "Done 123 runs in 60 second(s)".
    let fuzzed_seconds = output
        .lines()
        .find_map(|line| line.strip_prefix("Done ")?.split(" runs in ").nth(1))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    let finding = (!status.success()).then(|| {
        output
            .lines()
            .find(|line| line.contains("Test unit written to") || line.contains("panicked at"))
            .unwrap_or("the run failed; see the log")
            .trim()
            .to_string()
    });
    Ok(Row {
        name: target.name,
        seconds: fuzzed_seconds,
        executions,
        corpus: std::fs::read_dir(&corpus).map_or(0, |entries| entries.count()),
        finding,
    })
}

/// Every `[[bin]]` of every `crates/*/fuzz/Cargo.toml` must be in [`TARGETS`], so a new
/// target is not silently left out.
fn check_every_target_is_listed(root: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(root.join("crates"))?.flatten() {
        let manifest: PathBuf = entry.path().join("fuzz/Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let mut in_bin = false;
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                in_bin = line == "[[bin]]";
            } else if in_bin && let Some(name) = line.strip_prefix("name = ") {
                let name = name.trim_matches('"');
                if !TARGETS.iter().any(|t| t.name == name) {
                    bail!(
                        "{} has fuzz target {name:?}, which xtask/src/fuzz.rs does not list",
                        manifest.display()
                    );
                }
            }
        }
    }
    Ok(())
}

fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    let present = Command::new(crate::cargo())
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if present {
        return Ok(());
    }
    eprintln!("fuzz: installing cargo-fuzz (cargo install cargo-fuzz --locked)");
    crate::run(Command::new(crate::cargo()).args(["install", "cargo-fuzz", "--locked"]))
}
