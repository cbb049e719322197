//! tests/fixtures/{pass,fail}/*.jsx: each file is validated at the project path its first
//! line names (`// path: app/page.jsx`) and its report snapshotted.

use std::fs;

use replica_core::ProjectFiles;
use replica_jsx_validator::validate;

#[test]
fn fixtures() {
    insta::glob!("../fixtures", "*/*.jsx", |path| {
        let source = fs::read_to_string(path).expect("fixtures are UTF-8");
        let project_path = source
            .lines()
            .next()
            .and_then(|line| line.strip_prefix("// path: "))
            .unwrap_or_else(|| {
                panic!(
                    "{} must start with `// path: <project path>`",
                    path.display()
                )
            });
        let mut files = ProjectFiles::default();
        files.insert_text(project_path, source.clone());
        let report = validate(&files);

        let expectation = path
            .parent()
            .and_then(|dir| dir.file_name())
            .and_then(|name| name.to_str());
        match expectation {
            Some("pass") => assert!(
                report.errors.is_empty() && report.warnings.is_empty(),
                "{} should pass:\n{report}",
                path.display()
            ),
            Some("fail") => assert!(!report.is_clean(), "{} should fail", path.display()),
            other => panic!("unexpected fixture folder {other:?}"),
        }
        insta::assert_json_snapshot!(report);
    });
}
