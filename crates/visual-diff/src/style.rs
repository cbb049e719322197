//! The computed-style diff: which elements of the clone differ from the original in the
//! properties a reader notices, and how much.
//!
//! Elements are matched in three passes over the original in document order, each pass only
//! among elements neither side has matched yet, and always between elements of the same tag:
//!
//! 1. **path** — the same DOM path (`html>body[1]>div[2]`, 1-based among same-tag siblings)
//!    under parents matched to each other, when the subtree text is the same or the boxes
//!    overlap (intersection over union ≥ 0.5);
//! 2. **text** — the same non-empty subtree text; among several, the one whose parent is
//!    matched to the original's parent, then the nearest box;
//! 3. **box** — the largest box overlap, at least 0.5.
//!
//! For each matched pair visible on both sides (a non-empty box), the diff lists the
//! differences in colour, background, font family, size and weight, line height, margins,
//! padding, size and position, each with a [`Severity`]. A pair visible on one side only has
//! one difference, `visible`. Four rules keep the list about causes rather than consequences:
//! - an inherited property (colour and font properties) is reported where the difference starts:
//!   not on an element whose parents are a visible matched pair and which, on both sides, only
//!   has its parent's value;
//! - position is the offset inside the parent's box when the parents are matched to each
//!   other, so a block pushed down by a taller one is reported, not every element inside it
//!   (page coordinates otherwise: a wrapper that only one side has moves nothing);
//! - a width that changed exactly as much as the matched parent's width is not reported (block
//!   layout hands widths down);
//! - an element hidden on one side is not reported when its parent is hidden the same way.
//!
//! Severities (lengths in CSS px, sub-pixel is always low):
//!
//! | property | medium from | high from |
//! |---|---|---|
//! | colour, background colour | YIQ delta over pixelmatch's 0.05 | over 0.1 (the pixel diff's) |
//! | font size | 0.5 | 1 |
//! | margins, padding, line height, width, height | 1 | 4 |
//! | x, y | 1 | 8 |
//! | font family | — | another first family (fallbacks only: low) |
//! | font weight | any other weight | crossing 600 (normal ↔ bold) |
//! | background image | another image | none on one side |
//!
//! The scrape stores computed style minus the tag's browser default, so an absent property is
//! the default: where the default is the same everywhere (black text, transparent background,
//! no margin on a `div`) it is filled in; otherwise the difference is reported with `null` for
//! the absent side and medium severity.
//!
//! Elements left unmatched are listed as `missing` (original only) or `extra` (clone only) when
//! visible, topmost only: the children of a missing element are not listed again.

use std::collections::HashMap;

use replica_core::{BrowserDefaults, Device, DeviceCapture, DomElement, DomNode, Rect};
use serde::{Deserialize, Serialize};

use crate::pixel::{Threshold, color_delta};

/// How much a difference matters to someone comparing the pages side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Sub-pixel or below what the eye separates.
    Low,
    /// Visible on a close look, or a value that could not be measured.
    Medium,
    /// Beyond the tolerances: a different colour, font, or a size off by several pixels.
    High,
}

/// How an original element found its counterpart in the clone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    Path,
    Text,
    Box,
}

/// The result of [`diff_styles`]; serialises to the `style-diff.json` of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StyleDiff {
    pub device: Device,
    pub summary: StyleDiffSummary,
    /// Matched elements with at least one difference, in the original's document order.
    pub elements: Vec<ElementDiff>,
    /// Visible elements of the original with no counterpart in the clone (topmost only).
    pub missing: Vec<ElementRef>,
    /// Visible elements of the clone with no counterpart in the original (topmost only).
    pub extra: Vec<ElementRef>,
}

impl StyleDiff {
    /// Whether the clone matches the original element for element with no difference at all.
    pub fn is_clean(&self) -> bool {
        self.elements.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }

