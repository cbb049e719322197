//! `replica validate DIR [--json]` on projects written to a temporary directory.

use std::fs;
use std::path::Path;

use crate::replica;

fn write(root: &Path, path: &str, contents: &str) {
    let path = root.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
}

fn clean_project(root: &Path) {
    write(
        root,
        "app/layout.jsx",
        "import './globals.css';\n\nexport default function RootLayout({ children }) {\n  return (\n    <html lang=\"en\">\n      <body>{children}</body>\n    </html>\n  );\n}\n",
    );
    write(root, "app/globals.css", "body { margin: 0; }\n");
    write(
        root,
        "app/page.jsx",
        "import Hero from '../components/Hero';\n\nexport default function Page() {\n  return <main><Hero /></main>;\n}\n",
    );
    write(
        root,
        "components/Hero.jsx",
        "import Image from 'next/image';\nimport logo from '../public/logo.png';\n\nexport default function Hero() {\n  return <Image src={logo} alt=\"\" />;\n}\n",
    );
    write(root, "public/logo.png", "\u{89}PNG not really");
    // Dependencies and build output are not the project's source.
    write(
        root,
        "node_modules/bad/index.js",
        "export default <div class=\"x\">;\n",
    );
    write(root, ".next/server/page.js", "<<<");
}

#[test]
fn a_clean_project_exits_0_with_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    clean_project(dir.path());
    let output = replica().arg("validate").arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout,
        "valid: 0 errors, 0 warnings in 5 files (3 JavaScript files checked, 20 lines)\n"
    );
}

#[test]
fn errors_exit_1_and_json_is_one_object() {
    let dir = tempfile::tempdir().unwrap();
    clean_project(dir.path());
    write(
        dir.path(),
        "components/Hero.jsx",
        "export default function Hero() {\n  return <section class=\"hero\"><img src=\"/a.png\"></section>;\n}\n",
    );
    let output = replica().arg("validate").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("invalid: 2 errors"), "{stdout}");
    assert!(
        stdout.contains("components/Hero.jsx:2:19: error[class_not_classname]"),
        "{stdout}"
    );
    assert!(
        stdout.contains("components/Hero.jsx:2:32: error[unclosed_void_element]"),
        "{stdout}"
    );

    let output = replica()
        .args(["validate", "--json"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("one JSON object on stdout");
    assert_eq!(json["valid"], false);
    assert_eq!(json["errors"].as_array().unwrap().len(), 2);
    assert_eq!(json["errors"][0]["check"], "class_not_classname");
    assert_eq!(json["errors"][0]["line"], 2);
    assert_eq!(json["stats"]["javascript_files"], 3);
}

#[test]
fn a_missing_or_empty_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let output = replica().arg("validate").arg(&missing).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with(&format!("error: cannot read {}", missing.display())),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());

    write(dir.path(), "README.md", "# not a project\n");
    let output = replica().arg("validate").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("has no .js or .jsx files"), "{stderr}");

    let file = dir.path().join("README.md");
    let output = replica().arg("validate").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a directory"));
}
