//! Runs tokens, plan and deterministic generation (both styles) on every recorded scrape in a
//! directory (`<dir>/<page>/scrape.json`) and counts the files oxc cannot parse.
//!
//! cargo run --release -p replica-section-gen --example parse_corpus -- /tmp/corpus-scrapes [OUT]
//!
//! With OUT, every generated file is also written to `OUT/<page>/<style>/<Name>.jsx` for
//! reading.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use replica_core::OutputStyle;
use replica_core::ScrapeData;
use replica_section_gen::{CompileOptions, compile_plan, jsx_parse_errors};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: parse_corpus <dir holding <page>/scrape.json>");
        return ExitCode::from(2);
    };
    let mut pages: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.join("scrape.json").is_file())
            .collect(),
        Err(error) => {
            eprintln!("cannot read {}: {error}", dir.display());
            return ExitCode::from(2);
        }
    };
    pages.sort();
    let out_dir = std::env::args_os().nth(2).map(PathBuf::from);
    let (mut files, mut failed_files, mut load_errors, mut compile_errors) = (0, 0, 0, 0);
    let mut compile_time = std::time::Duration::ZERO;
    for page in &pages {
        let name = page.file_name().unwrap_or_default().to_string_lossy();
        let scrape = match ScrapeData::load(page) {
            Ok(scrape) => scrape,
            Err(error) => {
                println!("{name}: cannot load: {error}");
                load_errors += 1;
                continue;
            }
        };
        let tokens = replica_design_tokens::extract(&scrape);
        let plan = replica_planner::plan(&scrape, &tokens);
        let mut page_failures = 0;
        for style in [OutputStyle::Faithful, OutputStyle::Tailwind] {
            let options = CompileOptions {
                style,
                mobile_dom: Some(&scrape.mobile.dom),
                rendering_mode: scrape.rendering_mode(),
                lang: replica_core::Lang::default(),
            };
            let started = Instant::now();
            let results = compile_plan(&plan, &tokens, &options);
            compile_time += started.elapsed();
            for result in results {
                let file = match result {
                    Ok(file) => file,
                    Err(error) => {
                        println!("{name} ({}): {error}", style.as_str());
                        compile_errors += 1;
                        continue;
                    }
                };
                files += 1;
                if let Some(out_dir) = &out_dir {
                    let dir = out_dir.join(name.as_ref()).join(style.as_str());
                    let written = std::fs::create_dir_all(&dir).and_then(|()| {
                        std::fs::write(
                            dir.join(format!("{}.jsx", file.component_name)),
                            &file.source,
                        )
                    });
                    if let Err(error) = written {
                        eprintln!("cannot write into {}: {error}", dir.display());
                    }
                }
                let errors = jsx_parse_errors(&file.source);
                if !errors.is_empty() {
                    failed_files += 1;
                    page_failures += 1;
                    println!("{name} {} ({}): {}", file.path, style.as_str(), errors[0]);
                }
            }
        }
        println!(
            "{name}: {} sections, {} failing files",
            plan.sections.len(),
            page_failures
        );
    }
    println!(
        "pages={} files={files} parse_failures={failed_files} compile_errors={compile_errors} \
         load_errors={load_errors} compile_time={:.1}ms",
        pages.len(),
        compile_time.as_secs_f64() * 1000.0
    );
    if failed_files + compile_errors + load_errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
