//! Times `compare` on 1280x6000 pairs, the largest a full-page desktop capture gets
//! (DESIGN.md §8). Target: at most 60 ms in a release build.
//!
//! `cargo run --release -p replica-visual-diff --example bench_diff [RUNS] [PAIR-FILTER]`

use std::path::Path;
use std::time::{Duration, Instant};

use image::{Rgba, RgbaImage};
use replica_visual_diff::{CompareOptions, Comparison, compare};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 6000;

fn main() {
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|arg| arg.parse().ok())
        .unwrap_or(20)
        .max(1);
    let filter = std::env::args().nth(2).unwrap_or_default();
    let page = synthetic_page(0);
    let mut cases: Vec<(&str, RgbaImage, RgbaImage)> = vec![
        ("identical synthetic page", page.clone(), page.clone()),
        (
            "synthetic page, blocks shifted 4 px",
            page.clone(),
            synthetic_page(4),
        ),
    ];

    let scrapes = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes");
    let load = |name: &str| {
        let path = scrapes.join(name).join("desktop-full.png");
        image::open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .to_rgba8()
    };
    let long_page = load("long-page");
    let mut long_page_edited = long_page.clone();
    // A clone whose hero is 12 px lower and whose text below it is a shade lighter.
    shift_down(&mut long_page_edited, 300, 12);
    long_page_edited
        .pixels_mut()
        .skip((WIDTH * 3000) as usize)
        .filter(|pixel| pixel.0[0] < 128)
        .for_each(|pixel| pixel.0 = [pixel.0[0] + 40, pixel.0[1] + 40, pixel.0[2] + 40, 255]);
    cases.push((
        "long-page capture against itself",
        long_page.clone(),
        long_page.clone(),
    ));
    cases.push((
        "long-page against an edited copy",
        long_page.clone(),
        long_page_edited,
    ));
    cases.push((
        "long-page (6000 rows) against lazy-images (5805)",
        long_page,
        load("lazy-images"),
    ));
    let default_options = CompareOptions::default();
    let count_aa = CompareOptions {
        include_aa: true,
        ..CompareOptions::default()
    };

    time_decoding(&scrapes, runs);
    println!(
        "compare, {runs} runs each, {} threads available",
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    println!(
        "{:<58} {:>9} {:>9} {:>11} {:>11} {:>17}",
        "pair", "min ms", "median ms", "cpu ms/run", "similarity", "result digest"
    );
    // The last pair once more with anti-aliasing counted instead of detected: the difference
    // is what the detector costs.
    let runs_of: Vec<(String, &RgbaImage, &RgbaImage, &CompareOptions)> = cases
        .iter()
        .map(|(name, a, b)| (name.to_string(), a, b, &default_options))
        .chain(
            cases
                .last()
                .map(|(name, a, b)| (format!("{name}, includeAA"), a, b, &count_aa)),
        )
        .collect();
    for (name, a, b, options) in runs_of.iter().filter(|(name, ..)| name.contains(&filter)) {
        let mut times = Vec::with_capacity(runs);
        let mut last = None;
        let cpu_before = process_cpu_ms();
        for _ in 0..runs {
            let start = Instant::now();
            let result = compare(a, b, options);
            times.push(start.elapsed());
            // Dropped outside the timed part, as a caller keeps it.
            last = Some(std::hint::black_box(result));
        }
        let cpu = match (cpu_before, process_cpu_ms()) {
            (Some(before), Some(after)) => format!("{:.1}", (after - before) / runs as f64),
            _ => "-".to_owned(),
        };
        let last = last.expect("at least one run");
        let (similarity, digest) = (last.similarity, result_digest(&last));
        times.sort();
        println!(
            "{name:<58} {:>9.1} {:>9.1} {cpu:>11} {similarity:>11.4} {digest:>17x}",
            ms(times[0]),
            ms(times[times.len() / 2])
        );
    }
}

/// FNV-1a over the counts, the per-row counts and the diff image: a speed-up must leave it
/// unchanged.
fn result_digest(result: &Comparison) -> u64 {
    let counts = [
        result.different_pixels,
        result.antialiased_pixels,
        result.total_pixels,
    ];
    let bytes = counts
        .iter()
        .flat_map(|count| count.to_le_bytes())
        .chain(result.row_differences.iter().flat_map(|n| n.to_le_bytes()))
        .chain(result.diff.as_raw().iter().copied());
    bytes.fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// CPU time of this process (all threads) from /proc, in ms: on a machine shared with other
/// builds, wall-clock times vary with their load and this does much less.
fn process_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports in clock ticks of 10 ms (USER_HZ = 100).
    Some(ticks * 10.0)
}

/// Decoding is not part of the diff, but callers holding PNG screenshots pay it first.
fn time_decoding(scrapes: &Path, runs: usize) {
    let path = scrapes.join("long-page").join("desktop-full.png");
    let Ok(png) = std::fs::read(&path) else {
        return;
    };
    let mut times: Vec<Duration> = (0..runs.min(5))
        .map(|_| {
            let start = Instant::now();
            let decoded = image::load_from_memory(&png).map(|image| image.to_rgba8());
            let elapsed = start.elapsed();
            std::hint::black_box(decoded).ok();
            elapsed
        })
        .collect();
    times.sort();
    println!(
        "decoding one 1280x6000 PNG ({} KB) to RGBA: min {:.1} ms",
        png.len() / 1024,
        ms(times[0])
    );
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// A page-like image: white background, coloured bands, and rows of dark "words" with grey
/// edges (as anti-aliased text has), with every block moved `shift` px right.
fn synthetic_page(shift: u32) -> RgbaImage {
    RgbaImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let band = y / 600;
        if band % 3 == 2 {
            return Rgba([30 + (band * 20) as u8, 60, 120, 255]);
        }
        let line = y % 24;
        let x = x.wrapping_sub(shift);
        let word = (x / 70 + y / 24) % 5 != 0;
        let in_glyph = (120..1160).contains(&x) && (6..18).contains(&line) && x % 70 < 60 && word;
        if !in_glyph {
            return Rgba([255, 255, 255, 255]);
        }
        let edge = x % 70 == 0 || x % 70 == 59 || line == 6 || line == 17;
        if edge {
            Rgba([150, 150, 150, 255])
        } else if (x / 3 + line) % 4 == 0 {
            Rgba([255, 255, 255, 255])
        } else {
            Rgba([20, 20, 20, 255])
        }
    })
}

fn shift_down(image: &mut RgbaImage, from_row: u32, by: u32) {
    for y in (from_row + by..image.height()).rev() {
        for x in 0..image.width() {
            let pixel = *image.get_pixel(x, y - by);
            image.put_pixel(x, y, pixel);
        }
    }
}
