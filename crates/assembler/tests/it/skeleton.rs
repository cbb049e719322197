//! The generated skeleton, file by file. These files were built with `npm install` and
//! `next build` once (Next.js 14.2.35) when they were written; keep that true when changing them.

use replica_assembler::{LayoutConfig, skeleton};
use replica_core::ProjectFiles;

/// All files as one text: `--- path` then the contents.
fn render(files: &ProjectFiles) -> String {
    let mut out = String::new();
    for path in files.paths() {
        out.push_str(&format!("--- {path}\n"));
        out.push_str(files.text(path).expect("skeleton files are text"));
    }
    out
}

#[test]
fn skeleton_of_a_typical_page() {
    let layout = LayoutConfig {
        lang: Some("en".to_string()),
        title: Some("Acme — Build faster".to_string()),
        description: Some("Ship \"production-ready\" sites in minutes.".to_string()),
        viewport: Some("width=device-width, initial-scale=1, viewport-fit=cover".to_string()),
        html_class: Some("no-js theme-dark".to_string()),
        body_class: Some("home page-template".to_string()),
    };
    insta::assert_snapshot!(render(&skeleton("Acme — Build faster", &layout)));
}

#[test]
fn layout_of_a_legacy_page_without_viewport_or_metadata() {
    // No viewport meta: the clone must lay out 980 px wide on phones like the original.
    let files = skeleton("", &LayoutConfig::default());
    insta::assert_snapshot!(files.text("app/layout.jsx").expect("layout is text"));
}
