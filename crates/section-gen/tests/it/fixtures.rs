//! Every section of every recorded fixture scrape, compiled in both deterministic styles:
//! one snapshot per fixture and style (TypeScript), and every file must parse with oxc, in
//! both languages.

use std::fmt::Write;

use replica_core::Lang;
use replica_core::OutputStyle;
use replica_section_gen::{CompileOptions, compile_plan, compile_wrappers, parse_errors};

use crate::{plan_of, workspace_fixtures};

fn scrape_dirs() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(workspace_fixtures().join("scrapes"))
        .expect("fixtures/scrapes exists")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("scrape.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_fixture_section_in_both_styles() {
    let dirs = scrape_dirs();
    assert!(
        dirs.len() >= 10,
        "expected the recorded fixtures, found {dirs:?}"
    );
    let mut files = 0;
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let (scrape, tokens, plan) = plan_of(&dir);
        for style in [OutputStyle::Faithful, OutputStyle::Tailwind] {
            let options = CompileOptions {
                style,
                mobile_dom: Some(&scrape.mobile.dom),
                rendering_mode: scrape.rendering_mode(),
                lang: Lang::TypeScript,
            };
            let mut snapshot = String::new();
            for (section, file) in plan
                .sections
                .iter()
                .zip(compile_plan(&plan, &tokens, &options))
            {
                let file = file.unwrap_or_else(|error| panic!("{name}: {error}"));
                let errors = parse_errors(&file.source, Lang::TypeScript);
                assert!(
                    errors.is_empty(),
                    "{name} {} ({}): {errors:?}\n{}",
                    file.path,
                    style.as_str(),
                    file.source
                );
                files += 1;
                let _ = writeln!(
                    snapshot,
                    "// ===== {} ({}, {})\n{}",
                    file.path,
                    section.id,
                    section.kind.as_str(),
                    file.source
                );
            }
            for wrapper in compile_wrappers(&plan, &tokens, &options) {
                let errors = parse_errors(&wrapper.source, Lang::TypeScript);
                assert!(errors.is_empty(), "{name} wrapper: {errors:?}");
                let _ = writeln!(
                    snapshot,
                    "// ===== {} (wrappers)\n{}",
                    wrapper.path, wrapper.source
                );
            }
            insta::assert_snapshot!(format!("{name}_{}", style.as_str()), snapshot);
            let javascript = CompileOptions {
                lang: Lang::JavaScript,
                ..options
            };
            let wrappers = compile_wrappers(&plan, &tokens, &javascript);
            for file in compile_plan(&plan, &tokens, &javascript)
                .into_iter()
                .flatten()
                .chain(wrappers)
            {
                assert!(file.path.ends_with(".jsx"), "{}", file.path);
                let errors = parse_errors(&file.source, Lang::JavaScript);
                assert!(errors.is_empty(), "{name} {}: {errors:?}", file.path);
            }
        }
    }
    assert!(files > 20, "only {files} files compiled");
}

#[test]
fn same_input_same_bytes() {
    let dir = workspace_fixtures().join("scrapes/landing");
    let (scrape, tokens, plan) = plan_of(&dir);
    for style in [OutputStyle::Faithful, OutputStyle::Tailwind] {
        let options = CompileOptions {
            style,
            mobile_dom: Some(&scrape.mobile.dom),
            rendering_mode: scrape.rendering_mode(),
            lang: Lang::TypeScript,
        };
        let sources = |_: ()| -> Vec<String> {
            compile_plan(&plan, &tokens, &options)
                .into_iter()
                .map(|file| file.unwrap().source)
                .collect()
        };
        assert_eq!(sources(()), sources(()));
    }
}
