//! Integration tests of stage E: the mapping rules on small fragments, snapshots of every
//! section of the recorded fixtures in both deterministic styles, and the LLM path and the
//! batch against recorded exchanges.

mod batch;
mod fixtures;
mod html;
mod llm;
mod mapping;
mod tailwind;
mod wrappers;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use replica_core::OutputStyle;
use replica_core::{
    BrowserDefaults, DesignTokens, Lang, Plan, PlannedSection, Rect, ScrapeData, SectionData,
    SectionKind, SharedContext,
};
use replica_section_gen::{CompileOptions, compile_section, jsx_parse_errors};

/// The workspace's `fixtures/` folder.
pub fn workspace_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

/// This crate's own `tests/fixtures/`.
pub fn crate_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Tokens and plan of a recorded scrape, made by the real stages C and D.
pub fn plan_of(scrape_dir: &Path) -> (ScrapeData, DesignTokens, Plan) {
    let scrape = ScrapeData::load(scrape_dir)
        .unwrap_or_else(|error| panic!("{}: {error}", scrape_dir.display()));
    let tokens = replica_design_tokens::extract(&scrape);
    let plan = replica_planner::plan(&scrape, &tokens);
    (scrape, tokens, plan)
}

/// A section holding the elements of an HTML fragment.
pub fn section_from_html(name: &str, html: &str) -> PlannedSection {
    PlannedSection {
        id: "section-0".to_string(),
        component_name: name.to_string(),
        kind: SectionKind::Content,
        order: 0,
        data: SectionData {
            dom: html::parse_fragment(html),
            rect: Rect {
                x: 0.0,
                y: 0.0,
                width: 1280.0,
                height: 400.0,
            },
            mobile_box: None,
            desktop_crop: None,
            mobile_crop: None,
            headings: Vec::new(),
            paragraphs: Vec::new(),
            images: Vec::new(),
            links: Vec::new(),
            buttons: Vec::new(),
            text_content: String::new(),
            nav_links: Vec::new(),
            logo_svg: None,
            background: None,
            container: None,
        },
    }
}

pub fn test_context() -> SharedContext {
    SharedContext {
        url: "https://example.com/shop/index.html".to_string(),
        title: "Example".to_string(),
        theme: "light".to_string(),
        font_urls: Vec::new(),
        font_families: Vec::new(),
        browser_defaults: browser_defaults().clone(),
    }
}

/// Chromium's defaults in standards mode, as a recorded scrape holds them.
pub fn browser_defaults() -> &'static BrowserDefaults {
    static DEFAULTS: OnceLock<BrowserDefaults> = OnceLock::new();
    DEFAULTS.get_or_init(|| {
        let dir = workspace_fixtures().join("scrapes/landing");
        let scrape =
            ScrapeData::load(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
        assert!(
            !scrape.desktop.browser_defaults.is_empty(),
            "{} has no browser defaults: run `cargo xtask record landing`",
            dir.display()
        );
        scrape.desktop.browser_defaults
    })
}

/// The whole component file compiled from a fragment, checked to parse.
pub fn compile_html_file(html: &str, style: OutputStyle) -> String {
    compile_fragment(html, style, None)
}

/// Just the JSX a fragment compiles to (faithful style): what the component returns,
/// dedented; data arrays and the function around it are left out.
pub fn compile_html(html: &str) -> String {
    returned_jsx(&compile_html_file(html, OutputStyle::Faithful))
}

/// [`compile_html`] with the mobile capture of the same fragment (`mobile_html`: the same
/// elements in the same order, with their mobile computed styles).
pub fn compile_html_on_devices(html: &str, mobile_html: &str) -> String {
    let mobile = replica_core::DomElement {
        tag: "html".into(),
        children: html::parse_fragment(mobile_html)
            .into_iter()
            .map(replica_core::DomNode::Element)
            .collect(),
        ..replica_core::DomElement::default()
    };
    returned_jsx(&compile_fragment(
        html,
        OutputStyle::Faithful,
        Some(&mobile),
    ))
}

fn compile_fragment(
    html: &str,
    style: OutputStyle,
    mobile_dom: Option<&replica_core::DomElement>,
) -> String {
    let section = section_from_html("Fragment", html);
    let options = CompileOptions {
        style,
        mobile_dom,
        rendering_mode: replica_core::RenderingMode::Standards,
        lang: Lang::JavaScript,
    };
    let file = compile_section(
        &section,
        &test_context(),
        &DesignTokens::default(),
        &options,
    )
    .expect("compiles");
    let errors = jsx_parse_errors(&file.source);
    assert!(errors.is_empty(), "{errors:?} in\n{}", file.source);
    file.source
}

fn returned_jsx(source: &str) -> String {
    let start = source.find("  return (\n").expect("returns JSX") + "  return (\n".len();
    let end = source.rfind("  );\n").expect("closes the return");
    source[start..end]
        .lines()
        .map(|line| line.strip_prefix("    ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}
