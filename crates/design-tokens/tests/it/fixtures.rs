//! Tokens of every recorded fixture scrape: one snapshot each, plus properties that must hold
//! for any page. Data-driven over `fixtures/scrapes/*`, so a re-record changes snapshots, not code.

use std::path::{Path, PathBuf};

use replica_core::{DesignTokens, ScrapeData};

/// The recorded fixtures (what the snapshots are of).
pub fn fixture_dirs() -> Vec<(String, PathBuf)> {
    scrapes_in(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes"))
}

/// What the property tests run over: the fixtures, or every scrape in `$REPLICA_SCRAPES` (a
/// folder of `replica scrape` outputs) to check the same properties on other pages.
pub fn scrape_dirs() -> Vec<(String, PathBuf)> {
    match std::env::var_os("REPLICA_SCRAPES") {
        Some(dir) => scrapes_in(&PathBuf::from(dir)),
        None => fixture_dirs(),
    }
}

fn scrapes_in(root: &Path) -> Vec<(String, PathBuf)> {
    let mut dirs: Vec<(String, PathBuf)> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join(ScrapeData::FILE_NAME).is_file())
        .map(|path| {
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                path,
            )
        })
        .collect();
    dirs.sort();
    assert!(
        !dirs.is_empty(),
        "no recorded scrapes in {}",
        root.display()
    );
    dirs
}

pub fn load(path: &Path) -> ScrapeData {
    ScrapeData::load(path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn tokens_of_every_fixture() {
    for (name, path) in fixture_dirs() {
        let tokens = replica_design_tokens::extract(&load(&path));
        insta::with_settings!({ snapshot_suffix => name.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("tokens", tokens);
        });
    }
}

#[test]
fn extraction_is_deterministic_and_round_trips_through_json() {
    for (name, path) in scrape_dirs() {
        let scrape = load(&path);
        let tokens = replica_design_tokens::extract(&scrape);
        assert_eq!(
            tokens,
            replica_design_tokens::extract(&scrape),
            "{name}: two runs differ"
        );
        let json = serde_json::to_string(&tokens).unwrap();
        let back: DesignTokens = serde_json::from_str(&json).unwrap();
        assert_eq!(back, tokens, "{name}: JSON round trip changed the tokens");
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        for key in [
            "colors",
            "typography",
            "spacing",
            "components",
            "animation",
            "borders",
            "layout",
            "_fallback",
        ] {
            assert!(
                value.get(key).is_some(),
                "{name}: design_tokens.json lacks {key}"
            );
        }
        assert!(
            tokens.fallback.is_empty(),
            "{name}: extraction alone never falls back"
        );
    }
}

/// Every page has a page background and, when it has visible text, a body colour and family.
#[test]
fn every_page_with_text_gets_its_basics() {
    for (name, path) in scrape_dirs() {
        let scrape = load(&path);
        let tokens = replica_design_tokens::extract(&scrape);
        assert!(
            tokens.colors.backgrounds.page.is_some(),
            "{name}: no page background"
        );
        let has_text = scrape.desktop.fonts_in_use.iter().any(|f| f.characters > 0);
        if has_text {
            // Pages whose only text is headings or navigation on a bar have no body colour.
            let text = &tokens.colors.text;
            let some_text_colour =
                text.body.is_some() || text.heading.is_some() || text.on_dark.is_some();
            assert!(some_text_colour, "{name}: no text colour at all");
            assert!(
                tokens.typography.families.body.is_some(),
                "{name}: no body family"
            );
            assert!(
                tokens.typography.scale.desktop.body.is_some(),
                "{name}: no desktop body style"
            );
            assert!(
                tokens.typography.scale.mobile.body.is_some(),
                "{name}: no mobile body style"
            );
        }
        if let Some(primary) = &tokens.colors.primary {
            assert_ne!(
                Some(primary),
                tokens.colors.backgrounds.page.as_ref(),
                "{name}: primary is the page background"
            );
        }
        let widths: Vec<f64> = tokens
            .layout
            .breakpoints
            .iter()
            .map(|b| {
                let (number, factor) = match b.strip_suffix("px") {
                    Some(n) => (n, 1.0),
                    None => (b.trim_end_matches("rem").trim_end_matches("em"), 16.0),
                };
                number.parse::<f64>().unwrap() * factor
            })
            .collect();
        assert!(
            widths.windows(2).all(|w| w[0] < w[1]),
            "{name}: breakpoints not ascending: {:?}",
            tokens.layout.breakpoints
        );
        for grid in &tokens.layout.grid_columns {
            assert!(
                grid.section < scrape.desktop.sections.len(),
                "{name}: grid names a section that does not exist"
            );
            assert!(grid.columns >= 2 && grid.mobile_columns >= 1);
        }
    }
}
