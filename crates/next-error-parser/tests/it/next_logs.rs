//! Every log recorded from a real `next dev` (fixtures/next-logs, see its README) parses to
//! the snapshotted report.

use std::fs;

use replica_next_error_parser::{ErrorKind, parse};

#[test]
fn recorded_logs() {
    insta::glob!("../../../../fixtures/next-logs", "*.log", |path| {
        let log = fs::read_to_string(path).expect("fixture logs are UTF-8");
        insta::assert_json_snapshot!(parse(&log));
    });
}

#[test]
fn colours_do_not_change_the_result() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/next-logs");
    for case in ["clean", "missing-module"] {
        let plain = fs::read_to_string(format!("{dir}/{case}.log")).unwrap();
        let coloured = fs::read_to_string(format!("{dir}/{case}-color.log")).unwrap();
        assert_ne!(plain, coloured);
        assert_eq!(parse(&plain), parse(&coloured), "{case}");
    }
}

#[test]
fn clean_logs_have_no_errors_and_broken_ones_do() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/next-logs");
    let first_kind = |case: &str| {
        let log = fs::read_to_string(format!("{dir}/{case}.log")).unwrap();
        parse(&log).errors.first().map(|error| error.kind)
    };
    assert_eq!(first_kind("clean"), None);
    assert_eq!(first_kind("config-warning"), None);
    assert_eq!(first_kind("jsx-syntax-error"), Some(ErrorKind::Syntax));
    assert_eq!(
        first_kind("missing-local-file"),
        Some(ErrorKind::ModuleNotFound)
    );
    assert_eq!(
        first_kind("runtime-reference-error"),
        Some(ErrorKind::Reference)
    );
    assert_eq!(
        first_kind("bad-default-export"),
        Some(ErrorKind::InvalidDefaultExport)
    );
}
