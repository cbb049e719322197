//! Benchmarks, not timed tests: the numbers go in docs/BENCHMARKS.md.
//!
//! `cargo xtask bench scrape [--runs N] [--baseline REPLICA] [SITE...]`: the median wall time
//! of a full scrape (both devices, chromedriver start included, as a user runs `replica
//! scrape`) per fixture site, with a release build; with `--baseline`, that binary and this
//! build in turns, for a before/after on a busy machine.
//!
//! The others run a crate's `bench_*` example in release (see [`EXAMPLES`]), passing the rest of
//! the arguments on.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use replica_fixture_server::FixtureServer;

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("scrape") => scrape(root, &args[1..]),
        name => match EXAMPLES.iter().find(|e| Some(e.0) == name) {
            // bench_clone serves two benchmarks; it is told which.
            Some((name, package, "bench_clone")) => {
                let mut rest = vec![name.to_string()];
                rest.extend_from_slice(&args[1..]);
                example_bench(root, package, "bench_clone", &rest)
            }
            Some((_, package, example)) => example_bench(root, package, example, &args[1..]),
            None => {
                let names: Vec<&str> = EXAMPLES.iter().map(|e| e.0).collect();
                bail!(
                    "usage: cargo xtask bench <scrape [--runs N] [--baseline REPLICA] [SITE...] | {} [ARGS...]>",
                    names.join(" | ")
                )
            }
        },
    }
}

fn scrape(root: &Path, args: &[String]) -> anyhow::Result<()> {
    crate::setup::ensure_system_packages()?;
    let mut runs = 5usize;
    let mut sites = Vec::new();
    let mut baseline = None;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().context("--runs needs a number")?.parse()?,
            "--baseline" => {
                baseline = Some(PathBuf::from(
                    args.next().context("--baseline needs a replica binary")?,
                ))
            }
            site => sites.push(site.to_string()),
        }
    }
    if sites.is_empty() {
        sites = crate::fixture_sites(root)?;
    }
    let replica = crate::build_replica(root, true)?;
    match baseline {
        Some(baseline) => {
            crate::runtime()?.block_on(scrape_ab(root, &baseline, &replica, &sites, runs))
        }
        None => crate::runtime()?.block_on(scrape_medians(root, &replica, &sites, runs)),
    }
}

async fn scrape_medians(
    root: &Path,
    replica: &Path,
    sites: &[String],
    runs: usize,
) -> anyhow::Result<()> {
    let out = root.join("target/bench/scrape");
    let server = FixtureServer::start(root.join("fixtures/sites")).await?;
    println!(
        "| site | median wall | min | max | median in-process (preflight / browser / desktop / mobile) |"
    );
    println!("|---|---|---|---|---|");
    let mut medians = Vec::new();
    for site in sites {
        let url = server.url(&format!("/{site}/index.html"));
        let mut walls = Vec::new();
        let mut inside = Vec::new();
        // One warm-up run: page cache and binary in memory, as for a user's second scrape.
        for run in 0..=runs {
            let (wall, timings) = scrape_once(replica, &url, &out.join(site)).await?;
            if run > 0 {
                walls.push(wall);
                inside.push(timings);
            }
        }
        let median_wall = median(&mut walls.clone());
        medians.push(median_wall);
        let part = |key: &str| {
            let mut values: Vec<u64> = inside
                .iter()
                .map(|t| t[key].as_u64().unwrap_or(0))
                .collect();
            values.sort_unstable();
            values[values.len() / 2]
        };
        println!(
            "| {site} | {:.2} s | {:.2} s | {:.2} s | {} ms ({} / {} / {} / {}) |",
            median_wall.as_secs_f64(),
            walls
                .iter()
                .min()
                .copied()
                .unwrap_or_default()
                .as_secs_f64(),
            walls
                .iter()
                .max()
                .copied()
                .unwrap_or_default()
                .as_secs_f64(),
            part("total_ms"),
            part("preflight_ms"),
            part("browser_ms"),
            part("desktop_ms"),
            part("mobile_ms"),
        );
    }
    let worst = medians.iter().max().copied().unwrap_or_default();
    println!(
        "\nworst median: {:.2} s over {} sites, {runs} runs each (target: at most 2.5 s)",
        worst.as_secs_f64(),
        sites.len()
    );
    Ok(())
}