    /// At most `limit` differing elements, worst first: by severity, then by how many
    /// differences of that severity they have, then in document order. What a fix prompt
    /// should start with.
    pub fn most_severe(&self, limit: usize) -> Vec<&ElementDiff> {
        let mut elements: Vec<&ElementDiff> = self.elements.iter().collect();
        let at_worst = |element: &ElementDiff| {
            element
                .differences
                .iter()
                .filter(|difference| difference.severity == element.severity)
                .count()
        };
        // Stable: equal elements keep document order.
        elements.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| at_worst(b).cmp(&at_worst(a)))
        });
        elements.truncate(limit);
        elements
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StyleDiffSummary {
    pub original_elements: usize,
    pub clone_elements: usize,
    pub matched: usize,
    pub missing: usize,
    pub extra: usize,
    /// Matched elements with at least one difference.
    pub elements_with_differences: usize,
    /// Differences by severity, over all elements.
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

/// A matched pair and what differs between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementDiff {
    pub original: ElementRef,
    pub clone: ElementRef,
    pub matched_by: MatchedBy,
    /// The worst severity among `differences`.
    pub severity: Severity,
    pub differences: Vec<PropertyDifference>,
}

/// Enough to find an element again: its id in its capture, its DOM path, tag, text and box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementRef {
    pub id: u32,
    pub path: String,
    pub tag: String,
    /// The subtree text, whitespace collapsed, cut to 80 characters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    #[serde(rename = "box")]
    pub rect: Rect,
}

/// One property that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PropertyDifference {
    /// A CSS property name; `width`, `height`, `x`, `y` of the element's box (`x`/`y`
    /// relative to the parent's box); or `visible` (`true`/`false`: whether the box is empty)
    /// for an element shown on one side only.
    pub property: String,
    /// The value in the original; `None` when it is the tag's browser default.
    pub original: Option<String>,
    /// The value in the clone; `None` when it is the tag's browser default.
    pub clone: Option<String>,
    /// `clone - original` in CSS px for lengths; `None` for other values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_px: Option<f64>,
    pub severity: Severity,
}

/// Matches the elements of `original` and `clone` and lists their style differences (see the
/// module docs).
pub fn diff_styles(original: &DeviceCapture, clone: &DeviceCapture) -> StyleDiff {
    let original_nodes = flatten(&original.dom);
    let clone_nodes = flatten(&clone.dom);
    let matching = match_elements(&original_nodes, &clone_nodes);

    let mut elements = Vec::new();
    let mut summary = StyleDiffSummary {
        original_elements: original_nodes.len(),
        clone_elements: clone_nodes.len(),
        ..StyleDiffSummary::default()
    };
    for (index, node) in original_nodes.iter().enumerate() {
        let Some((clone_index, matched_by)) = matching.clone_of[index] else {
            continue;
        };
        summary.matched += 1;
        let clone_node = &clone_nodes[clone_index];
        let original_parent = node.parent.map(|parent| &original_nodes[parent]);
        let clone_parent = clone_node.parent.map(|parent| &clone_nodes[parent]);
        let parents_paired = match (node.parent, clone_node.parent) {
            (Some(op), Some(cp)) => matching.clone_of[op].is_some_and(|(matched, _)| matched == cp),
            _ => false,
        };
        let differences = match (node.visible(), clone_node.visible()) {
            (false, false) => continue,
            (true, true) => Pair {
                original: node,
                clone: clone_node,
                original_parent,
                clone_parent,
                parents_paired,
                original_defaults: &original.browser_defaults,
                clone_defaults: &clone.browser_defaults,
            }
            .differences(),
            (original_visible, clone_visible) => {
                // Shown on one side only: said once, at the topmost element hidden that way.
                let parent_hidden_alike = parents_paired
                    && original_parent.is_some_and(|p| p.visible() == original_visible)
                    && clone_parent.is_some_and(|p| p.visible() == clone_visible);
                if parent_hidden_alike {
                    continue;
                }
                vec![PropertyDifference {
                    property: "visible".to_owned(),
                    original: Some(original_visible.to_string()),
                    clone: Some(clone_visible.to_string()),
                    delta_px: None,
                    severity: Severity::High,
                }]
            }
        };
        let pair = (node, clone_node);
        let Some(severity) = differences.iter().map(|d| d.severity).max() else {
            continue;
        };
        for difference in &differences {
            match difference.severity {
                Severity::High => summary.high += 1,
                Severity::Medium => summary.medium += 1,
                Severity::Low => summary.low += 1,
            }
        }
        elements.push(ElementDiff {
            original: pair.0.to_ref(),
            clone: pair.1.to_ref(),
            matched_by,
            severity,
            differences,
        });
    }
    summary.elements_with_differences = elements.len();

    let original_matched: Vec<bool> = matching.clone_of.iter().map(Option::is_some).collect();
    let clone_matched: Vec<bool> = matching.original_of.iter().map(Option::is_some).collect();
    let missing = topmost_unmatched(&original_nodes, &original_matched);
    let extra = topmost_unmatched(&clone_nodes, &clone_matched);
    summary.missing = missing.len();
    summary.extra = extra.len();

    StyleDiff {
        device: original.device,
        summary,
        elements,
        missing,
        extra,
    }
}

