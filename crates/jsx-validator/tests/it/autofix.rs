//! Autofix round trip over every failing fixture: every mechanical finding is repaired, nothing
//! gets worse, a second run changes nothing, and the repaired files are snapshotted.

use replica_jsx_validator::{autofix, format_report, validate};

use crate::fixtures::{expectation, load_fixture};

#[test]
fn autofix_round_trip() {
    insta::glob!("../fixtures", "*/fail/*.jsx", |path| {
        let files = load_fixture(path);
        let report = validate(&files);
        let (check, _) = expectation(path);
        let fixed = autofix(&files, &report);

        let left: Vec<_> = fixed.report.diagnostics().filter(|d| d.fixable).collect();
        assert!(
            left.is_empty(),
            "{}: fixable findings left: {left:#?}",
            path.display()
        );
        assert!(
            fixed.report.errors.len() <= report.errors.len(),
            "{}: autofix made it worse:\n{}",
            path.display(),
            fixed.report
        );
        let own: Vec<_> = report.diagnostics().filter(|d| d.check == check).collect();
        if own.iter().all(|d| d.fixable) {
            assert!(
                !fixed.report.has(check),
                "{}: {} is still reported:\n{}",
                path.display(),
                check.id(),
                fixed.report
            );
        }
        for path in &fixed.changed {
            assert_ne!(files.text(path), fixed.files.text(path));
        }

        // Idempotent: the same targets again find nothing to repair.
        let again = autofix(&fixed.files, &report);
        assert_eq!(
            again.files,
            fixed.files,
            "{}: second run changed files",
            path.display()
        );

        let mut shown = String::new();
        for changed in &fixed.changed {
            shown.push_str(&format!(
                "//- {changed}\n{}",
                fixed.files.text(changed).unwrap_or("")
            ));
        }
        shown.push_str("\n--- after autofix ---\n");
        shown.push_str(&format_report(&fixed.report));
        insta::assert_snapshot!(shown);
    });
}

#[test]
fn imports_go_after_the_use_client_directive_and_use_client_before_imports() {
    let mut files = replica_core::ProjectFiles::default();
    files.insert_text(
        "components/Page.jsx",
        "'use client';\n\nexport default function Page() {\n  return <main><Hero /></main>;\n}\n",
    );
    files.insert_text(
        "components/Hero.jsx",
        "import { useState } from 'react';\n\nexport default function Hero() {\n  const [x] = useState(1);\n  return <h1>{x}</h1>;\n}\n",
    );
    let report = validate(&files);
    let fixed = autofix(&files, &report);
    assert_eq!(
        fixed.files.text("components/Page.jsx").unwrap(),
        "'use client';\nimport Hero from './Hero';\n\nexport default function Page() {\n  return <main><Hero /></main>;\n}\n"
    );
    assert_eq!(
        fixed.files.text("components/Hero.jsx").unwrap(),
        "'use client';\n\nimport { useState } from 'react';\n\nexport default function Hero() {\n  const [x] = useState(1);\n  return <h1>{x}</h1>;\n}\n"
    );
    assert!(fixed.report.valid, "{}", fixed.report);
}

#[test]
fn autofix_leaves_files_without_fixable_findings_alone() {
    let mut files = replica_core::ProjectFiles::default();
    // Not valid (a stray brace), but nothing mechanical to repair: byte for byte unchanged.
    let broken = "export default function A() {\n  return <p>a}</p>;\n}\n";
    files.insert_text("components/A.jsx", broken);
    files.insert_text(
        "components/B.jsx",
        "export default function B() {\n  return <p class=\"b\">b</p>;\n}\n",
    );
    let report = validate(&files);
    let fixed = autofix(&files, &report);
    assert_eq!(fixed.changed, ["components/B.jsx"]);
    assert_eq!(fixed.files.text("components/A.jsx"), Some(broken));
}
