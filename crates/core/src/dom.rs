//! The captured DOM: a JSON-friendly tree of elements and verbatim text nodes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::BrowserDefaults;

/// A box in document coordinates (CSS px, independent of scroll position).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }

    pub fn right(&self) -> f64 {
        self.x + self.width
    }

    pub fn area(&self) -> f64 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    pub fn is_empty(&self) -> bool {
        self.width <= 0.0 || self.height <= 0.0
    }

    /// The part of `self` that lies inside `other` (empty when they do not meet).
    pub fn intersection(&self, other: &Rect) -> Rect {
        let x = self.x.max(other.x);
        let y = self.y.max(other.y);
        let right = self.right().min(other.right());
        let bottom = self.bottom().min(other.bottom());
        Rect {
            x,
            y,
            width: (right - x).max(0.0),
            height: (bottom - y).max(0.0),
        }
    }
}

/// One child of an element: another element or a text node kept exactly as the page had it
/// (whitespace included, because JSX generation needs HTML whitespace semantics).
// Unboxed on purpose: trees are a few thousand nodes, and plain values keep building and
// matching them simple.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DomNode {
    Text(String),
    Element(DomElement),
}

/// An element as the browser rendered it once the page settled.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DomElement {
    /// Pre-order index among the captured elements of one device capture, starting at 0 for
    /// `<html>`. Desktop and mobile ids match when scripts built the same DOM on both.
    pub id: u32,
    /// Lower-case HTML tag name; SVG elements keep their case (`linearGradient`).
    pub tag: String,
    /// Attributes in document order, `on*` handlers removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<(String, String)>,
    #[serde(rename = "box")]
    pub rect: Rect,
    /// Computed style minus what the same tag computes to in an unstyled document, plus
    /// `width` and `height` as declared where they are not `auto` (`50%`, `calc(...)`, lengths
    /// in px; the used size is `rect`). Inline boxes and SVG shapes have no declared size here.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub style: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<PseudoElement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<PseudoElement>,
    /// Live state of form controls and what scripts drew, keyed by property:
    /// `value`, `checked`, `selected`, `canvas` (a PNG data URL of a `<canvas>`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub state: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<DomNode>,
}

/// A `::before` or `::after` box with its `content` and non-default style.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PseudoElement {
    pub content: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub style: BTreeMap<String, String>,
}

impl DomElement {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn style(&self, property: &str) -> Option<&str> {
        self.style.get(property).map(String::as_str)
    }

    /// The full computed value: the captured one, else what the tag computes to unstyled
    /// (which is exactly what the capture left out).
    pub fn computed<'a>(
        &'a self,
        defaults: &'a BrowserDefaults,
        property: &str,
    ) -> Option<&'a str> {
        self.style(property)
            .or_else(|| defaults.value(&self.tag, property))
    }

    pub fn child_elements(&self) -> impl Iterator<Item = &DomElement> {
        self.children.iter().filter_map(|child| match child {
            DomNode::Element(element) => Some(element),
            DomNode::Text(_) => None,
        })
    }

    /// Visits this element and every element below it in document order.
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a DomElement)) {
        visit(self);
        for child in self.child_elements() {
            child.walk(visit);
        }
    }

    /// Finds the element with `id` in this subtree.
    pub fn find(&self, id: u32) -> Option<&DomElement> {
        if self.id == id {
            return Some(self);
        }
        // Ids are pre-order, so the subtree holding `id` is the last child starting at or before it.
        let mut candidate = None;
        for child in self.child_elements() {
            if child.id > id {
                break;
            }
            candidate = Some(child);
        }
        candidate.and_then(|child| child.find(id))
    }

    /// The text of this subtree with runs of whitespace collapsed, as a reader sees it.
    pub fn text_content(&self) -> String {
        let mut raw = String::new();
        self.collect_text(&mut raw);
        collapse_whitespace(&raw)
    }

    fn collect_text(&self, out: &mut String) {
        for child in &self.children {
            match child {
                DomNode::Text(text) => out.push_str(text),
                DomNode::Element(element) => {
                    element.collect_text(out);
                    out.push(' ');
                }
            }
        }
    }

    /// Number of elements in this subtree, itself included.
    pub fn element_count(&self) -> usize {
        1 + self
            .child_elements()
            .map(DomElement::element_count)
            .sum::<usize>()
    }
}

/// What a page's scripts left different on one element at phone width (a class added to
/// collapse a sidebar, an inline size): the clone applies it below [`MOBILE_MAX_WIDTH`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MobileState {
    /// Classes the element has only on mobile, and only on desktop.
    pub add_classes: Vec<String>,
    pub remove_classes: Vec<String>,
    /// The mobile `style` attribute (empty when it has none) where it differs from desktop's.
    pub style: Option<String>,
}

/// The widest viewport the mobile capture stands for (tailwind's `md:` starts at 768 px).
pub const MOBILE_MAX_WIDTH: u32 = 767;