/// An element with what matching needs, in a flat pre-order list.
#[derive(Debug)]
struct Node<'a> {
    element: &'a DomElement,
    parent: Option<usize>,
    path: String,
    text: String,
}

impl Node<'_> {
    fn visible(&self) -> bool {
        !self.element.rect.is_empty()
    }

    fn to_ref(&self) -> ElementRef {
        ElementRef {
            id: self.element.id,
            path: self.path.clone(),
            tag: self.element.tag.clone(),
            text: self.text.chars().take(80).collect(),
            rect: self.element.rect,
        }
    }
}

/// Recursive: captures reach us through serde_json, whose nesting limit keeps DOMs shallow.
fn flatten(root: &DomElement) -> Vec<Node<'_>> {
    fn visit<'a>(
        element: &'a DomElement,
        parent: Option<usize>,
        path: String,
        out: &mut Vec<Node<'a>>,
    ) -> String {
        let index = out.len();
        out.push(Node {
            element,
            parent,
            path: path.clone(),
            text: String::new(),
        });
        let mut raw = String::new();
        let mut seen: HashMap<&str, u32> = HashMap::new();
        for child in &element.children {
            match child {
                DomNode::Text(text) => raw.push_str(text),
                DomNode::Element(child) => {
                    let nth = seen.entry(child.tag.as_str()).or_default();
                    *nth += 1;
                    let child_path = format!("{path}>{}[{nth}]", child.tag);
                    raw.push_str(&visit(child, Some(index), child_path, out));
                    raw.push(' ');
                }
            }
        }
        // Collapsed like `DomElement::text_content`, built bottom-up so each text is read once.
        let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        out[index].text.clone_from(&text);
        text
    }
    let mut out = Vec::new();
    visit(root, None, root.tag.clone(), &mut out);
    out
}

#[derive(Debug)]
struct Matching {
    /// For each original node: its clone node and how it was found.
    clone_of: Vec<Option<(usize, MatchedBy)>>,
    /// For each clone node: its original node.
    original_of: Vec<Option<usize>>,
}

impl Matching {
    fn pair(&mut self, original: usize, clone: usize, by: MatchedBy) {
        self.clone_of[original] = Some((clone, by));
        self.original_of[clone] = Some(original);
    }
}

/// Boxes overlapping at least this much (intersection over union) are the same element.
const MIN_BOX_OVERLAP: f64 = 0.5;

