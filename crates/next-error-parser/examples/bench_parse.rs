//! Parse speed over the recorded logs: `cargo run --release -p replica-next-error-parser
//! --example bench_parse`. The compile check parses the log on every poll, so this should stay
//! far below the poll interval.

use std::fs;
use std::hint::black_box;
use std::time::{Duration, Instant};

use replica_next_error_parser::parse_nextjs_errors;

fn main() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/next-logs");
    let mut logs: Vec<(String, String)> = fs::read_dir(dir)
        .expect("fixtures/next-logs exists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "log").then(|| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, fs::read_to_string(&path).expect("UTF-8 log"))
            })
        })
        .collect();
    logs.sort();

    let bytes: usize = logs.iter().map(|(_, log)| log.len()).sum();
    // Warm up (regexes compile on first use).
    for (_, log) in &logs {
        black_box(parse_nextjs_errors(log));
    }
    let rounds = 200;
    let started = Instant::now();
    for _ in 0..rounds {
        for (_, log) in &logs {
            black_box(parse_nextjs_errors(log));
        }
    }
    let elapsed = started.elapsed();
    let per_round = elapsed / rounds;
    let mb_per_s = (bytes * rounds as usize) as f64 / elapsed.as_secs_f64() / 1e6;
    println!(
        "{} logs, {} KB: {:.2} ms per pass over all, {mb_per_s:.1} MB/s",
        logs.len(),
        bytes / 1024,
        per_round.as_secs_f64() * 1e3
    );

    // The worst single log, and a long one: 100 copies of the biggest log end to end.
    let (name, biggest) = logs.iter().max_by_key(|(_, log)| log.len()).unwrap();
    let long = biggest.repeat(100);
    let started = Instant::now();
    black_box(parse_nextjs_errors(&long));
    let long_time: Duration = started.elapsed();
    println!(
        "100 x {name} ({} KB): {:.1} ms",
        long.len() / 1024,
        long_time.as_secs_f64() * 1e3
    );
}
