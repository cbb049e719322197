//! Times `compare` on 1280x6000 pairs, the largest a full-page desktop capture gets
//! (DESIGN.md §8). Target: at most 60 ms in a release build, and at least 5x faster than npm
//! pixelmatch 7 on the same pairs.
//!
//! `cargo run --release -p replica-visual-diff --example bench_diff [RUNS] [PAIR-FILTER]`;
//! `cargo xtask bench diff` also installs pixelmatch and passes REPLICA_PIXELMATCH_DIR, and each
//! pair then runs through it right after ours (raw RGBA on both sides: decoding is timed apart).

use std::path::{Path, PathBuf};
use std::process::Command;
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
    let pixelmatch = Pixelmatch::from_env();

    println!("load average at start: {}", load_average());
    time_decoding(&scrapes, runs, pixelmatch.as_ref());
    println!(
        "compare, {runs} runs each, {} threads available; pixelmatch: {}",
        std::thread::available_parallelism().map_or(1, usize::from),
        pixelmatch.as_ref().map_or(
            "not run (REPLICA_PIXELMATCH_DIR unset; `cargo xtask bench diff` sets it)".to_owned(),
            |p| p.version.clone()
        )
    );
    let mut header = format!(
        "{:<50} {:>7} {:>7} {:>7} {:>7} {:>17}",
        "pair", "min ms", "med ms", "cpu ms", "simil.", "result digest"
    );
    if pixelmatch.is_some() {
        header += &format!(
            " | {:>7} {:>7} {:>7} {:>6} {:>6} {:>6}",
            "pm min", "pm med", "pm cpu", "ratio", "cpu x", "count"
        );
    }
    println!("{header}");
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
    let mut totals = Totals::default();
    for (name, a, b, options) in runs_of.iter().filter(|(name, ..)| name.contains(&filter)) {
        let ours = time_ours(a, b, options, runs);
        // Right after ours, so both see about the same load from other work on the machine.
        let theirs = pixelmatch.as_ref().map(|p| p.compare(a, b, options, runs));
        println!("{}", row(name, &ours, theirs.as_ref(), &mut totals));
    }
    totals.print();
    println!("load average at end: {}", load_average());
}

/// Our side of one pair: `compare` timed `runs` times.
struct Ours {
    times: Vec<Duration>,
    cpu_ms: Option<f64>,
    similarity: f64,
    different_pixels: u64,
    digest: u64,
}

fn time_ours(a: &RgbaImage, b: &RgbaImage, options: &CompareOptions, runs: usize) -> Ours {
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
    let cpu_ms = match (cpu_before, process_cpu_ms()) {
        (Some(before), Some(after)) => Some((after - before) / runs as f64),
        _ => None,
    };
    let last = last.expect("at least one run");
    times.sort();
    Ours {
        times,
        cpu_ms,
        similarity: last.similarity,
        different_pixels: last.different_pixels,
        digest: result_digest(&last),
    }
}

/// pixelmatch's side of one pair, from the node script.
#[derive(serde::Deserialize)]
struct Theirs {
    min_ms: f64,
    median_ms: f64,
    cpu_ms: f64,
    different_pixels: u64,
}

/// Sums of the medians over the pairs both sides ran, and the lowest ratio.
#[derive(Default)]
struct Totals {
    ours_ms: f64,
    theirs_ms: f64,
    ours_cpu_ms: f64,
    theirs_cpu_ms: f64,
    worst: Option<(f64, String)>,
}

impl Totals {
    fn print(&self) {
        let Some((worst, pair)) = &self.worst else {
            return;
        };
        println!(
            "overall (sum of medians): ours {:.1} ms, pixelmatch {:.1} ms, ratio {:.1}x (cpu {:.1}x); lowest pair ratio {worst:.1}x ({pair}); target at least 5x: {}",
            self.ours_ms,
            self.theirs_ms,
            self.theirs_ms / self.ours_ms,
            self.theirs_cpu_ms / self.ours_cpu_ms,
            if *worst >= 5.0 { "met" } else { "NOT met" }
        );
    }
}