fn match_elements(original: &[Node<'_>], clone: &[Node<'_>]) -> Matching {
    let mut matching = Matching {
        clone_of: vec![None; original.len()],
        original_of: vec![None; clone.len()],
    };

    let by_path: HashMap<&str, usize> = clone
        .iter()
        .enumerate()
        .map(|(index, node)| (node.path.as_str(), index))
        .collect();
    for (index, node) in original.iter().enumerate() {
        let Some(&candidate) = by_path.get(node.path.as_str()) else {
            continue;
        };
        let other = &clone[candidate];
        // Pre-order: parents are decided first. Under parents that did not match, the same
        // path is a coincidence (the siblings shifted), not the same element.
        let parents_paired = match (node.parent, other.parent) {
            (None, None) => true,
            (Some(parent), Some(other_parent)) => {
                matching.clone_of[parent].is_some_and(|(matched, _)| matched == other_parent)
            }
            _ => false,
        };
        if parents_paired && (node.text == other.text || same_box(node, other)) {
            matching.pair(index, candidate, MatchedBy::Path);
        }
    }

    let mut by_text: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut by_tag: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, node) in clone.iter().enumerate() {
        if matching.original_of[index].is_some() {
            continue;
        }
        if !node.text.is_empty() {
            by_text
                .entry((node.element.tag.as_str(), node.text.as_str()))
                .or_default()
                .push(index);
        }
        by_tag
            .entry(node.element.tag.as_str())
            .or_default()
            .push(index);
    }

    for (index, node) in original.iter().enumerate() {
        if matching.clone_of[index].is_some() || node.text.is_empty() {
            continue;
        }
        let Some(candidates) = by_text.get(&(node.element.tag.as_str(), node.text.as_str())) else {
            continue;
        };
        let parent_match = node
            .parent
            .and_then(|parent| matching.clone_of[parent])
            .map(|(clone_parent, _)| clone_parent);
        let best = candidates
            .iter()
            .copied()
            .filter(|&candidate| matching.original_of[candidate].is_none())
            .min_by(|&x, &y| {
                let rank = |candidate: usize| {
                    (
                        clone[candidate].parent != parent_match || parent_match.is_none(),
                        centre_distance(node.element.rect, clone[candidate].element.rect),
                    )
                };
                let (x_parent, x_distance) = rank(x);
                let (y_parent, y_distance) = rank(y);
                x_parent
                    .cmp(&y_parent)
                    .then(x_distance.total_cmp(&y_distance))
            });
        if let Some(candidate) = best {
            matching.pair(index, candidate, MatchedBy::Text);
        }
    }

    for (index, node) in original.iter().enumerate() {
        if matching.clone_of[index].is_some() || node.element.rect.is_empty() {
            continue;
        }
        let Some(candidates) = by_tag.get(node.element.tag.as_str()) else {
            continue;
        };
        let best = candidates
            .iter()
            .copied()
            .filter(|&candidate| matching.original_of[candidate].is_none())
            .map(|candidate| {
                (
                    candidate,
                    overlap(node.element.rect, clone[candidate].element.rect),
                )
            })
            .filter(|&(_, overlap)| overlap >= MIN_BOX_OVERLAP)
            .max_by(|x, y| x.1.total_cmp(&y.1));
        if let Some((candidate, _)) = best {
            matching.pair(index, candidate, MatchedBy::Box);
        }
    }
    matching
}

fn same_box(a: &Node<'_>, b: &Node<'_>) -> bool {
    a.element.rect == b.element.rect || overlap(a.element.rect, b.element.rect) >= MIN_BOX_OVERLAP
}

/// Intersection over union of two boxes, 0 when either is empty.
fn overlap(a: Rect, b: Rect) -> f64 {
    let intersection = a.intersection(&b).area();
    let union = a.area() + b.area() - intersection;
    if union <= 0.0 {
        0.0
    } else {
        intersection / union
    }
}

fn centre_distance(a: Rect, b: Rect) -> f64 {
    let dx = (a.x + a.width / 2.0) - (b.x + b.width / 2.0);
    let dy = (a.y + a.height / 2.0) - (b.y + b.height / 2.0);
    dx.hypot(dy)
}

