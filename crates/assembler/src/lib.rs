//! Stage F (DESIGN.md §1): generated components and design tokens in, a complete Next.js 14
//! project out.
//!
//! Now: the project skeleton (package.json with pinned versions, next.config.js, jsconfig.json,
//! .gitignore) and the root layout with the page's metadata, viewport and html/body attributes.
//! Later issues add page.jsx, globals.css from the page's stylesheets, tailwind.config.js,
//! asset localisation into public/ and the combiner review.

mod layout;

pub use layout::{LayoutConfig, ViewportExport, layout_jsx, viewport_export};

use replica_core::ProjectFiles;
use serde::Serialize;

/// The Next.js release every generated project pins; the one the dev-server log fixtures
/// (fixtures/next-logs) were recorded with.
pub const NEXT_VERSION: &str = "14.2.35";
/// React 18, as Next.js 14 requires.
pub const REACT_VERSION: &str = "18.3.1";

/// The skeleton of a project named `name` (sanitised into an npm package name) with the root
/// layout from `layout`. Pages, styles and assets are added by later stages.
pub fn skeleton(name: &str, layout: &LayoutConfig) -> ProjectFiles {
    let mut files = ProjectFiles::default();
    files.insert_text("package.json", package_json(name));
    files.insert_text("next.config.js", next_config());
    files.insert_text("jsconfig.json", jsconfig());
    files.insert_text(".gitignore", GITIGNORE);
    files.insert_text("app/layout.jsx", layout_jsx(layout));
    files
}

/// package.json with exact versions, so every clone installs the Next.js it was tested with.
pub fn package_json(name: &str) -> String {
    #[derive(Serialize)]
    struct PackageJson<'a> {
        name: String,
        version: &'a str,
        private: bool,
        scripts: Scripts<'a>,
        dependencies: Dependencies<'a>,
    }
    #[derive(Serialize)]
    struct Scripts<'a> {
        dev: &'a str,
        build: &'a str,
        start: &'a str,
    }
    #[derive(Serialize)]
    struct Dependencies<'a> {
        next: &'a str,
        react: &'a str,
        #[serde(rename = "react-dom")]
        react_dom: &'a str,
    }
    let package = PackageJson {
        name: npm_package_name(name),
        version: "0.1.0",
        private: true,
        scripts: Scripts {
            dev: "next dev",
            build: "next build",
            start: "next start",
        },
        dependencies: Dependencies {
            next: NEXT_VERSION,
            react: REACT_VERSION,
            react_dom: REACT_VERSION,
        },
    };
    // Plain structs of strings always serialize.
    let mut json = serde_json::to_string_pretty(&package).unwrap_or_default();
    json.push('\n');
    json
}

/// next.config.js: images unoptimized, because a clone serves its own files from public/
/// and must work offline, without Next's image optimisation server.
pub fn next_config() -> String {
    "/** @type {import('next').NextConfig} */\n\
     const nextConfig = {\n  \
       // Assets are copied into public/ and served as they are.\n  \
       images: { unoptimized: true },\n\
     };\n\
     \n\
     module.exports = nextConfig;\n"
        .to_string()
}

/// jsconfig.json: `@/components/Hero` resolves from the project root.
pub fn jsconfig() -> String {
    "{\n  \"compilerOptions\": {\n    \"baseUrl\": \".\",\n    \"paths\": {\n      \"@/*\": [\"./*\"]\n    }\n  }\n}\n"
        .to_string()
}

const GITIGNORE: &str = "/node_modules\n/.next\n/out\nnext-env.d.ts\n";

/// An npm package name from free text (a page title, a host name): lowercase, only
/// URL-safe characters, at most 214 bytes, `replica-clone` when nothing usable is left.
pub fn npm_package_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~') {
            c
        } else {
            '-'
        };
        // Runs of replaced characters collapse into one dash.
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    // npm refuses names starting with `.` or `_`; trailing dashes are just noise.
    let trimmed = out
        .trim_start_matches(['.', '_', '-'])
        .trim_end_matches('-');
    let mut name: String = trimmed.chars().take(214).collect();
    while name.ends_with('-') {
        name.pop();
    }
    if name.is_empty() {
        "replica-clone".to_string()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_package_names() {
        let cases = [
            ("Acme", "acme"),
            ("Acme — Build faster!", "acme-build-faster"),
            ("example.com", "example.com"),
            ("_private", "private"),
            ("  ", "replica-clone"),
            ("日本語", "replica-clone"),
            ("a/b c", "a-b-c"),
        ];
        for (input, expected) in cases {
            assert_eq!(npm_package_name(input), expected, "{input:?}");
        }
        assert_eq!(npm_package_name(&"x".repeat(300)).len(), 214);
    }

    #[test]
    fn package_json_pins_exact_versions() {
        let json: serde_json::Value = serde_json::from_str(&package_json("Acme")).unwrap();
        assert_eq!(json["dependencies"]["next"], NEXT_VERSION);
        assert_eq!(json["dependencies"]["react"], REACT_VERSION);
        assert_eq!(json["dependencies"]["react-dom"], REACT_VERSION);
        for version in [NEXT_VERSION, REACT_VERSION] {
            assert!(
                version.chars().all(|c| c.is_ascii_digit() || c == '.'),
                "{version} is not exact"
            );
        }
        assert_eq!(json["scripts"]["build"], "next build");
        assert_eq!(json["name"], "acme");
    }

    #[test]
    fn skeleton_paths_are_valid_project_paths() {
        let files = skeleton("Acme", &LayoutConfig::default());
        let paths: Vec<&str> = files.paths().collect();
        assert_eq!(
            paths,
            [
                ".gitignore",
                "app/layout.jsx",
                "jsconfig.json",
                "next.config.js",
                "package.json"
            ]
        );
        for path in paths {
            assert_eq!(replica_core::check_project_path(path), Ok(()));
        }
        let jsconfig: serde_json::Value =
            serde_json::from_str(files.text("jsconfig.json").unwrap()).unwrap();
        assert_eq!(jsconfig["compilerOptions"]["paths"]["@/*"][0], "./*");
    }
}
