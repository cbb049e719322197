//! Times design-token extraction plus planning (crops included) of the largest recorded
//! fixture: `cargo run --release -p replica-planner --example bench_plan [-- SCRAPE_DIR]`.
//! "Largest" is the fixture with the most captured elements (desktop plus mobile). Prints the
//! min and median of 30 runs, for the two stages together and for each alone. Target: 50 ms.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use replica_core::ScrapeData;

const RUNS: usize = 30;

fn main() {
    let dir = match std::env::args().nth(1) {
        Some(dir) => PathBuf::from(dir),
        None => largest_fixture(),
    };
    let scrape = ScrapeData::load(&dir).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "{}: {} + {} elements, screenshots {}x{} and {}x{} px",
        dir.display(),
        scrape.desktop.node_count,
        scrape.mobile.node_count,
        scrape.desktop.screenshots.full_page.width,
        scrape.desktop.screenshots.full_page.height,
        scrape.mobile.screenshots.full_page.width,
        scrape.mobile.screenshots.full_page.height,
    );
    let mut both = Vec::with_capacity(RUNS);
    let mut tokens_only = Vec::with_capacity(RUNS);
    let mut plan_only = Vec::with_capacity(RUNS);
    let mut sections = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let tokens = replica_design_tokens::extract(&scrape);
        let extracted = Instant::now();
        let plan = replica_planner::plan(&scrape, &tokens);
        let planned = Instant::now();
        sections = plan.sections.len();
        tokens_only.push(extracted - start);
        plan_only.push(planned - extracted);
        both.push(planned - start);
    }
    // The same without screenshots: what cutting the page costs apart from the pixels.
    let mut blind = scrape.clone();
    for capture in [&mut blind.desktop, &mut blind.mobile] {
        capture.screenshots.full_page.png.clear();
    }
    let tokens = replica_design_tokens::extract(&blind);
    let mut plan_blind = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        let plan = replica_planner::plan(&blind, &tokens);
        plan_blind.push(start.elapsed());
        assert_eq!(plan.sections.len(), sections);
    }
    println!("{sections} sections, {RUNS} runs");
    report("tokens + plan", &mut both);
    report("tokens", &mut tokens_only);
    report("plan (with crops)", &mut plan_only);
    report("plan (no crops)", &mut plan_blind);
}

fn report(label: &str, times: &mut [Duration]) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<18} min {:>7.2} ms   median {:>7.2} ms",
        ms(times[0]),
        ms(times[times.len() / 2])
    );
}

fn largest_fixture() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes");
    let mut best: Option<(u32, PathBuf)> = None;
    for entry in std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .flatten()
    {
        let path = entry.path();
        let Ok(json) = std::fs::read(path.join(ScrapeData::FILE_NAME)) else {
            continue;
        };
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(&json) else {
            continue;
        };
        let count = |device: &str| value[device]["node_count"].as_u64().unwrap_or(0) as u32;
        let nodes = count("desktop") + count("mobile");
        if best.as_ref().is_none_or(|(n, _)| nodes > *n) {
            best = Some((nodes, path));
        }
    }
    best.map(|(_, path)| path).expect("no recorded fixture")
}