/// Visible unmatched nodes with no listed ancestor, in document order.
fn topmost_unmatched(nodes: &[Node<'_>], matched: &[bool]) -> Vec<ElementRef> {
    // Pre-order: a parent's flag is set before its children are visited.
    let mut covered = vec![false; nodes.len()];
    let mut listed = Vec::new();
    for (index, node) in nodes.iter().enumerate() {
        let parent_covered = node.parent.is_some_and(|parent| covered[parent]);
        if parent_covered {
            covered[index] = true;
        } else if !matched[index] && node.visible() {
            covered[index] = true;
            listed.push(node.to_ref());
        }
    }
    listed
}

/// A matched pair being diffed.
struct Pair<'a, 'n> {
    original: &'n Node<'a>,
    clone: &'n Node<'a>,
    original_parent: Option<&'n Node<'a>>,
    clone_parent: Option<&'n Node<'a>>,
    /// The parents are matched to each other.
    parents_paired: bool,
    /// What each capture's styles leave out.
    original_defaults: &'n BrowserDefaults,
    clone_defaults: &'n BrowserDefaults,
}

/// What kind of value a compared property holds, which decides how it is compared.
#[derive(Debug, Clone, Copy)]
enum ValueKind {
    Color,
    BackgroundImage,
    FontFamily,
    FontWeight,
    /// A length with the thresholds (in px) from which a difference is medium, then high.
    Length {
        medium: f64,
        high: f64,
    },
}

const FONT_SIZE: ValueKind = ValueKind::Length {
    medium: 0.5,
    high: 1.0,
};
const SPACING: ValueKind = ValueKind::Length {
    medium: 1.0,
    high: 4.0,
};
const POSITION: ValueKind = ValueKind::Length {
    medium: 1.0,
    high: 8.0,
};

/// The computed-style properties compared, whether they inherit, and how they compare.
const STYLE_PROPERTIES: [(&str, bool, ValueKind); 15] = [
    ("color", true, ValueKind::Color),
    ("background-color", false, ValueKind::Color),
    ("background-image", false, ValueKind::BackgroundImage),
    ("font-family", true, ValueKind::FontFamily),
    ("font-size", true, FONT_SIZE),
    ("font-weight", true, ValueKind::FontWeight),
    ("line-height", true, SPACING),
    ("margin-top", false, SPACING),
    ("margin-right", false, SPACING),
    ("margin-bottom", false, SPACING),
    ("margin-left", false, SPACING),
    ("padding-top", false, SPACING),
    ("padding-right", false, SPACING),
    ("padding-bottom", false, SPACING),
    ("padding-left", false, SPACING),
];

impl Pair<'_, '_> {
    fn differences(&self) -> Vec<PropertyDifference> {
        let mut differences = Vec::new();
        for (property, inherited, kind) in STYLE_PROPERTIES {
            if inherited && self.inherits_on_both_sides(property) {
                continue;
            }
            let original = self
                .original
                .element
                .computed(self.original_defaults, property);
            let clone = self.clone.element.computed(self.clone_defaults, property);
            if let Some(difference) = compare_values(property, kind, original, clone) {
                differences.push(difference);
            }
        }

        let (original, clone) = (self.original.element.rect, self.clone.element.rect);
        if !self.width_follows_parent() {
            differences.extend(compare_lengths(
                "width",
                SPACING,
                original.width,
                clone.width,
            ));
        }
        differences.extend(compare_lengths(
            "height",
            SPACING,
            original.height,
            clone.height,
        ));
        // Relative to matched parents, so a moved block is reported and not what moved with it;
        // in page coordinates otherwise (an extra wrapper on one side moves nothing).
        let origin = |parent: Option<&Node<'_>>| match parent {
            Some(parent) if self.parents_paired => (parent.element.rect.x, parent.element.rect.y),
            _ => (0.0, 0.0),
        };
        let (original_parent_x, original_parent_y) = origin(self.original_parent);
        let (clone_parent_x, clone_parent_y) = origin(self.clone_parent);
        let position = [
            (
                "x",
                original.x - original_parent_x,
                clone.x - clone_parent_x,
            ),
            (
                "y",
                original.y - original_parent_y,
                clone.y - clone_parent_y,
            ),
        ];
        for (property, original, clone) in position {
            differences.extend(compare_lengths(property, POSITION, original, clone));
        }
        differences
    }

    /// Whether the width changed exactly as much as the matched parent's did: block layout
    /// hands widths down, so the difference is the parent's.
    fn width_follows_parent(&self) -> bool {
        let (Some(original_parent), Some(clone_parent)) = (self.original_parent, self.clone_parent)
        else {
            return false;
        };
        let parent_change = clone_parent.element.rect.width - original_parent.element.rect.width;
        let change = self.clone.element.rect.width - self.original.element.rect.width;
        self.parents_paired && round(parent_change) != 0.0 && (change - parent_change).abs() < 0.5
    }

    fn inherits_on_both_sides(&self, property: &str) -> bool {
        let (Some(original_parent), Some(clone_parent)) = (self.original_parent, self.clone_parent)
        else {
            return false;
        };
        // At a visible matched parent pair the difference was either reported or suppressed
        // for the same reason, up to where it starts.
        self.parents_paired
            && original_parent.visible()
            && clone_parent.visible()
            && self.original.element.style(property) == original_parent.element.style(property)
            && self.clone.element.style(property) == clone_parent.element.style(property)
    }
}

