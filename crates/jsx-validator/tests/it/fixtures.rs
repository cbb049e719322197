//! tests/fixtures/<check id>/{pass,fail}/*.jsx, the way ruff and oxc test rules: each fixture
//! is a small project, validated and its report snapshotted. A fixture holds one or more files,
//! each starting at a line `//- <project path>`:
//!
//! ```text
//! //- app/page.jsx
//! import Hero from '../components/Hero';
//! ...
//! //- components/Hero.jsx
//! ...
//! ```
//!
//! A `fail` fixture must produce at least one diagnostic of its folder's check; a `pass`
//! fixture none of that check and no errors at all.

use std::fs;
use std::path::Path;

use replica_core::ProjectFiles;
use replica_jsx_validator::{Check, validate};

/// The project a fixture file describes.
pub fn load_fixture(path: &Path) -> ProjectFiles {
    let text = fs::read_to_string(path).expect("fixtures are UTF-8");
    parse_fixture(&text)
        .unwrap_or_else(|| panic!("{} must start with `//- <project path>`", path.display()))
}

pub fn parse_fixture(text: &str) -> Option<ProjectFiles> {
    let mut files = ProjectFiles::default();
    let mut current: Option<(String, String)> = None;
    for line in text.split_inclusive('\n') {
        if let Some(path) = line.strip_prefix("//- ") {
            if let Some((path, contents)) = current.take() {
                files.insert_text(path, contents);
            }
            current = Some((path.trim().to_string(), String::new()));
        } else {
            current.as_mut()?.1.push_str(line);
        }
    }
    let (path, contents) = current?;
    files.insert_text(path, contents);
    Some(files)
}

/// The fixture's check (its grandparent folder) and whether it should pass.
pub fn expectation(path: &Path) -> (Check, bool) {
    let folder = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .and_then(|name| name.to_str())
            .unwrap_or_default()
            .to_string()
    };
    let outcome = folder(path.parent());
    let check_id = folder(path.parent().and_then(Path::parent));
    let check = Check::from_id(&check_id)
        .unwrap_or_else(|| panic!("{}: {check_id:?} is not a check id", path.display()));
    match outcome.as_str() {
        "pass" => (check, true),
        "fail" => (check, false),
        other => panic!("{}: unexpected folder {other:?}", path.display()),
    }
}

#[test]
fn fixtures() {
    insta::glob!("../fixtures", "*/*/*.jsx", |path| {
        let files = load_fixture(path);
        let report = validate(&files);
        let (check, should_pass) = expectation(path);
        if should_pass {
            assert!(
                !report.has(check) && report.valid,
                "{} should pass:\n{report}",
                path.display()
            );
        } else {
            assert!(
                report.has(check),
                "{} should report {}:\n{report}",
                path.display(),
                check.id()
            );
        }
        insta::assert_json_snapshot!(report);
    });
}

#[test]
fn every_check_has_a_passing_and_a_failing_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for check in Check::ALL {
        for outcome in ["pass", "fail"] {
            let dir = root.join(check.id()).join(outcome);
            let count = fs::read_dir(&dir)
                .map(|entries| entries.filter_map(Result::ok).count())
                .unwrap_or(0);
            assert!(count > 0, "no fixture in {}", dir.display());
        }
    }
}

#[test]
fn the_fixture_format_splits_files() {
    let files = parse_fixture("//- a.jsx\nA\n//- b/c.css\nB\nC\n").unwrap();
    assert_eq!(files.text("a.jsx"), Some("A\n"));
    assert_eq!(files.text("b/c.css"), Some("B\nC\n"));
    assert!(parse_fixture("no header\n").is_none());
}
