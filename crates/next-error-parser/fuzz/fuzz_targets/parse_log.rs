//! Any text, as a dev server or a browser console might produce it, parses without a panic,
//! and what comes out is consistent with itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use replica_next_error_parser::{format_nextjs_errors, parse_nextjs_errors};

fuzz_target!(|data: &[u8]| {
    let log = String::from_utf8_lossy(data);
    let report = parse_nextjs_errors(&log);
    assert_eq!(report.has_errors, !report.errors.is_empty());
    for error in &report.errors {
        assert!(!error.fix_hint.is_empty());
        assert!(error.line.is_some() || error.column.is_none());
    }
    format_nextjs_errors(&report.errors);
});