fn compare_values(
    property: &str,
    kind: ValueKind,
    original: Option<&str>,
    clone: Option<&str>,
) -> Option<PropertyDifference> {
    if original == clone {
        return None;
    }
    let difference = |severity, delta_px| {
        Some(PropertyDifference {
            property: property.to_owned(),
            original: original.map(str::to_owned),
            clone: clone.map(str::to_owned),
            delta_px,
            severity,
        })
    };
    // One side is an unknown browser default: different, by an amount we cannot measure.
    let (Some(original), Some(clone)) = (original, clone) else {
        return difference(Severity::Medium, None);
    };
    match kind {
        ValueKind::Color => match (parse_color(original), parse_color(clone)) {
            (Some(a), Some(b)) if a == b => None,
            (Some(a), Some(b)) => difference(color_severity(color_delta(a, b)), None),
            _ => difference(Severity::Medium, None),
        },
        ValueKind::BackgroundImage => {
            let (a, b) = (background_key(original), background_key(clone));
            if a == b {
                None
            } else if a == "none" || b == "none" {
                difference(Severity::High, None)
            } else {
                difference(Severity::Medium, None)
            }
        }
        ValueKind::FontFamily => {
            let (a, b) = (font_families(original), font_families(clone));
            if a == b {
                None
            } else if a.first() == b.first() {
                // The same face renders; only the fallbacks differ.
                difference(Severity::Low, None)
            } else {
                difference(Severity::High, None)
            }
        }
        ValueKind::FontWeight => match (parse_weight(original), parse_weight(clone)) {
            (Some(a), Some(b)) if a == b => None,
            // Crossing 600 turns normal text bold or back, which anyone sees.
            (Some(a), Some(b)) if (a >= 600.0) != (b >= 600.0) => difference(Severity::High, None),
            _ => difference(Severity::Medium, None),
        },
        ValueKind::Length { .. } => match (parse_px(original), parse_px(clone)) {
            (Some(a), Some(b)) if round(b - a) == 0.0 => None,
            (Some(a), Some(b)) => {
                let delta = round(b - a);
                difference(length_severity(kind, delta), Some(delta))
            }
            _ => difference(Severity::Medium, None),
        },
    }
}

fn compare_lengths(
    property: &str,
    kind: ValueKind,
    original: f64,
    clone: f64,
) -> Option<PropertyDifference> {
    let delta = round(clone - original);
    if delta == 0.0 {
        return None;
    }
    Some(PropertyDifference {
        property: property.to_owned(),
        original: Some(format_px(original)),
        clone: Some(format_px(clone)),
        delta_px: Some(delta),
        severity: length_severity(kind, delta),
    })
}

fn length_severity(kind: ValueKind, delta: f64) -> Severity {
    let ValueKind::Length { medium, high } = kind else {
        return Severity::Medium;
    };
    let delta = delta.abs();
    if delta >= high {
        Severity::High
    } else if delta >= medium {
        Severity::Medium
    } else {
        Severity::Low
    }
}

/// Colours are judged on pixelmatch's scale: below its threshold at 0.05 they look alike,
/// below the 0.1 the pixel diff uses they are not even counted as different pixels.
fn color_severity(delta: f64) -> Severity {
    let Ok(low) = Threshold::new(0.05) else {
        unreachable!("0.05 is a valid threshold")
    };
    if delta <= low.max_delta() {
        Severity::Low
    } else if delta <= Threshold::DEFAULT.max_delta() {
        Severity::Medium
    } else {
        Severity::High
    }
}

/// Two decimals: boxes come with two, and float noise should not make a difference.
fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn format_px(value: f64) -> String {
    format!("{}px", round(value))
}

fn parse_px(value: &str) -> Option<f64> {
    value.strip_suffix("px")?.trim().parse().ok()
}

fn parse_weight(value: &str) -> Option<f64> {
    match value {
        "normal" => Some(400.0),
        "bold" => Some(700.0),
        number => number.parse().ok(),
    }
}

/// A computed colour as RGBA bytes, in any notation Chromium serialises (`rgb()`, and
/// `oklch()`, `lab()` or `color(display-p3 ...)` for colours authored in those spaces).
fn parse_color(value: &str) -> Option<[u8; 4]> {
    replica_css::parse_color(value).map(replica_css::Rgba::to_bytes)
}

