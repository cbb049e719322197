//! How long stage F and the deterministic review take on every recorded fixture (components
//! compiled once up front; only assembly and review are timed):
//! `cargo run --release -p replica-assembler --example bench_assemble`

use std::path::Path;
use std::time::Instant;

use replica_assembler::{AssembleInput, ProjectStyle, assemble, review};
use replica_core::OutputStyle;
use replica_core::ScrapeData;
use replica_section_gen::{CompileOptions, compile_plan, compile_wrappers};

const ROUNDS: u32 = 200;

fn main() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes");
    let mut dirs: Vec<_> = std::fs::read_dir(&fixtures)
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .collect()
        })
        .unwrap_or_default();
    dirs.retain(|dir: &std::path::PathBuf| dir.join("scrape.json").is_file());
    dirs.sort();
    println!(
        "{:<14} {:>6} {:>8} {:>12} {:>12}",
        "fixture", "files", "bytes", "assemble µs", "review µs"
    );
    for dir in dirs {
        let Ok(scrape) = ScrapeData::load(&dir) else {
            eprintln!("{}: cannot load", dir.display());
            continue;
        };
        let tokens = replica_design_tokens::extract(&scrape);
        let plan = replica_planner::plan(&scrape, &tokens);
        let options = CompileOptions {
            style: OutputStyle::Faithful,
            mobile_dom: Some(&scrape.mobile.dom),
            rendering_mode: scrape.rendering_mode(),
            lang: replica_core::Lang::default(),
        };
        let components: Vec<_> = compile_plan(&plan, &tokens, &options)
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        let wrappers = compile_wrappers(&plan, &tokens, &options);
        let input = AssembleInput {
            scrape: &scrape,
            plan: &plan,
            tokens: &tokens,
            components: &components,
            wrappers: &wrappers,
            lang: replica_core::Lang::default(),
            stylesheet_sources: &[],
            site: None,
            style: &ProjectStyle::Faithful,
        };
        let started = Instant::now();
        let mut files = None;
        for _ in 0..ROUNDS {
            files = assemble(&input).ok().map(|assembly| assembly.files);
        }
        let assemble_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS);
        let Some(files) = files else {
            eprintln!("{}: assemble failed", dir.display());
            continue;
        };
        let started = Instant::now();
        for _ in 0..ROUNDS {
            std::hint::black_box(review(&files));
        }
        let review_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS);
        let bytes: usize = files.files.values().map(|file| file.contents.len()).sum();
        let name = dir
            .file_name()
            .map(|name| name.to_string_lossy().to_string())
            .unwrap_or_default();
        println!(
            "{name:<14} {:>6} {bytes:>8} {assemble_us:>12.1} {review_us:>12.1}",
            files.len()
        );
    }
}