/// `--baseline PATH`: the baseline binary and the one built here take turns (A B B A ...), so
/// load from other work on the machine falls on both alike; prints both medians per site.
async fn scrape_ab(
    root: &Path,
    baseline: &Path,
    replica: &Path,
    sites: &[String],
    runs: usize,
) -> anyhow::Result<()> {
    let out = root.join("target/bench/scrape-ab");
    let server = FixtureServer::start(root.join("fixtures/sites")).await?;
    println!("| site | baseline median (min-max) | this build median (min-max) | change |");
    println!("|---|---|---|---|");
    let (mut all_a, mut all_b) = (Vec::new(), Vec::new());
    for site in sites {
        let url = server.url(&format!("/{site}/index.html"));
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for run in 0..=runs {
            let order = if run % 2 == 0 {
                [baseline, replica]
            } else {
                [replica, baseline]
            };
            for binary in order {
                let (wall, _) = scrape_once(binary, &url, &out.join(site)).await?;
                // Run 0 warms both up.
                if run > 0 {
                    if binary == baseline {
                        a.push(wall)
                    } else {
                        b.push(wall)
                    }
                }
            }
        }
        let (ma, mb) = (median(&mut a.clone()), median(&mut b.clone()));
        let range = |v: &[Duration]| {
            format!(
                "{:.2}-{:.2}",
                v.iter().min().copied().unwrap_or_default().as_secs_f64(),
                v.iter().max().copied().unwrap_or_default().as_secs_f64()
            )
        };
        println!(
            "| {site} | {:.2} s ({}) | {:.2} s ({}) | {:+.1} % |",
            ma.as_secs_f64(),
            range(&a),
            mb.as_secs_f64(),
            range(&b),
            (mb.as_secs_f64() / ma.as_secs_f64() - 1.0) * 100.0
        );
        all_a.extend(a);
        all_b.extend(b);
    }
    let total = |v: &[Duration]| v.iter().map(Duration::as_secs_f64).sum::<f64>();
    println!(
        "\nall runs: baseline {:.1} s, this build {:.1} s ({:+.1} %), {runs} runs per site each",
        total(&all_a),
        total(&all_b),
        (total(&all_b) / total(&all_a) - 1.0) * 100.0
    );
    Ok(())
}

/// One `replica scrape URL --json`: wall time and the scrape's own timings.
async fn scrape_once(
    replica: &Path,
    url: &str,
    out: &Path,
) -> anyhow::Result<(Duration, serde_json::Value)> {
    let started = Instant::now();
    let output = tokio::process::Command::new(replica)
        .args(["scrape", url, "--json", "--out"])
        .arg(out)
        .output()
        .await?;
    let wall = started.elapsed();
    if !output.status.success() {
        bail!(
            "scraping {url} with {} failed: {}",
            replica.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    Ok((wall, json["timings_ms"].clone()))
}

/// `cargo xtask bench NAME`: (name, package, example).
const EXAMPLES: &[(&str, &str, &str)] = &[
    // Design tokens + plan of the largest recorded fixture (or SCRAPE_DIR). Target 50 ms.
    ("plan", "replica-planner", "bench_plan"),
    // Warm acquire, cold provision, ten components to the first 200 [ROUNDS].
    ("pool", "replica-sandbox-pool", "bench_pool"),
    // Deterministic generation of every section of the largest fixture. Target 50 ms.
    ("generate", "replica-section-gen", "bench_generate"),
    // Assembly and review of every fixture. No target.
    ("assemble", "replica-assembler", "bench_assemble"),
    // Validating 200 component files. Target 100 ms.
    ("validate", "replica-jsx-validator", "bench_validate"),
    // Pixel diff of two 1280x6000 images, and npm pixelmatch 7 on the same pairs when node is
    // there [RUNS] [PAIR-FILTER]. Targets 60 ms and at least 5x pixelmatch's speed.
    ("diff", "replica-visual-diff", "bench_diff"),
    // Throughput over the recorded dev-server logs. No target.
    ("parse", "replica-next-error-parser", "bench_parse"),
    // Request to `compiled` per fixture site with a warm pool [--runs N] [SITE...], and peak RSS
    // of the pipeline and of its children. Target 8 s.
    ("e2e", "replica-pipeline", "bench_clone"),
    // A generated page of N = 10, 40, 160 sections through every stage [N...]: time per stage
    // and peak RSS. Targets: 16x the sections at most 20x the time, 2 GB at N = 160.
    ("scale", "replica-pipeline", "bench_clone"),
    // A whole-site clone of N pages against its pages cloned one by one [--pages N] [DIR]:
    // wall time and peak RSS. Target: at most 0.5x the singles' sum.
    ("site", "replica-pipeline", "bench_clone"),
    // Similarity of every corpus page in both styles [--style S] [--dev] [--no-lint] [--out DIR]
    // [DIR...]. Targets in issue 9.
    ("fidelity", "replica-pipeline", "bench_clone"),
    // Time the preview proxy adds to a preview's first load [--runs N] [SITE...]. Target 10 %.
    ("preview", "replica", "bench_preview"),
    // The web UI's first load: weight over the wire and time to interactive [--runs N].
    // Target 300 KB.
    ("ui", "replica", "bench_ui"),
    // 20 clones at once through the server's queue [--clones N]. Targets: 0 errors, 0 left.
    ("load", "replica", "bench_load"),
    // Agent loop overhead per tool call (5 ms), a 200-file checkpoint (20 ms), undo into a
    // running sandbox until the preview shows the old page (2 s).
    ("agent", "replica-pipeline", "bench_agent"),
];

fn example_bench(root: &Path, package: &str, example: &str, args: &[String]) -> anyhow::Result<()> {
    let mut cargo = std::process::Command::new(crate::cargo());
    if matches!(example, "bench_preview" | "bench_load" | "bench_ui") {
        // It measures a real `replica serve`, built as users run it.
        crate::setup::ensure_system_packages()?;
        cargo.env("REPLICA_BIN", crate::build_replica(root, true)?);
    }
    if example == "bench_diff"
        && let Some(dir) = crate::setup::ensure_pixelmatch()?
    {
        cargo.env("REPLICA_PIXELMATCH_DIR", dir);
    }
    cargo
        .current_dir(root)
        .args(["run", "--release", "--locked", "--quiet", "-p", package]);
    crate::run(cargo.args(["--example", example, "--"]).args(args))
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
