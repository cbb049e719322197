//! The plan of every recorded fixture, snapshotted without image bytes (crop sizes instead)
//! and with each section's DOM summarized (root tags and ids, element counts).

use std::path::{Path, PathBuf};

use replica_core::{OutlineNode, Plan, ScrapeData};
use serde_json::{Value, json};

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

pub fn plan_of(scrape: &ScrapeData) -> Plan {
    let tokens = replica_design_tokens::extract(scrape);
    replica_planner::plan(scrape, &tokens)
}

fn shorten(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        text.to_string()
    } else {
        format!(
            "{}… ({count} chars)",
            text.chars().take(max).collect::<String>()
        )
    }
}

/// The plan as JSON with the bulky parts summarized.
pub fn summary(plan: &Plan) -> Value {
    let mut value = serde_json::to_value(plan).unwrap();
    value["outline"] = outline_summary(&plan.outline);
    // The scrape's table, copied whole (the scrape fixture holds it): only its size here.
    value["shared_context"]["browser_defaults"] = json!(format!(
        "{} tags",
        plan.shared_context.browser_defaults.tags.len()
    ));
    for (section, original) in value["sections"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .zip(&plan.sections)
    {
        let data = &mut section["data"];
        data["dom"] = original
            .data
            .dom
            .iter()
            .map(|root| json!({ "tag": root.tag, "id": root.id, "elements": root.element_count() }))
            .collect();
        data["container"] = original
            .data
            .container
            .as_ref()
            .map_or(Value::Null, |c| json!({ "tag": c.tag, "id": c.id }));
        data["text_content"] = json!(shorten(&original.data.text_content, 160));
        data["paragraphs"] = original
            .data
            .paragraphs
            .iter()
            .map(|p| json!(shorten(p, 80)))
            .collect();
        data["logo_svg"] = json!(original.data.logo_svg.as_ref().map(|svg| shorten(svg, 60)));
        for key in ["links", "nav_links", "images", "buttons"] {
            let items = data[key].as_array().cloned().unwrap_or_default();
            data[key] = items
                .iter()
                .map(|item| {
                    let text = item
                        .get("text")
                        .or(item.get("alt"))
                        .cloned()
                        .unwrap_or(Value::Null);
                    json!({ "node": item["node"], "text": text })
                })
                .collect();
        }
    }
    value
}

/// Sections by id, wrappers by name and their elements' tag, id and attributes.
fn outline_summary(nodes: &[OutlineNode]) -> Value {
    nodes
        .iter()
        .map(|node| match node {
            OutlineNode::Section { id } => json!(id),
            OutlineNode::Wrapper(wrapper) => json!({
                "wrapper": wrapper.component_name,
                "elements": wrapper
                    .elements
                    .iter()
                    .map(|e| json!({ "tag": e.tag, "id": e.id, "attrs": e.attrs }))
                    .collect::<Vec<_>>(),
                "children": outline_summary(&wrapper.children),
            }),
        })
        .collect()
}

#[test]
fn plan_of_every_fixture() {
    for (name, path) in fixture_dirs() {
        let plan = plan_of(&load(&path));
        insta::with_settings!({ snapshot_suffix => name.clone(), prepend_module_to_snapshot => false }, {
            insta::assert_json_snapshot!("plan", summary(&plan));
        });
    }
}