impl MobileState {
    /// The attributes that carry it into the clone's markup, read by its `DeviceState`
    /// component (`data-mobile-add-class`, `data-mobile-remove-class`, `data-mobile-style`).
    pub fn attributes(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if !self.add_classes.is_empty() {
            out.push((
                "data-mobile-add-class".to_string(),
                self.add_classes.join(" "),
            ));
        }
        if !self.remove_classes.is_empty() {
            out.push((
                "data-mobile-remove-class".to_string(),
                self.remove_classes.join(" "),
            ));
        }
        if let Some(style) = &self.style {
            out.push(("data-mobile-style".to_string(), style.clone()));
        }
        out
    }
}

impl DomElement {
    /// How this element's classes and inline style differ in `mobile`, the same element in
    /// the mobile capture; `None` when they agree, or when `mobile` may be another element
    /// (ids shift where scripts built different DOMs: tag, `id` and child count must agree;
    /// an element without children, such as a wrapper's shell in a plan, is not counted).
    pub fn mobile_state(&self, mobile: &DomElement) -> Option<MobileState> {
        let same = self.tag == mobile.tag
            && self.attr("id") == mobile.attr("id")
            && (self.children.is_empty()
                || self.child_elements().count() == mobile.child_elements().count());
        if !same {
            return None;
        }
        let classes = |element: &DomElement| -> Vec<String> {
            let mut classes: Vec<String> = Vec::new();
            for class in element.attr("class").unwrap_or("").split_ascii_whitespace() {
                if !classes.iter().any(|seen| seen == class) {
                    classes.push(class.to_string());
                }
            }
            classes
        };
        let (desktop_classes, mobile_classes) = (classes(self), classes(mobile));
        let missing_from = |from: &[String], of: &[String]| -> Vec<String> {
            of.iter()
                .filter(|class| !from.contains(class))
                .cloned()
                .collect()
        };
        let normalized = |element: &DomElement| {
            let style = element.attr("style").unwrap_or("").trim();
            style.trim_end_matches(';').trim().to_string()
        };
        let mobile_style = normalized(mobile);
        let state = MobileState {
            add_classes: missing_from(&desktop_classes, &mobile_classes),
            remove_classes: missing_from(&mobile_classes, &desktop_classes),
            style: (normalized(self) != mobile_style).then_some(mobile_style),
        };
        (state != MobileState::default()).then_some(state)
    }
}

/// Collapses whitespace runs to one space and trims the ends.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn element(id: u32, tag: &str, children: Vec<DomNode>) -> DomElement {
        DomElement {
            id,
            tag: tag.into(),
            children,
            ..DomElement::default()
        }
    }

    #[test]
    fn mobile_state_is_the_class_and_style_difference_of_the_same_element() {
        let with = |attrs: &[(&str, &str)]| DomElement {
            tag: "aside".into(),
            attrs: attrs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            ..DomElement::default()
        };
        let desktop = with(&[("id", "s"), ("class", "sidebar open"), ("style", "top: 0;")]);
        let mobile = with(&[
            ("id", "s"),
            ("class", "sidebar collapsed"),
            ("style", "top: 0"),
        ]);
        let state = desktop.mobile_state(&mobile).unwrap();
        assert_eq!(
            state.attributes(),
            vec![
                ("data-mobile-add-class".to_string(), "collapsed".to_string()),
                ("data-mobile-remove-class".to_string(), "open".to_string()),
            ]
        );
        let styled = with(&[
            ("id", "s"),
            ("class", "sidebar open"),
            ("style", "top: 4px"),
        ]);
        assert_eq!(
            desktop.mobile_state(&styled).unwrap().style.as_deref(),
            Some("top: 4px")
        );
        assert_eq!(desktop.mobile_state(&desktop.clone()), None);
        // Another element under the same id (the DOMs differ): nothing is carried over.
        let other = with(&[("id", "t"), ("class", "x")]);
        assert_eq!(desktop.mobile_state(&other), None);
    }

    #[test]
    fn find_and_text_follow_preorder_ids() {
        let tree = element(
            0,
            "body",
            vec![
                DomNode::Element(element(
                    1,
                    "h1",
                    vec![DomNode::Text("Hello\n  world".into())],
                )),
                DomNode::Text("\n".into()),
                DomNode::Element(element(
                    2,
                    "p",
                    vec![DomNode::Element(element(
                        3,
                        "b",
                        vec![DomNode::Text("bold".into())],
                    ))],
                )),
            ],
        );
        assert_eq!(tree.find(3).map(|e| e.tag.as_str()), Some("b"));
        assert_eq!(tree.find(9), None);
        assert_eq!(tree.text_content(), "Hello world bold");
        assert_eq!(tree.element_count(), 4);
    }

    #[test]
    fn text_and_elements_round_trip_through_json() {
        let node = DomNode::Element(element(0, "p", vec![DomNode::Text(" a ".into())]));
        let json = serde_json::to_string(&node).unwrap();
        assert_eq!(
            json,
            r#"{"id":0,"tag":"p","box":{"x":0.0,"y":0.0,"width":0.0,"height":0.0},"children":[" a "]}"#
        );
        assert_eq!(serde_json::from_str::<DomNode>(&json).unwrap(), node);
    }

    #[test]
    fn intersection_of_disjoint_rects_is_empty() {
        let a = Rect {
            x: 0.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        };
        let b = Rect {
            x: 20.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        };
        assert!(a.intersection(&b).is_empty());
        assert_eq!(a.intersection(&a), a);
    }
}
