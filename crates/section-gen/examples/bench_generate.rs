//! Deterministic generation of every section of the largest recorded fixture (by element
//! count), in both styles; the target is at most 50 ms for one whole page.
//!
//! cargo run --release -p replica-section-gen --example bench_generate [-- <fixtures/scrapes dir>]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use replica_core::OutputStyle;
use replica_core::ScrapeData;
use replica_section_gen::{CompileOptions, compile_plan};

const RUNS: usize = 30;
const TARGET: Duration = Duration::from_millis(50);

fn main() {
    let dir = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes"),
        PathBuf::from,
    );
    let mut largest: Option<(usize, String, ScrapeData)> = None;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("scrape.json").is_file())
        .collect();
    entries.sort();
    for path in entries {
        let scrape =
            ScrapeData::load(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        let elements = scrape.desktop.dom.element_count();
        if largest
            .as_ref()
            .is_none_or(|(count, _, _)| elements > *count)
        {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            largest = Some((elements, name, scrape));
        }
    }
    let Some((elements, name, scrape)) = largest else {
        eprintln!("no scrape.json under {}", dir.display());
        std::process::exit(2);
    };
    let tokens = replica_design_tokens::extract(&scrape);
    let plan = replica_planner::plan(&scrape, &tokens);
    println!(
        "fixture {name}: {elements} elements, {} sections",
        plan.sections.len()
    );
    let mut within_target = true;
    for style in [OutputStyle::Faithful, OutputStyle::Tailwind] {
        let options = CompileOptions {
            style,
            mobile_dom: Some(&scrape.mobile.dom),
            rendering_mode: scrape.rendering_mode(),
            lang: replica_core::Lang::default(),
        };
        let mut times = Vec::with_capacity(RUNS);
        let mut bytes = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let files = compile_plan(&plan, &tokens, &options);
            times.push(started.elapsed());
            bytes = files
                .iter()
                .map(|file| file.as_ref().map_or(0, |file| file.source.len()))
                .sum();
        }
        times.sort();
        let median = times[RUNS / 2];
        within_target &= median <= TARGET;
        println!(
            "{:9} all sections: median {:.2} ms, min {:.2} ms, max {:.2} ms ({} runs, {} bytes of JSX)",
            style.as_str(),
            median.as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0,
            times[RUNS - 1].as_secs_f64() * 1000.0,
            RUNS,
            bytes
        );
    }
    println!(
        "target {} ms: {}",
        TARGET.as_millis(),
        if within_target { "met" } else { "MISSED" }
    );
}
