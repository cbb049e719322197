//! Benchmarks, not timed tests: the numbers go in docs/BENCHMARKS.md.
//!
//! `cargo xtask bench scrape [--runs N] [SITE...]`: the median wall time of a full scrape (both
//! devices, chromedriver start included, as a user runs `replica scrape`) per fixture site,
//! with a release build.
//!
//! `cargo xtask bench plan [SCRAPE_DIR]`: design tokens plus plan of the largest recorded
//! fixture (or the one given), release build.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use replica_fixture_server::FixtureServer;

pub fn run(root: &Path, args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("scrape") => scrape(root, &args[1..]),
        Some("plan") => plan(root, &args[1..]),
        _ => bail!("usage: cargo xtask bench <scrape [--runs N] [SITE...] | plan [SCRAPE_DIR]>"),
    }
}

fn scrape(root: &Path, args: &[String]) -> anyhow::Result<()> {
    crate::setup::ensure_system_packages()?;
    let mut runs = 5usize;
    let mut sites = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().context("--runs needs a number")?.parse()?,
            site => sites.push(site.to_string()),
        }
    }
    if sites.is_empty() {
        sites = crate::fixture_sites(root)?;
    }
    let replica = crate::build_replica(root, true)?;
    let out = root.join("target/bench/scrape");
    crate::runtime()?.block_on(async {
        let server = FixtureServer::start(root.join("fixtures/sites")).await?;
        println!("| site | median wall | min | max | median in-process (preflight / browser / desktop / mobile) |");
        println!("|---|---|---|---|---|");
        let mut medians = Vec::new();
        for site in &sites {
            let url = server.url(&format!("/{site}/index.html"));
            let mut walls = Vec::new();
            let mut inside = Vec::new();
            // One warm-up run: page cache and binary in memory, as for a user's second scrape.
            for run in 0..=runs {
                let started = Instant::now();
                let output = tokio::process::Command::new(&replica)
                    .args(["scrape", &url, "--json", "--out"])
                    .arg(out.join(site))
                    .output()
                    .await?;
                let wall = started.elapsed();
                if !output.status.success() {
                    bail!("scraping {site} failed: {}", String::from_utf8_lossy(&output.stderr));
                }
                let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
                if run > 0 {
                    walls.push(wall);
                    inside.push(json["timings_ms"].clone());
                }
            }
            let median_wall = median(&mut walls.clone());
            medians.push(median_wall);
            let part = |key: &str| {
                let mut values: Vec<u64> = inside.iter().map(|t| t[key].as_u64().unwrap_or(0)).collect();
                values.sort_unstable();
                values[values.len() / 2]
            };
            println!(
                "| {site} | {:.2} s | {:.2} s | {:.2} s | {} ms ({} / {} / {} / {}) |",
                median_wall.as_secs_f64(),
                walls.iter().min().copied().unwrap_or_default().as_secs_f64(),
                walls.iter().max().copied().unwrap_or_default().as_secs_f64(),
                part("total_ms"),
                part("preflight_ms"),
                part("browser_ms"),
                part("desktop_ms"),
                part("mobile_ms"),
            );
        }
        let worst = medians.iter().max().copied().unwrap_or_default();
        println!("\nworst median: {:.2} s over {} sites, {runs} runs each (target: at most 2.5 s)", worst.as_secs_f64(), sites.len());
        Ok(())
    })
}

fn plan(root: &Path, args: &[String]) -> anyhow::Result<()> {
    crate::run(
        std::process::Command::new(crate::cargo())
            .current_dir(root)
            .args([
                "run",
                "--release",
                "--locked",
                "--quiet",
                "-p",
                "replica-planner",
            ])
            .args(["--example", "bench_plan", "--"])
            .args(args),
    )
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
