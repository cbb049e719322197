//! Every log recorded from a real `next dev` (fixtures/next-logs, see its README) parses to
//! the snapshotted report, whatever logs are there; the known ones also to the expected kinds.

use std::fs;
use std::path::PathBuf;

use replica_next_error_parser::{ErrorKind, parse_nextjs_errors};

fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/next-logs"
    ))
}

fn read_fixture(name: &str) -> String {
    let path = fixture_dir().join(format!("{name}.log"));
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn recorded_logs() {
    insta::glob!("../../../../fixtures/next-logs", "*.log", |path| {
        let log = fs::read_to_string(path).expect("fixture logs are UTF-8");
        insta::assert_json_snapshot!(parse_nextjs_errors(&log));
    });
}

#[test]
fn coloured_logs_are_read_through_their_colours() {
    for (case, kind) in [
        ("clean-color", None),
        ("missing-module-color", Some(ErrorKind::ModuleNotFound)),
    ] {
        let log = read_fixture(case);
        assert!(log.contains("\u{1b}["), "{case} is coloured");
        let report = parse_nextjs_errors(&log);
        assert_eq!(
            report.errors.first().map(|error| error.kind),
            kind,
            "{case}"
        );
        for error in &report.errors {
            let text = format!("{error:?}");
            assert!(!text.contains('\u{1b}'), "{case}: {text}");
        }
    }
}

#[test]
fn each_broken_page_gives_its_kind_once() {
    use ErrorKind::*;
    // (fixture, compiled, the kinds of the errors in order, the file of the first)
    let expected: &[(&str, bool, &[ErrorKind], Option<&str>)] = &[
        ("clean", true, &[], None),
        ("config-warning", true, &[], None),
        ("recovered-after-fix", true, &[], None),
        (
            "jsx-syntax-error",
            false,
            &[SyntaxError],
            Some("app/page.jsx"),
        ),
        (
            "unclosed-tag",
            false,
            &[SyntaxError, SyntaxError],
            Some("app/page.jsx"),
        ),
        (
            "component-syntax-error",
            false,
            &[SyntaxError, SyntaxError],
            Some("components/Hero.jsx"),
        ),
        (
            "css-syntax-error",
            false,
            &[SyntaxError],
            Some("app/globals.css"),
        ),
        (
            "missing-module",
            false,
            &[ModuleNotFound],
            Some("app/page.jsx"),
        ),
        (
            "missing-local-file",
            false,
            &[ModuleNotFound],
            Some("app/page.jsx"),
        ),
        (
            "client-hook-in-server-component",
            false,
            &[ClientComponentNeeded],
            Some("app/page.jsx"),
        ),
        (
            "runtime-reference-error",
            true,
            &[RuntimeError],
            Some("app/page.jsx"),
        ),
        (
            "runtime-type-error",
            true,
            &[RuntimeError],
            Some("app/page.jsx"),
        ),
        ("bad-default-export", true, &[BadDefaultExport], None),
        ("missing-default-export", true, &[BadDefaultExport], None),
    ];
    for &(name, compiled, kinds, file) in expected {
        let report = parse_nextjs_errors(&read_fixture(name));
        let found: Vec<ErrorKind> = report.errors.iter().map(|error| error.kind).collect();
        assert_eq!(found, kinds, "{name}: {report:#?}");
        assert_eq!(report.compiled, compiled, "{name}");
        assert_eq!(report.has_errors, !kinds.is_empty(), "{name}");
        assert_eq!(
            report
                .errors
                .first()
                .and_then(|error| error.file.as_deref()),
            file,
            "{name}"
        );
        for error in &report.errors {
            assert!(!error.fix_hint.is_empty(), "{name}");
            if let Some(file) = &error.file {
                assert!(
                    error.fix_hint.contains(file.as_str()) || error.kind == ModuleNotFound,
                    "{name}: {}",
                    error.fix_hint
                );
            }
        }
    }
}

#[test]
fn syntax_errors_point_at_the_caret() {
    let position = |name: &str| {
        let error = &parse_nextjs_errors(&read_fixture(name)).errors[0];
        (error.line, error.column)
    };
    // `<p>Starting at $9 / month}</p>`: the stray `}` is line 5, column 32.
    assert_eq!(position("jsx-syntax-error"), (Some(5), Some(32)));
    // `import { useState } from 'react';`: `useState` starts at column 10.
    assert_eq!(
        position("client-hook-in-server-component"),
        (Some(1), Some(10))
    );
    assert_eq!(position("runtime-reference-error"), (Some(4), Some(12)));
    assert_eq!(position("css-syntax-error"), (Some(6), Some(1)));
}