/// Background images compared by what they draw: an image by its file name (the clone serves
/// assets from its own `public/`), anything else as written.
fn background_key(value: &str) -> String {
    replica_css::rewrite_every_url(value, |url| {
        let reference = url.reference.trim();
        let file = reference
            .split(['?', '#'])
            .next()
            .unwrap_or(reference)
            .rsplit('/')
            .next()
            .unwrap_or(reference);
        Some(file.to_string())
    })
}

fn font_families(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|family| family.trim().trim_matches(['"', '\'']).to_lowercase())
        .filter(|family| !family.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_as_chromium_serialises_them() {
        assert_eq!(parse_color("rgb(15, 23, 42)"), Some([15, 23, 42, 255]));
        assert_eq!(
            parse_color("rgba(255, 255, 255, 0.92)"),
            Some([255, 255, 255, 235])
        );
        assert_eq!(parse_color("rgb(1 2 3 / 50%)"), Some([1, 2, 3, 128]));
        assert_eq!(parse_color("transparent"), Some([0, 0, 0, 0]));
        // Tailwind v4's blue-600: the copies of the parser used to disagree (this gave None).
        assert_eq!(
            parse_color("oklch(0.546 0.245 262.881)"),
            Some([21, 93, 252, 255])
        );
        assert_eq!(parse_color("rgb(1, 2)"), None);
    }

    #[test]
    fn background_urls_compare_by_file_name() {
        assert_eq!(
            background_key(
                r#"url("http://127.0.0.1:41730/x/img/fjord.png?v=2"), linear-gradient(red, blue)"#
            ),
            "url(fjord.png), linear-gradient(red, blue)"
        );
        assert_eq!(background_key("url(/assets/fjord.png)"), "url(fjord.png)");
        assert_eq!(background_key("none"), "none");
    }

    #[test]
    fn font_families_ignore_quotes_and_case() {
        assert_eq!(
            font_families(r#""DejaVu Sans", Verdana, sans-serif"#),
            ["dejavu sans", "verdana", "sans-serif"]
        );
    }

    #[test]
    fn severities_follow_the_tolerances() {
        let diff = |kind, a, b| compare_values("p", kind, Some(a), Some(b)).map(|d| d.severity);
        assert_eq!(diff(FONT_SIZE, "16px", "16px"), None);
        assert_eq!(diff(FONT_SIZE, "16px", "16.2px"), Some(Severity::Low));
        assert_eq!(diff(FONT_SIZE, "16px", "16.5px"), Some(Severity::Medium));
        assert_eq!(diff(FONT_SIZE, "16px", "15px"), Some(Severity::High));
        assert_eq!(diff(SPACING, "8px", "11px"), Some(Severity::Medium));
        assert_eq!(diff(SPACING, "auto", "11px"), Some(Severity::Medium));
        assert_eq!(
            diff(ValueKind::Color, "rgb(0, 0, 0)", "rgba(0, 0, 0, 1)"),
            None
        );
        assert_eq!(
            diff(ValueKind::Color, "rgb(100, 100, 100)", "rgb(104, 104, 104)"),
            Some(Severity::Low)
        );
        assert_eq!(
            diff(ValueKind::Color, "rgb(100, 100, 100)", "rgb(120, 120, 120)"),
            Some(Severity::Medium)
        );
        assert_eq!(
            diff(ValueKind::Color, "rgb(0, 0, 0)", "rgb(255, 0, 0)"),
            Some(Severity::High)
        );
        assert_eq!(
            diff(ValueKind::FontWeight, "400", "700"),
            Some(Severity::High)
        );
        assert_eq!(
            diff(ValueKind::FontWeight, "400", "500"),
            Some(Severity::Medium)
        );
        assert_eq!(diff(ValueKind::FontWeight, "bold", "700"), None);
        assert_eq!(
            diff(
                ValueKind::FontFamily,
                "Arial, sans-serif",
                "\"arial\", Helvetica"
            ),
            Some(Severity::Low)
        );
        assert_eq!(
            diff(ValueKind::FontFamily, "Arial, sans-serif", "Georgia, serif"),
            Some(Severity::High)
        );
        assert_eq!(
            diff(ValueKind::BackgroundImage, "none", "url(a.png)"),
            Some(Severity::High)
        );
        // An unknown default on one side is a difference of unknown size.
        assert_eq!(
            compare_values("margin-top", SPACING, None, Some("16px")).map(|d| d.severity),
            Some(Severity::Medium)
        );
    }
}
