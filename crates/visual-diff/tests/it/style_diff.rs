//! The computed-style diff on recorded scrapes: every fixture against itself, and the cases in
//! `tests/fixtures/style-diff/*.json` — a pair of recorded captures, optionally with edits
//! applied to the clone side (restyle, move, remove or wrap an element), each snapshotted and
//! checked for the differences its edits must produce.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use replica_core::{Device, DeviceCapture, DomElement, DomNode, Rect, ScrapeData};
use replica_visual_diff::{ElementDiff, MatchedBy, Severity, StyleDiff, diff_styles};
use serde::Deserialize;

fn scrapes_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scrapes")
}

fn load(name: &str) -> ScrapeData {
    ScrapeData::load(&scrapes_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_fixture_against_itself_is_clean() {
    let mut names: Vec<String> = std::fs::read_dir(scrapes_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join(ScrapeData::FILE_NAME).is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "fixtures missing: {names:?}");
    for name in names {
        let scrape = load(&name);
        for device in Device::ALL {
            let capture = scrape.device(device);
            let diff = diff_styles(capture, capture);
            assert!(diff.is_clean(), "{name} {device:?}: {diff:#?}");
            assert_eq!(diff.summary.matched, diff.summary.original_elements);
            assert_eq!(diff.summary.original_elements, capture.dom.element_count());
            assert_eq!(diff.device, device);
        }
    }
}

#[test]
fn style_diff_cases() {
    insta::glob!("../fixtures/style-diff", "*.json", |path| {
        let case = StyleDiffCase::read(path);
        let original = case.original.capture();
        let mut clone = case.clone.capture();
        for edit in &case.edits {
            edit.apply(&mut clone.dom);
        }
        renumber(&mut clone.dom, &mut 0);

        let diff = diff_styles(&original, &clone);
        check_consistency(&diff);
        for edit in &case.edits {
            edit.check(&original.dom, &diff);
        }
        insta::assert_json_snapshot!(diff);
    });
}

/// What a case file holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleDiffCase {
    /// What the case shows, for the reader of the file.
    #[allow(dead_code)]
    about: String,
    original: CaptureRef,
    clone: CaptureRef,
    #[serde(default)]
    edits: Vec<Edit>,
}

impl StyleDiffCase {
    fn read(path: &Path) -> StyleDiffCase {
        let text = std::fs::read_to_string(path).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptureRef {
    scrape: String,
    device: Device,
}

impl CaptureRef {
    fn capture(&self) -> DeviceCapture {
        load(&self.scrape).device(self.device).clone()
    }
}

/// The n-th element (1-based, document order) with this tag and, when given, this text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Select {
    tag: String,
    text: Option<String>,
    #[serde(default = "first")]
    nth: usize,
}

fn first() -> usize {
    1
}

/// A change to the clone, as a generator getting something wrong would make it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Edit {
    select: Select,
    /// Computed-style properties to set.
    #[serde(default)]
    set_style: BTreeMap<String, String>,
    /// Moves the element and everything in it, then resizes the element itself.
    move_box: Option<BoxChange>,
    /// Drops the element and its subtree.
    #[serde(default)]
    remove: bool,
    /// Empties the boxes of the element and its subtree, as `display: none` does.
    #[serde(default)]
    hide: bool,
    /// Puts the element inside a new element with this tag, same box, inheriting its parent's
    /// text styles (what a generator's extra wrapper looks like in a capture).
    wrap: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct BoxChange {
    dx: f64,
    dy: f64,
    dw: f64,
    dh: f64,
}

/// Properties a wrapper inherits from its parent, and so shows in its computed style.
const INHERITED: [&str; 8] = [
    "color",
    "-webkit-text-fill-color",
    "font-family",
    "font-size",
    "font-weight",
    "line-height",
    "letter-spacing",
    "text-align",
];

impl Edit {
    /// Child-index path from the root to the selected element.
    fn locate(&self, root: &DomElement) -> Vec<usize> {
        fn search(
            element: &DomElement,
            select: &Select,
            seen: &mut usize,
            path: &mut Vec<usize>,
        ) -> bool {
            let text_matches = select
                .text
                .as_ref()
                .is_none_or(|text| &element.text_content() == text);
            if element.tag == select.tag && text_matches {
                *seen += 1;
                if *seen == select.nth {
                    return true;
                }
            }
            for (index, child) in element.children.iter().enumerate() {
                if let DomNode::Element(child) = child {
                    path.push(index);
                    if search(child, select, seen, path) {
                        return true;
                    }
                    path.pop();
                }
            }
            false
        }
        let mut path = Vec::new();
        assert!(
            search(root, &self.select, &mut 0, &mut path),
            "no element matches {:?}",
            self.select
        );
        path
    }

    fn apply(&self, root: &mut DomElement) {
        let path = self.locate(root);
        let (last, parent_path) = path.split_last().expect("edits never select <html>");
        let mut parent = &mut *root;
        for &index in parent_path {
            parent = element_mut(&mut parent.children[index]);
        }
        let inherited: BTreeMap<String, String> = parent
            .style
            .iter()
            .filter(|(key, _)| INHERITED.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        if self.remove {
            parent.children.remove(*last);
            return;
        }
        let target = element_mut(&mut parent.children[*last]);
        for (property, value) in &self.set_style {
            // Inherited values flow down to the descendants that had inherited the old one.
            if INHERITED.contains(&property.as_str()) {
                let old = target.style.get(property).cloned();
                for child in &mut target.children {
                    if let DomNode::Element(child) = child {
                        inherit(child, property, old.as_deref(), value);
                    }
                }
            }
            target.style.insert(property.clone(), value.clone());
        }
        if let Some(change) = &self.move_box {
            shift(target, change.dx, change.dy);
            target.rect.width += change.dw;
            target.rect.height += change.dh;
        }
        if self.hide {
            hide(target);
        }
        if let Some(tag) = &self.wrap {
            let wrapped = parent.children.remove(*last);
            let DomNode::Element(element) = &wrapped else {
                unreachable!("selected nodes are elements")
            };
            let wrapper = DomElement {
                tag: tag.clone(),
                rect: element.rect,
                style: inherited,
                children: vec![wrapped],
                ..DomElement::default()
            };
            parent.children.insert(*last, DomNode::Element(wrapper));
        }
    }

    /// Asserts that the diff shows what this edit did.
    fn check(&self, original_root: &DomElement, diff: &StyleDiff) {
        let path = self.locate(original_root);
        let mut original = original_root;
        for &index in &path {
            let DomNode::Element(child) = &original.children[index] else {
                unreachable!()
            };
            original = child;
        }
        let reported = || -> &ElementDiff {
            diff.elements
                .iter()
                .find(|element| element.original.id == original.id)
                .unwrap_or_else(|| panic!("{:?} is not reported", self.select))
        };
        if self.remove {
            assert!(
                diff.missing.iter().any(|missing| missing.id == original.id),
                "removed {:?} is not missing",
                self.select
            );
            return;
        }
        if self.hide {
            let element = reported();
            assert_eq!(element.differences.len(), 1, "{element:#?}");
            assert_eq!(element.differences[0].property, "visible");
            assert_eq!(element.differences[0].clone.as_deref(), Some("false"));
            let mut inside = Vec::new();
            original.walk(&mut |e| inside.push(e.id));
            let repeated = diff
                .elements
                .iter()
                .filter(|e| inside.contains(&e.original.id));
            assert_eq!(
                repeated.count(),
                1,
                "descendants of a hidden element are reported"
            );
        }
        for (property, value) in &self.set_style {
            if original.style(property) == Some(value) {
                continue;
            }
            let difference = reported()
                .differences
                .iter()
                .find(|difference| &difference.property == property)
                .unwrap_or_else(|| panic!("{property} of {:?} is not reported", self.select));
            assert_eq!(difference.clone.as_deref(), Some(value.as_str()));
        }
        if let Some(change) = &self.move_box {
            for (property, delta) in [("width", change.dw), ("height", change.dh)] {
                if delta != 0.0 {
                    let difference = reported()
                        .differences
                        .iter()
                        .find(|difference| difference.property == property)
                        .unwrap_or_else(|| panic!("{property} of {:?} not reported", self.select));
                    assert_eq!(difference.delta_px, Some(delta));
                }
            }
        }
        if let Some(tag) = &self.wrap {
            assert!(
                diff.extra
                    .iter()
                    .any(|extra| &extra.tag == tag && extra.rect == original.rect),
                "the wrapper of {:?} is not extra",
                self.select
            );
            assert!(
                !diff.missing.iter().any(|missing| missing.id == original.id),
                "wrapped {:?} lost its match",
                self.select
            );
        }
    }
}

fn element_mut(node: &mut DomNode) -> &mut DomElement {
    match node {
        DomNode::Element(element) => element,
        DomNode::Text(_) => unreachable!("paths only go through elements"),
    }
}

fn inherit(element: &mut DomElement, property: &str, old: Option<&str>, new: &str) {
    if element.style(property) != old {
        return;
    }
    element.style.insert(property.to_owned(), new.to_owned());
    for child in &mut element.children {
        if let DomNode::Element(child) = child {
            inherit(child, property, old, new);
        }
    }
}

fn hide(element: &mut DomElement) {
    element.rect = Rect::default();
    for child in &mut element.children {
        if let DomNode::Element(child) = child {
            hide(child);
        }
    }
}

fn shift(element: &mut DomElement, dx: f64, dy: f64) {
    element.rect.x += dx;
    element.rect.y += dy;
    for child in &mut element.children {
        if let DomNode::Element(child) = child {
            shift(child, dx, dy);
        }
    }
}

/// Pre-order ids again after edits, as a capture of the edited page would number them.
fn renumber(element: &mut DomElement, next: &mut u32) {
    element.id = *next;
    *next += 1;
    for child in &mut element.children {
        if let DomNode::Element(child) = child {
            renumber(child, next);
        }
    }
}

/// Properties any diff must have, whatever the pages.
fn check_consistency(diff: &StyleDiff) {
    let summary = &diff.summary;
    assert!(summary.matched <= summary.original_elements.min(summary.clone_elements));
    assert_eq!(summary.elements_with_differences, diff.elements.len());
    assert_eq!(summary.missing, diff.missing.len());
    assert_eq!(summary.extra, diff.extra.len());
    let counted: usize = diff.elements.iter().map(|e| e.differences.len()).sum();
    assert_eq!(summary.high + summary.medium + summary.low, counted);
    let mut last_id = None;
    for element in &diff.elements {
        assert!(!element.differences.is_empty());
        let worst = element.differences.iter().map(|d| d.severity).max();
        assert_eq!(Some(element.severity), worst);
        assert_eq!(element.original.tag, element.clone.tag);
        assert!(last_id < Some(element.original.id), "not in document order");
        last_id = Some(element.original.id);
        for difference in &element.differences {
            assert_ne!(difference.original, difference.clone, "{element:#?}");
        }
        if element.matched_by == MatchedBy::Path {
            assert_eq!(element.original.path, element.clone.path);
        }
    }
    let json = serde_json::to_string(diff).unwrap();
    let back: StyleDiff = serde_json::from_str(&json).unwrap();
    assert_eq!(&back, diff, "JSON round trip");
}

#[test]
fn most_severe_puts_the_worst_elements_first() {
    let case = StyleDiffCase::read(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/style-diff/landing-edited.json"),
    );
    let original = case.original.capture();
    let mut clone = case.clone.capture();
    for edit in &case.edits {
        edit.apply(&mut clone.dom);
    }
    renumber(&mut clone.dom, &mut 0);
    let diff = diff_styles(&original, &clone);

    let top: Vec<(&str, Severity)> = diff
        .most_severe(3)
        .iter()
        .map(|element| (element.original.text.as_str(), element.severity))
        .collect();
    // The button has three high differences, the others one; the low background change of
    // the pricing card comes last.
    assert_eq!(top[0], ("Start free", Severity::High));
    assert!(top.iter().all(|(_, severity)| *severity == Severity::High));
    let all = diff.most_severe(usize::MAX);
    assert_eq!(all.len(), diff.elements.len());
    assert_eq!(
        all.last().map(|element| element.severity),
        Some(Severity::Low)
    );
    assert!(diff.most_severe(0).is_empty());
}

/// Small hand-made pages for the matching rules, in a capture taken from a fixture.
mod rules {
    use super::*;

    fn el(
        tag: &str,
        [x, y, width, height]: [f64; 4],
        style: &[(&str, &str)],
        children: Vec<DomNode>,
    ) -> DomNode {
        DomNode::Element(DomElement {
            tag: tag.to_owned(),
            rect: Rect {
                x,
                y,
                width,
                height,
            },
            style: style
                .iter()
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect(),
            children,
            ..DomElement::default()
        })
    }

    fn text(text: &str) -> DomNode {
        DomNode::Text(text.to_owned())
    }

    /// A capture whose body holds `children` (page 800 x 600).
    fn page(children: Vec<DomNode>) -> DeviceCapture {
        let mut capture = load("empty").desktop;
        let body = el("body", [0.0, 0.0, 800.0, 600.0], &[], children);
        let DomNode::Element(mut html) = el("html", [0.0, 0.0, 800.0, 600.0], &[], vec![body])
        else {
            unreachable!()
        };
        renumber(&mut html, &mut 0);
        capture.dom = html;
        capture
    }

    fn only_element(diff: &StyleDiff) -> &ElementDiff {
        assert_eq!(diff.elements.len(), 1, "{diff:#?}");
        &diff.elements[0]
    }

    #[test]
    fn equal_text_matches_under_the_matched_parent_first() {
        // Two "Docs" links, one per nav. The clone swapped and moved the navs, so paths point
        // at the wrong nav and the nearest "Docs" to the top link is the bottom nav's: only
        // the matched parent says which link is which.
        let nav = |id: &str, y: f64, color: &str| {
            el(
                "nav",
                [0.0, y, 800.0, 40.0],
                &[],
                vec![
                    el("span", [0.0, y, 100.0, 20.0], &[], vec![text(id)]),
                    el(
                        "a",
                        [100.0, y, 60.0, 20.0],
                        &[("color", color)],
                        vec![text("Docs")],
                    ),
                ],
            )
        };
        let (blue, green) = ("rgb(0, 0, 255)", "rgb(0, 128, 0)");
        let original = page(vec![nav("top", 0.0, blue), nav("bottom", 500.0, green)]);
        let clone = page(vec![nav("bottom", 100.0, green), nav("top", 300.0, blue)]);
        let diff = diff_styles(&original, &clone);
        assert!(
            diff.missing.is_empty() && diff.extra.is_empty(),
            "{diff:#?}"
        );
        assert_eq!(diff.summary.matched, 8);
        let reported: Vec<(&str, MatchedBy)> = diff
            .elements
            .iter()
            .map(|e| (e.original.tag.as_str(), e.matched_by))
            .collect();
        // The navs moved (and say so); the links inside them did not change.
        assert_eq!(
            reported,
            [("nav", MatchedBy::Text), ("nav", MatchedBy::Text)]
        );
    }

    #[test]
    fn changed_text_in_the_same_place_matches_by_box() {
        // The clone put a small heading first, so the paths of the headings shifted, and the
        // big heading's text changed: only the box still says which heading is which.
        let original = page(vec![el(
            "div",
            [0.0, 0.0, 800.0, 100.0],
            &[],
            vec![el(
                "h1",
                [20.0, 20.0, 400.0, 40.0],
                &[("font-size", "32px")],
                vec![text("Hello")],
            )],
        )]);
        let clone = page(vec![el(
            "div",
            [0.0, 0.0, 800.0, 100.0],
            &[],
            vec![
                el("h1", [0.0, 90.0, 10.0, 10.0], &[], vec![text("x")]),
                el(
                    "h1",
                    [20.0, 22.0, 400.0, 40.0],
                    &[("font-size", "30px")],
                    vec![text("Hello!")],
                ),
            ],
        )]);
        let diff = diff_styles(&original, &clone);
        let h1 = only_element(&diff);
        assert_eq!(h1.matched_by, MatchedBy::Box);
        assert_eq!(h1.clone.path, "html>body[1]>div[1]>h1[2]");
        let properties: Vec<&str> = h1.differences.iter().map(|d| d.property.as_str()).collect();
        assert_eq!(properties, ["font-size", "y"]);
        // Relative to the matched parent divs: 20 -> 22.
        assert_eq!(h1.differences[1].delta_px, Some(2.0));
        let extra: Vec<&str> = diff.extra.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(extra, ["html>body[1]>div[1]>h1[1]"]);
    }

    #[test]
    fn browser_defaults_fill_in_absent_values() {
        // A div's margin is 0 by default and text is black: spelling that out is no difference.
        // A paragraph's default margin comes from the capture's recorded defaults (16px at
        // 16px text), so a clone that zeroes it differs.
        let original = page(vec![
            el("div", [0.0, 0.0, 800.0, 20.0], &[], vec![text("a")]),
            el("p", [0.0, 20.0, 800.0, 20.0], &[], vec![text("b")]),
        ]);
        let clone = page(vec![
            el(
                "div",
                [0.0, 0.0, 800.0, 20.0],
                &[("margin-top", "0px"), ("color", "rgb(0, 0, 0)")],
                vec![text("a")],
            ),
            el(
                "p",
                [0.0, 20.0, 800.0, 20.0],
                &[("margin-top", "0px")],
                vec![text("b")],
            ),
        ]);
        let diff = diff_styles(&original, &clone);
        let p = only_element(&diff);
        assert_eq!(p.original.tag, "p");
        assert_eq!(p.differences.len(), 1);
        assert_eq!(p.differences[0].original.as_deref(), Some("16px"));
        assert_eq!(p.differences[0].clone.as_deref(), Some("0px"));
    }

    #[test]
    fn a_moved_block_is_reported_once_not_with_its_contents() {
        let block = |y: f64| {
            el(
                "section",
                [0.0, y, 800.0, 100.0],
                &[],
                vec![
                    el(
                        "h2",
                        [10.0, y + 10.0, 300.0, 30.0],
                        &[],
                        vec![text("Title")],
                    ),
                    el("p", [10.0, y + 50.0, 300.0, 30.0], &[], vec![text("Body")]),
                ],
            )
        };
        let original = page(vec![block(100.0)]);
        let clone = page(vec![block(140.0)]);
        let diff = diff_styles(&original, &clone);
        let section = only_element(&diff);
        assert_eq!(section.original.tag, "section");
        assert_eq!(section.differences.len(), 1);
        assert_eq!(section.differences[0].property, "y");
        assert_eq!(section.differences[0].delta_px, Some(40.0));
    }

    #[test]
    fn missing_and_extra_list_the_topmost_visible_element_only() {
        let card = |title: &str| {
            el(
                "article",
                [0.0, 0.0, 400.0, 200.0],
                &[],
                vec![
                    el("h3", [0.0, 0.0, 400.0, 30.0], &[], vec![text(title)]),
                    el("p", [0.0, 40.0, 400.0, 30.0], &[], vec![text("details")]),
                ],
            )
        };
        let original = page(vec![
            card("One"),
            el("span", [0.0, 0.0, 0.0, 0.0], &[], vec![text("hidden")]),
        ]);
        let clone = page(vec![el(
            "aside",
            [400.0, 0.0, 400.0, 200.0],
            &[],
            vec![el("b", [400.0, 0.0, 10.0, 10.0], &[], vec![])],
        )]);
        let diff = diff_styles(&original, &clone);
        let missing: Vec<&str> = diff.missing.iter().map(|e| e.tag.as_str()).collect();
        let extra: Vec<&str> = diff.extra.iter().map(|e| e.tag.as_str()).collect();
        assert_eq!(
            missing,
            ["article"],
            "the hidden span and the card's children are not listed"
        );
        assert_eq!(extra, ["aside"]);
    }
}
