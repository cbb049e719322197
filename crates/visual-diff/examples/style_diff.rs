//! Prints the style diff of two scrape directories (what `replica scrape` writes) as JSON,
//! with the pixel similarity of their full-page screenshots and the time each took on stderr.
//!
//! `cargo run --release -p replica-visual-diff --example style_diff -- ORIGINAL CLONE [desktop|mobile] [CLONE-DEVICE]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use replica_core::{Device, ScrapeData};
use replica_visual_diff::{CompareOptions, compare_encoded, diff_styles};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let device = |arg: Option<&String>| match arg.map(String::as_str) {
        None | Some("desktop") => Some(Device::Desktop),
        Some("mobile") => Some(Device::Mobile),
        Some(_) => None,
    };
    let (Some(original), Some(clone), Some(original_device)) =
        (args.first(), args.get(1), device(args.get(2)))
    else {
        eprintln!("usage: style_diff ORIGINAL_DIR CLONE_DIR [desktop|mobile] [CLONE-DEVICE]");
        return ExitCode::FAILURE;
    };
    let Some(clone_device) = args
        .get(3)
        .map_or(Some(original_device), |_| device(args.get(3)))
    else {
        eprintln!("the clone device must be desktop or mobile");
        return ExitCode::FAILURE;
    };
    let load = |dir: &String| ScrapeData::load(&PathBuf::from(dir));
    let (original, clone) = match (load(original), load(clone)) {
        (Ok(original), Ok(clone)) => (original, clone),
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let (original, clone) = (original.device(original_device), clone.device(clone_device));

    let start = Instant::now();
    let diff = diff_styles(original, clone);
    let style_ms = start.elapsed().as_secs_f64() * 1000.0;
    let start = Instant::now();
    let pixels = compare_encoded(
        &original.screenshots.full_page.png,
        &clone.screenshots.full_page.png,
        &CompareOptions::default(),
    );
    let pixel_ms = start.elapsed().as_secs_f64() * 1000.0;
    match pixels {
        Ok(pixels) => eprintln!(
            "similarity {:.4} ({pixel_ms:.0} ms with PNG decoding); style diff of {} and {} elements in {style_ms:.1} ms",
            pixels.similarity, diff.summary.original_elements, diff.summary.clone_elements
        ),
        Err(error) => eprintln!("{error}"),
    }
    match serde_json::to_string_pretty(&diff) {
        Ok(json) => println!("{json}"),
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
