//! The generated skeleton, file by file.

use replica_assembler::{LayoutConfig, skeleton};
use replica_core::{Icon, Lang, ProjectFiles};

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
        html_attributes: vec![("data-theme".to_string(), "dark".to_string())],
        body_attributes: vec![("id".to_string(), "top".to_string())],
        html_style: None,
        body_style: None,
        icons: vec![
            Icon {
                rel: "icon".to_string(),
                href: "https://acme.example/favicon.ico".to_string(),
                sizes: Some("32x32".to_string()),
                mime: None,
            },
            Icon {
                rel: "apple-touch-icon".to_string(),
                href: "https://acme.example/apple.png".to_string(),
                sizes: None,
                mime: Some("image/png".to_string()),
            },
            Icon {
                rel: "mask-icon".to_string(),
                href: "https://acme.example/mask.svg".to_string(),
                sizes: None,
                mime: None,
            },
        ],
        stylesheet_links: vec![
            "https://fonts.googleapis.com/css2?family=Inter&display=swap".to_string(),
        ],
        theme_color: Some("#0a0a0a".to_string()),
        css_imports: vec!["./globals.css".to_string(), "./styles/site.css".to_string()],
        device_state: true,
    };
    insta::assert_snapshot!(render(&skeleton(&layout, Lang::TypeScript)));
}

#[test]
fn layout_of_a_legacy_page_without_viewport_or_metadata() {
    // No viewport meta: the clone must lay out 980 px wide on phones like the original.
    let files = skeleton(&LayoutConfig::default(), Lang::JavaScript);
    insta::assert_snapshot!(files.text("app/layout.jsx").expect("layout is text"));
}
