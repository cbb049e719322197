//! Keeping the elements around the sections: what every section sits in becomes the plan's
//! wrapper chain (rendered once around the page); what only some sections sit in is copied
//! into each of them, the copies made continuations of one another.

use std::collections::{HashMap, HashSet};

use replica_core::{DomElement, DomNode};

use crate::PlacedUnit;
use crate::units::{continuation, copy_with};

/// Ids of the elements strictly between `<body>` and the element `id`, outermost first (empty
/// for `<body>` itself and for an id the body does not hold).
pub(crate) fn outer_path(body: &DomElement, id: u32) -> Vec<u32> {
    let Some(path) = crate::path(body, id) else {
        return Vec::new();
    };
    path.get(1..path.len().saturating_sub(1))
        .map(<[u32]>::to_vec)
        .unwrap_or_default()
}

/// Whether where the element sits in the tree leaves its look unchanged: it renders nothing,
/// or it is positioned against the viewport or the page (see [`contains_positioned`] for the
/// exception).
pub(crate) fn moves_freely(element: &DomElement) -> bool {
    renders_nothing(element) || matches!(element.style("position"), Some("fixed" | "absolute"))
}

fn renders_nothing(element: &DomElement) -> bool {
    const UNRENDERED: &[&str] = &[
        "script", "style", "link", "meta", "noscript", "template", "base", "title",
    ];
    if UNRENDERED.contains(&element.tag.as_str()) || element.style("display") == Some("none") {
        return true;
    }
    let mut has_area = false;
    element.walk(&mut |e| has_area |= !e.rect.is_empty() && e.style("display") != Some("none"));
    !has_area
}

/// Whether `wrapper` would become the containing block of `element` if the element moved
/// inside it: a positioned wrapper for an absolute element; a transformed, filtered or
/// contained one for a fixed or absolute element.
pub(crate) fn contains_positioned(wrapper: &DomElement, element: &DomElement) -> bool {
    if renders_nothing(element) {
        return false;
    }
    let set = |property: &str| wrapper.style(property).is_some_and(|v| v.trim() != "none");
    let contains_fixed = set("transform")
        || set("perspective")
        || set("filter")
        || set("backdrop-filter")
        || wrapper.style("contain").is_some_and(|v| {
            ["layout", "paint", "strict", "content"]
                .iter()
                .any(|c| v.contains(c))
        })
        || wrapper.style("will-change").is_some_and(|v| {
            ["transform", "perspective", "filter"]
                .iter()
                .any(|c| v.contains(c))
        });
    match element.style("position") {
        Some("fixed") => contains_fixed,
        Some("absolute") => {
            contains_fixed
                || wrapper
                    .style("position")
                    .is_some_and(|p| p.trim() != "static")
        }
        _ => false,
    }
}

/// The roots of one unit, each nested in copies of its ancestors below the wrapper chain;
/// consecutive roots with the same ancestor share one copy. A root outside the chain (one
/// that moves freely) stays a root: it renders inside the wrappers.
pub(crate) fn in_ancestors(
    body: &DomElement,
    wrappers: &[u32],
    roots: Vec<DomElement>,
) -> Vec<DomElement> {
    let items = roots
        .into_iter()
        .map(|root| {
            let outer = outer_path(body, root.id);
            let below = match outer.strip_prefix(wrappers) {
                Some(below) => below.to_vec(),
                None => Vec::new(),
            };
            (below, root)
        })
        .collect();
    group(body, items)
}

fn group(body: &DomElement, items: Vec<(Vec<u32>, DomElement)>) -> Vec<DomElement> {
    let mut out = Vec::new();
    let mut items = items.into_iter().peekable();
    while let Some((below, root)) = items.next() {
        let Some((&head, rest)) = below.split_first() else {
            out.push(root);
            continue;
        };
        let mut run = vec![(rest.to_vec(), root)];
        while let Some((next, _)) = items.peek() {
            if next.first() != Some(&head) {
                break;
            }
            if let Some((next, root)) = items.next() {
                run.push((next[1..].to_vec(), root));
            }
        }
        let children = group(body, run);
        match body.find(head) {
            Some(ancestor) => out.push(copy_with(
                ancestor,
                children.into_iter().map(DomNode::Element).collect(),
            )),
            None => out.extend(children),
        }
    }
    out
}

/// Every element that appears more than once across the units (a split block, an ancestor
/// copied into several sections, a text's parent) becomes a chain of continuations in
/// document order. Wrappers are left alone: they appear only as the anonymous boxes of loose
/// text, which have no style of their own.
pub(crate) fn continue_copies(body: &DomElement, units: &mut [PlacedUnit], wrappers: &[u32]) {
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for placed in units.iter() {
        for root in &placed.unit.roots {
            root.walk(&mut |e| *counts.entry(e.id).or_default() += 1);
        }
    }
    counts.retain(|id, count| *count > 1 && !wrappers.contains(id));
    if counts.is_empty() {
        return;
    }
    let flex_items = flex_items(body, &counts);
    let mut seen: HashMap<u32, usize> = HashMap::new();
    for placed in units.iter_mut() {
        for root in &mut placed.unit.roots {
            walk_mut(root, &mut |e| {
                let Some(&count) = counts.get(&e.id) else {
                    return;
                };
                let index = seen.entry(e.id).or_default();
                let in_flex = flex_items.contains(&e.id);
                continuation(e, *index > 0, *index + 1 < count, in_flex);
                *index += 1;
            });
        }
    }
}

/// Which of `ids` are items of a flex container (their parent's `display` is flex on the
/// desktop capture).
fn flex_items(body: &DomElement, ids: &HashMap<u32, usize>) -> HashSet<u32> {
    let mut found = HashSet::new();
    body.walk(&mut |parent| {
        let display = parent.style("display").unwrap_or_default();
        if !matches!(display.trim(), "flex" | "inline-flex") {
            return;
        }
        for child in &parent.children {
            if let DomNode::Element(child) = child
                && ids.contains_key(&child.id)
            {
                found.insert(child.id);
            }
        }
    });
    found
}

/// Visits an element, then the elements below it, in document order.
fn walk_mut(element: &mut DomElement, visit: &mut impl FnMut(&mut DomElement)) {
    visit(element);
    for child in &mut element.children {
        if let DomNode::Element(child) = child {
            walk_mut(child, visit);
        }
    }
}
