//! Cutting the body into units: the scrape's sections, blocks between them that stand on their
//! own, giant blocks split into viewport-sized parts, and everything else attached to a unit.

use replica_core::{DomElement, DomNode, Rect, SectionKind};

/// One future section: its DOM pieces and what decides where its band starts.
#[derive(Debug, Clone)]
pub(crate) struct Unit {
    pub kind: SectionKind,
    /// DOM pieces in document order. A piece is an element of the page with its whole subtree,
    /// or a *part*: a copy of a split block holding only some of its children.
    pub roots: Vec<DomElement>,
    /// The elements whose boxes place the unit (attached pieces never move a band).
    pub anchors: Vec<Anchor>,
    /// Fixed or sticky on desktop: its box says where it was when captured, not where it sits.
    pub pinned: bool,
    /// Id of the unit's own element (the section, stray block or split block): its background
    /// is the section's.
    pub primary: u32,
}

/// An element whose box places the unit: its top is where the band starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Anchor {
    pub id: u32,
    pub rect: Rect,
}

/// Blocks shorter than this are spacers or rules (the scrape uses the same bound).
pub(crate) const MIN_BLOCK_HEIGHT: f64 = 8.0;

pub(crate) fn is_rendered(el: &DomElement) -> bool {
    !el.rect.is_empty()
        && el.style("display") != Some("none")
        && !matches!(el.style("visibility"), Some("hidden" | "collapse"))
        && el
            .style("opacity")
            .is_none_or(|o| o.parse::<f64>().map_or(true, |o| o > 0.01))
}

/// Laid out at a place: shown, with a box that has a height or a width (a `<br>` has no
/// width but marks a line).
pub(crate) fn is_placed(el: &DomElement) -> bool {
    (el.rect.width > 0.0 || el.rect.height > 0.0)
        && el.style("display") != Some("none")
        && !matches!(el.style("visibility"), Some("hidden" | "collapse"))
}

pub(crate) fn is_out_of_flow(el: &DomElement) -> bool {
    matches!(el.style("position"), Some("absolute" | "fixed"))
}

fn has_text(node: &DomNode) -> bool {
    match node {
        DomNode::Text(t) => !t.trim().is_empty(),
        DomNode::Element(_) => false,
    }
}

/// Kind of a block the scrape did not classify, from its tag and place.
pub(crate) fn simple_kind(el: &DomElement, first: bool) -> SectionKind {
    let role = el.attr("role").unwrap_or("");
    match el.tag.as_str() {
        "footer" => SectionKind::Footer,
        "header" | "nav" => SectionKind::Navbar,
        _ if role == "contentinfo" => SectionKind::Footer,
        _ if role == "navigation" || role == "banner" => SectionKind::Navbar,
        _ => {
            let mut has_h1 = false;
            el.walk(&mut |e| has_h1 |= e.tag == "h1");
            if first && has_h1 {
                SectionKind::Hero
            } else {
                SectionKind::Content
            }
        }
    }
}

/// Splits a block taller than two viewports into parts about one viewport tall, cutting only
/// between rows of its children (never beside a child, never after running text that may share
/// a line with the next element). Each part is a copy of the block holding a run of its
/// children; once the page is cut the block renders once around them (see `outline`). A part
/// that is a single child still taller than two viewports is split the same way inside.
/// Returns `None` when no cut is possible.
pub(crate) fn split(
    block: &DomElement,
    viewport_height: f64,
) -> Option<Vec<(DomElement, Vec<Anchor>)>> {
    if block.rect.height <= 2.0 * viewport_height {
        return None;
    }
    let children = &block.children;
    let mut groups: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    let mut group_top = block.rect.y;
    let mut max_bottom = block.rect.y;
    let mut after_text = false;
    for (i, child) in children.iter().enumerate() {
        match child {
            DomNode::Text(_) => after_text |= has_text(child),
            DomNode::Element(c) => {
                if !is_placed(c) || is_out_of_flow(c) {
                    continue;
                }
                let new_row = c.rect.y >= max_bottom - 1.0;
                if i > start && !after_text && new_row && c.rect.y - group_top >= viewport_height {
                    groups.push((start, i));
                    start = i;
                    group_top = c.rect.y;
                }
                max_bottom = max_bottom.max(c.rect.bottom());
                after_text = false;
            }
        }
    }
    groups.push((start, children.len()));
    // A last sliver is not worth a section of its own.
    if groups.len() >= 2 {
        let last_top = first_rendered(&children[groups[groups.len() - 1].0..])
            .map_or(block.rect.bottom(), |e| e.rect.y);
        if block.rect.bottom() - last_top < viewport_height / 4.0 {
            let (_, end) = groups.pop().expect("two groups");
            groups.last_mut().expect("one group").1 = end;
        }
    }
    let mut parts: Vec<(DomElement, Vec<Anchor>)> = Vec::new();
    for &(from, to) in &groups {
        let run = &children[from..to];
        let rendered: Vec<&DomElement> = run
            .iter()
            .filter_map(|c| match c {
                DomNode::Element(e) if is_rendered(e) => Some(e),
                _ => None,
            })
            .collect();
        let inner = match rendered.as_slice() {
            [only] if !run.iter().any(has_text) => {
                split(only, viewport_height).map(|sub| (*only, sub))
            }
            _ => None,
        };
        match inner {
            Some((only, sub_parts)) => {
                let position = run
                    .iter()
                    .position(|c| matches!(c, DomNode::Element(e) if std::ptr::eq(e, only)))
                    .unwrap_or(0);
                let count = sub_parts.len();
                for (k, (sub, anchors)) in sub_parts.into_iter().enumerate() {
                    let mut nodes = Vec::new();
                    if k == 0 {
                        nodes.extend_from_slice(&run[..position]);
                    }
                    nodes.push(DomNode::Element(sub));
                    if k + 1 == count {
                        nodes.extend_from_slice(&run[position + 1..]);
                    }
                    parts.push((copy_with(block, nodes), anchors));
                }
            }
            None => {
                let anchors = run
                    .iter()
                    .filter_map(|c| match c {
                        DomNode::Element(e) if is_placed(e) && !is_out_of_flow(e) => Some(Anchor {
                            id: e.id,
                            rect: e.rect,
                        }),
                        _ => None,
                    })
                    .collect();
                parts.push((copy_with(block, run.to_vec()), anchors));
            }
        }
    }
    if parts.len() < 2 {
        return None;
    }
    // The first part starts where the block does (its padding and border included).
    parts[0].1 = vec![Anchor {
        id: block.id,
        rect: block.rect,
    }];
    Some(parts)
}

fn first_rendered(nodes: &[DomNode]) -> Option<&DomElement> {
    nodes.iter().find_map(|c| match c {
        DomNode::Element(e) if is_placed(e) && !is_out_of_flow(e) => Some(e),
        _ => None,
    })
}

/// A shallow copy of `block` with other children.
pub(crate) fn copy_with(block: &DomElement, children: Vec<DomNode>) -> DomElement {
    DomElement {
        id: block.id,
        tag: block.tag.clone(),
        attrs: block.attrs.clone(),
        rect: block.rect,
        style: block.style.clone(),
        before: block.before.clone(),
        after: block.after.clone(),
        state: block.state.clone(),
        children,
    }
}
