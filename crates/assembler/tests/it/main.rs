//! Integration tests of replica-assembler, one binary: the skeleton, whole projects
//! assembled from every recorded fixture with the real stages C, D and E (snapshotted and
//! checked by the JSX validator), and asset localisation against a local HTTP server.

mod assets;
mod fixtures;
mod next_build;
mod review;
mod skeleton;

use std::path::{Path, PathBuf};

use replica_assembler::{AssembleInput, Assembly, ProjectStyle, assemble};
use replica_core::OutputStyle;
use replica_core::{ComponentFile, DesignTokens, Lang, Plan, ProjectFiles, ScrapeData};
use replica_section_gen::{
    CompileOptions, LayoutWidths, compile_plan, compile_wrappers, tailwind_theme,
};

/// The workspace's `fixtures/`.
pub fn workspace_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

pub fn scrape_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(workspace_fixtures().join("scrapes"))
        .expect("fixtures/scrapes exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("scrape.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// A recorded scrape through the real stages C, D and E in `style` and `lang`.
pub fn generate(
    dir: &Path,
    style: OutputStyle,
    lang: Lang,
) -> (ScrapeData, DesignTokens, Plan, Vec<ComponentFile>) {
    let scrape = ScrapeData::load(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
    let tokens = replica_design_tokens::extract(&scrape);
    let plan = replica_planner::plan(&scrape, &tokens);
    let options = CompileOptions {
        style,
        mobile_dom: Some(&scrape.mobile.dom),
        rendering_mode: scrape.rendering_mode(),
        lang,
    };
    let components = compile_plan(&plan, &tokens, &options)
        .into_iter()
        .map(|result| result.unwrap_or_else(|error| panic!("{}: {error}", dir.display())))
        .collect();
    (scrape, tokens, plan, components)
}

/// The assembler's style for section-gen's, with the theme the components were written for.
pub fn project_style(
    style: OutputStyle,
    tokens: &DesignTokens,
    scrape: &ScrapeData,
) -> ProjectStyle {
    match style {
        OutputStyle::Faithful => ProjectStyle::Faithful,
        OutputStyle::Tailwind => ProjectStyle::Tailwind {
            theme_extend: serde_json::to_value(tailwind_theme(
                tokens,
                Some(LayoutWidths::of(scrape)),
            ))
            .expect("theme serializes"),
        },
    }
}

pub fn assemble_fixture(dir: &Path, style: OutputStyle, lang: Lang) -> Assembly {
    let (scrape, tokens, plan, components) = generate(dir, style, lang);
    let project_style = project_style(style, &tokens, &scrape);
    let options = CompileOptions {
        style,
        mobile_dom: Some(&scrape.mobile.dom),
        rendering_mode: scrape.rendering_mode(),
        lang,
    };
    let wrappers = compile_wrappers(&plan, &tokens, &options);
    assemble(&AssembleInput {
        scrape: &scrape,
        plan: &plan,
        tokens: &tokens,
        components: &components,
        wrappers: &wrappers,
        style: &project_style,
        lang,
        stylesheet_sources: &[],
        site: None,
    })
    .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
}

/// All files as one text: `--- path` then the contents; component sources (section-gen's
/// snapshots) and binary files by size only, the lock file by what it locks.
pub fn render(files: &ProjectFiles) -> String {
    let mut out = String::new();
    for (path, file) in &files.files {
        if path == "package-lock.json" {
            let lock: serde_json::Value =
                serde_json::from_str(files.text(path).unwrap_or_default()).unwrap();
            let packages = lock["packages"].as_object().map_or(0, |p| p.len() - 1);
            out.push_str(&format!("--- {path} ({packages} packages)\n"));
            continue;
        }
        match files.text(path) {
            Some(text) if !path.starts_with("components/") && !path.starts_with("public/") => {
                out.push_str(&format!("--- {path}\n{text}"));
                if !text.ends_with('\n') {
                    out.push('\n');
                }
            }
            _ => out.push_str(&format!("--- {path} ({} bytes)\n", file.contents.len())),
        }
    }
    out
}