fn row(name: &str, ours: &Ours, theirs: Option<&Theirs>, totals: &mut Totals) -> String {
    let median = ms(ours.times[ours.times.len() / 2]);
    let cpu = ours
        .cpu_ms
        .map_or("-".to_owned(), |cpu| format!("{cpu:.1}"));
    let mut line = format!(
        "{name:<50} {:>7.1} {median:>7.1} {cpu:>7} {:>7.4} {:>17x}",
        ms(ours.times[0]),
        ours.similarity,
        ours.digest
    );
    if let Some(theirs) = theirs {
        let ratio = theirs.median_ms / median;
        totals.ours_ms += median;
        totals.theirs_ms += theirs.median_ms;
        if totals
            .worst
            .as_ref()
            .is_none_or(|(worst, _)| ratio < *worst)
        {
            totals.worst = Some((ratio, name.to_owned()));
        }
        // Whether pixelmatch counted as many differing pixels as we did.
        let count = if theirs.different_pixels == ours.different_pixels {
            "same".to_owned()
        } else {
            format!(
                "{:+}",
                theirs.different_pixels as i64 - ours.different_pixels as i64
            )
        };
        // CPU time per run, ours over both threads: the work each side does, which other load
        // on the machine bends less than wall time.
        let cpu_ratio = ours
            .cpu_ms
            .map_or("-".to_owned(), |cpu| format!("{:.1}x", theirs.cpu_ms / cpu));
        totals.ours_cpu_ms += ours.cpu_ms.unwrap_or(f64::NAN);
        totals.theirs_cpu_ms += theirs.cpu_ms;
        line += &format!(
            " | {:>7.1} {:>7.1} {:>7.1} {:>5.1}x {cpu_ratio:>6} {count:>6}",
            theirs.min_ms, theirs.median_ms, theirs.cpu_ms, ratio
        );
    }
    line
}

/// npm pixelmatch 7, installed by `cargo xtask bench diff` into REPLICA_PIXELMATCH_DIR.
struct Pixelmatch {
    dir: PathBuf,
    version: String,
}

impl Pixelmatch {
    const SCRIPT: &str = "bench_diff_pixelmatch.mjs";

    fn from_env() -> Option<Self> {
        let dir = PathBuf::from(std::env::var_os("REPLICA_PIXELMATCH_DIR")?);
        let manifest = dir.join("node_modules/pixelmatch/package.json");
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(&manifest).unwrap_or_else(|e| panic!("{}: {e}", manifest.display())),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", manifest.display()));
        // Written next to node_modules so node resolves the packages from there.
        std::fs::write(
            dir.join(Self::SCRIPT),
            include_str!("bench_diff_pixelmatch.mjs"),
        )
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let version = format!("pixelmatch {}", manifest["version"].as_str().unwrap_or("?"));
        Some(Self { dir, version })
    }

    /// Both images as raw RGBA files (the smaller one padded with transparent rows: pixelmatch
    /// wants equal sizes, and this gives it the same area ours compares), then the script.
    fn compare(
        &self,
        a: &RgbaImage,
        b: &RgbaImage,
        options: &CompareOptions,
        runs: usize,
    ) -> Theirs {
        let (width, height) = (a.width().max(b.width()), a.height().max(b.height()));
        let files = [("a", a), ("b", b)].map(|(side, image)| {
            let path = self
                .dir
                .join(format!("pair-{}-{side}.rgba", std::process::id()));
            let mut padded = RgbaImage::new(width, height);
            image::imageops::replace(&mut padded, image, 0, 0);
            std::fs::write(&path, padded.as_raw())
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            path
        });
        let output = self.node(&[
            "compare".as_ref(),
            runs.to_string().as_ref(),
            files[0].as_os_str(),
            files[1].as_os_str(),
            width.to_string().as_ref(),
            height.to_string().as_ref(),
            options.include_aa.to_string().as_ref(),
        ]);
        files
            .iter()
            .for_each(|file| std::fs::remove_file(file).unwrap_or(()));
        serde_json::from_str(&output).unwrap_or_else(|e| panic!("pixelmatch said {output:?}: {e}"))
    }

    fn node(&self, args: &[&std::ffi::OsStr]) -> String {
        let output = Command::new("node")
            .arg(self.dir.join(Self::SCRIPT))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("running node: {e}"));
        assert!(
            output.status.success(),
            "node {}: {}",
            Self::SCRIPT,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|load| {
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "-".to_owned())
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

/// Decoding is not part of the diff (on either side), but callers holding PNG screenshots pay
/// it first: ours (the `image` crate) and pngjs's on the same file.
fn time_decoding(scrapes: &Path, runs: usize, pixelmatch: Option<&Pixelmatch>) {
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
    let pngjs = pixelmatch.map_or(String::new(), |p| {
        let output = p.node(&[
            "decode".as_ref(),
            runs.min(5).to_string().as_ref(),
            path.as_os_str(),
        ]);
        let theirs: serde_json::Value =
            serde_json::from_str(&output).unwrap_or_else(|e| panic!("pngjs said {output:?}: {e}"));
        format!(
            "; pngjs min {:.1} ms",
            theirs["min_ms"].as_f64().unwrap_or(f64::NAN)
        )
    });
    println!(
        "decoding one 1280x6000 PNG ({} KB) to RGBA: min {:.1} ms{pngjs}",
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
