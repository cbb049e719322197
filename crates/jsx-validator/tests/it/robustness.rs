//! The stable companion of the cargo-fuzz target (fuzz/): every fixture, mutated many times
//! with the pieces that break JSX, goes through validate, format_report and autofix. Nothing
//! may panic, positions stay inside the file, and autofix settles.

use std::fs;
use std::path::Path;

use replica_core::ProjectFiles;
use replica_jsx_validator::{autofix, format_report, validate};

/// Fragments that open or close JSX and JS constructs, and the mistakes the checks repair.
const PIECES: &[&str] = &[
    "<",
    ">",
    "/>",
    "</",
    "{",
    "}",
    "(",
    ")",
    "\"",
    "'",
    "`",
    "${",
    "<!--",
    "-->",
    "/*",
    "*/",
    "//",
    "\n",
    "\r\n",
    "<img src=\"a\">",
    "<br>",
    "class=\"x\"",
    "for=\"y\"",
    "style=\"color: red; --a: b\"",
    "style={'a:b'}",
    "'use client';",
    "export default ",
    "useState()",
    "onClick={f}",
    "import x from 'axios';",
    "import Y from './Y';",
    "<Y />",
    "// ...",
    "{/* etc */}",
    "é",
    "😀",
    "\u{feff}",
    "\0",
    "<>",
    "</>",
    "=>",
    ".map(x => <li>{x}</li>)",
];

/// xorshift64*: deterministic, so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(source: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut bytes = source.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 | 1 => {
                let piece = PIECES[rng.below(PIECES.len())].as_bytes();
                bytes.splice(at..at, piece.iter().copied());
            }
            2 => {
                let end = (at + rng.below(40)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(200)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => {
                // A raw byte, possibly splitting a UTF-8 sequence.
                bytes.insert(at, (rng.next() & 0xff) as u8);
            }
        }
    }
    bytes
}

#[test]
fn mutated_fixtures_never_panic_and_autofix_settles() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut sources = Vec::new();
    for check in fs::read_dir(&root).unwrap() {
        for outcome in fs::read_dir(check.unwrap().path()).unwrap() {
            for file in fs::read_dir(outcome.unwrap().path()).unwrap() {
                let text = fs::read_to_string(file.unwrap().path()).unwrap();
                let body: String = text
                    .split_inclusive('\n')
                    .filter(|line| !line.starts_with("//- "))
                    .collect();
                sources.push(body.into_bytes());
            }
        }
    }
    sources.sort();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut cases = 0;
    for source in &sources {
        for _ in 0..40 {
            let mutated = mutate(source, &mut rng);
            let mut files = ProjectFiles::default();
            files.insert_bytes("components/Hero.jsx", mutated.clone());
            files.insert_bytes("app/page.jsx", mutated.clone());
            let report = validate(&files);
            let text = format_report(&report);
            assert!(text.starts_with("valid") || text.starts_with("invalid"));
            for diagnostic in report.diagnostics() {
                if let (Some(line), Some(column)) = (diagnostic.line, diagnostic.column) {
                    let source = String::from_utf8_lossy(&mutated);
                    let lines = source.split('\n').count() as u32;
                    assert!(
                        line >= 1 && line <= lines && column >= 1,
                        "{diagnostic} in {source:?}"
                    );
                }
            }
            let fixed = autofix(&files, &report);
            let again = autofix(&fixed.files, &report);
            assert_eq!(
                again.files,
                fixed.files,
                "autofix did not settle on {:?}",
                String::from_utf8_lossy(&mutated)
            );
            cases += 1;
        }
    }
    assert!(cases >= 2000, "only {cases} cases");
}

/// Regression: 30 000 nested <div>s overflowed the stack (the parser and the walk recurse per
/// level) and aborted the process. Now such a file is refused with a syntax error, and deep
/// chains without brackets are parsed on the validator's own large stack.
#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let depth = 30_000;
    let mut files = ProjectFiles::default();
    files.insert_text(
        "components/Deep.jsx",
        format!(
            "export default function Deep() {{ return ({}x{}); }}\n",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        ),
    );
    files.insert_text(
        "components/Chain.jsx",
        format!(
            "export default function Chain({{ a, b, c }}) {{ return {}c; }}\n",
            "a ? b : ".repeat(50_000)
        ),
    );
    let report = validate(&files);
    let errors: Vec<_> = report
        .errors
        .iter()
        .map(|d| (d.file.as_str(), d.message.as_str()))
        .collect();
    assert_eq!(
        errors,
        [(
            "components/Deep.jsx",
            "the file nests 30002 levels deep (more than 5000); it was not parsed"
        )]
    );
    let fixed = autofix(&files, &report);
    assert!(fixed.changed.is_empty());
}
