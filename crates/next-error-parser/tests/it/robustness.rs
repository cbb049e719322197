//! The stable-toolchain stand-in for the cargo-fuzz target (fuzz/fuzz_targets/parse_log.rs):
//! every recorded log, cut at every character and with seeded random edits, parses without a
//! panic into a report that agrees with itself; plus the inputs the fuzzer found.

use std::fs;

use replica_next_error_parser::{NextErrorReport, format_nextjs_errors, parse_nextjs_errors};

fn check(log: &str) -> NextErrorReport {
    let report = parse_nextjs_errors(log);
    assert_eq!(report.has_errors, !report.errors.is_empty());
    for error in &report.errors {
        assert!(!error.fix_hint.is_empty());
        assert!(error.line.is_some() || error.column.is_none(), "{error:?}");
    }
    format_nextjs_errors(&report.errors);
    report
}

fn recorded_logs() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/next-logs");
    let mut logs: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "log"))
        .map(|path| fs::read_to_string(path).unwrap())
        .collect();
    logs.sort();
    assert!(!logs.is_empty());
    logs
}

/// xorshift64*: a fixed sequence, so a failure reproduces.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn every_prefix_of_every_log_parses() {
    for log in recorded_logs() {
        for (at, _) in log.char_indices().step_by(13) {
            check(&log[..at]);
            check(&log[at..]);
        }
    }
}

#[test]
fn seeded_random_edits_parse() {
    // Pieces of the formats, so edits build plausible-but-wrong structure.
    const PIECES: &[&str] = &[
        "⨯",
        "✓ Compiled",
        " GET / 200 in 1ms",
        "\n",
        "\r",
        "\u{1b}[31m",
        "\u{1b}]8;;",
        "x ",
        "× ",
        ",-[",
        "╭─[",
        "`----",
        "╰────",
        " 5 |",
        " 5 │",
        "   :",
        "   ·",
        "^",
        "─",
        "┬",
        "▲",
        "./app/page.jsx",
        "app/page.jsx (4:12) @ x",
        "TypeError: ",
        "Error:",
        "    at ",
        "(./app/page.jsx:1:1)",
        "Failed to compile.",
        "Syntax error:",
        "Module not found:",
        "⚠",
        "Caused by:\n    Syntax Error",
        "Warning: Text content did not match. Server: \"a\" Client: \"b\"",
        "Uncaught ",
        "é",
        "\u{0}",
        "99999999999999999999",
    ];
    let logs = recorded_logs();
    let mut random = Random(0x5EED_1234_ABCD_0001);
    for _ in 0..2000 {
        let mut log = logs[random.below(logs.len())].clone().into_bytes();
        for _ in 0..1 + random.below(8) {
            let at = random.below(log.len() + 1);
            match random.below(3) {
                0 => {
                    let piece = PIECES[random.below(PIECES.len())];
                    log.splice(at..at, piece.bytes());
                }
                1 => {
                    let end = (at + random.below(200)).min(log.len());
                    log.drain(at..end);
                }
                _ => {
                    if at < log.len() {
                        log[at] = random.next() as u8;
                    }
                }
            }
        }
        check(&String::from_utf8_lossy(&log));
    }
}

#[test]
fn pathological_inputs_parse() {
    let long_line = "x".repeat(200_000);
    let many_headers = " ⨯ ./app/page.jsx\n".repeat(5_000);
    let frame_without_end = " ⨯ ./a.jsx\nError: \n  x boom\n   ,-[/a.jsx:1:1]\n".to_string()
        + &" 1 | a\n   : ^\n".repeat(2_000);
    let huge_line_number =
        " ⨯ ./a.jsx\nError: \n  x boom\n   ,-[/a.jsx:1:1]\n 99999999999 | a\n   :   ^\n   `----\n";
    let caret_before_code =
        " ⨯ ./a.jsx\nError: \n  x boom\n   ,-[/a.jsx:1:1]\n       12345 | a\n ^\n   `----\n";
    for log in [
        long_line.as_str(),
        many_headers.as_str(),
        frame_without_end.as_str(),
        huge_line_number,
        caret_before_code,
        "\u{1b}",
        "\u{1b}[",
        "\u{1b}]",
        "⨯",
        "\r\r\r",
        "Failed to compile",
    ] {
        check(log);
    }
    let report = check(&many_headers);
    assert_eq!(report.errors.len(), 1, "repeats merge");
}
